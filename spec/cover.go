package spec

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// Coverage. A spec names the branch that decided a step by hitting a Rule
// there, into the Cover the step was given; pidcheck check --coverage
// counts, over the linearizations it witnessed, how often each rule fired.
// Rules are declared once, in rules below, with the op kinds they decide
// and the errno they give (OK for a rule that decides no failure), so the
// result kinds an op can have are the spec's own: Contract derives them
// from the rules a spec lists. A step given no Cover (Step) costs one nil
// test per branch.

// Rule names one branch of a spec.
type Rule uint16

// RuleInfo describes a rule.
type RuleInfo struct {
	Name  string       // "fork.eagain"
	Doc   string       // what fires it
	Kinds []model.Kind // the op kinds it decides
	Err   model.Errno  // the result it gives; OK: success, or a side effect of one
	// Input marks a rule only a malformed scenario fires (a child handle
	// in use, a signal or flag pidcheck does not model): generated
	// scenarios never do, so coverage does not expect it.
	Input bool
	// Refuses marks a design's refusal of kinds it does not model: those
	// kinds never succeed, and the generator leaves them out.
	Refuses bool
	// Optional marks an answer the spec accepts that an implementation
	// may choose never to give (a freedom the kernel's order of checks
	// leaves): coverage counts it but does not expect it.
	Optional bool
}

