package checker

import (
	"fmt"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
)

// FixedFails checks that a zoo finding is the zoo variant's own bug: it runs
// the finding's scenario (undrained, then drained afresh) on the variant's
// fixed implementation under the finding's context switches and n random
// and n PCT schedules, and returns the first run that is not Ok, or nil
// when every run passes. An error means e is not a zoo variant with a
// registered fix.
func FixedFails(e alloc.Entry, r *Result, n int) (*Result, error) {
	if !e.Zoo || e.Fixed == "" {
		return nil, fmt.Errorf("%s is not a zoo variant with a fixed implementation", e.Name)
	}
	fixed, err := alloc.Lookup(e.Fixed)
	if err != nil {
		return nil, fmt.Errorf("zoo variant %s: %v", e.Name, err)
	}
	return fails(fixed, r, n), nil
}

// fails runs r's scenario on e under r's context switches and n random
// and n PCT schedules, and returns the first run that is not Ok.
func fails(e alloc.Entry, r *Result, n int) *Result {
	sc := Undrained(r.Scenario)
	ro := RunOptions{Drain: true, lean: true}
	chs := []sched.Chooser{newGuided(switchesOf(r.Decisions))}
	for k := 0; k < n; k++ {
		chs = append(chs, sched.NewRandom(uint64(k)), newPCT(uint64(k), 3, 3*parallelOps(sc)))
	}
	for _, ch := range chs {
		if got := Run(e, sc, ch, ro); got.Verdict != verdictOk {
			return got
		}
	}
	return nil
}

// OwnBug is an Options.Accept for zoo variant e: it accepts a violation
// only when e's fixed implementation passes the same scenario (FixedFails
// with n schedules of each kind), so exploration goes on past findings
// that are not e's own bug.
func OwnBug(e alloc.Entry, n int) func(*Result) bool {
	return func(r *Result) bool {
		bad, err := FixedFails(e, r, n)
		return err == nil && bad == nil
	}
}
