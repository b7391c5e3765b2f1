// Package pspace2006 is the sequential spec of Eric Biederman's PID spaces
// ("pspaces", 2006), the proposal closest to what Linux later merged, in
// its original form: a PID means something only together with its space.
//
// # The design
//
// Each pspace has its own allocator (cursor, pid_max, floor): the tuple
// (pspace, pid) is unique, the same number means different tasks in
// different pspaces. A task lives in exactly one pspace and has exactly
// one number there. A task created into a new pspace (its leader) has two
// numbers: 1 inside, and a wait ID in the parent pspace — the number its
// parent knows it by. Only the leader is visible from the parent pspace;
// the other inner tasks are invisible from outside. kill(-wid) signals the
// whole inner pspace; waiting on the wait ID waits for the pspace to exit.
//
// # How each op maps
//
//	unshare     arms CLONE_NEWPID for the actor's NEXT fork only (2006 had
//	            clone(CLONE_NEWPID), not a pid_ns_for_children): EINVAL when
//	            already armed, ENOSPC when the new pspace would be deeper
//	            than Params.MaxLevel (the nesting limit; 32 by default, as
//	            MAX_PID_NS_LEVEL). The fork after it creates the pspace;
//	            later forks are ordinary again. If that fork fails, the arm
//	            stays.
//	fork        an ordinary child: [n], n from the actor's pspace. A leader:
//	            [wid 1] — wid from the actor's pspace, 1 inside. EAGAIN when
//	            the actor's pspace is full (a new pspace cannot be full).
//	fork tid=   innermost first: [n] for an ordinary child, [1] or [1 wid]
//	            for a leader ([1] allocates the wait ID as fork does, the
//	            cursor moves; explicit numbers do not move it); EINVAL out
//	            of range or a first number other than 1 for a leader,
//	            EEXIST taken.
//	fork tN     any child handle a trace can name (model.ParseHandle: up
//	            to t1073741824) that was never forked; a handle forked
//	            before, even if reaped, or a negative one → EINVAL, as in
//	            spec.Linux. The task table is sparse, so t1000000 costs
//	            what t1 does.
//	setns       there is no way into an existing pspace: ok (and disarms an
//	            unshare) when the target lives in the actor's own pspace,
//	            else EINVAL; ESRCH when the target is not live.
//	exit, wait  as Linux, numbers in the waiter's pspace: waiting for a
//	            leader uses, and returns, its wait ID. A leader is reaped
//	            only when its pspace is empty: its death kills every task
//	            visible in its pspace (nested leaders, and so nested pspaces,
//	            included) and reaps them, then the parent's wait on the
//	            wait ID returns "wid killed 9" or "wid exited c".
//	kill        pid > 0: the task with that number in the sender's pspace
//	            (own tasks, and child-pspace leaders by wait ID); inner
//	            tasks of a child pspace → ESRCH. kill(-wid): every task of
//	            the pspace led by wid and of pspaces below it (ESRCH unless
//	            wid is a wait ID in the sender's pspace); leaders ignore
//	            SIGTERM from above and everything from inside, ordinary
//	            tasks die. kill(-1): every task visible in the sender's
//	            pspace with number > 1 except the sender (wait IDs count,
//	            inner tasks do not). kill(0) → EINVAL, and wait for a pid
//	            ≤ 0 other than -1 (this variant has no process groups;
//	            spec.Linux has them); kill(-n) when n is no
//	            wait ID → ESRCH (no such group).
//	getpid      the task's one number: 1 for a leader; getppid of a leader
//	            is 0.
//	translate   own pspace: the number; a child-pspace leader: its wait ID;
//	            everything else (inner tasks, tasks above): 0.
//	lookup      the reverse of translate.
//	pid_max,    per pspace, as Linux ≥ 6.14; a wait ID is allocated in the
//	ns_last_pid parent pspace and obeys its pid_max and cursor.
//	thread, gettid, exit_thread, exec
//	            EINVAL from a live task (ESRCH from any other, as every op);
//	            nothing changes. See "Threads" below.
//	setpgid, getpgid, setsid, getsid, sigchld, subreaper, clone,
//	setns_children, read_last_pid, nspid
//	            EINVAL from a live task (ESRCH from any other); nothing
//	            changes. See "Groups, sessions, reaping" below.
//
// Allocation follows spec.Pick in each pspace; every number visible there
// (own tasks' numbers and child leaders' wait IDs) is taken until reaped.
// Lifetime rules otherwise follow today's Linux, so that compare shows
// where the numbering and visibility differ.
//
// # Threads
//
// Biederman's 2006 pspace patches had threads, and the design implies
// nothing new for them: a thread is born into its creator's pspace (a
// thread cannot lead a new pspace, as CLONE_THREAD with a new PID namespace
// is refused in Linux today), so it has exactly one number, from its
// pspace's allocator, and no wait ID; it is numbered as a fork in the same
// pspace would be. The design's subject — tuples, wait IDs, what a parent
// pspace sees — gives threads no rule of their own, so the thread ops would
// show `pidcheck compare` no numbering difference from Linux, only the
// thread group lifecycle (leader zombies, release of non-leaders,
// de_thread), which the shared variant lifecycle (spec/internal/variant)
// does not model. Answering as Linux without modelling it would be a claim
// the variant cannot back, so it refuses them: thread, gettid, exit_thread
// and exec answer EINVAL (the answer an implementation gives to an op its
// design lacks, model/doc.go) and change nothing; compare shows EINVAL
// against Linux's answer. alloc/pspace2006 refuses them the same way.
//
// # Groups, sessions, reaping
//
// Process groups and sessions, SIGCHLD autoreap, subreapers, clone flags,
// setns to a children space and the reads ns_last_pid and NSpid
// are Linux lifecycle and interface rules the 2006 proposal did not change
// and this variant's shared lifecycle does not model; answering them as
// Linux would be a claim it cannot back, so it refuses them with EINVAL
// and changes nothing, and `pidcheck compare` shows EINVAL against Linux's
// answer. alloc/pspace2006 refuses them the same way (its Apply answers every
// kind it lacks EINVAL after the liveness check).
package pspace2006