// The rules. Their names are stable: reports and tests name them.
const (
	RuleNone Rule = iota

	NotLive       // any op by a task that is not live
	NotProcessOp  // an allocator-level op, or no op
	ChildInUse    // a creation naming a handle in use
	ForkFirst     // the first task of a space gets 1 and becomes its init
	ForkWrap      // a cyclic level wrapped below its cursor
	ForkEAGAIN    // a level had no free number
	ForkFirstFail // a failed first fork reset the new space's cursor
	ForkDead      // the space accepts no task (its init died)
	ForkDeadAnc   // a first fork into an init-less space below a dead one
	ForkJoined    // a fork into a descendant space joined by setns
	TidOne        // set_tid at one level
	TidSeveral    // set_tid at several levels
	TidTooMany    // set_tid longer than the levels
	TidRange      // set_tid out of range
	TidNoInit     // set_tid ≠ 1 in a space with no init
	TidEEXIST     // set_tid of a taken number
	ThreadSpace   // CLONE_THREAD into another space than the actor's
	ThreadNew     // a thread joins the actor's group
	CloneFlags    // clone flags pidcheck does not model
	CloneParentInit
	CloneThreadNewPid
	CloneNewPidUnshared
	CloneNewPidDepth
	CloneNewPid
	CloneParent
	ExitGroup         // exit_group of a group with other live threads
	InitDies          // an init group's death kills its space
	InitKillsNested   // ... and a task of a descendant space
	ReparentInit      // orphans go to the space's init
	ReparentSubreaper // orphans go to a subreaper
	ReparentThread    // children go to a live thread of the group
	ThreadLeaderFirst // a group leader exits while its threads live
	ThreadReleased    // a non-leader thread exits and is released
	ThreadedInit      // an init's reaper role passes to a live thread
	ZapThreadReleased // an init's last thread, not its leader, leaves its zap
	GroupLastThread   // a group ends with its last thread, not its leader
	DyingInitReaps    // a dying init reaps a child
	Autoreap          // a child reaped at once: its parent ignores SIGCHLD
	HeldPid           // a reaped task's pid kept: a group or session uses it
	HeldFreed         // a held pid freed: its last member left
	ExecLeader        // exec by a group leader
	ExecNonLeader     // exec by a non-leader (exchange_tids)
	ExecInit          // exec in an init group
	WaitReap          // wait reaps a child
	WaitNone          // wait: children, none reapable (0)
	WaitInitMembers   // ... one is a zombie init whose space has members
	WaitLeaderThreads // ... one is a zombie leader with live threads
	WaitGroup         // wait(0) or wait(-n) found a child of the group
	WaitECHILD        // wait: no such child
	KillBadSig        // a signal pidcheck does not model
	KillNoGroup       // kill(0)/kill(-n): no member
	KillNoneAll       // kill(-1): no target
	KillNoPid         // kill(n): no such task
	KillProbe         // signal 0
	KillInitIgnores   // init protection ignored a signal
	KillInitAncestor  // SIGKILL from an ancestor space killed an init
	KillZombie        // a group with no live thread ignored a signal
	KillAll           // kill(-1) delivered
	KillGroup         // kill(0)/kill(-n) delivered
	KillOne           // kill(n) delivered
	UnshareTwice      // unshare when the children space is not the own one
	UnshareDepth      // unshare past the depth limit
	UnshareNew        // unshare makes a new space
	SetNsGone         // setns to a task that is not live
	SetNsNotBelow     // setns to a space that is not the own or below
	SetNsOwn          // setns to the own space
	SetNsBelow        // setns into a descendant space
	SetNsChGone       // setns_children to a task that is not live
	SetNsChNotBelow   // setns_children to a space not the own or below
	SetNsChJoin       // setns_children joins a children space
	TranslateReaped   // translate of a reaped task: 0
	TranslateNever    // translate of a task never created
	TranslateHidden   // translate of a task invisible here: 0
	LookupNone        // lookup: no task has the number
	PidMaxRange       // pid_max out of range
	PidMaxSet         // pid_max written
	LastPidRange      // ns_last_pid out of range
	LastPidSet        // ns_last_pid written
	SetPgidNeg        // setpgid: negative pgid
	SetPgidNoTask     // setpgid: no task with that number
	SetPgidThread     // setpgid: not a group leader
	SetPgidSession    // setpgid: a child in another session
	SetPgidExeced     // setpgid: a child that has exec'd
	SetPgidNotChild   // setpgid: neither own group nor a child
	SetPgidLeader     // setpgid: a session leader
	SetPgidNoGroup    // setpgid: no such group in the session
	SetPgidJoin       // setpgid succeeded
	SetSidLeader      // setsid: already a session leader
	SetSidGroup       // setsid: a group with the own number exists
	SetSidNew         // setsid succeeded
	GetGroupNoTask    // getpgid/getsid: no such task
	GetGroupHidden    // getpgid/getsid: the id is invisible here (0)
	SigChldBad        // a disposition pidcheck does not name
	PermHost          // a design's host-only op from a container
	Refused           // a design refuses an op it does not model
	GroupNotModelled  // a design without process groups refuses a group pid

	// The allocator level (spec.Allocator).
	NotAllocOp        // a process-level op, or no op
	AllocNext         // cyclic: the first free number at or after the cursor
	AllocWrap         // cyclic: the scan wrapped to its minimum
	AllocLowest       // lowest: the lowest free number
	AllocAny          // unique: a free number
	AllocAnyHigh      // unique: a free number above the lowest free one
	AllocEAGAIN       // no free number in the policy's range
	AllocEAGAINFloor  // cyclic: EAGAIN although a number below the floor is free
	AllocUniqueFloor  // unique: likewise, which the policy allows
	AllocDisabled     // a disabled allocator: ENOMEM
	AllocDisabledFull // a disabled, full allocator: EAGAIN (it scans first)
	FreeOK            // free of an allocated number
	FreeNotAllocated  // free of a free number: EINVAL
	AllocAtOK         // alloc_at of a free number
	AllocAtRange      // alloc_at out of [1, pid_max): EINVAL
	AllocAtEEXIST     // alloc_at of a taken number: EEXIST
	AllocAtDisabled   // alloc_at in a disabled allocator: ENOMEM
	SetCursorOK       // set_cursor written
	SetCursorRange    // set_cursor out of [0, pid_max]: EINVAL
	SetMaxOK          // set_max written
	SetMaxBelowTaken  // set_max below an allocated number, which stays allocated
	SetMaxRange       // set_max out of (floor, limit]: EINVAL
	DisableOK         // disable
	numRules
)

