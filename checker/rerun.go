package checker

import "github.com/pidcheck/pidcheck/checker/sched"

// FailsOn runs r's scenario (undrained, then drained afresh) on t under
// r's context switches and n random and n PCT schedules, and returns the
// first run that is not Ok, or nil when every run passes. pidcheck zoo
// uses it to tell a variant's own bug from one its fixed implementation
// shares.
func FailsOn(t Target, r *Result, n int) *Result {
	sc := Undrained(r.Scenario)
	ro := RunOptions{Drain: true, Lean: true}
	chs := []sched.Chooser{newGuided(switchesOf(r))}
	for k := 0; k < n; k++ {
		chs = append(chs, sched.NewRandom(uint64(k)), newPCT(uint64(k), 3, 3*parallelOps(sc)))
	}
	for _, ch := range chs {
		if got := Run(t, sc, ch, ro); got.Verdict != verdictOk {
			return got
		}
	}
	return nil
}
