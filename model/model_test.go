package model

import (
	"testing"

	"pgregory.net/rapid"
)

func genHandle() *rapid.Generator[Handle] {
	return rapid.Custom(func(t *rapid.T) Handle { return Handle(rapid.IntRange(0, 40).Draw(t, "h")) })
}

func genOp() *rapid.Generator[Op] {
	return rapid.Custom(func(t *rapid.T) Op {
		k := rapid.SampledFrom(Kinds()).Draw(t, "kind")
		num := rapid.IntRange(-3, 5000)
		op := Op{Kind: k}
		if k.Level() == ProcessLevel {
			op.Task = genHandle().Draw(t, "task")
		}
		switch k {
		case Fork, Thread:
			op.Child = genHandle().Draw(t, "child")
		case ForkWithTid:
			op.Child = genHandle().Draw(t, "child")
			op.Tids = rapid.SliceOfN(num, 0, 4).Draw(t, "tids")
		case Exit, ExitThread:
			op.Code = num.Draw(t, "code")
		case Wait, Lookup:
			op.Pid = num.Draw(t, "pid")
		case Kill:
			op.Pid = num.Draw(t, "pid")
			op.Sig = rapid.SampledFrom([]int{0, 9, 15}).Draw(t, "sig")
		case SetNs, SetNsChildren, Translate:
			op.Target = genHandle().Draw(t, "target")
		case SetPidMax, SetLastPid, Free, AllocAt, SetCursor, SetMax, Subreaper:
			op.N = num.Draw(t, "n")
		case GetPgid, GetSid:
			op.Pid = num.Draw(t, "pid")
		case SetPgid:
			op.Pid = num.Draw(t, "pid")
			op.N = num.Draw(t, "pgid")
		case SigChld:
			op.N = rapid.IntRange(-2, 4).Draw(t, "disposition")
		case Clone:
			op.Child = genHandle().Draw(t, "child")
			op.N = rapid.IntRange(-3, 12).Draw(t, "flags")
		}
		return op
	})
}

func genResult(k Kind) *rapid.Generator[Result] {
	return rapid.Custom(func(t *rapid.T) Result {
		if rapid.Bool().Draw(t, "fail") {
			return Fail(rapid.SampledFrom(Errnos()[1:]).Draw(t, "errno"))
		}
		switch k {
		case Fork, ForkWithTid, Thread, Clone, GetNSpid:
			return Result{NSpid: rapid.SliceOfN(rapid.IntRange(1, 5000), 1, 33).Draw(t, "nspid")}
		case Wait:
			if rapid.Bool().Draw(t, "none") {
				return Result{}
			}
			r := Result{N: rapid.IntRange(1, 5000).Draw(t, "pid")}
			if rapid.Bool().Draw(t, "killed") {
				r.Status.Signal = rapid.SampledFrom([]int{9, 15}).Draw(t, "sig")
			} else {
				r.Status.Code = rapid.IntRange(0, 255).Draw(t, "code")
			}
			return r
		case GetPid, GetPPid, GetTid, Translate, Alloc, GetPgid, GetSid, SetSid:
			return Result{N: rapid.IntRange(0, 5000).Draw(t, "n")}
		case GetLastPid:
			return Result{N: rapid.IntRange(-1, 5000).Draw(t, "n")}
		case Lookup:
			return Result{Task: genHandle().Draw(t, "task")}
		}
		return Result{}
	})
}

// TestPropertyOpRoundTrip: every op prints as one line and parses back.
func TestPropertyOpRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		op := genOp().Draw(t, "op")
		line := op.String()
		back, err := ParseOp(line)
		if err != nil {
			t.Fatalf("ParseOp(%q): %v", line, err)
		}
		if !back.Equal(op) {
			t.Fatalf("ParseOp(%q) = %+v, want %+v", line, back, op)
		}
	})
}

// TestPropertyResultRoundTrip: every result prints as one line and parses back.
func TestPropertyResultRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := rapid.SampledFrom(Kinds()).Draw(t, "kind")
		r := genResult(k).Draw(t, "result")
		s := r.Format(k)
		back, err := ParseResult(k, s)
		if err != nil {
			t.Fatalf("ParseResult(%s, %q): %v", k, s, err)
		}
		if !back.Equal(k, r) || back.Format(k) != s {
			t.Fatalf("ParseResult(%s, %q) = %+v, want %+v", k, s, back, r)
		}
	})
}