var (
	creates   = []model.Kind{model.Fork, model.ForkWithTid, model.Thread, model.Clone}
	forks     = []model.Kind{model.Fork, model.ForkWithTid, model.Clone}
	allocs    = []model.Kind{model.Fork, model.ForkWithTid, model.Thread, model.Clone}
	tid       = []model.Kind{model.ForkWithTid}
	clone     = []model.Kind{model.Clone}
	deaths    = []model.Kind{model.Exit, model.ExitThread, model.Kill}
	reapers   = []model.Kind{model.Exit, model.ExitThread, model.Kill, model.Exec, model.Wait, model.SetPgid, model.SetSid}
	waits     = []model.Kind{model.Wait}
	kills     = []model.Kind{model.Kill}
	threadEnd = []model.Kind{model.ExitThread}
	execs     = []model.Kind{model.Exec}
	setpgid   = []model.Kind{model.SetPgid}
	setsid    = []model.Kind{model.SetSid}
	getgroup  = []model.Kind{model.GetPgid, model.GetSid}
	alloc     = []model.Kind{model.Alloc}
	allocAt   = []model.Kind{model.AllocAt}
	setMax    = []model.Kind{model.SetMax}
)

func kinds(ks ...model.Kind) []model.Kind { return ks }

var rules = [numRules]RuleInfo{
	NotLive:             {"not-live", "an op by a task that is not live: ESRCH", processKinds(), model.ESRCH, false, false, false},
	NotProcessOp:        {"not-process-op", "an op of another level", nil, model.EINVAL, true, false, false},
	ChildInUse:          {"child-in-use", "a creation naming a handle in use or a negative one: EINVAL", creates, model.EINVAL, true, false, false},
	ForkFirst:           {"fork.first", "the first task of a space gets 1 there and becomes its init", forks, model.OK, false, false, false},
	ForkWrap:            {"fork.wrap", "a level's number is below its cursor: the cyclic scan wrapped to the floor", allocs, model.OK, false, false, false},
	ForkEAGAIN:          {"fork.eagain", "a level has no free number (at or above the floor once the cursor passed it): EAGAIN", allocs, model.EAGAIN, false, false, false},
	ForkFirstFail:       {"fork.first-failed", "a failed first fork into a space resets its cursor (the next one tries 1)", forks, model.OK, false, false, false},
	ForkDead:            {"fork.dead-space", "a fork into a space whose init died: ENOMEM", forks, model.ENOMEM, false, false, false},
	ForkDeadAnc:         {"fork.dead-ancestor", "a first fork into an init-less space below a dead space succeeds", forks, model.OK, false, false, false},
	ForkJoined:          {"fork.after-setns", "a fork into a descendant space the actor joined by setns", forks, model.OK, false, false, false},
	TidOne:              {"set_tid.one-level", "set_tid takes the numbers asked for at one level", tid, model.OK, false, false, false},
	TidSeveral:          {"set_tid.several-levels", "set_tid takes the numbers asked for at several levels", tid, model.OK, false, false, false},
	TidTooMany:          {"set_tid.too-many", "set_tid has more entries than levels: EINVAL", tid, model.EINVAL, false, false, false},
	TidRange:            {"set_tid.range", "a set_tid entry out of [1, pid_max): EINVAL", tid, model.EINVAL, false, false, false},
	TidNoInit:           {"set_tid.no-init", "set_tid ≠ 1 in a space with no init: EINVAL", tid, model.EINVAL, false, false, false},
	TidEEXIST:           {"set_tid.eexist", "set_tid of a taken number: EEXIST", tid, model.EEXIST, false, false, false},
	ThreadSpace:         {"thread.other-space", "CLONE_THREAD when the children space is not the actor's own: EINVAL", kinds(model.Thread, model.Clone), model.EINVAL, false, false, false},
	ThreadNew:           {"thread.new", "a thread joins the actor's group", kinds(model.Thread, model.Clone), model.OK, false, false, false},
	CloneFlags:          {"clone.flags", "clone flags pidcheck does not model: EINVAL", clone, model.EINVAL, true, false, false},
	CloneParentInit:     {"clone.parent-from-init", "CLONE_PARENT from an init: EINVAL", clone, model.EINVAL, false, false, false},
	CloneThreadNewPid:   {"clone.thread-newpid", "CLONE_THREAD with CLONE_NEWPID: EINVAL", clone, model.EINVAL, false, false, false},
	CloneNewPidUnshared: {"clone.newpid-unshared", "CLONE_NEWPID when the children space is not the own one: EINVAL", clone, model.EINVAL, false, false, false},
	CloneNewPidDepth:    {"clone.newpid-depth", "CLONE_NEWPID past the depth limit: ENOSPC", clone, model.ENOSPC, false, false, false},
	CloneNewPid:         {"clone.newpid", "CLONE_NEWPID: the child is 1 of a new space", clone, model.OK, false, false, false},
	CloneParent:         {"clone.parent", "CLONE_PARENT: the child's parent is the actor's parent", clone, model.OK, false, false, false},
	ExitGroup:           {"exit.group", "exit_group or a fatal signal ends a group with other live threads", deaths, model.OK, false, false, false},
	InitDies:            {"init.dies", "an init group's death kills its space", kinds(model.Exit, model.ExitThread, model.Kill), model.OK, false, false, false},
	InitKillsNested:     {"init.dies-nested", "an init's death kills a task of a descendant space", kinds(model.Exit, model.ExitThread, model.Kill), model.OK, false, false, false},
	ReparentInit:        {"reparent.init", "orphans go to their space's init", deaths, model.OK, false, false, false},
	ReparentSubreaper:   {"reparent.subreaper", "orphans go to the nearest subreaper", deaths, model.OK, false, false, false},
	ReparentThread:      {"reparent.thread", "an exiting thread's children go to a live thread of its group", kinds(model.ExitThread, model.Exec), model.OK, false, false, false},
	ThreadLeaderFirst:   {"thread.leader-exits-first", "a group leader exits while its threads live: a zombie not yet reapable", threadEnd, model.OK, false, false, false},
	ThreadReleased:      {"thread.released", "a non-leader thread exits and is released at once", threadEnd, model.OK, false, false, false},
	ThreadedInit:        {"thread.init-reaper-handed-on", "an init's child-reaper role passes to a live thread of its group", threadEnd, model.OK, false, false, false},
	ZapThreadReleased:   {"thread.init-zap-ends", "the last thread of an init, not its leader, is released once its space holds only it and the leader", reapers, model.OK, false, false, false},
	GroupLastThread:     {"thread.group-ends", "a group ends with the exit of its last thread, its leader already gone", threadEnd, model.OK, false, false, false},
	DyingInitReaps:      {"init.reaps-while-dying", "a dying init reaps a child as it becomes reapable", reapers, model.OK, false, false, false},
	Autoreap:            {"autoreap", "a child is reaped at once: its parent's group ignores SIGCHLD", reapers, model.OK, false, false, false},
	HeldPid:             {"pgrp.kept-by-members", "a reaped leader's pid stays taken: its process group or session has members", reapers, model.OK, false, false, false},
	HeldFreed:           {"pgrp.freed", "a held pid is freed: its last member left or was reaped", reapers, model.OK, false, false, false},
	ExecLeader:          {"exec.leader", "exec by a group leader", execs, model.OK, false, false, false},
	ExecNonLeader:       {"exec.non-leader", "exec by a non-leader: it takes the leader's numbers", execs, model.OK, false, false, false},
	ExecInit:            {"exec.init", "exec in an init group: the exec'ing thread is the reaper", execs, model.OK, false, false, false},
	WaitReap:            {"wait.reap", "wait reaps a reapable child", waits, model.OK, false, false, false},
	WaitNone:            {"wait.none-reapable", "wait: children, none reapable (0)", waits, model.OK, false, false, false},
	WaitInitMembers:     {"wait.init-has-members", "wait answers 0: a zombie init child waits for its space's members", waits, model.OK, false, false, false},
	WaitLeaderThreads:   {"wait.leader-has-threads", "wait answers 0: a zombie leader child has live threads", waits, model.OK, false, false, false},
	WaitGroup:           {"wait.group", "wait(0) or wait(-n) found a child of the group", waits, model.OK, false, false, false},
	WaitECHILD:          {"wait.echild", "wait: no such child: ECHILD", waits, model.ECHILD, false, false, false},
	KillBadSig:          {"kill.bad-signal", "a signal pidcheck does not model: EINVAL", kills, model.EINVAL, true, false, false},
	KillNoGroup:         {"kill.no-group", "kill(0) or kill(-n) with no member: ESRCH", kills, model.ESRCH, false, false, false},
	KillNoneAll:         {"kill.all-none", "kill(-1) with no target: ESRCH", kills, model.ESRCH, false, false, false},
	KillNoPid:           {"kill.no-task", "kill(n) with no task numbered n: ESRCH", kills, model.ESRCH, false, false, false},
	KillProbe:           {"kill.probe", "signal 0 only probes", kills, model.OK, false, false, false},
	KillInitIgnores:     {"kill.init-ignores", "an init ignores a signal (from inside, or SIGTERM)", kills, model.OK, false, false, false},
	KillInitAncestor:    {"kill.init-from-ancestor", "SIGKILL from an ancestor space kills an init", kills, model.OK, false, false, false},
	KillZombie:          {"kill.zombie-ignores", "a group with no live thread ignores a signal", kills, model.OK, false, false, false},
	KillAll:             {"kill.all", "kill(-1) delivers", kills, model.OK, false, false, false},
	KillGroup:           {"kill.group", "kill(0) or kill(-n) delivers", kills, model.OK, false, false, false},
	KillOne:             {"kill.one", "kill(n) delivers", kills, model.OK, false, false, false},
	UnshareTwice:        {"unshare.children-elsewhere", "unshare when the children space is not the own one: EINVAL", kinds(model.Unshare), model.EINVAL, false, false, false},
	UnshareDepth:        {"unshare.depth", "unshare past the depth limit: ENOSPC", kinds(model.Unshare), model.ENOSPC, false, false, false},
	UnshareNew:          {"unshare.new", "unshare makes a new space for the children", kinds(model.Unshare), model.OK, false, false, false},
	SetNsGone:           {"setns.target-gone", "setns to a task that is not live: ESRCH", kinds(model.SetNs), model.ESRCH, false, false, false},
	SetNsNotBelow:       {"setns.not-below", "setns to a space neither the own nor below it: EINVAL", kinds(model.SetNs), model.EINVAL, false, false, false},
	SetNsOwn:            {"setns.own", "setns to the own space", kinds(model.SetNs), model.OK, false, false, false},
	SetNsBelow:          {"setns.descendant", "setns into a descendant space", kinds(model.SetNs), model.OK, false, false, false},
	SetNsChGone:         {"setns_children.target-gone", "setns_children to a task that is not live: ESRCH", kinds(model.SetNsChildren), model.ESRCH, false, false, false},
	SetNsChNotBelow:     {"setns_children.not-below", "setns_children to a space neither the own nor below it: EINVAL", kinds(model.SetNsChildren), model.EINVAL, false, false, false},
	SetNsChJoin:         {"setns_children.join", "setns_children joins a children space", kinds(model.SetNsChildren), model.OK, false, false, false},
	TranslateReaped:     {"translate.reaped", "translate of a reaped task: 0", kinds(model.Translate), model.OK, false, false, false},
	TranslateNever:      {"translate.never", "translate of a task never created: ESRCH", kinds(model.Translate), model.ESRCH, false, false, false},
	TranslateHidden:     {"translate.invisible", "translate of a task invisible in the actor's space: 0", kinds(model.Translate), model.OK, false, false, false},
	LookupNone:          {"lookup.none", "lookup: no task has the number: ESRCH", kinds(model.Lookup), model.ESRCH, false, false, false},
	PidMaxRange:         {"pid_max.range", "pid_max out of range: EINVAL", kinds(model.SetPidMax), model.EINVAL, false, false, false},
	PidMaxSet:           {"pid_max.set", "pid_max written", kinds(model.SetPidMax), model.OK, false, false, false},
	LastPidRange:        {"ns_last_pid.range", "ns_last_pid out of range: EINVAL", kinds(model.SetLastPid), model.EINVAL, false, false, false},
	LastPidSet:          {"ns_last_pid.set", "ns_last_pid written", kinds(model.SetLastPid), model.OK, false, false, false},
	SetPgidNeg:          {"setpgid.negative", "setpgid with a negative pgid: EINVAL", setpgid, model.EINVAL, false, false, false},
	SetPgidNoTask:       {"setpgid.no-task", "setpgid of a number no task has: ESRCH", setpgid, model.ESRCH, false, false, false},
	SetPgidThread:       {"setpgid.not-leader", "setpgid of a thread that leads no group: EINVAL", setpgid, model.EINVAL, false, false, false},
	SetPgidSession:      {"setpgid.other-session", "setpgid of a child in another session: EPERM", setpgid, model.EPERM, false, false, false},
	SetPgidExeced:       {"setpgid.child-execed", "setpgid of a child that has exec'd: EACCES", setpgid, model.EACCES, false, false, false},
	SetPgidNotChild:     {"setpgid.not-child", "setpgid of a task neither the own group nor a child: ESRCH", setpgid, model.ESRCH, false, false, false},
	SetPgidLeader:       {"setpgid.session-leader", "setpgid of a session leader: EPERM", setpgid, model.EPERM, false, false, false},
	SetPgidNoGroup:      {"setpgid.no-group", "setpgid into a group not in the session: EPERM", setpgid, model.EPERM, false, false, false},
	SetPgidJoin:         {"setpgid.join", "setpgid moves a leader into a group", setpgid, model.OK, false, false, false},
	SetSidLeader:        {"setsid.already-leader", "setsid by a session leader: EPERM", setsid, model.EPERM, false, false, false},
	SetSidGroup:         {"setsid.group-exists", "setsid when a group with the own number exists: EPERM", setsid, model.EPERM, false, false, false},
	SetSidNew:           {"setsid.new", "setsid starts a session", setsid, model.OK, false, false, false},
	GetGroupNoTask:      {"getpgid.no-task", "getpgid or getsid of a number no task has: ESRCH", getgroup, model.ESRCH, false, false, false},
	GetGroupHidden:      {"getpgid.invisible", "getpgid or getsid: the id is invisible in the actor's space (0)", getgroup, model.OK, false, false, false},
	SigChldBad:          {"sigchld.bad", "a SIGCHLD disposition pidcheck does not name: EINVAL", kinds(model.SigChld), model.EINVAL, true, false, false},
	PermHost:            {"host-only", "pid_max or ns_last_pid from a container: EPERM", kinds(model.SetPidMax, model.SetLastPid), model.EPERM, false, false, false},
	Refused:             {"refused", "an op the design does not model: EINVAL", refusedKinds(), model.EINVAL, false, true, false},
	GroupNotModelled:    {"no-process-groups", "a process-group pid where the design has no groups: EINVAL", kinds(model.Kill, model.Wait), model.EINVAL, false, false, false},

	NotAllocOp:        {"not-alloc-op", "an op of another level: EINVAL", nil, model.EINVAL, true, false, false},
	AllocNext:         {"alloc.next", "cyclic: the first free number at or after the cursor", alloc, model.OK, false, false, false},
	AllocWrap:         {"alloc.wrap", "cyclic: none free from the cursor up, the scan wrapped to 1, or to the floor once the cursor passed it", alloc, model.OK, false, false, false},
	AllocLowest:       {"alloc.lowest", "lowest: the lowest free number", alloc, model.OK, false, false, false},
	AllocAny:          {"alloc.any", "unique: a free number in range", alloc, model.OK, false, false, false},
	AllocAnyHigh:      {"alloc.any-above-lowest", "unique: a free number other than the lowest free one", alloc, model.OK, false, false, false},
	AllocEAGAIN:       {"alloc.eagain", "no free number in the policy's range: EAGAIN", alloc, model.EAGAIN, false, false, false},
	AllocEAGAINFloor:  {"alloc.eagain-floor", "cyclic: EAGAIN with [floor, pid_max) full while a number below the floor is free (the cursor passed the floor)", alloc, model.EAGAIN, false, false, false},
	AllocUniqueFloor:  {"alloc.unique-eagain-floor", "unique: EAGAIN with [floor, pid_max) full while a number below the floor is free (allowed: a cyclic allocator past the floor does it)", alloc, model.EAGAIN, false, false, true},
	AllocDisabled:     {"alloc.disabled", "alloc in a disabled allocator (its space's init died): ENOMEM", alloc, model.ENOMEM, false, false, false},
	AllocDisabledFull: {"alloc.disabled-full", "alloc in a disabled, full allocator: EAGAIN (the scan comes before the PIDNS_ADDING check)", alloc, model.EAGAIN, false, false, true},
	FreeOK:            {"free.ok", "free of an allocated number", kinds(model.Free), model.OK, false, false, false},
	FreeNotAllocated:  {"free.not-allocated", "free of a number not allocated: EINVAL", kinds(model.Free), model.EINVAL, false, false, false},
	AllocAtOK:         {"alloc_at.ok", "alloc_at takes a free number", allocAt, model.OK, false, false, false},
	AllocAtRange:      {"alloc_at.range", "alloc_at out of [1, pid_max): EINVAL", allocAt, model.EINVAL, false, false, false},
	AllocAtEEXIST:     {"alloc_at.eexist", "alloc_at of a taken number: EEXIST (ENOMEM also allowed once disabled)", allocAt, model.EEXIST, false, false, false},
	AllocAtDisabled:   {"alloc_at.disabled", "alloc_at of a free number in a disabled allocator: ENOMEM", allocAt, model.ENOMEM, false, false, false},
	SetCursorOK:       {"set_cursor.set", "ns_last_pid written: the cursor is the number after it", kinds(model.SetCursor), model.OK, false, false, false},
	SetCursorRange:    {"set_cursor.range", "set_cursor out of [0, pid_max]: EINVAL", kinds(model.SetCursor), model.EINVAL, false, false, false},
	SetMaxOK:          {"set_max.set", "pid_max written", setMax, model.OK, false, false, false},
	SetMaxBelowTaken:  {"set_max.below-taken", "pid_max lowered to or below an allocated number, which stays allocated", setMax, model.OK, false, false, false},
	SetMaxRange:       {"set_max.range", "set_max out of (floor, limit]: EINVAL", setMax, model.EINVAL, false, false, false},
	DisableOK:         {"disable", "the allocator is disabled", kinds(model.Disable), model.OK, false, false, false},
}

