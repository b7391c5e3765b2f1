package checker

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/traces"
)

// scenarioRuns is what a worker of a parallel exploration got from one
// scenario: the judged runs in the order they are counted, up to the first accepted violation.
type scenarioRuns struct {
	j        int // the local scenario index (its global index is j·Shards+Shard)
	runs     []*Result
	rejected []bool // runs[i] was a violation Accept rejected
	cut      bool   // the worker stopped before the scenario's end (budget, context or a stop)
	skipped  bool   // the worker did not start the scenario: the search was over
	dfs      *DFSScenario
	runsAt   []int // DFS: runs started (pruned ones included) when runs[i] ended
}

// aheadPerWorker bounds how far past the merge the workers run (in
// scenarios per worker), and so how many judged runs wait to be merged
// while one scenario takes long.
const aheadPerWorker = 32

// explore is the exploration loop: o.Workers explorers (one is the
// degenerate case) take scenarios in turn. Every scenario is run whole
// (unless told to stop) by one worker; the runs are merged in scenario
// order and counted on the calling goroutine, so with a Schedules budget
// the report — schedules, scenarios, unknowns, the first undecided run and
// the first violation — is the same for any number of workers. Work a
// worker did past the point the merge stopped at is dropped. The report's
// verdict is Ok or the violation found; the caller shrinks and turns
// undecided runs into Unknown.
func explore(ctx context.Context, t Target, o ExploreOptions, g GenOptions, ro RunOptions) *Report {
	rep := &Report{Impl: t.Name, Strategy: o.strategyName(), Verdict: verdictOk}
	if ro.Coverage {
		rep.Coverage = &Coverage{}
	}
	start := time.Now()
	var (
		next  atomic.Int64 // the next local scenario index to take
		limit atomic.Int64 // scenarios with a larger index are not needed
		wg    sync.WaitGroup
	)
	limit.Store(1<<62 - 1)
	var countedSchedules atomic.Int64 // rep.Schedules, for the workers: all from scenarios before theirs
	var (
		mu      sync.Mutex
		moved   = sync.NewCond(&mu)
		merged  int  // scenarios merged so far
		stopped bool // the merge is over
	)
	ahead := aheadPerWorker * o.Workers
	out := make(chan *scenarioRuns, 2*o.Workers)
	// A scenario runs at least one schedule: one past the Schedules
	// budget is never needed.
	needed := func(j int) bool {
		return int64(j) <= limit.Load() && ctx.Err() == nil && (o.Schedules == 0 || j < o.Schedules)
	}
	timeLeft := func() bool { return o.Time <= 0 || time.Since(start) < o.Time }
	for w := range o.Workers {
		wg.Go(func() {
			// The worker's runs reuse their threads' coroutines.
			ro := ro
			ro.runner = sched.NewRunner()
			defer ro.runner.Close()
			for {
				j := int(next.Add(1) - 1)
				mu.Lock()
				for j >= merged+ahead && !stopped {
					moved.Wait()
				}
				over := stopped
				mu.Unlock()
				sr := &scenarioRuns{j: j}
				// The first scenario runs however short the time budget:
				// an exploration of nothing would report Ok.
				if over || !needed(j) || j > 0 && !timeLeft() {
					// Every scenario taken is sent, so that the merge
					// never waits for one nobody runs.
					sr.skipped = true
					out <- sr
					return
				}
				more := func() bool {
					// With a Schedules budget, scenario j is counted for at
					// most Schedules − (the schedules counted before it)
					// runs, and each scenario before it counts at least one:
					// a DFS search, which has no cap per scenario, stops
					// there, not after the thousands of runs a big scenario
					// has. (Where it stops may vary; what is counted does
					// not: the merge counts up to the budget.)
					if o.Schedules > 0 && len(sr.runs) >= o.Schedules-max(j, int(countedSchedules.Load())) {
						sr.cut = true
						return false
					}
					if !needed(j) || !timeLeft() {
						sr.cut = true
						return false
					}
					return true
				}
				// add keeps a judged run; it returns true at a violation
				// the scenario's runs stop at.
				add := func(r *Result) bool {
					rejected := false
					if r.Verdict.Outcome == traces.Violation {
						if o.Accept != nil && !o.Accept(r) {
							rejected = true
						} else {
							for old := limit.Load(); int64(j) < old && !limit.CompareAndSwap(old, int64(j)); old = limit.Load() {
							}
						}
					}
					sr.runs = append(sr.runs, r)
					sr.rejected = append(sr.rejected, rejected)
					return r.Verdict.Outcome == traces.Violation && !rejected
				}
				_, sr.dfs = runScenario(t, g, o, ro, w, j, more, add, &sr.runsAt)
				out <- sr
			}
		})
	}
	go func() { wg.Wait(); close(out) }()

	progress := func() {
		if o.Progress == nil {
			return
		}
		el := time.Since(start)
		p := Progress{Schedules: rep.Schedules, Scenarios: rep.Scenarios, Unknown: rep.Unknowns, Elapsed: el}
		if rep.Found != nil {
			p.Found = 1
		}
		if el > 0 {
			p.PerSecond = float64(rep.Schedules) / el.Seconds()
		}
		o.Progress(p)
	}
	// The merge: scenario j's runs are counted once every scenario before
	// it has been.
	pending := map[int]*scenarioRuns{}
	want, done := 0, false
	for sr := range out {
		if done {
			continue // drained: the workers stop at their next look at limit
		}
		pending[sr.j] = sr
		for !done {
			sr, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			want++
			if sr.skipped || o.Schedules > 0 && rep.Schedules >= o.Schedules {
				done = true
				break
			}
			rep.Scenarios++
			counted := 0
			for i, r := range sr.runs {
				if i > 0 && o.Schedules > 0 && rep.Schedules >= o.Schedules {
					done = true
					break
				}
				rep.Schedules++
				counted++
				if rep.Coverage != nil {
					rep.Coverage.Add(r.Coverage)
				}
				if rep.Schedules%o.ProgressEvery == 0 {
					progress()
				}
				switch r.Verdict.Outcome {
				case traces.Violation:
					if sr.rejected[i] {
						rep.Rejected++
						continue
					}
					r.Schedules = rep.Schedules
					rep.Original, rep.Found = r, r
					rep.Verdict = r.Verdict
					done = true
				case traces.Unknown:
					rep.Unknowns++
					if rep.Unknown == nil {
						rep.Unknown = r
					}
				}
				if done {
					break
				}
				if ro.Lean {
					recycle(r) // counted and dropped: only a passing run
				}
			}
			if sr.dfs != nil {
				st := *sr.dfs
				st.Schedules = counted
				// A scenario whose runs the budget cut here was not
				// exhausted in this exploration, whatever its worker did,
				// and its runs are the ones up to the last counted (so
				// that they do not depend on how far the worker got).
				st.Exhausted = st.Exhausted && counted == len(sr.runs)
				if !st.Exhausted && counted > 0 {
					st.Runs = sr.runsAt[counted-1]
					st.Pruned = st.Runs - counted
				}
				rep.DFS = append(rep.DFS, st)
				if st.Exhausted {
					rep.Exhausted++
				}
			}
			if sr.cut && !done {
				// A worker stopped inside this scenario: the time budget
				// or the context ended the search here.
				done = true
			}
			if !done && o.Schedules > 0 && rep.Schedules >= o.Schedules {
				done = true
			}
		}
		if done {
			limit.Store(-1)
		}
		countedSchedules.Store(int64(rep.Schedules))
		mu.Lock()
		merged, stopped = want, done
		mu.Unlock()
		moved.Broadcast()
	}
	// Canceled: the context ended the search before its budget was spent
	// and before a violation.
	rep.Canceled = ctx.Err() != nil && rep.Found == nil && (o.Schedules == 0 || rep.Schedules < o.Schedules) && timeLeft()
	rep.Elapsed = time.Since(start)
	progress()
	return rep
}
