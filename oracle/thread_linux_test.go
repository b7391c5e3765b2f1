//go:build linux && (amd64 || arm64)

package oracle

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestKernelExecTakesNoNumbers: an exec'd agent runs the agent image
// (the memfd, argv "pidcheck-agent") as one task, with no runtime thread
// and so no number taken: /proc/PID/task lists only the task, and the
// next fork gets the next number. After an exec by a non-leader, the
// process keeps the leader's number (de_thread) and the other threads are
// gone from /proc/PID/task.
func TestKernelExecTakesNoNumbers(t *testing.T) {
	needKernel(t)
	s, err := newSystem()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	run := func(line, want string) {
		t.Helper()
		op, err := model.ParseOp(line)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.apply(op)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := r.Format(op.Kind); got != want {
			t.Fatalf("%s -> %s, want %s", line, got, want)
		}
	}
	tasks := func(h model.Handle) []string {
		t.Helper()
		ents, err := os.ReadDir("/proc/" + strconv.Itoa(s.agents[h].hostPid) + "/task")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	run("t0 fork t1", "[2]")
	run("t1 exec", "ok")
	if got := tasks(1); len(got) != 1 || got[0] != strconv.Itoa(s.agents[1].hostPid) {
		t.Fatalf("after exec, /proc/PID/task lists %v, want only %d", got, s.agents[1].hostPid)
	}
	cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(s.agents[1].hostPid) + "/cmdline")
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(s.agents[1].hostPid) + "/exe")
	if string(cmd) != "pidcheck-agent\x00" || !strings.Contains(exe, "memfd:pidcheck-agent") {
		t.Fatalf("exec'd agent runs %q with argv %q, want the memfd pidcheck-agent", exe, cmd)
	}
	run("t1 fork t2", "[3]") // no runtime thread took 3
	run("t1 thread t3", "[4]")
	run("t1 thread t4", "[5]")
	run("t3 exec", "ok")
	run("t3 getpid", "2")
	run("t3 gettid", "2")
	if got := tasks(3); len(got) != 1 || got[0] != strconv.Itoa(s.agents[3].hostPid) {
		t.Fatalf("after exec by a non-leader, /proc/PID/task lists %v, want only %d", got, s.agents[3].hostPid)
	}
	run("t0 lookup 2", "t3")
	run("t0 lookup 4", "ESRCH") // the exec'ing thread's old number went with the old leader
	run("t0 lookup 5", "ESRCH")
	run("t3 fork t5", "[6]")
	run("t5 getppid", "2")
	run("t0 ns_last_pid 3", "ok")
	run("t0 fork t6", "[4]")
}