// processKinds lists every process-level kind.
func processKinds() []model.Kind {
	var out []model.Kind
	for _, k := range model.Kinds() {
		if k.Level() == model.ProcessLevel {
			out = append(out, k)
		}
	}
	return out
}

// refusedKinds are the kinds the 2006 designs refuse: threads, groups,
// sessions, reaping, clone and the reads.
func refusedKinds() []model.Kind {
	var out []model.Kind
	for _, k := range processKinds() {
		if k == model.Thread || k == model.GetTid || k == model.ExitThread || k == model.Exec || k >= model.SetPgid && k <= model.GetNSpid {
			out = append(out, k)
		}
	}
	return out
}

// Info describes rule r.
func (r Rule) Info() RuleInfo {
	if r > 0 && r < numRules {
		return rules[r]
	}
	return RuleInfo{Name: "none"}
}

// String is the rule's name.
func (r Rule) String() string { return r.Info().Name }

// Rules lists every rule, in order.
func Rules() []Rule {
	out := make([]Rule, 0, numRules-1)
	for r := Rule(1); r < numRules; r++ {
		out = append(out, r)
	}
	return out
}

// ParseRule finds a rule by name.
func ParseRule(name string) (Rule, bool) {
	for r := Rule(1); r < numRules; r++ {
		if rules[r].Name == name {
			return r, true
		}
	}
	return RuleNone, false
}

