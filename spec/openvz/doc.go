// Package openvz is the sequential spec of OpenVZ's virtual PIDs (Korotaev
// and Kuznetsov, 2006), the design Linux did not take: one global PID space
// and, per container (VE), a virtual view of it.
//
// # The design
//
// There is one real space: one allocator, one pid_max, one floor, one
// cursor. It never hands out a number with the VPID bit (VPIDBit = 1<<10,
// VPID_DIV) set. A container is created by unshare and then fork: the
// first task forked into it is the container's init, virtual 1; every other
// task of the container has vpid = pid + VPID_DIV (linear mode: the bit is
// clear in pid, so that is pid|VPIDBit, and pid = vpid &^ VPIDBit). The
// kernel keeps global numbers everywhere and translates at the user
// boundary. There is one level only. The host (t0's space) sees and
// signals every task, container tasks included, by global number; a
// container sees only its own tasks, by virtual number.
//
// # How each op maps
//
//	fork        Result: [global] for a host child, [global virtual] for a
//	            container child: [5 1] for the container's init, [6 1030]
//	            after it. EAGAIN when the global space is full (the only
//	            limit: containers have no pid_max), ENOMEM when the
//	            container's init died. The host parent that unshared keeps
//	            forking into the container, as in Linux.
//	fork tid=   set_tid, innermost first: [g] on the host; [v] or [v g]
//	            into a container. The container's first task must ask for
//	            v = 1: [1] allocates g as fork does (the cursor moves),
//	            [1 g] takes g. Later tasks ask for a v with the VPID bit,
//	            whose global number is v&^VPIDBit (a [v g] pair that
//	            disagrees is EINVAL: linear mode ties them). Out of range,
//	            or a g with the VPID bit → EINVAL; taken → EEXIST. Explicit
//	            numbers do not move the cursor. (OpenVZ's sparse mode, a
//	            hash for migrated containers, is not modelled; set_tid is
//	            how a restored task asks for its numbers here.)
//	fork tN     any child handle a trace can name (model.ParseHandle: up
//	            to t1073741824) that was never forked; a handle forked
//	            before, even if reaped, or a negative one → EINVAL, as in
//	            spec.Linux. The task table is sparse, so t1000000 costs
//	            what t1 does.
//	exit, wait  as Linux; wait names children in the waiter's view (global
//	            on the host, virtual in a container); an init is reapable
//	            only when its container is empty.
//	kill        pid in the sender's view. From a container, a number that is
//	            not a virtual number of its own container (any host-only
//	            pid, and every global number) → ESRCH. kill(-1) from the
//	            host reaches every task but t0 and the sender, container
//	            inits included (SIGKILL kills them, SIGTERM is ignored);
//	            from a container, every task of the container but its init
//	            and the sender. kill(0) and other negative pids (process
//	            groups) → EINVAL, and so is wait for pid ≤ 0 other than
//	            -1: this variant has no process groups (spec.Linux has
//	            them; see "Groups, sessions, reaping" below).
//	unshare     host task: a new container for its future children; EINVAL
//	            when its children already go elsewhere; ENOSPC when
//	            Params.MaxLevel is 0. From inside a container: always
//	            ENOSPC — OpenVZ has one level, a depth limit of 1.
//	setns       the host may enter any container (for its children); a
//	            container task only its own (else EINVAL).
//	getpid      global on the host, virtual inside; getppid of a container
//	            init is 0.
//	translate   host viewer: the global number of anyone; container viewer:
//	            the virtual number of its own tasks, 0 for every other.
//	lookup      the reverse of translate.
//	pid_max     the one global pid_max, from the host only (a container →
//	            EPERM); EINVAL unless Floor < n ≤ Params.PidMax.
//	ns_last_pid the one global cursor, from the host only (a container →
//	            EPERM); EINVAL unless 0 ≤ n ≤ pid_max (the sysctl range).
//	thread, gettid, exit_thread, exec
//	            EINVAL from a live task (ESRCH from any other, as every op);
//	            nothing changes. See "Threads" below.
//	setpgid, getpgid, setsid, getsid, sigchld, subreaper, clone,
//	setns_children, read_last_pid, nspid
//	            EINVAL from a live task (ESRCH from any other); nothing
//	            changes. See "Groups, sessions, reaping" below.
//
// Allocation follows spec.Pick on the global space, with every number that
// has the VPID bit counted as taken, so Cyclic, Lowest and Unique keep
// their meaning. Lifetime rules (zombies hold their numbers until reaped,
// orphans go to their space's init, an init's death kills its container,
// SIGKILL from the host reaches a container init, inits ignore signals
// from inside) are today's Linux ones, so that compare shows the numbering
// differences, not lifecycle ones.
//
// # Threads
//
// The OpenVZ patch set had threads, and its design implies nothing new for
// them: a thread was a task like any other, with a global pid from the one
// allocator and, in a container, vpid = pid|VPID_BIT (getpid answering the
// virtual TGID), living and dying by the kernel's thread-group rules of the
// day. What that design adds is numbering, and a thread is numbered exactly
// as a forked task of the same container, so the thread ops would show
// `pidcheck compare` no numbering difference from Linux — only the thread
// group lifecycle (leader zombies, release of non-leaders, de_thread), which
// this variant's shared lifecycle (spec/internal/variant) does not model.
// Answering those ops as Linux does without modelling them would be a claim
// the variant cannot back, so it refuses them: thread, gettid, exit_thread
// and exec answer EINVAL (the answer an implementation gives to an op its
// design lacks, model/doc.go) and change nothing; compare shows EINVAL
// against Linux's answer. alloc/openvz refuses them the same way.
//
// # Groups, sessions, reaping
//
// Process groups and sessions, SIGCHLD autoreap, subreapers, clone flags,
// setns to a children space and the reads ns_last_pid and NSpid
// are Linux lifecycle and interface rules the 2006 proposal did not change
// and this variant's shared lifecycle does not model; answering them as
// Linux would be a claim it cannot back, so it refuses them with EINVAL
// and changes nothing, and `pidcheck compare` shows EINVAL against Linux's
// answer. alloc/openvz refuses them the same way (its Apply answers every
// kind it lacks EINVAL after the liveness check).
package openvz
