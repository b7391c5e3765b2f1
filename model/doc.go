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
//	t3 exit 2               exit_group with code 2: every thread of t3's
//	                        group exits (see exit_thread; the group's status
//	                        is "exited 2"); for a single-threaded t3, t3
//	                        becomes a zombie, keeping its numbers, and its
//	                        children go to its space's init. Exit of an init
//	                        kills its space and all descendant spaces; the
//	                        init stays unreapable until every other task of
//	                        its space is reaped.
//	t0 wait -1              Non-blocking wait4(WNOHANG). Pid -1 is any child,
//	                        N>0 the child with number N in t0's space, 0 a
//	                        child in t0's process group, -N a child in the
//	                        process group numbered N in t0's space (ECHILD
//	                        when no group has that number). Result:
//	                        "7 exited 2" / "7 killed 9" (reaped), "0" when
//	                        children exist but none has exited, ECHILD.
//	                        Children of every thread of t0's group count. A
//	                        child is a process: a thread's number names no
//	                        child (ECHILD), and a group is "exited" only when
//	                        its last thread has.
//	t0 kill 7 9             Kill(pid, sig): sig 0 probes, 9 (SIGKILL) and
//	                        15 (SIGTERM) kill. Pid -1 is kill(-1). ESRCH when
//	                        no such number is visible from the sender. "ok"
//	                        also when the signal was ignored (init protection).
//	                        Any thread's number signals its whole group, as
//	                        does a zombie leader's while a thread lives; a
//	                        group with no live thread ignores signals.
//	                        kill(-1) skips the sender's own group.
//	                        Pid 0 signals every member of the sender's
//	                        process group (the sender too, and members in
//	                        other spaces, even when the group's id is
//	                        invisible in the sender's); -N the group
//	                        numbered N in the sender's space: ESRCH when no
//	                        group has that number. Init protection applies
//	                        to each member as to a single kill.
//	t0 unshare              unshare(CLONE_NEWPID): t0's future children go to a
//	                        new child space of t0's space. EINVAL when t0's
//	                        children space is already not its own; ENOSPC past
//	                        the depth limit.
//	t0 setns t4             setns to t4's (live) active space, for t0's future
//	                        children. EINVAL unless that space is t0's own or a
//	                        descendant; ESRCH when t4 is not live.
//	t3 getpid               t3's thread group's number (TGID) in its own
//	                        space: the leader's; t3's own for a process.
//	t3 getppid              the number, in t3's space, of the thread group of
//	                        its group leader's parent; 0 when the parent is
//	                        invisible there (an init's parent).
//	t0 translate t3         t3's own number in t0's space (a thread's TID); 0
//	                        when invisible or t3 was reaped (a released
//	                        thread too); ESRCH when t3 never existed.
//	t0 lookup 7             Which task has number 7 in t0's space (zombies
//	                        included): "t3", or ESRCH. A thread's number
//	                        answers the thread, as pidfd_open(7, PIDFD_THREAD)
//	                        does (without the flag Linux answers ENOENT for a
//	                        non-leader's number: checked on 6.18).
//	t0 pid_max 12           Write pid_max of t0's space (numbers < 12).
//	                        EINVAL out of the allowed range.
//	t0 ns_last_pid 5        Write ns_last_pid of t0's space: the next
//	                        allocation there starts at 6.
//
// Threads. Every thread is a task with its own handle and its own number in
// every level, allocated exactly as a fork's; its thread group is named by
// its leader (the task that forked, or the exec'ing thread after exec):
//
//	t1 thread t4            clone(CLONE_VM|CLONE_SIGHAND|CLONE_THREAD) by t1:
//	                        t4 joins t1's thread group in t1's space. Result:
//	                        t4's NSpid, root first ([1 5 3]); EAGAIN when a
//	                        level is full; EINVAL when t1's children space is
//	                        not its own space (after unshare or setns: Linux
//	                        refuses CLONE_THREAD into another PID namespace),
//	                        or the handle is in use. t4 is in no children
//	                        list: it is nobody's child, wait never sees it.
//	t4 gettid               t4's own number in its space.
//	t4 exit_thread 2        SYS_exit of t4 alone. A non-leader is released at
//	                        once: no zombie, its numbers free in every level,
//	                        its handle gone. A leader whose group has another
//	                        live thread becomes a zombie that keeps its
//	                        numbers and is not reapable until the last thread
//	                        exits. The exiting thread's children, and the
//	                        child-reaper role of an init, pass to a live
//	                        thread of the group. When the last thread exits
//	                        the group is dead: its status is the last thread's
//	                        code (unless exit or a fatal signal ended it:
//	                        then theirs), and if it was a space's init group,
//	                        the space dies as at an init's exit (forks into
//	                        it answer ENOMEM from then on, not before).
//	                        Always "ok".
//	t4 exec                 execve by t4: every other thread of its group is
//	                        released (numbers freed, handles gone, children
//	                        passed to t4). From a non-leader, t4 then takes
//	                        the leader's numbers in every level (getpid ==
//	                        gettid == the old TGID), its parent and place
//	                        among its parent's children; t4's own old numbers
//	                        are freed and the old leader's handle is gone,
//	                        with no zombie and nothing for its parent to
//	                        wait for. If the group was an init's, t4 is the
//	                        child reaper. Always "ok".
//
// Process groups, sessions, reaping, entering a space, reads.
// Every task is in a process group and a session, each named by the
// struct pid of its leader; t0 starts as leader of both (pgid = sid = 1),
// as a booted init that ran setsid does. A child is born in its parent's
// group and session, with its parent's SIGCHLD disposition, not a
// session leader, not a subreaper. A number stays taken while it is some
// task's process group or session id, even after its own task is reaped
// (lookup and kill of the number: ESRCH; kill of the group: delivered;
// set_tid: EEXIST). Pid arguments are numbers in the actor's space:
//
//	t1 setpgid 5 2          setpgid(5, 2); pid 0 is the actor's own group
//	                        leader, pgid 0 means pgid = pid. Checked in
//	                        this order: EINVAL when pgid < 0; ESRCH when no
//	                        task has number 5 (zombies count); EINVAL when
//	                        5 is a thread, not a group leader; when 5 is a
//	                        child of the actor's group: EPERM if it is in
//	                        another session, EACCES if it has exec'd;
//	                        otherwise ESRCH unless 5 is the actor's own
//	                        group leader; EPERM when 5 leads a session;
//	                        EPERM when pgid ≠ pid and no process group
//	                        numbered 2 (in the actor's space) exists in the
//	                        actor's session. Else "ok".
//	t1 getpgid 5            The number, in the actor's space, of the process
//	                        group of the task numbered 5 (0: the actor); 0
//	                        when that id is invisible there; ESRCH when no
//	                        task has number 5.
//	t1 setsid               The actor's group leader starts a new session
//	                        and group: result its number (TGID) in the
//	                        actor's space. EPERM when it already leads a
//	                        session or a process group with its number
//	                        exists.
//	t1 getsid 5             As getpgid, for the session.
//	t0 sigchld ignore       The actor's thread group sets SIGCHLD to SIG_IGN
//	                        ("ignore"), SIG_DFL with SA_NOCLDWAIT
//	                        ("nocldwait") or SIG_DFL ("default"); any
//	                        other value (printed as a number) is EINVAL.
//	                        While ignore or nocldwait is set, a child is
//	                        reaped at once when it becomes reapable (or is
//	                        reparented to the group as a reapable zombie):
//	                        no zombie, wait answers ECHILD once no child
//	                        is left. A zombie that was reapable before the
//	                        change stays until waited for. Exec keeps
//	                        ignore and clears nocldwait. Always "ok".
//	t1 subreaper 1          prctl(PR_SET_CHILD_SUBREAPER, N) for the actor's
//	                        group: set (N ≠ 0) or clear. Orphans then go to
//	                        the nearest ancestor group that is a subreaper
//	                        and has a live thread, in the orphan's old
//	                        parent's space (never past that space's init),
//	                        before the init. Always "ok".
//	t1 clone t4 newpid      clone with flags newpid, parent, thread (joined
//	                        by commas in that order, or "none"; other bits
//	                        print as a number and answer EINVAL). Result
//	                        the NSpid, as fork. EINVAL for parent from any
//	                        thread of a space's init (t0 included), for
//	                        newpid with thread, for newpid when the
//	                        actor's children space is not its own (after
//	                        unshare or setns); ENOSPC for newpid past the
//	                        depth limit. newpid: t4 is PID 1 of a new child
//	                        space of the actor's space, which only t4 is
//	                        in; the actor's own children space is
//	                        unchanged. parent: t4's parent is the actor's
//	                        parent. thread: as "thread". Without flags: as
//	                        "fork".
//	t0 setns_children t4    setns to t4's children space (the namespace
//	                        ioctl(pidfd, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)
//	                        gives), for t0's future children: that space
//	                        may have no init yet, and then t0's next child
//	                        becomes its PID 1. ESRCH when t4 is not live;
//	                        EINVAL unless the space is t0's own or a
//	                        descendant.
//	t0 read_last_pid        Read ns_last_pid of t0's space: the last number
//	                        a policy allocation handed out there (cursor −
//	                        1), or what ns_last_pid last set. set_tid does
//	                        not move it. Under the lowest and unique
//	                        policies any number ≥ −1 is accepted.
//	t3 nspid                t3's own NSpid, root first (/proc/thread-self/
//	                        status "NSpid:" read through the root space's
//	                        /proc): a thread's own numbers.
//
// Params.MinPidMax is the smallest pid_max a space accepts (pid_max_min:
// max(RESERVED_PIDS + 1, PIDS_PER_CPU_MIN × possible CPUs) in the kernel);
// 0 means Floor + 1.
//
// # Ops an implementation lacks
//
// An implementation or design without some op answers it EINVAL from a live
// actor (ESRCH from any other, as every op) and changes nothing. The thread
// ops, and the group, session, reaping, clone and read ops (setpgid through nspid above), are answered
// so by spec/openvz and spec/pspace2006 (their package docs say why) and
// their implementations. A user's implementation that lacks some op leaves
// it out of its scenarios (checker.GenOptions.Leave; the typed adapters list
// what is missing) instead of answering it.
//
// Allocator-level ops have no actor. Every number is free at first; the
// cursor starts at 0 (a fresh space: the first cyclic alloc gives 1); max
// is Params.PidMax until set_max changes it. Checked in this order:
//
//	alloc                   A number by the claimed policy (cyclic: the first
//	                        free at or after the cursor, wrapping once to
//	                        the floor; the cursor moves past it). EAGAIN when
//	                        none is free (unique: also once [floor, max) is
//	                        full). After disable: ENOMEM (EAGAIN also allowed
//	                        when full); the cursor stays.
//	free 7                  "ok" when 7 is allocated, else EINVAL.
//	alloc_at 7              EINVAL unless 1 ≤ 7 < max; EEXIST when taken;
//	                        ENOMEM after disable (ENOMEM also allowed in
//	                        place of EEXIST then); else "ok". Never moves
//	                        the cursor.
//	set_cursor 5            ns_last_pid: the next alloc starts at 6. EINVAL
//	                        unless 0 ≤ 5 ≤ max.
//	set_max 12              pid_max: numbers must now be < 12. EINVAL unless
//	                        floor < 12 ≤ Params.PidMax; numbers at or above
//	                        it stay allocated.
//	disable                 "ok": no allocation succeeds any more (the
//	                        space's init died).
//
// Any other kind sent to an allocator (and an allocator-level kind sent to
// a process-level implementation) answers EINVAL. The spec (package spec,
// spec.Allocator and spec.Linux) is the judge of all of this; its golden
// cases in spec/testdata show each rule with its kernel source. An
// implementation written with typed methods (checker.AdaptAllocator,
// checker.AdaptProcesses) returns these errnos as its errors.
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