// NumRules is one more than the largest Rule: a size for arrays indexed by
// rule.
const NumRules = int(numRules)

// Cover collects the rules one step fires. The zero value is ready; a nil
// *Cover collects nothing.
type Cover struct {
	hits []Rule
}

// Hit records that rule r fired.
func (c *Cover) Hit(r Rule) {
	if c != nil {
		c.hits = append(c.hits, r)
	}
}

// Len is how many hits are recorded, a mark for Reset.
func (c *Cover) Len() int {
	if c == nil {
		return 0
	}
	return len(c.hits)
}

// Reset forgets the hits after mark n (an evaluation the step did not
// keep).
func (c *Cover) Reset(n int) {
	if c != nil && n <= len(c.hits) {
		c.hits = c.hits[:n]
	}
}

// Hits are the rules recorded, in order.
func (c *Cover) Hits() []Rule {
	if c == nil {
		return nil
	}
	return c.hits
}

// Coverer is a State that names the rules a step fires: StepCover is Step,
// with every rule the accepted evaluation fired hit into cov (nil: Step).
// The rules of a rejected step are unspecified.
type Coverer interface {
	StepCover(op model.Op, observed model.Result, cov *Cover) (ok bool, next State, reason string)
}

// Contract is what a spec can do, as its rules say: the op kinds it
// models, the result kinds each can have, and the rules it can fire.
type Contract struct {
	Kinds   []model.Kind                 // the kinds it models (not refused), in order
	Results map[model.Kind][]model.Errno // for each, the results it can give, OK first when it can succeed
	Rules   []Rule                       // the rules it can fire, in order
}

