package linux

import "github.com/pidcheck/pidcheck/model"

// KillThreadOnly delivers a fatal signal sent with kill(2) to a
// non-leader thread's number to that thread alone, as tkill would, instead
// of to its thread group: the thread exits and is released, and the rest
// of the process runs on. A SIGKILL that should have ended the process
// leaves it alive, its parent's wait finds nothing, and the process' other
// threads keep answering.
//
//	t0 fork t1              [2]
//	t1 thread t2            [3]
//	t0 kill 3 9
//	t1 getpid               spec ESRCH (the group is dead); KillThreadOnly 2
//
// Detected sequentially by porcupine. kill(2) resolves a thread's number
// to its task and signals the group: kernel/signal.c kill_pid_info →
// group_send_sig_info, and a fatal signal is delivered to every thread
// (complete_signal: SIGNAL_GROUP_EXIT, sigaddset on each thread).
var KillThreadOnly Bug = killThreadOnly{}

// killThreadOnly is KillThreadOnly's delivery.
type killThreadOnly struct{}

func (killThreadOnly) String() string     { return "linux-kill-thread-only" }
func (b killThreadOnly) replace(z *seams) { z.groupSignal = b }

// deliver ends only v when v is a live non-leader thread.
func (killThreadOnly) deliver(s *System, v *task, st model.Status) {
	if v.state == live && v != v.group.leader {
		s.quit(v, st)
		return
	}
	s.die(v, st)
}