func TestOpLines(t *testing.T) {
	for _, tc := range []struct {
		op   Op
		line string
	}{
		{Op{Kind: Fork, Task: 0, Child: 3}, "t0 fork t3"},
		{Op{Kind: ForkWithTid, Task: 1, Child: 4, Tids: []int{1, 7}}, "t1 fork t4 tid=1,7"},
		{Op{Kind: Kill, Task: 2, Pid: -1, Sig: 9}, "t2 kill -1 9"},
		{Op{Kind: Translate, Task: 2, Target: 5}, "t2 translate t5"},
		{Op{Kind: SetLastPid, Task: 0, N: 5}, "t0 ns_last_pid 5"},
		{Op{Kind: Thread, Task: 1, Child: 6}, "t1 thread t6"},
		{Op{Kind: GetTid, Task: 6}, "t6 gettid"},
		{Op{Kind: ExitThread, Task: 6, Code: 2}, "t6 exit_thread 2"},
		{Op{Kind: Exit, Task: 6, Code: 2}, "t6 exit 2"},
		{Op{Kind: Exec, Task: 6}, "t6 exec"},
		{Op{Kind: Free, N: 7}, "free 7"},
		{Op{Kind: Disable}, "disable"},
	} {
		if got := tc.op.String(); got != tc.line {
			t.Errorf("%+v prints %q, want %q", tc.op, got, tc.line)
		}
	}
}

func TestParseOpRejects(t *testing.T) {
	for _, line := range []string{
		"", "fork t3", "t0", "t0 frok t3", "t0 fork", "t0 fork t3 t4", "t0 alloc",
		"t0 kill 5", "t0 exit x", "tx fork t1", "free", "t0 fork t1 tid=[1 2]", "t0 fork t1 tid=1,,2", "t0 fork t1 tid=,",
		"t0 exit 99999999999", "translate t3", "t-1 getpid", "t0 fork t99999999999",
		"t0 thread", "t0 thread 5", "t0 thread t1 tid=3", "thread t1", "t0 gettid 3", "t0 exit_thread",
		"t0 exit_thread x", "t0 exec t1", "exec", "t0 exit_group 2",
	} {
		if op, err := ParseOp(line); err == nil {
			t.Errorf("ParseOp(%q) = %v, want an error", line, op)
		}
	}
}

func TestParseResultRejects(t *testing.T) {
	for _, tc := range []struct {
		k Kind
		s string
	}{
		{Fork, "[1 x]"}, {Fork, "7"}, {Wait, "7"}, {Wait, "7 killed 0"}, {Wait, "7 died 3"},
		{Wait, "0 exited 3"}, {Wait, "7 exited 3 code 1"}, {Wait, "7 killed 9 code x"},
		{Lookup, "t01"}, {Lookup, "invalid(-1)"}, {Lookup, "invalid(5)"}, {Lookup, "t-3"},
		{Alloc, "x"}, {Alloc, "99999999999999999999"}, {Exit, "1"}, {Exit, "EBOGUS"},
		{Exit, "errno(3)"}, {Exit, "errno(256)"}, {Exit, "errno(09)"}, {Exit, "errno(0)"},
		{Thread, "[]x"}, {Thread, "ok"}, {GetTid, "[1]"}, {ExitThread, "0"}, {Exec, "1"},
	} {
		if r, err := ParseResult(tc.k, tc.s); err == nil {
			t.Errorf("ParseResult(%s, %q) = %+v, want an error", tc.k, tc.s, r)
		}
	}
}

func TestThreadNamesUnique(t *testing.T) {
	seen := map[string]int{}
	for i := -1; i < 200; i++ {
		n := ThreadName(i)
		if j, ok := seen[n]; ok {
			t.Fatalf("threads %d and %d are both named %q", i, j, n)
		}
		seen[n] = i
	}
}

func TestHandleStrings(t *testing.T) {
	for h, want := range map[Handle]string{0: "t0", 7: "t7", NoTask: "none", -5: "invalid(-5)"} {
		if got := h.String(); got != want {
			t.Errorf("Handle(%d).String() = %q, want %q", int(h), got, want)
		}
	}
	if _, err := ParseHandle("invalid(-5)"); err == nil {
		t.Errorf("ParseHandle accepts a negative handle")
	}
}

func TestKindLevels(t *testing.T) {
	if l := Kind(0).Level(); l != 0 {
		t.Errorf("Kind(0).Level() = %v, want none", l)
	}
	if l := numKinds.Level(); l != 0 {
		t.Errorf("a kind past the end has level %v, want none", l)
	}
	for _, k := range Kinds() {
		if want := ProcessLevel; k >= Alloc && k.Level() != AllocLevel || k < Alloc && k.Level() != want {
			t.Errorf("%s has level %v", k, k.Level())
		}
	}
}

// TestCreates: exactly the ops that make a new task name it in Child.
func TestCreates(t *testing.T) {
	for _, k := range Kinds() {
		want := k == Fork || k == ForkWithTid || k == Thread || k == Clone
		if k.Creates() != want {
			t.Errorf("%s.Creates() = %v, want %v", k, k.Creates(), want)
		}
	}
}

// TestOldExitStillExitGroup: "exit" keeps its meaning (exit_group) and
// its kind, so traces written before threads parse unchanged.
func TestOldExitStillExitGroup(t *testing.T) {
	op, err := ParseOp("t3 exit 2")
	if err != nil || op.Kind != Exit || op.Code != 2 {
		t.Fatalf("ParseOp(t3 exit 2) = %+v, %v", op, err)
	}
	op, err = ParseOp("t3 exit_thread 2")
	if err != nil || op.Kind != ExitThread || op.Code != 2 {
		t.Fatalf("ParseOp(t3 exit_thread 2) = %+v, %v", op, err)
	}
}
