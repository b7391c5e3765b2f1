// Package checker is pidcheck's engine: it generates scenarios, runs them
// on an implementation under the controlled scheduler, records the history,
// judges it, shrinks what fails and replays traces. It checks a Target — a
// name, the spec and policy it claims, and a constructor written against
// sched.Env — and knows nothing of pidcheck's own implementations, so a
// user's code is checked exactly as they are.
//
// # Checking your own implementation
//
// From a test, one call explores, shrinks, saves the trace and fails the
// test with one banner that ends in the command reproducing it:
//
//	newImpl, leave := checker.AdaptAllocator(myalloc.New) // typed methods → model.Impl
//	checker.Check(t, newImpl, checker.CheckOptions{Spec: model.SpecAlloc, Policy: model.Cyclic,
//		Schedules: 2000, Gen: checker.GenOptions{Leave: leave}})
//
// Check replays the trace it saved (testdata/pidcheck/<Test>.trace) before
// exploring anything new; a saved trace that no longer reproduces fails the
// test once, saying how to remove it (PIDCHECK_UPDATE=1). ReplayTrace
// replays any trace from a test; Fuzz makes a Go fuzz target whose finds
// become traces too. AdaptAllocator and AdaptProcesses turn typed methods
// (Alloc() (int, error), Fork(parent, child) ([]int, error), …) into a
// model.Impl and list the ops an implementation lacks; model/doc.go is the
// contract every op follows.
//
// # The engine
//
//	Explore(target, ExploreOptions) (*Report, error)    search until a violation or the budget ends
//	ExploreContext(ctx, target, ExploreOptions)         the same, stopped early by ctx (Report.Canceled)
//	Run(target, scenario, chooser, RunOptions) *Result  one run, judged
//	Replay(target, trace, RunOptions)                   rerun a trace's decisions; report the first difference
//	Shrink(target, result, ShrinkOptions)               fewer threads, ops and preemptions, same verdict
//	Property(target, GenOptions, RunOptions, dir, fn)   a rapid property: rapid shrinks ops and decisions together
//	Generate(source, level, GenOptions)                 a scenario from a Source (SeedSource, RapidSource, BytesSource)
//	Compare(ops, params, policy, specs...)              one op list through several specs, side by side
//	Banner(result, Reproduce), Result.Trace(), Visualize(w, result)
//
// A run executes a model.Scenario: an init part on the thread "main", a
// parallel part of up to Threads × Ops ops (thread i is
// model.ThreadName(i)) whose arguments lean toward where bugs live (numbers
// next to the cursor, the floor, pid_max and 1, just-reaped numbers, exits
// of inits, setns and forks into dying spaces, pid_max lowered while forks
// run; one process scenario in eight with a depth limit of 1 or 2), then, with RunOptions.Drain, an adaptive drain that reaps every
// zombie (or allocates every free number of a space of up to 1022; 18
// numbers of a bigger one) so background
// threads can finish, and the post part's look-ups. Every call and return
// gets its own tick. The verdict (a traces.Verdict: Ok, a Violation of
// some kind, or Unknown) comes from, in order: the implementation's own
// Validate at quiescent points, the scheduler (deadlock, step bound,
// panic, watchdog), and porcupine against the claimed spec (SpecFor) with
// the spec's reason. A porcupine timeout is Unknown, never Ok.
//
// Explore's strategies are PCT (the default), POS (partial-order
// sampling: a priority per operation, redrawn for the operations that race
// with each step), Random, DFS (bounded preemptions, sleep sets) and
// Rapid, and Stress, the baseline they are
// measured against: the same scenarios on real goroutines
// (sched.RunReal), released together by a start barrier, each op's call
// and return ticked from one atomic clock around its real execution, and
// judged by the same judge. Stress is not deterministic (the seed fixes
// the scenario, not the interleaving), and its findings' traces record a
// history and verdict but no schedule: IsStressTrace tells them, and
// JudgeTrace judges their history again. The j-th scenario's seed is
// ScenarioSeed(Seed, j), its schedules' seeds ScheduleSeed, so a search is
// reproducible from its options alone and Shard/Shards split it into
// disjoint slices. Workers run whole scenarios at once; their runs are
// counted in scenario order, so with a Schedules budget the report is the
// same for any number of workers.
package checker
