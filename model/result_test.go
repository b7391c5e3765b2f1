package model

import (
	"math"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// anyInt draws any int, the extremes and the PID limits often.
var anyInt = rapid.OneOf(
	rapid.Int(),
	rapid.IntRange(-3, 3),
	rapid.SampledFrom([]int{math.MinInt, math.MinInt + 1, math.MaxInt, math.MaxInt - 1,
		1 << 40, -1 << 40, 1<<31 - 1, 1 << 31, -1 << 31, maxNumber, maxNumber + 1,
		KernelPidMax - 1, KernelPidMax}),
)

// genAnyResult draws any value a Result can hold, whatever the op: any
// errno (named or not), any numbers, an NSpid nil, empty or long, any
// handle, any status.
func genAnyResult() *rapid.Generator[Result] {
	return rapid.Custom(func(t *rapid.T) Result {
		r := Result{
			N:      anyInt.Draw(t, "n"),
			Task:   Handle(anyInt.Draw(t, "task")),
			Status: Status{Code: anyInt.Draw(t, "code"), Signal: anyInt.Draw(t, "signal")},
		}
		if rapid.IntRange(0, 3).Draw(t, "fail") == 0 {
			r.Err = Errno(rapid.IntRange(0, 255).Draw(t, "errno"))
		}
		switch rapid.IntRange(0, 2).Draw(t, "nspid") {
		case 0:
			r.NSpid = nil
		case 1:
			r.NSpid = []int{}
		default:
			r.NSpid = rapid.SliceOfN(anyInt, 1, 70).Draw(t, "nspid")
		}
		return r
	})
}

// TestPropertyAnyResultRoundTrips: whatever an implementation returns, for
// any kind of op (invalid kinds included), Format prints it as one line
// that ParseResult reads back to an equal result, and printing that again
// gives the same line. (the checker-edges audit: a result the format could not hold lost
// its violation's trace.)
func TestPropertyAnyResultRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := Kind(rapid.IntRange(0, int(numKinds)).Draw(t, "kind"))
		r := genAnyResult().Draw(t, "result")
		s := r.Format(k)
		if strings.ContainsAny(s, "\n\r") || s != strings.TrimSpace(s) || s == "" {
			t.Fatalf("Format(%s) of %+v = %q: not one trimmed line", k, r, s)
		}
		back, err := ParseResult(k, s)
		if err != nil {
			t.Fatalf("ParseResult(%s, %q) of %+v: %v", k, s, r, err)
		}
		if !back.Equal(k, r) || !r.Equal(k, back) {
			t.Fatalf("ParseResult(%s, %q) = %+v, want %+v", k, s, back, r)
		}
		if again := back.Format(k); again != s {
			t.Fatalf("Format is not a fixed point: %q then %q", s, again)
		}
	})
}

// TestPropertySpecResultsInRange: the results a spec gives (in-range
// generators) are never called out of range.
func TestPropertySpecResultsInRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := rapid.SampledFrom(Kinds()).Draw(t, "kind")
		r := genResult(k).Draw(t, "result")
		if e := r.OutOfRange(k); e != "" {
			t.Fatalf("%s result %s: OutOfRange = %q, want in range", k, r.Format(k), e)
		}
	})
}

// TestOutOfRangeResults: the six results the checker-edges audit names, each printed,
// read back, and called out of range with a reason naming the value; and
// the edges of the ranges.
func TestOutOfRangeResults(t *testing.T) {
	for _, tc := range []struct {
		k       Kind
		r       Result
		line    string
		outOf   bool
		mention string
	}{
		{Alloc, Result{N: 1 << 40}, "1099511627776", true, "1099511627776"},
		{Exit, Fail(200), "errno(200)", true, "errno(200)"},
		{Lookup, Result{Task: NoTask}, "none", true, "none"},
		{Fork, Result{NSpid: []int{}}, "[]", true, "empty NSpid"},
		{Wait, Result{N: -5, Status: Status{Code: 1}}, "-5 exited 1", true, "-5"},
		{GetPid, Result{N: 1 << 40}, "1099511627776", true, "1099511627776"},
		{Lookup, Result{Task: -7}, "invalid(-7)", true, "invalid(-7)"},
		{Wait, Result{N: 3, Status: Status{Code: 2, Signal: 9}}, "3 killed 9 code 2", true, "not both"},
		{Fork, Result{NSpid: []int{1, 0}}, "[1 0]", true, "level 1"},
		{Translate, Result{N: math.MinInt}, "-9223372036854775808", true, "-9223372036854775808"},
		{Fork, Result{NSpid: []int{KernelPidMax - 1}}, "[4194303]", false, ""},
		{Fork, Result{NSpid: []int{KernelPidMax}}, "[4194304]", true, "4194304"},
		{GetPPid, Result{N: 0}, "0", false, ""},
		{Wait, Result{}, "0", false, ""},
		{Wait, Result{N: 7, Status: Status{Signal: 9}}, "7 killed 9", false, ""},
		{Lookup, Result{Task: 3}, "t3", false, ""},
		{Lookup, Result{Task: 1 << 40}, "t1099511627776", true, "t1099511627776"},
		{Kill, Fail(EPERM), "EPERM", false, ""},
	} {
		if got := tc.r.Format(tc.k); got != tc.line {
			t.Errorf("%s %+v prints %q, want %q", tc.k, tc.r, got, tc.line)
		}
		back, err := ParseResult(tc.k, tc.line)
		if err != nil || !back.Equal(tc.k, tc.r) {
			t.Errorf("ParseResult(%s, %q) = %+v, %v; want %+v", tc.k, tc.line, back, err, tc.r)
		}
		e := tc.r.OutOfRange(tc.k)
		switch {
		case tc.outOf && (e == "" || !strings.Contains(e, tc.mention)):
			t.Errorf("%s %s: OutOfRange = %q, want a reason mentioning %q", tc.k, tc.line, e, tc.mention)
		case !tc.outOf && e != "":
			t.Errorf("%s %s: OutOfRange = %q, want in range", tc.k, tc.line, e)
		}
	}
}

// TestOpHandleOutOfRange: a handle too large for a scenario is called out
// of range, not an unknown operation (the checker-edges audit).
func TestOpHandleOutOfRange(t *testing.T) {
	for _, line := range []string{"t2147483648 getpid", "t0 fork t2147483648", "t99999999999999999999 getpid"} {
		_, err := ParseOp(line)
		if err == nil || !strings.Contains(err.Error(), "is out of range: handles go from t0 to t1073741824") {
			t.Errorf("ParseOp(%q) = %v, want a handle out of range", line, err)
		}
	}
}
