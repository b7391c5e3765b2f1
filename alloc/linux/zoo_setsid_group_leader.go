package linux

// SetsidByGroupLeader lets a process-group leader call setsid: the check
// "Fail if a process group id already exists that equals the proposed
// session id" is missing, so the leader moves to a new session while its
// old group's members stay in the old one, under the same number. Two
// sessions then share one process group id, and a terminal's job control
// (tcsetpgrp, kill(-pgid)) reaches across sessions.
//
//	t0 fork t1; t1 setpgid 0 0
//	t1 setsid                 spec EPERM; SetsidByGroupLeader 2
//
// Detected sequentially by porcupine (golden file groups, checked on
// 6.18). kernel/sys.c ksys_setsid: "if (pid_task(sid, PIDTYPE_PGID))
// goto out;".
var SetsidByGroupLeader Bug = setsidByGroupLeader{}

// setsidByGroupLeader is SetsidByGroupLeader's session check.
type setsidByGroupLeader struct{}

func (setsidByGroupLeader) String() string     { return "linux-setsid-group-leader" }
func (b setsidByGroupLeader) replace(z *seams) { z.sessionChecks = b }

// mayStartSession refuses only a session leader.
func (setsidByGroupLeader) mayStartSession(lead *task) bool { return !lead.group.sessLeader }
