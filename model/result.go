package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Result is what an op returned. Which fields matter depends on the op's
// Kind (see Format); when Err is not OK, no other field matters.
type Result struct {
	Err    Errno
	N      int    // Alloc, GetPid, GetPPid, GetTid, Translate, GetPgid, GetSid, SetSid, GetLastPid; Wait: the reaped number, 0 if none ready
	NSpid  []int  // Fork, ForkWithTid, Thread, Clone: the new task's numbers, root space first; GetNSpid: the actor's
	Task   Handle // Lookup: the task found
	Status Status // Wait: how the reaped child ended
}

// Status is how a reaped task ended: exited with Code, or killed by Signal.
type Status struct {
	Code   int
	Signal int // non-zero: killed by this signal
}

// String returns "exited 2" or "killed 9"; a Status with both set (which
// no task can end with) prints both: "killed 9 code 2".
func (s Status) String() string {
	switch {
	case s.Signal != 0 && s.Code != 0:
		return "killed " + strconv.Itoa(s.Signal) + " code " + strconv.Itoa(s.Code)
	case s.Signal != 0:
		return "killed " + strconv.Itoa(s.Signal)
	}
	return "exited " + strconv.Itoa(s.Code)
}

// Fail is shorthand for a Result that failed with e.
func Fail(e Errno) Result { return Result{Err: e} }

// Equal reports whether two results are the same for an op of kind k:
// fields that do not matter for k are ignored.
func (r Result) Equal(k Kind, s Result) bool {
	if r.Err != s.Err {
		return false
	}
	if r.Err != OK {
		return true
	}
	switch k {
	case Fork, ForkWithTid, Thread, Clone, GetNSpid:
		return slices.Equal(r.NSpid, s.NSpid)
	case Wait:
		return r.N == s.N && (r.N == 0 || r.Status == s.Status)
	case GetPid, GetPPid, GetTid, Translate, Alloc, GetPgid, GetSid, SetSid, GetLastPid:
		return r.N == s.N
	case Lookup:
		return r.Task == s.Task
	}
	return true
}

// Format prints the result of an op of kind k as one line: "[1 5 3]", "7",
// "7 exited 2", "0", "t3", "ok", or an errno name.
func (r Result) Format(k Kind) string {
	if r.Err != OK {
		return r.Err.String()
	}
	switch k {
	case Fork, ForkWithTid, Thread, Clone, GetNSpid:
		return FormatInts(r.NSpid)
	case Wait:
		if r.N == 0 {
			return "0"
		}
		return strconv.Itoa(r.N) + " " + r.Status.String()
	case GetPid, GetPPid, GetTid, Translate, Alloc, GetPgid, GetSid, SetSid, GetLastPid:
		return strconv.Itoa(r.N)
	case Lookup:
		return r.Task.String()
	}
	return "ok"
}

// ParseResult parses a result of an op of kind k, as Format prints it.
// It accepts every value a Result can hold — any int, any errno
// ("errno(200)"), any handle ("none", "invalid(-5)"), an empty NSpid — so
// that whatever an implementation answered can be written down and read
// back; OutOfRange says which of those no kernel could answer.
func ParseResult(k Kind, s string) (Result, error) {
	s = strings.TrimSpace(s)
	if e, ok := ParseErrno(s); ok {
		return Fail(e), nil
	}
	bad := func(want string) (Result, error) {
		return Result{}, fmt.Errorf("result %q of %s: want %s or an errno", s, k, want)
	}
	switch k {
	case Fork, ForkWithTid, Thread, Clone, GetNSpid:
		ns, err := ParseInts(s)
		if err != nil {
			return bad("[n …] (the NSpid, root first)")
		}
		return Result{NSpid: ns}, nil
	case Wait:
		const want = `"0", "<pid> exited <code>" or "<pid> killed <sig>"`
		f := strings.Fields(s)
		if len(f) == 1 && f[0] == "0" {
			return Result{}, nil
		}
		if !(len(f) == 3 && (f[1] == "exited" || f[1] == "killed") ||
			len(f) == 5 && f[1] == "killed" && f[3] == "code") {
			return bad(want)
		}
		n, err1 := strconv.Atoi(f[0])
		v, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || n == 0 {
			return bad(want)
		}
		r := Result{N: n}
		switch {
		case f[1] == "exited":
			r.Status.Code = v
		case v == 0:
			return bad("a non-zero signal")
		default:
			r.Status.Signal = v
		}
		if len(f) == 5 {
			c, err := strconv.Atoi(f[4])
			if err != nil {
				return bad(want)
			}
			r.Status.Code = c
		}
		return r, nil
	case GetPid, GetPPid, GetTid, Translate, Alloc, GetPgid, GetSid, SetSid, GetLastPid:
		n, err := strconv.Atoi(s)
		if err != nil {
			return bad("a number")
		}
		return Result{N: n}, nil
	case Lookup:
		h, err := parseAnyHandle(s)
		if err != nil {
			return bad("a task handle")
		}
		return Result{Task: h}, nil
	}
	if s != "ok" {
		return bad(`"ok"`)
	}
	return Result{}, nil
}

