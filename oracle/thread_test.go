package oracle

import (
	"context"
	"testing"
)

func TestKernelThreadSmoke(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 fork t1", "t1 thread t2", "t2 getpid", "t2 gettid", "t1 gettid", "t0 lookup 3", "t0 translate t2", "t2 exit_thread 0", "t0 wait -1", "t1 exit 3", "t0 wait -1")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	t.Logf("\n%s", rep)
	if rep.Differs() {
		t.Fatalf("differs")
	}
}

func TestKernelExecSmoke(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 fork t1", "t1 thread t2", "t1 thread t5", "t2 exec", "t2 getpid", "t2 gettid", "t0 lookup 2", "t0 translate t1", "t0 lookup 3", "t0 ns_last_pid 2", "t2 fork t3", "t2 thread t4", "t4 exec", "t4 getpid", "t4 fork t6", "t6 getppid", "t4 exit 0", "t0 wait -1")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	t.Logf("\n%s", rep)
	if rep.Differs() {
		t.Fatalf("differs")
	}
}
