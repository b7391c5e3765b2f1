package model

import "testing"

// FuzzParseOpRoundTrip: any line ParseOp accepts prints back as a line that
// parses to the same op, and no input panics.
func FuzzParseOpRoundTrip(f *testing.F) {
	for _, s := range []string{"t0 fork t3", "t0 fork t3 tid=7,1", "free 7", "t2 kill -1 9", "t0 fork none", "t0 translate none",
		"t1 thread t4", "t4 gettid", "t4 exit_thread 2", "t4 exec",
		"t1 setpgid 0 0", "t1 setpgid 5 2", "t1 getpgid 0", "t1 setsid", "t1 getsid 5", "t0 sigchld ignore",
		"t0 sigchld nocldwait", "t0 sigchld default", "t1 subreaper 1", "t0 clone t3 newpid", "t0 clone t3 none",
		"t0 clone t3 newpid,parent,thread", "t0 clone t3 8", "t0 setns_children t2", "t0 read_last_pid", "t3 nspid"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		op, err := ParseOp(s)
		if err != nil {
			return
		}
		back, err := ParseOp(op.String())
		if err != nil || !back.Equal(op) {
			t.Fatalf("%q -> %q -> %+v, %v", s, op.String(), back, err)
		}
	})
}

// FuzzParseResultRoundTrip: any result ParseResult accepts, for any kind
// (unknown ones included), formats back to a line that parses to the same
// result, and no input panics.
func FuzzParseResultRoundTrip(f *testing.F) {
	f.Add(uint8(1), "[1 2]")
	f.Add(uint8(3), "7 exited 2")
	f.Add(uint8(Thread), "[1 5 3]")
	f.Add(uint8(GetTid), "5")
	f.Add(uint8(Clone), "[2 1]")
	f.Add(uint8(GetNSpid), "[7 1]")
	f.Add(uint8(GetLastPid), "-1")
	f.Add(uint8(SetSid), "EPERM")
	f.Fuzz(func(t *testing.T, k uint8, s string) {
		kind := Kind(k % uint8(numKinds+1))
		r, err := ParseResult(kind, s)
		if err != nil {
			return
		}
		back, err := ParseResult(kind, r.Format(kind))
		if err != nil || !back.Equal(kind, r) {
			t.Fatalf("%q -> %q -> %+v, %v", s, r.Format(kind), back, err)
		}
	})
}