// ContractOf derives a spec's contract from the rules it lists (Spec.Rules).
// Input rules (a malformed scenario) and optional ones count for neither
// results nor rules.
// It is empty for a spec that lists no rules.
func ContractOf(s Spec) Contract {
	c := Contract{Results: map[model.Kind][]model.Errno{}}
	if len(s.Rules) == 0 {
		return c
	}
	refused := map[model.Kind]bool{}
	for _, r := range s.Rules {
		if r.Info().Refuses {
			for _, k := range r.Info().Kinds {
				refused[k] = true
			}
		}
	}
	for _, k := range model.Kinds() {
		if k.Level() == s.Level && !refused[k] {
			c.Kinds = append(c.Kinds, k)
			c.Results[k] = []model.Errno{model.OK}
		}
	}
	for _, r := range s.Rules {
		in := r.Info()
		if in.Input || in.Refuses || in.Optional {
			continue
		}
		c.Rules = append(c.Rules, r)
		if in.Err == model.OK {
			continue
		}
		for _, k := range in.Kinds {
			if errs, ok := c.Results[k]; ok && !slices.Contains(errs, in.Err) {
				c.Results[k] = append(errs, in.Err)
			}
		}
	}
	for k, errs := range c.Results {
		slices.Sort(errs)
		c.Results[k] = errs
	}
	return c
}
