package linux_test

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/checker/sched"
)

// TestThreadOpsRefused pins the refusal model/doc.go documents for an op an
// implementation lacks: the thread ops answer EINVAL from a live task and
// ESRCH from any other, and change nothing (the next fork takes the number
// a thread would have had). Threads in this implementation are a later step
// of issue 11; delete this test when they land.
func TestThreadOpsRefused(t *testing.T) {
	script := []struct{ op, want string }{
		{"t0 fork t1", "[2]"},
		{"t1 thread t2", "EINVAL"},
		{"t1 gettid", "EINVAL"},
		{"t1 exit_thread 3", "EINVAL"},
		{"t1 exec", "EINVAL"},
		{"t1 getpid", "2"},
		{"t0 fork t3", "[3]"},
		{"t3 exit 0", "ok"},
		{"t3 thread t4", "ESRCH"},
		{"t3 exit_thread 0", "ESRCH"},
		{"t9 exec", "ESRCH"},
		{"t9 gettid", "ESRCH"},
	}
	err := sched.RunReal(func(env sched.Env) {
		sys := linux.New(env, testParams)
		for _, s := range script {
			op := alloctest.Ops(t, s.op)[0]
			if got := sys.Apply(op).Format(op.Kind); got != s.want {
				t.Errorf("%s -> %s, want %s", s.op, got, s.want)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}
