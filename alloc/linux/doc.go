// Package linux is today's Linux PID system as real concurrent Go, written
// against sched.Env: struct pids with a number per level, one IDR per pid
// namespace, and the tasks attached to them. It follows kernel/pid.c
// (alloc_pid, free_pid), kernel/fork.c (copy_process), kernel/exit.c
// (exit_notify, forget_original_parent, release_task), kernel/signal.c
// (kill_something_info, sig_task_ignored) and kernel/pid_namespace.c
// (zap_pid_ns_processes, pidns_install, pid_ns_ctl_handler) and kernel/sys.c
// (setpgid, ksys_setsid, PR_SET_CHILD_SUBREAPER).
//
// # Locks and shared objects
//
//	pidmap_lock       every space's IDR, cursor and pid_allocated count
//	tasklist_lock     tasks, parent/child links, task states (RW)
//	sN.pid_allocated  published copy of sN's count, for the zap's wait
//	sN.pid_max        written under tasklist_lock (read) and pidmap_lock
//	sN.child_reaper   read by set_tid's "no PID 1" check, without a lock
//
// Lock order is tasklist_lock, then pidmap_lock (release_task → free_pid).
//
// # Fork
//
// alloc_pid reserves one number per level, innermost first, taking and
// dropping pidmap_lock for each level; a reserved entry is present but nil,
// so no lookup sees a half-built pid. Then, under pidmap_lock, it checks the
// innermost space's PIDNS_ADDING (else ENOMEM) and publishes every level.
// On failure the reserved levels are removed, and a space that never had a
// task gets its cursor back to 0, so its first task still gets 1.
// copy_process then takes tasklist_lock, re-checks that the parent is alive
// and that the space still accepts tasks (commit 3fd37226216620), checks
// (not in the kernel) that every number is still below its pid_max, and
// attaches the task.
//
// # Death
//
// Exit and a delivered signal make a task a zombie that keeps its numbers
// until it is reaped; its children go to its space's init. An init's death
// zaps its space, under tasklist_lock: PIDNS_ADDING is cleared and every
// task with a number in the space (so every task of every descendant space)
// is SIGKILLed; each dying init reaps its children as they become
// reapable. The exiting init then sleeps in zap_pid_ns_processes until
// every other number of the space is freed; that sleep is no thread here:
// the init is reapable as soon as no other attached task (and no reaped
// task's pid held as a process group or session) has a number in its
// space, decided under tasklist_lock by whoever frees the last one, so the
// moment the space empties and the moment its init may be reaped are one
// (the kernel's init becomes a zombie only when it runs again, which a wait
// could observe as "0"). An init may sleep there for good — its own process
// group holding a reaped child's number, until its parent moves it — and a
// run still ends. When the init's last thread is not its leader, that
// thread runs the zap before its own release: it stays, a zombie holding
// its numbers, until the space holds only it and its leader, and is
// released then.
//
// Release is 6.15's: release_task detaches a task under tasklist_lock and
// frees its numbers after dropping it (free_pids), so an op's releases —
// a wait's reap, a thread's own release, de_thread's, a process group
// freed by setpgid or setsid, the zap's kills and reaps — are freed
// together once its hold ends (unlockTasklist). In between the numbers are
// no task's and not free: a fork cannot get them and a dying init's zap,
// which counts attached numbers until freed, still waits. Frees that wake
// a dying init are done under tasklist_lock with what the init then does
// (settle: reapable, its parked thread released, an autoreap), freed at
// once, so that the cascade ends inside the op whose frees caused it. The
// spec allows exactly that window: each op's frees may lag it inside its
// own interval (spec.Deferrer).
//
// # Forks still in flight
//
// A fork holds its numbers before it exists: reserved in alloc_pid, then
// published but not yet attached. The kernel treats such a number as taken
// for everyone else at once: a set_tid asking for it gets EEXIST, a space
// whose last free numbers are in flight answers EAGAIN, and a second fork
// into a fresh space gets 2 while the first holds 1. When the holding fork
// then fails, those answers fit no sequential execution (InflightVisible
// keeps that behaviour and shows the interleaving). linux instead waits
// (Env.WaitUntil "fork: sN has numbers in flight") until the other fork is
// attached or undone, and asks again: a fork's effects become visible at
// one moment, its attach under tasklist_lock. Likewise a fork restarts if
// its parent's children space changed under it (only possible here, where
// one task's ops may run on two harness threads).
//
// # pid_max
//
// alloc_pid reads each level's pid_max once, without a lock, and the task
// becomes visible only at its attach; the kernel never looks at pid_max
// again. A write lowering pid_max in between leaves a task whose number is
// at or above the pid_max of the moment it appeared, which no sequential
// execution gives (PidmaxWindow keeps that behaviour):
//
//	init: t0 fork t1; t1 fork t2; t0 fork t3   [2] [3] [4]; pid_max 16, floor 4
//	A: t2 fork t4       reads pid_max 16, reserves and publishes 5
//	B: t2 pid_max 5     ok
//	B: t4 fork t6       ESRCH: t4 is not attached yet
//	A:                  attaches t4 → [5]
//
// B's ESRCH puts A's fork after the write, where 5 is out of range. linux
// instead writes pid_max holding tasklist_lock (for reading) and
// pidmap_lock; reads it under pidmap_lock, in the same hold as the scan
// (so an EAGAIN is never answered for a pid_max a write has already
// raised); and, whenever the allocation answers (an error at some level,
// or the publish) and again at the attach under tasklist_lock, checks every
// number the fork holds against its space's pid_max of that moment. If one
// is out of range the fork's numbers are released (a restart, not a failed
// first fork: the new space stays alive and gives 1 again) and the fork
// starts over with the current pid_max, which may now answer EAGAIN. So
// every answer, numbers or error, holds at one moment. ns_last_pid's range
// check is taken under pidmap_lock too. Likewise a fork whose parent died
// while it was under way answers ESRCH whatever its allocation found: an
// EAGAIN decided under a pid_max written after the parent's exit fits no
// order in which the parent is alive.
//
// # Policy: cyclic alone, not under concurrency
//
// Run on one thread, the system agrees with spec.Linux(p, model.Cyclic)
// result by result. Under concurrency it is not cyclic, because
// pidmap_lock is dropped between levels: two forks into the same nested
// space can take their numbers in opposite orders at different levels,
// which no sequential cyclic execution produces:
//
//	init: t0 unshare; t0 fork t1           [2 1]
//	A: t0 fork t2   reserves s1's 2
//	B: t0 fork t3   reserves s1's 3, then s0's 3, publishes → [3 3]
//	A:              reserves s0's 4, publishes → [4 2]
//
// Cyclically, whichever fork goes first gets the lower number at both
// levels (TestLinuxNotCyclicUnderConcurrency finds it within a few random
// schedules). It claims model.CyclicAlone: a fork that no other op
// overlapped takes exactly the cyclic number at every level whose cursor
// the history fixes; one that did is held to unique (every number handed
// out is free and in range, and EAGAIN only once [floor, pid_max) is full
// at some level it allocates freely, even if a number below the floor is
// free there: cyclic allocation past the floor never looks below it,
// spec.UniqueMayFail), and leaves every cursor unknown, since it may have
// reserved numbers and given them back (a parent killed under it, a space
// that died) or started over in another children space, until a fork or
// an ns_last_pid write alone sets it again.
//
// # Threads
//
// Every thread is a task with its own struct pid, allocated by the same
// alloc_pid as a fork (one level at a time, pidmap_lock dropped between
// levels) and attached under tasklist_lock; clone(CLONE_THREAD) is refused
// with EINVAL, before anything is allocated, when the caller's
// pid_ns_for_children is not its active space (kernel/fork.c
// copy_process). A thread group is its leader and a thread list (leader
// first, then creation order); only the leader has a parent and sits in a
// children list, and getpid answers the leader's number, getppid the
// number of the leader's parent's group.
//
// All under tasklist_lock held for writing:
//
//   - exit_thread (do_exit): a non-leader is released by itself, from its
//     own exit path (release_task: its numbers freed at once, no zombie);
//     a leader stays a zombie holding its numbers, reapable only when its
//     group has no live thread (delay_group_leader); the exiting thread's
//     children, and a space's child-reaper role, pass to the group's first
//     live thread (find_alive_thread, find_child_reaper). The group dies
//     with its last live thread, whose code becomes the group's status
//     (synchronize_group_exit), and an init group's death zaps its space.
//   - exit (do_group_exit) and a fatal signal end every thread of the
//     group, with one status (SIGNAL_GROUP_EXIT); kill to any thread's
//     number signals its group (group_send_sig_info), kill(-1) visits
//     group leaders and skips the sender's group, and init protection
//     covers init's whole group.
//   - wait visits the children of every thread of the caller's group, from
//     the caller on around the thread list (do_wait).
//   - exec (de_thread): the other threads are killed and released, their
//     children passed to the exec'ing thread; from a non-leader, the
//     exchange (exchange_tids, transfer_pid, list_replace) gives it the
//     leader's struct pid — the TGID in every level — its parent and its
//     place among its siblings, and the old leader is released with the
//     exec'ing thread's old numbers, in the same hold of the lock. The
//     kernel's de_thread sleeps until the other threads have released
//     themselves and releases the old leader after dropping tasklist_lock;
//     doing it in one hold makes the exec one atomic step, as the spec has
//     it (ExecLateRelease shows what the window costs).
//
// # Groups, sessions, reaping, entering a space
//
// A thread group (signal_struct) has a process group and a session, each
// a struct pid; t0 leads both. A struct pid counts the groups attached to
// it as process group and as session (PIDTYPE_PGID, PIDTYPE_SID): when its
// task is reaped while either count is nonzero, its numbers stay in every
// IDR, counted in pid_allocated (so an init whose space holds one is not
// reapable, and the zap waits for it), and are freed when the last group
// leaves it (change_pid, or the reap of its last member: detach_pid →
// free_pid) — the same per-level free as a reaped task's. All under
// tasklist_lock held for writing:
//
//   - setpgid and setsid check and move as kernel/sys.c does (model/doc.go
//     has the order of the refusals); getpgid, getsid read under it.
//   - kill(0), kill(-n) walk the group's members and signal them in the
//     same hold (__kill_pgrp_info), so a member's fork either attaches
//     before the walk (its child is signalled) or finds its parent killed;
//     wait(0), wait(-n) select children by process group (eligible_pid).
//   - Every point where a zombie becomes reapable (exit_notify, the release
//     of a delayed leader's last thread, reparent_leader to another group)
//     is followed, in the same hold, by do_notify_parent: a parent group
//     whose SIGCHLD is SIG_IGN or SA_NOCLDWAIT has the child reaped at once
//     (autoreap); a zombie already reapable when the disposition changed
//     stays. Exec keeps SIG_IGN and clears SA_NOCLDWAIT.
//   - Orphans of a group's last thread go to the nearest ancestor group at
//     the same level that is a subreaper and has a live thread, else the
//     space's child reaper (find_new_reaper).
//   - clone(CLONE_NEWPID) checks its flags and creates the new space under
//     the lock, then allocates the child like a fork into a new child
//     space: PID 1 there; CLONE_PARENT attaches the child to the caller's
//     real_parent. setns_children joins a task's pid_ns_for_children, which
//     may have no init: forks racing for its PID 1 are the in-flight race
//     above (the second waits, then gets 2 once the first is attached).
//   - A fork cancelled after alloc_pid (its parent killed under it) is
//     retracted, so a joined init-less space stays open; the kernel's
//     free_pid closes it ("Handle a fork failure of the first process"),
//     which KilledFirstFork keeps.
//   - A task forked into an init-less space below a dying one, after the
//     zap's sweep, holds a number in the dying space that nobody kills: the
//     kernel's init waits for it, and so does this one (not reapable).
//
// # The zoo
//
// New builds today's Linux; NewZoo(env, p, bug) builds one deliberately
// broken variant. Each Bug value lives in its own zoo_<name>.go file with
// its story, and replaces today's behaviour at one named seam (bug.go
// lists them): the rest of the package is today's Linux, calling each seam
// where a bug would differ.
package linux
