// Package spec is pidcheck's sequential truth: pure, deterministic
// specifications of a PID system that say, for every operation and every
// observed result, whether the result is allowed and what the state becomes.
//
// It depends on the standard library and package model only. Nothing here
// mutates a State, starts a goroutine, reads a clock or does I/O.
//
// # Two specifications
//
// Allocator(p, pol) is one space's number allocator (model ops alloc, free,
// alloc_at, set_cursor, set_max, disable). Linux(p, pol) is the whole process
// level of today's Linux: nested PID spaces, NSpid vectors, zombies, reaping,
// reparenting, namespace init death, signals, unshare, setns, set_tid,
// pid_max, ns_last_pid, threads (thread groups, exit of one thread,
// exit_group, exec), and process groups, sessions, SIGCHLD autoreap,
// subreapers, clone flags, setns to a children space and the reads
// ns_last_pid and NSpid. Variants (spec/openvz, spec/pspace2006) build on
// the allocation core exported here.
//
// # The allocation core
//
// Pick and Allowed define the three policies (model.Cyclic, model.Lowest,
// model.Unique) over a set of taken numbers. The cursor follows the kernel's
// idr: it is the number the next cyclic scan starts at ("last allocated + 1";
// writing ns_last_pid = n sets it to n+1; a fresh space has cursor 0). A
// cyclic scan (kernel/pid.c alloc_pid + lib/idr.c idr_alloc_cyclic) uses
// pid_min = 1, or the floor (RESERVED_PIDS) whenever cursor > floor; it scans
// [max(cursor, pid_min), max) and, when that is full, wraps once to
// [pid_min, max). After a cyclic allocation of n the cursor becomes n+1.
// Allocating an exact number (set_tid, alloc_at) never moves the cursor.
//
// # Using a spec
//
//	s := spec.Linux(model.SmallParams(), model.Cyclic)
//	st := s.Init()
//	res, st := st.Expect(op)             // what the spec itself does
//	ok, next, why := st.Step(op, observed) // may op return observed here?
//
// Spec states are immutable values: keep any of them, share them between
// goroutines, compare them with Key (Hash hashes a Key). Specs assume
// parameters that pass model.Params.Validate. Package spec/linmodel turns a
// Spec into a porcupine model.
//
// # Deaths and releases are not atomic in the kernel
//
// Linux's Step applies each op atomically; the kernel does some of the
// same work in stages, in other tasks' contexts. Per behaviour, what a
// concurrent implementation may expose, and what this spec therefore
// allows:
//
//   - A release by the op itself: wait's reap (wait_task_zombie →
//     release_task), a thread's own release at its exit, de_thread's
//     release of the other threads at exec, a group or session id freed
//     by setpgid or setsid. Since 6.15 release_task detaches the task under
//     tasklist_lock — kill, lookup and wait no longer find it — and frees
//     its numbers after dropping the lock (free_pids), still inside the
//     system call. An op concurrent with it may see both: the task gone and
//     its number taken (kill ESRCH, then EEXIST from set_tid), which no
//     order of atomic ops gives. Allowed: when atomic ops do not linearize
//     a history, the judge asks again with each such op split in two (the
//     op, whose frees stay pending, and a release event inside the op's
//     interval: Deferrer, linmodel.WithDeferred). What the frees wake — a
//     dying init leaving its zap, its parked thread's release — happens at
//     the release. Every op after the causing op returned sees the numbers
//     free.
//   - A release in another task's context: autoreap (exit_notify →
//     release_task), a dying init's reaping of its children
//     (zap_pid_ns_processes → kernel_wait4), a non-leader thread's own
//     release, and every death caused by kill, which returns once the
//     signal is queued (kernel/signal.c) while the target runs do_exit
//     later. The kernel lets an op that starts after the causing op
//     returned still see the task live, or its number taken. This spec
//     does not allow it: an implementation must complete such a death,
//     and free the numbers, before the causing op returns (its
//     linearization point). Decision: kept strict, because the model's ops
//     name the cause, not the later context; the kernel oracle hides the
//     kernel's delay by settling (waiting until each number is free)
//     before the next op. Allowing it would need a release that may come
//     after the causing op returned, completed by any later op: not
//     modelled.
//   - A task between SIGKILL and exit: it cannot fork (copy_process checks
//     fatal_signal_pending) and keeps its numbers; as above, the spec
//     makes it a zombie at the kill.
//   - A dying space (zap_pid_ns_processes: disable_pid_allocation, SIGKILL
//     to every member, reap the init's children, wait until pid_allocated
//     falls to the init's own, then exit_notify). A fork into the space
//     concurrent with the init's exit may succeed (linearized before: the
//     new task is then killed with the rest, since copy_process re-checks
//     PIDNS_ADDING under tasklist_lock before attaching) or answer ENOMEM
//     (after): both allowed, as the exit is one op. Members seen live by
//     ops concurrent with the exit are allowed likewise; once the exit op
//     has returned, every member (and every descendant space's) is dead,
//     which the kernel guarantees too, as the outer init waits for every
//     number of its space, and so for the inner inits' own zaps. Which
//     thread of a threaded init runs the zap is the kernel's choice (the
//     last to exit, any of them): the state stands for each (worlds); a
//     non-leader that runs it holds its numbers until the space holds only
//     it and its leader.
//   - Groups and sessions (setpgid, setsid: under tasklist_lock for
//     writing), subreaper reparenting (forget_original_parent under
//     tasklist_lock) and autoreap decisions (do_notify_parent under it)
//     have no intermediate state a task can see. prctl sets the subreaper
//     flag without the lock; an exit racing it either sees it or not, which
//     linearizes.
//   - A race for PID 1 of a space joined with setns_children: two forks
//     each reserve a number; the one that got 1 becomes the child reaper
//     (copy_process is_child_reaper). If it then fails at an outer level
//     and the other, holding 2, succeeds, the space has a task and no
//     init (our reading of kernel/pid.c alloc_pid, which allocates and
//     frees level by level; not reproduced on a kernel). The spec (the
//     first successful fork gets 1) does not allow that outcome: it is
//     historical race 8 of shared/LINUX-PID.md, a state no sequential
//     order gives.
//
// The conformance cases in testdata/golden/ pin the behaviour, one kernel
// fact per case, citing the kernel source or LTP test and saying which
// facts were checked by hand on a running kernel.
package spec
