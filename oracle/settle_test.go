package oracle

import (
	"context"
	"testing"
)

// TestKernelInitDeathSettles repeats an init death with grandchildren: the
// kernel finishes it asynchronously (zap_pid_ns_processes autoreaps the
// orphans, which linger in EXIT_DEAD), and the oracle must wait for the
// init to become a zombie before the parent's wait, as the spec's atomic
// cascade says. // kernel/pid_namespace.c zap_pid_ns_processes
func TestKernelInitDeathSettles(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 unshare", "t0 fork t1", "t1 fork t2", "t2 fork t3", "t1 fork t4", "t1 exit 0", "t0 wait -1")
	p := Params()
	for i := 0; i < 30; i++ {
		rep, err := Compare(context.Background(), ops, p)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Differs() {
			t.Fatalf("run %d: kernel and spec differ:\n%s", i, rep)
		}
		if got := rep.Ops[6].Kernel.Format(ops[6].Kind); got != "2 exited 0" {
			t.Fatalf("run %d: t0 wait -1 -> %s, want 2 exited 0", i, got)
		}
	}
}
