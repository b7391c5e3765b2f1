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
	N      int    // Alloc, GetPid, GetPPid, GetTid, Translate; Wait: the reaped number, 0 if none ready
	NSpid  []int  // Fork, ForkWithTid, Thread: the new task's numbers, root space first
	Task   Handle // Lookup: the task found
	Status Status // Wait: how the reaped child ended
}

// Status is how a reaped task ended: exited with Code, or killed by Signal.
type Status struct {
	Code   int
	Signal int // non-zero: killed by this signal
}

// String returns "exited 2" or "killed 9".
func (s Status) String() string {
	if s.Signal != 0 {
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
	case Fork, ForkWithTid, Thread:
		return slices.Equal(r.NSpid, s.NSpid)
	case Wait:
		return r.N == s.N && (r.N == 0 || r.Status == s.Status)
	case GetPid, GetPPid, GetTid, Translate, Alloc:
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
	case Fork, ForkWithTid, Thread:
		return FormatInts(r.NSpid)
	case Wait:
		if r.N == 0 {
			return "0"
		}
		return strconv.Itoa(r.N) + " " + r.Status.String()
	case GetPid, GetPPid, GetTid, Translate, Alloc:
		return strconv.Itoa(r.N)
	case Lookup:
		return r.Task.String()
	}
	return "ok"
}

// ParseResult parses a result of an op of kind k, as Format prints it.
func ParseResult(k Kind, s string) (Result, error) {
	s = strings.TrimSpace(s)
	if e, ok := ParseErrno(s); ok {
		return Fail(e), nil
	}
	bad := func(want string) (Result, error) {
		return Result{}, fmt.Errorf("result %q of %s: want %s or an errno", s, k, want)
	}
	switch k {
	case Fork, ForkWithTid, Thread:
		ns, err := ParseInts(s)
		if err != nil || len(ns) == 0 {
			return bad("[n …] (the NSpid, root first)")
		}
		return Result{NSpid: ns}, nil
	case Wait:
		f := strings.Fields(s)
		if len(f) == 1 && f[0] == "0" {
			return Result{}, nil
		}
		if len(f) != 3 || (f[1] != "exited" && f[1] != "killed") {
			return bad(`"0", "<pid> exited <code>" or "<pid> killed <sig>"`)
		}
		n, err1 := parseInt(f[0])
		v, err2 := parseInt(f[2])
		if err1 != nil || err2 != nil || n <= 0 {
			return bad(`"0", "<pid> exited <code>" or "<pid> killed <sig>"`)
		}
		r := Result{N: n}
		if f[1] == "exited" {
			r.Status.Code = v
		} else {
			if v == 0 {
				return bad("a non-zero signal")
			}
			r.Status.Signal = v
		}
		return r, nil
	case GetPid, GetPPid, GetTid, Translate, Alloc:
		n, err := parseInt(s)
		if err != nil {
			return bad("a number")
		}
		return Result{N: n}, nil
	case Lookup:
		h, err := ParseHandle(s)
		if err != nil || h == NoTask {
			return bad("a task handle")
		}
		return Result{Task: h}, nil
	}
	if s != "ok" {
		return bad(`"ok"`)
	}
	return Result{}, nil
}
