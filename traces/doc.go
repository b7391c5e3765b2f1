// Package traces owns pidcheck's trace files: the format, Format and Parse,
// strict validation, and atomic writes. A trace records one run: the
// implementation and the spec that judged it, the scenario, every
// scheduling decision, the history, the verdict and the spec's reason. The
// corpus of saved failing traces lives in traces/zoo/.
//
// # The format (v1, and v2 with decision runs)
//
// Text, one fact per line, so that two traces diff well:
//
//	pidcheck trace v1
//	impl      idr-stale-cursor
//	spec      alloc
//	policy    cyclic
//	level     alloc
//	pid_max   16
//	floor     4
//	max_level 32
//	strategy  pct depth=2
//	seed      42
//
//	scenario threads 2
//	  init  alloc
//	  A     alloc
//	  B     alloc
//	  post  free 1
//
//	decisions hash 9e3779b97f4a7c15
//	  0  [main]      main  main CAS cursor 0→1 ok
//	  1  [main A B]  A     A load cursor 1
//	  2  [main A B]  B     B load cursor 1
//	  …
//
//	history
//	  main  [0,1]  alloc -> 1
//	  A     [2,5]  alloc -> 2
//	  B     [3,4]  alloc -> 2
//	  main  [6,7]  free 1 -> ok
//
//	verdict violation linearizability
//
//	reason
//	  | no linearization: A and B both got 2
//	end
//
// The first line names the version: this package reads v1 and v2 and
// rejects any other. It writes v1 whenever the trace records every
// decision (so such a trace reads the same to an older pidcheck), and v2
// when it has runs (see below); v2 is v1 plus run lines. The header keys (any order, each once) come first (optional: min_pid_max, Params.MinPidMax, written only when set; reproduce); then the sections, in
// this order: scenario, decisions, history, verdict, reason (only when
// there is one), end. Section bodies are indented; blank lines and lines
// starting with # are ignored. The end line is required, so a truncated
// file is always noticed.
//
//   - scenario threads N: each op on its own line, labelled init, a thread
//     name (A, B, … as model.ThreadName) or post, in that order; ops print
//     as model.Op.String.
//   - decisions: index (from 0, in order), the runnable threads, the chosen
//     thread, and the action. A decision maps 1:1 onto checker/sched's
//     Decision (traces.Decision(d) converts one). The hash is the
//     scheduler's, in 16 hex digits, over every decision of the run.
//   - history: one line per op, in call order: thread, [call,return]
//     ticks, op -> result (model.Result.Format). An op that never returned
//     is written [call,-] with no result; only a stopped run (deadlock,
//     step-bound, panic, watchdog, foreign) may have one. A result is whatever the
//     implementation answered, in range or not: "errno(200)", "none",
//     "invalid(-5)", "[]", "-5 exited 0", "killed 9 code 2", any int
//     (model.ParseResult); model.Result.OutOfRange says which no kernel
//     could give.
//
// # Decision runs (v2)
//
// A run stopped by the step bound (100000 + 4·pid_max decisions, 16.9
// million at the kernel's pid_max) has far more decisions than a trace
// records (MaxDecisions). A v2 trace writes a long stretch of decisions
// that a rule explains as one line instead of one line each:
//
//	decisions hash 5be1d5c7f0a1e2b3
//	   0  [main]      main  main start
//	   1  [main A B]  A     A load flag 0
//	  …
//	  16..16877183  continue
//	  16877184  [A B]  A     A yield
//	  …
//
// "from..to rule" stands for the decisions from to to, inclusive, none of
// them recorded; from is the next decision's index, and the decision after
// the run is numbered to+1. Each of them was made by the rule, from the
// threads runnable at that step (in the scheduler's order) and the thread
// chosen at the step before:
//
//   - continue: the thread chosen at the step before when it is runnable,
//     else the first runnable thread (the non-preemptive schedule: the
//     checker's guided default);
//   - round-robin: the runnable thread after the one chosen at the step
//     before, in runnable order, wrapping around; the first runnable
//     thread when that one is not runnable.
//
// Trace.Runs holds them (Run{At, N, Rule}: N decisions before recorded
// decision At); Trace.Steps counts every decision. A replay follows the
// runs with the rule (Trace.Cursor does it, and checks every recorded
// decision), and the scheduler's hash over all decisions, compared with
// the trace's, is the check on the decisions the runs do not record.
// A Compactor (or Compact, on a whole list) writes the runs as the run
// goes, keeping a head and a tail of decisions recorded so that a reader
// sees how the run began and what it was doing when it was stopped; a
// stretch becomes a run only when the rule explains it decision for
// decision, so a schedule that switches threads at random stays recorded
// (and a run whose recorded decisions would pass MaxDecisions must be
// rerun with a rule's tail to be written: the checker's business).
//   - verdict: ok, unknown, or violation <kind>, kind one of
//     linearizability, invariant, deadlock, step-bound, panic, watchdog.
//     (The scheduler's Blocked verdict is watchdog.)
//   - reason: every line of the reason after "|": "| text" as it is, or the
//     line Go-quoted right after the bar (|"…") when it holds control
//     characters, invalid UTF-8 or trailing blanks.
//
// Names, strategies and actions are written as they are when that reads
// back unambiguously and Go-quoted otherwise (empty, leading quote, blanks
// at either end, non-printable runes; for thread names also spaces and
// brackets), so any string round-trips.
//
// # Validation
//
// Parse is strict: unknown or duplicate keys and sections, sections out of
// order or missing, a wrong version, a missing end line, ops and results
// that do not parse, decision indexes out of order, a chosen thread that
// was not runnable, history ticks that do not increase, a thread's ops that
// differ from the scenario's or overlap, calls without returns in a run
// that was not stopped, binary data (NUL, control characters, invalid
// UTF-8). Each is a *ParseError, printed "file:line: what is wrong".
// Trace.Validate makes the same checks, and Format refuses a trace that
// fails them, so every trace written reads back. A value the format can
// hold is not malformed, however far out of range: results are checked
// for syntax only, and header numbers are checked by model.Params.Validate,
// whose message gives the range. A decision run in a v1 file, a run that
// does not start at the next index or ends before it starts, or an
// unknown rule are errors.
//
// Parse keeps the file as one string and the decisions' names, actions
// and runnable sets point into it; decisions with the same runnable set
// share one Runnable slice, so treat Runnable slices as read-only.
//
// Parse reads at most MaxSize+1 bytes whatever its input, rejects lines of
// MaxLine bytes or more, and caps threads, ops, recorded decisions, runs
// and steps, so that any input costs bounded time and memory.
//
// # Use
//
//	err := traces.WriteFile("pidcheck-failures/idr-stale-cursor.trace", t) // atomic
//	t, err := traces.ReadFile(path)                                        // *ParseError on bad input
//	removed, err := traces.CleanTemp("pidcheck-failures", time.Minute)    // a crash's leftovers
//
// WriteFile writes into a temporary file named .NAME.tmp-<digits> in the
// same directory and renames it over NAME; a crash between the two leaves
// that file behind, and CleanTemp removes such files once they are older
// than the age it is given (a younger one may be another writer's, mid-way).
package traces
