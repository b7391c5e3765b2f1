// Package model is pidcheck's vocabulary: task handles, operations, results,
// errnos, scenarios and the interface an implementation under test satisfies.
// It holds no behaviour beyond printing and parsing; the sequential truth
// lives in package spec and the implementations in package alloc.
//
// # Two levels
//
// Process level: a whole PID system (spaces, tasks, parents, zombies). Tasks
// are named by handles (t0, t1, …) that the scenario assigns, never by PID
// number, so a history means the same thing under every interleaving. Task t0
// exists when a system is created: it is PID 1 of the root space (level 0).
//
// Allocator level: one space's number allocator, with no tasks at all.
//
// Both levels share one Op type and one Result type, so a history, a trace
// and the harness treat them alike. Kind.Level says which level an op is for.
//
// # What each process-level op means
//
// The actor (Op.Task) must be a live task (not a zombie, not reaped, not a
// handle whose fork failed or has not happened yet); otherwise every op
// answers ESRCH. "Space of t" is t's active space (the one its own number is
// in); "children space of t" is where t's future children go
// (pid_ns_for_children).
//
//	t0 fork t3              Fork: child t3 in t0's children space. Result: the
//	                        child's NSpid, root first ([1 5 3]); EAGAIN when a
//	                        level is full, ENOMEM when the space no longer
//	                        accepts tasks (its init died).
//	t0 fork t3 tid=7,1     ForkWithTid (clone3 set_tid): the numbers to ask
//	                        for, innermost level first, as set_tid[] is; fewer
//	                        entries than levels leave the outer levels free.
//	                        EINVAL out of range or 2+ in a space with no init;
//	                        EEXIST when taken.
//	t3 exit 2               Exit with code 2: t3 becomes a zombie, keeping
//	                        its numbers; its children go to its space's init.
//	                        Exit of an init kills its space and all descendant
//	                        spaces; the init stays unreapable until every other
//	                        task of its space is reaped.
//	t0 wait -1              Non-blocking wait4(WNOHANG). Pid -1 is any child,
//	                        N>0 the child with number N in t0's space. Result:
//	                        "7 exited 2" / "7 killed 9" (reaped), "0" when
//	                        children exist but none has exited, ECHILD.
//	t0 kill 7 9             Kill(pid, sig): sig 0 probes, 9 (SIGKILL) and
//	                        15 (SIGTERM) kill. Pid -1 is kill(-1). ESRCH when
//	                        no such number is visible from the sender. "ok"
//	                        also when the signal was ignored (init protection).
//	t0 unshare              unshare(CLONE_NEWPID): t0's future children go to a
//	                        new child space of t0's space. EINVAL when t0's
//	                        children space is already not its own; ENOSPC past
//	                        the depth limit.
//	t0 setns t4             setns to t4's (live) active space, for t0's future
//	                        children. EINVAL unless that space is t0's own or a
//	                        descendant; ESRCH when t4 is not live.
//	t3 getpid               t3's number in its own space.
//	t3 getppid              t3's parent's number in t3's space; 0 when the
//	                        parent is invisible there (an init's parent).
//	t0 translate t3         t3's number in t0's space; 0 when invisible or t3
//	                        was reaped; ESRCH when t3 never existed.
//	t0 lookup 7             Which task has number 7 in t0's space (zombies
//	                        included): "t3", or ESRCH.
//	t0 pid_max 12           Write pid_max of t0's space (numbers < 12).
//	                        EINVAL out of the allowed range.
//	t0 ns_last_pid 5        Write ns_last_pid of t0's space: the next
//	                        allocation there starts at 6.
//
// Allocator-level ops have no actor:
//
//	alloc                   a number, EAGAIN when full, ENOMEM when disabled
//	free 7                  "ok", or EINVAL when 7 is not allocated
//	alloc_at 7              "ok", EEXIST when taken, EINVAL out of range,
//	                        ENOMEM when disabled
//	set_cursor 5            the next alloc starts at 6 (ns_last_pid)
//	set_max 12              numbers must now be < 12
//	disable                 no allocation succeeds any more (init died)
//
// # Printing
//
// Every Op and Result prints as one line and parses back: ParseOp(op.String())
// == op, ParseResult(op.Kind, res.Format(op.Kind)) == res. For results this
// holds for every value a Result can hold, not just the ones a kernel
// gives — an implementation under test may answer anything, and its trace
// must still say what: "errno(200)", "none" from a lookup, "[]" from a fork,
// "-5 exited 0" from a wait, numbers of any size. Result.OutOfRange says
// when a result is outside what any kernel could answer, so that a report
// can point it out.
package model
