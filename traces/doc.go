// Package traces owns pidcheck's trace files: the format, Format and Parse,
// strict validation, and atomic writes. A trace records one run: the
// implementation and the spec that judged it, the scenario, every
// scheduling decision, the history, the verdict and the spec's reason. The
// corpus of saved failing traces lives in traces/zoo/.
//
// # The format (v1)
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
// The first line names the version; a reader of v1 rejects any other. The
// header keys (any order, each once) come first; then the sections, in
// this order: scenario, decisions, history, verdict, reason (only when
// there is one), end. Section bodies are indented; blank lines and lines
// starting with # are ignored. The end line is required, so a truncated
// file is always noticed.
//
//   - source (optional, after the header keys; added in v1 without a
//     version change, so older traces read as before): where an observed
//     history came from, e.g. "kernel 6.18.44 (real history: cannot be
//     re-executed)". A trace with a source has no decisions (an empty
//     decisions section, hash 0); replay shows it and judges the recorded
//     history afresh instead of re-running anything. In such a trace a
//     thread's op may be called before its previous op returned: the
//     previous op's effect was still completing (a kill whose target
//     had not died yet), its return being when it was seen complete.
//   - scenario threads N: each op on its own line, labelled init, a thread
//     name (A, B, … as model.ThreadName) or post, in that order; ops print
//     as model.Op.String.
//   - decisions: index (from 0, in order), the runnable threads, the chosen
//     thread, and the action. A decision maps 1:1 onto checker/sched's
//     Decision (traces.Decision(d) converts one). The hash is the
//     scheduler's, in 16 hex digits.
//   - history: one line per op, in call order: thread, [call,return]
//     ticks, op -> result (model.Result.Format). An op that never returned
//     is written [call,-] with no result; only a stopped run (deadlock,
//     step-bound, panic, watchdog) may have one.
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
// fails them, so every trace written reads back.
//
// Parse reads at most MaxSize+1 bytes whatever its input, rejects lines of
// MaxLine bytes or more, and caps threads, ops and decisions, so that any
// input costs bounded time and memory.
//
// # Use
//
//	err := traces.WriteFile("pidcheck-failures/idr-stale-cursor.trace", t) // atomic
//	t, err := traces.ReadFile(path)                                        // *ParseError on bad input
package traces
