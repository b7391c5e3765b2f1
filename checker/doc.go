// Package checker is pidcheck's engine: it generates scenarios, runs them on
// an implementation under the controlled scheduler, records the history,
// judges it, shrinks what fails and replays traces.
//
// # A run
//
// Generate draws a model.Scenario from a Source (RapidSource for a rapid.T,
// SeedSource for a seed): an init part that builds spaces and tasks (or takes
// numbers), a parallel part of up to Threads × Ops ops whose arguments lean
// toward where bugs live (numbers next to the cursor, the floor, pid_max
// and 1, just-reaped numbers, exits of inits, setns and forks into dying
// spaces, pid_max lowered while forks run), and final look-ups. Run executes
// it on a fresh instance of an alloc.Entry under any sched.Chooser — the
// init part on "main", thread i as model.ThreadName(i), then, with
// RunOptions.Drain, an adaptive drain that reaps every zombie (or allocates
// every free number, up to 1024) so background threads can finish, then the post part —
// giving every call and return its own tick. The verdict (a traces.Verdict:
// Ok, a Violation of some kind, or Unknown) comes from, in order: the
// implementation's own Validate at quiescent points, the scheduler
// (deadlock, step bound, panic, watchdog), and porcupine against the spec
// the entry claims (SpecFor), with the spec's reason (a porcupine timeout is
// Unknown, never Ok).
//
// # Exploring, shrinking, replaying
//
//	rep, err := checker.Explore(entry, checker.Options{Strategy: "pct", Schedules: 5000, Seed: 1, Shrink: true})
//	if rep.Found != nil { traces.WriteFile(path, rep.Found.Trace()) }
//	rr, err := checker.Replay(trace, checker.RunOptions{})   // rr.Diverged, rr.Result.Verdict
//
// Explore's strategies are random, pct, dfs (bounded preemptions, with
// PerScenario schedules per scenario) and rapid (scenario and decisions
// drawn from one rapid.T made from the seed). Schedule seeds derive from
// Options.Seed and the global scenario index, and Shard/Shards take a
// disjoint slice of them. Workers runs one search on several goroutines,
// whole scenarios each, counted in scenario order: with a Schedules budget
// the report is the one a single worker gives. Shrink removes threads, ops (with the handles they
// fork) and preemptions while the verdict stays the same. Replay reruns a
// trace's scenario with its decisions and reports the first divergence.
// Under rapid itself (Property), rapid shrinks ops and decisions together.
//
// # What the command line uses
//
//	Explore(entry, Options) (*Report, error)   check, zoo (Options.Progress for the progress line,
//	                                            Shard/Shards for --shard, Accept: OwnBug for zoo,
//	                                            Workers for check --jobs with fewer implementations than jobs)
//	ExploreContext(ctx, entry, Options)         check's Ctrl-C: stops, Report.Canceled, verdict Unknown
//	DefaultOptions(entry), ParamsFor(entry)     per-implementation defaults (pct; pid_max
//	                                            entry.PidMax when the entry sets one)
//	Result.Trace(), Banner(result, path, err)   the trace to write and the one message to print
//	ReplayWith(entry, trace, RunOptions), Visualize(w, result)   replay [--html] (Replay: the registry's entry)
//	SpecFits(spec, level)                       replay, shrink: a trace's spec can judge its scenario
//	Result.Spans()                              replay: the op (and ticks) each decision served
//	RunOptions.SkipSearch                       --skip-search (tests): Unknown without porcupine's search
//	Shrink(entry, result, ShrinkOptions)        shrink (of the replayed result; ShrinkTrace for a trace alone)
//	FixedFails(entry, result, n)                is a zoo finding the variant's own bug?
//	Compare(ops, params, policy, specs...), RandomSequential(seed, params), Comparison.Table()
//	Strategies(), SpecNames(), SpecFor(name, params, policy)
//
// # Checking your own implementation
//
// Check runs from a test: give it a constructor written against sched.Env
// and the spec and policy it claims. See the package example.
//
// # Comparing the 2006 designs
//
// Compare runs one sequential op list through linux, openvz and pspace2006
// and returns their answers side by side.
package checker