// parseAnyHandle parses every handle Handle.String prints: "t3" (any
// size), "none", "invalid(-5)".
func parseAnyHandle(s string) (Handle, error) {
	if s == "none" {
		return NoTask, nil
	}
	if v, ok := strings.CutPrefix(s, "invalid("); ok {
		if v, ok = strings.CutSuffix(v, ")"); ok {
			if n, err := strconv.Atoi(v); err == nil && n < -1 && strconv.Itoa(n) == v {
				return Handle(n), nil
			}
		}
		return 0, fmt.Errorf("task handle %q: want t<number>", s)
	}
	if v, ok := strings.CutPrefix(s, "t"); ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && strconv.Itoa(n) == v {
			return Handle(n), nil
		}
	}
	return 0, fmt.Errorf("task handle %q: want t<number>", s)
}

// OutOfRange says why r, as the result of an op of kind k, is a value no
// kernel (and no spec) could answer with, or returns "" when it is in
// range. Such a result is still recorded (Format and ParseResult hold it);
// OutOfRange is for saying so beside it. In range means: a known errno
// (Errnos); PID numbers in [0, KernelPidMax), an NSpid of 1 to 65 numbers
// (max level 64) each in [1, KernelPidMax); a wait status that is an exit
// code or a signal, not both, each within what an op can carry (|n| ≤
// 2^30); a looked-up task named by a handle t0 … t1073741824.
func (r Result) OutOfRange(k Kind) string {
	if r.Err >= numErrnos {
		return fmt.Sprintf("%s is not an errno pidcheck's ops answer with", r.Err)
	}
	if r.Err != OK {
		return ""
	}
	pid := func(what string, n, lo int) string {
		if n < lo || n >= KernelPidMax {
			return fmt.Sprintf("%s %d is outside [%d, %d) (PID_MAX_LIMIT)", what, n, lo, KernelPidMax)
		}
		return ""
	}
	switch k {
	case Fork, ForkWithTid, Thread, Clone, GetNSpid:
		if len(r.NSpid) == 0 {
			return "an empty NSpid: a task has a number in the root space at least"
		}
		if len(r.NSpid) > 65 {
			return fmt.Sprintf("an NSpid of %d numbers: a task has at most 65 (max level 64)", len(r.NSpid))
		}
		for i, n := range r.NSpid {
			if e := pid(fmt.Sprintf("NSpid number %d (level %d)", i, i), n, 1); e != "" {
				return e
			}
		}
	case Wait:
		if e := pid("the reaped pid", r.N, 0); e != "" || r.N == 0 {
			return e
		}
		s := r.Status
		switch {
		case s.Signal != 0 && s.Code != 0:
			return fmt.Sprintf("status %s: a task ends killed or exited, not both", s)
		case s.Code < -maxNumber || s.Code > maxNumber:
			return fmt.Sprintf("exit code %d is outside what an exit can carry (|n| ≤ %d)", s.Code, maxNumber)
		case s.Signal < -maxNumber || s.Signal > maxNumber:
			return fmt.Sprintf("signal %d is outside what a kill can carry (|n| ≤ %d)", s.Signal, maxNumber)
		}
	case GetLastPid:
		if r.N < -1 || r.N > KernelPidMax {
			return fmt.Sprintf("ns_last_pid %d is outside [-1, %d]", r.N, KernelPidMax)
		}
	case GetPid, GetPPid, GetTid, Translate, Alloc, GetPgid, GetSid, SetSid:
		return pid("the number", r.N, 0)
	case Lookup:
		if r.Task < 0 || r.Task > maxNumber {
			return fmt.Sprintf("task %s: a lookup answers a task t0 … t%d or an errno", r.Task, maxNumber)
		}
	}
	return ""
}
