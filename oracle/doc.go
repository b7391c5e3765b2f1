// Package oracle checks the spec against the running Linux kernel: it runs a
// sequential process-level scenario for real, in a fresh PID namespace, and
// compares every answer with spec.Linux(p, model.Cyclic).
//
//	if err := oracle.Available(); err != nil { … }   // Linux, root, PID namespaces
//	ops := oracle.RandomScenario(seed, 40, oracle.Params())
//	rep, err := oracle.Compare(ctx, ops, oracle.Params())
//	if rep.Differs() { fmt.Print(rep) }             // op -> kernel, <<< at the first difference
//
// An error from Compare means the oracle failed (an agent did not answer,
// a task did not finish dying in time), never that the kernel and the spec
// disagree; that is Report.Diff / Report.Reason (the spec's own sentence
// from State.Step).
//
// # Agents: one process per task handle, without the Go runtime
//
// A Go process has runtime threads, and every thread takes a number in
// every level of its namespace chain, so re-executed Go agents would spoil
// exactly the numbers under test. Each task is therefore a raw clone3 child
// (no CLONE_VM) that runs only agentLoop (agent_linux.go): //go:nosplit code
// that allocates nothing, writes no Go pointers and makes raw system calls,
// so it never enters the (absent) runtime of its single-threaded copy of
// the address space. The host clones the scenario's init t0 with
// CLONE_NEWPID on a locked thread with every signal blocked; t0 resets every
// signal to SIG_DFL (a task under test installs no handlers, so init
// protection — kernel/signal.c sig_task_ignored — applies exactly), unblocks
// them, starts its own session (no process-group signal can reach the host),
// sets PR_SET_PDEATHSIG and closes every inherited descriptor but its
// channel. Each agent forks further agents itself with clone3, so parents,
// children, reparenting, zombies and reaping are the kernel's own.
//
// The host talks to each agent over its own SOCK_SEQPACKET socketpair, one
// fixed-size binary request and response per op; descriptors (the new
// child's channel, a target's pidfd, a looked-up pidfd) travel as
// SCM_RIGHTS. The host holds a pidfd for every task (from CLONE_PIDFD).
//
// # How each op is performed
//
//	fork, fork tid=…   clone3(CLONE_PIDFD, exit_signal SIGCHLD, set_tid[]) by
//	                   the actor; the result is the child's NSpid from the
//	                   host's /proc, without the host's levels above the
//	                   scenario root
//	exit N             exit_group(N) (the kernel keeps N & 0xff)
//	wait P             wait4(P, WNOHANG)
//	kill P S           kill(P, S)
//	unshare            unshare(CLONE_NEWPID)
//	setns T            setns(pidfd of T, CLONE_NEWPID)
//	getpid, getppid    getpid(), getppid()
//	translate T        ioctl(pidfd of T, PIDFD_GET_INFO) by the actor: the pid
//	                   in the caller's active space; ESRCH (reaped) and
//	                   EREMOTE (no number there) both mean 0
//	lookup N           pidfd_open(N) by the actor, matched to a task by the
//	                   pidfs inode of the returned pidfd
//	pid_max N          write "N\n" to /proc/sys/kernel/pid_max by the actor
//	ns_last_pid N      write "N\n" to /proc/sys/kernel/ns_last_pid
//
// Both sysctls act on the writer's active PID namespace whatever /proc is
// mounted (checked on 6.18: pid_table_root_lookup and pid_ns_ctl_handler use
// task_active_pid_ns(current)), so agents share the host's /proc.
//
// # Parameters
//
// Params gives the spec what a fresh scenario namespace has: pid_max
// 4194304 (new namespaces start at PID_MAX_LIMIT since 6.14, whatever the
// host's own pid_max), floor 300 (RESERVED_PIDS) and MaxLevel 32 minus the
// scenario root's absolute level. Random scenarios write pid_max 301…400 and
// ns_last_pid near 300 or near pid_max to reach wrap-around, the 300 floor
// and EAGAIN within a few forks.
//
// # Settling: the kernel is asynchronous, the spec is not
//
// The spec completes a kill and an init's death (the whole cascade) within
// the op. The kernel delivers SIGKILL, runs do_exit, and a dying init reaps
// in zap_pid_ns_processes, all after the syscall returned. After every kill,
// exit and reaping wait the oracle therefore waits (at most 5s; an error
// otherwise) until every task is settled: reaped (PIDFD_GET_INFO gives
// ESRCH), a zombie (state Z), alive with no SIGKILL pending and not
// PF_EXITING, or an init asleep with zap_pid_ns_processes as the top frame
// of /proc/PID/stack while a task of its space is still unreaped (it waits
// for a wait op, not for time). A task in EXIT_DEAD (X) is not settled: on
// 6.18 orphans autoreaped by a dying init were seen to stay in X, keeping
// their numbers and their init parked, for 100–400ms. Two quiet sweeps 1ms
// apart end the wait.
//
// # Answers the oracle gives itself
//
// These are not sent to the kernel; OpReport.Note says so, and they are
// still checked against the spec:
//
//   - ops whose actor is not a live task (never forked, failed fork, exiting,
//     zombie, reaped): ESRCH, the model's convention — no process can act;
//   - setns / translate naming a handle that never existed: ESRCH;
//   - fork into a handle already in use: EINVAL (the spec's convention for
//     a scenario error);
//   - fork tid=… with more entries than the child has levels: EINVAL — the
//     kernel would apply the extra entries to the host's levels above the
//     scenario root; for a real root it answers EINVAL (kernel/pid.c
//     alloc_pid, set_tid_size > ns->level + 1);
//   - kill with a signal other than 0, 9, 15, and kill / wait of a process
//     group (pid 0 or < -1): EINVAL, the spec's "not modelled";
//   - lookup of a number <= 0: ESRCH (pidfd_open would answer EINVAL for
//     its own reason, not because no task has the number).
//
// # Running it
//
// Linux on amd64 or arm64, as root, with PID namespaces and clone3 (5.5+),
// pidfd setns (5.8+), PIDFD_GET_INFO (6.13+) and per-namespace pid_max
// (6.14+). Elsewhere Available and Compare return an error saying so. Every
// scenario ends by SIGKILLing its init through the pidfd, which kills the
// whole namespace, and reaping it; agents also carry PR_SET_PDEATHSIG.
package oracle
