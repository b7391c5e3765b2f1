package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind is what an operation does.
type Kind uint8

// Process-level kinds.
const (
	Fork          Kind = iota + 1 // Task forks Child (Tids set: ForkWithTid)
	Exit                          // Task exits with Code
	Wait                          // Task waits for Pid (-1: any), WNOHANG
	Kill                          // Task sends Sig to Pid (-1: kill(-1))
	Unshare                       // Task unshares its children's space
	SetNs                         // Task joins Target's space for its children
	GetPid                        // Task's own number
	GetPPid                       // Task's parent's number, in Task's space
	Translate                     // Target's number in Task's space
	Lookup                        // the task with number Pid in Task's space
	SetPidMax                     // pid_max of Task's space := N
	SetLastPid                    // ns_last_pid of Task's space := N
	ForkWithTid                   // Fork asking for numbers Tids (innermost first)
	Thread                        // Task creates thread Child in its thread group (CLONE_THREAD)
	GetTid                        // Task's own number (a thread's, not its group's)
	ExitThread                    // Task alone exits with Code (SYS_exit); Exit is exit_group
	Exec                          // Task execs (de_thread: it becomes the group's only task)
	SetPgid                       // setpgid(Pid, N): Pid 0 is Task's own group, N 0 means Pid
	GetPgid                       // getpgid(Pid): Pid 0 is Task
	SetSid                        // setsid(): Task's group leader starts a session
	GetSid                        // getsid(Pid): Pid 0 is Task
	SigChld                       // Task's thread group sets SIGCHLD to N: SigChldDefault, SigChldIgnore, SigChldNoCldWait
	Subreaper                     // prctl(PR_SET_CHILD_SUBREAPER, N) by Task's thread group
	Clone                         // clone(flags N: CloneNewPid, CloneParent, CloneThread) creating Child
	SetNsChildren                 // setns to Target's children space (pidfd ioctl PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)
	GetLastPid                    // read ns_last_pid of Task's space
	GetNSpid                      // Task's own NSpid (/proc/thread-self/status), root first

	// Allocator-level kinds.
	Alloc     // a number
	Free      // release number N
	AllocAt   // take exactly number N
	SetCursor // next allocation starts at N+1
	SetMax    // numbers must be < N
	Disable   // no allocation succeeds any more
	numKinds
)

var kindNames = [...]string{
	Fork: "fork", Exit: "exit", Wait: "wait", Kill: "kill", Unshare: "unshare",
	SetNs: "setns", GetPid: "getpid", GetPPid: "getppid", Translate: "translate",
	Lookup: "lookup", SetPidMax: "pid_max", SetLastPid: "ns_last_pid",
	ForkWithTid: "fork", Thread: "thread", GetTid: "gettid", ExitThread: "exit_thread", Exec: "exec",
	SetPgid: "setpgid", GetPgid: "getpgid", SetSid: "setsid", GetSid: "getsid", SigChld: "sigchld",
	Subreaper: "subreaper", Clone: "clone", SetNsChildren: "setns_children", GetLastPid: "read_last_pid",
	GetNSpid: "nspid",
	Alloc:    "alloc", Free: "free", AllocAt: "alloc_at", SetCursor: "set_cursor",
	SetMax: "set_max", Disable: "disable",
}

// Level says which kind of implementation an op or implementation belongs to.
type Level uint8

// The two levels.
const (
	ProcessLevel Level = iota + 1 // a whole PID system: tasks and spaces
	AllocLevel                    // one space's number allocator
)

// String returns "process" or "alloc".
func (l Level) String() string {
	switch l {
	case ProcessLevel:
		return "process"
	case AllocLevel:
		return "alloc"
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// ParseLevel parses "process" or "alloc".
func ParseLevel(s string) (Level, error) {
	switch s {
	case "process":
		return ProcessLevel, nil
	case "alloc":
		return AllocLevel, nil
	}
	return 0, fmt.Errorf("level %q: want process or alloc", s)
}

// NumKinds is one more than the largest Kind: a size for arrays indexed by
// kind.
const NumKinds = int(numKinds)

// Kinds lists every kind in order.
func Kinds() []Kind {
	out := make([]Kind, 0, numKinds-1)
	for k := Fork; k < numKinds; k++ {
		out = append(out, k)
	}
	return out
}

// String is the kind's name in an op line. Fork and ForkWithTid share "fork".
func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Level is the level the kind belongs to; 0 for a kind that is not one.
func (k Kind) Level() Level {
	switch {
	case k == 0 || k >= numKinds:
		return 0
	case k >= Alloc:
		return AllocLevel
	}
	return ProcessLevel
}

// Creates reports whether an op of kind k creates a task: its Child handle
// names the new task (Fork, ForkWithTid, Thread, Clone).
func (k Kind) Creates() bool { return k == Fork || k == ForkWithTid || k == Thread || k == Clone }

// ReadOnly reports whether an op of kind k only reads: it changes no
// number, cursor, task or space, so it cannot change what an op it
// overlaps allocates.
func (k Kind) ReadOnly() bool {
	switch k {
	case GetPid, GetPPid, Translate, Lookup, GetTid, GetPgid, GetSid, GetLastPid, GetNSpid:
		return true
	}
	return false
}

// Clone flags (Op.N of a Clone), as clone(2) names them.
const (
	CloneNewPid = 1 << iota // CLONE_NEWPID: the child is PID 1 of a new space
	CloneParent             // CLONE_PARENT: the child's parent is the actor's parent
	CloneThread             // CLONE_THREAD (with CLONE_VM|CLONE_SIGHAND): a thread, as Thread
	cloneAll    = CloneNewPid | CloneParent | CloneThread
)

var cloneFlagNames = []string{"newpid", "parent", "thread"}

// FormatCloneFlags prints clone flags as "newpid,thread"; "none" for 0.
// Bits pidcheck does not name print as a number.
func FormatCloneFlags(f int) string {
	if f == 0 {
		return "none"
	}
	if f&^cloneAll != 0 {
		return strconv.Itoa(f)
	}
	var out []string
	for i, n := range cloneFlagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// ParseCloneFlags parses what FormatCloneFlags prints.
func ParseCloneFlags(s string) (int, error) {
	if s == "none" {
		return 0, nil
	}
	if _, err := strconv.Atoi(s); err == nil {
		n, err := parseInt(s)
		if err != nil || n&^cloneAll == 0 {
			return 0, fmt.Errorf("clone flags %q: want newpid, parent and thread joined by commas, or none", s)
		}
		return n, nil
	}
	f := 0
	for _, name := range strings.Split(s, ",") {
		i := slices.Index(cloneFlagNames, name)
		if i < 0 || f&(1<<i) != 0 {
			return 0, fmt.Errorf("clone flags %q: want newpid, parent and thread joined by commas (each once), or none", s)
		}
		f |= 1 << i
	}
	if FormatCloneFlags(f) != s {
		return 0, fmt.Errorf("clone flags %q: write them in the order newpid,parent,thread", s)
	}
	return f, nil
}

// SIGCHLD dispositions (Op.N of a SigChld).
const (
	SigChldDefault   = 0 // SIG_DFL: children become zombies until waited for
	SigChldIgnore    = 1 // SIG_IGN: children are reaped at exit; kept across exec
	SigChldNoCldWait = 2 // SIG_DFL with SA_NOCLDWAIT: reaped at exit; exec clears it
)

var sigChldNames = []string{SigChldDefault: "default", SigChldIgnore: "ignore", SigChldNoCldWait: "nocldwait"}

// Op is one operation. Which fields matter depends on Kind (see the package
// doc); the others are zero. Tids is the only slice: compare Ops with Equal.
type Op struct {
	Kind   Kind
	Task   Handle // the actor (process level)
	Child  Handle // Fork, ForkWithTid, Thread, Clone: the handle the new task gets
	Target Handle // SetNs, SetNsChildren, Translate
	Pid    int    // Wait, Kill, Lookup, SetPgid, GetPgid, GetSid: a number in Task's space (-1: any)
	Sig    int    // Kill
	Code   int    // Exit, ExitThread
	N      int    // SetPidMax, SetLastPid, SetPgid (pgid), SigChld, Subreaper, Clone (flags); Free, AllocAt, SetCursor, SetMax
	Tids   []int  // ForkWithTid: innermost level first

	// Alone is set by the judge, never by a scenario: in the history
	// being judged, no op that may change numbers or cursors (one whose
	// kind is not ReadOnly) overlapped this one. The CyclicAlone policy
	// holds such ops to the cyclic order. Traces do not carry it, and
	// Equal ignores it.
	Alone bool
}

// Equal reports whether two ops are the same.
func (o Op) Equal(p Op) bool {
	return o.Kind == p.Kind && o.Task == p.Task && o.Child == p.Child &&
		o.Target == p.Target && o.Pid == p.Pid && o.Sig == p.Sig &&
		o.Code == p.Code && o.N == p.N && slices.Equal(o.Tids, p.Tids)
}

// Actor is the task performing a process-level op, or NoTask.
func (o Op) Actor() Handle {
	if o.Kind.Level() == AllocLevel {
		return NoTask
	}
	return o.Task
}

// String prints the op as one line: "t0 fork t3", "t2 kill -1 9", "free 7".
func (o Op) String() string {
	var b strings.Builder
	if o.Kind.Level() == ProcessLevel {
		b.WriteString(o.Task.String())
		b.WriteByte(' ')
	}
	b.WriteString(o.Kind.String())
	arg := func(s string) { b.WriteByte(' '); b.WriteString(s) }
	num := func(n int) { arg(strconv.Itoa(n)) }
	switch o.Kind {
	case Fork, Thread:
		arg(o.Child.String())
	case ForkWithTid:
		arg(o.Child.String())
		tids := make([]string, len(o.Tids))
		for i, t := range o.Tids {
			tids[i] = strconv.Itoa(t)
		}
		arg("tid=" + strings.Join(tids, ","))
	case Exit, ExitThread:
		num(o.Code)
	case Wait, Lookup, GetPgid, GetSid:
		num(o.Pid)
	case Kill:
		num(o.Pid)
		num(o.Sig)
	case SetPgid:
		num(o.Pid)
		num(o.N)
	case SetNs, SetNsChildren, Translate:
		arg(o.Target.String())
	case SetPidMax, SetLastPid, Subreaper, Free, AllocAt, SetCursor, SetMax:
		num(o.N)
	case SigChld:
		if o.N >= 0 && o.N < len(sigChldNames) {
			arg(sigChldNames[o.N])
		} else {
			num(o.N)
		}
	case Clone:
		arg(o.Child.String())
		arg(FormatCloneFlags(o.N))
	}
	return b.String()
}

// FormatInts prints a list of numbers as "[1 5 3]".
func FormatInts(xs []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(x))
	}
	b.WriteByte(']')
	return b.String()
}

// ParseInts parses "[1 5 3]" (also "[]"); each number may be any int.
func ParseInts(s string) ([]int, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("number list %q: want [n n …]", s)
	}
	fields := strings.Fields(s[1 : len(s)-1])
	out := make([]int, 0, len(fields))
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("number list %q: %q is not a number", s, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// maxNumber bounds every number in an op or result, so that a parsed line
// can never ask an implementation for an absurd amount of memory.
const maxNumber = 1 << 30

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if n > maxNumber || n < -maxNumber {
		return 0, fmt.Errorf("%d is out of range (|n| ≤ %d)", n, maxNumber)
	}
	return n, nil
}

// argCounts is how many arguments each kind's op line has.
var argCounts = [numKinds]int{Fork: 1, ForkWithTid: 2, Exit: 1, Wait: 1, Kill: 2, Unshare: 0,
	SetNs: 1, GetPid: 0, GetPPid: 0, Translate: 1, Lookup: 1, SetPidMax: 1,
	SetLastPid: 1, Thread: 1, GetTid: 0, ExitThread: 1, Exec: 0,
	SetPgid: 2, GetPgid: 1, SetSid: 0, GetSid: 1, SigChld: 1, Subreaper: 1, Clone: 2,
	SetNsChildren: 1, GetLastPid: 0, GetNSpid: 0,
	Alloc: 0, Free: 1, AllocAt: 1, SetCursor: 1, SetMax: 1, Disable: 0}

// looksLikeHandle reports whether s is written like a task handle: t and
// digits (no operation name has that form).
func looksLikeHandle(s string) bool {
	if len(s) < 2 || s[0] != 't' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseOp parses one op line as String prints it.
func ParseOp(line string) (Op, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Op{}, fmt.Errorf("empty op")
	}
	var op Op
	hasTask := false
	if looksLikeHandle(f[0]) {
		h, err := ParseHandle(f[0])
		if err != nil {
			return Op{}, fmt.Errorf("op %q: %v", line, err)
		}
		op.Task, hasTask = h, true
		f = f[1:]
		if len(f) == 0 {
			return Op{}, fmt.Errorf("op %q: missing operation after %s", line, h)
		}
	}
	name, args := f[0], f[1:]
	kind := Kind(0)
	for k := Fork; k < numKinds; k++ {
		if kindNames[k] == name {
			kind = k
			break
		}
	}
	if kind == 0 {
		return Op{}, fmt.Errorf("op %q: unknown operation %q", line, name)
	}
	if kind == Fork && len(args) == 2 {
		kind = ForkWithTid
	}
	if kind.Level() == ProcessLevel && !hasTask {
		return Op{}, fmt.Errorf("op %q: %s needs an acting task (t<n> %s …)", line, name, name)
	}
	if kind.Level() == AllocLevel && hasTask {
		return Op{}, fmt.Errorf("op %q: %s is an allocator op and takes no task", line, name)
	}
	op.Kind = kind
	if want := argCounts[kind]; len(args) != want {
		return Op{}, fmt.Errorf("op %q: %s takes %d argument(s), got %d", line, name, argCounts[kind], len(args))
	}
	var err error
	switch kind {
	case Fork, Thread:
		op.Child, err = ParseHandle(args[0])
	case ForkWithTid:
		if op.Child, err = ParseHandle(args[0]); err == nil {
			list, ok := strings.CutPrefix(args[1], "tid=")
			if !ok {
				err = fmt.Errorf("want tid=n[,n…], got %q", args[1])
			}
			op.Tids = []int{} // "tid=": an empty set_tid, a plain fork in the kernel
			for _, f := range strings.Split(list, ",") {
				if list == "" {
					break
				}
				if err != nil {
					break
				}
				var n int
				n, err = parseInt(f)
				op.Tids = append(op.Tids, n)
			}
		}
	case Exit, ExitThread:
		op.Code, err = parseInt(args[0])
	case Wait, Lookup, GetPgid, GetSid:
		op.Pid, err = parseInt(args[0])
	case Kill:
		if op.Pid, err = parseInt(args[0]); err == nil {
			op.Sig, err = parseInt(args[1])
		}
	case SetPgid:
		if op.Pid, err = parseInt(args[0]); err == nil {
			op.N, err = parseInt(args[1])
		}
	case SetNs, SetNsChildren, Translate:
		op.Target, err = ParseHandle(args[0])
	case SetPidMax, SetLastPid, Subreaper, Free, AllocAt, SetCursor, SetMax:
		op.N, err = parseInt(args[0])
	case SigChld:
		if i := slices.Index(sigChldNames, args[0]); i >= 0 {
			op.N = i
		} else if op.N, err = parseInt(args[0]); err != nil {
			err = fmt.Errorf("SIGCHLD disposition %q: want default, ignore or nocldwait", args[0])
		} else if op.N >= 0 && op.N < len(sigChldNames) {
			err = fmt.Errorf("write SIGCHLD disposition %d as %s", op.N, sigChldNames[op.N])
		}
	case Clone:
		if op.Child, err = ParseHandle(args[0]); err == nil {
			op.N, err = ParseCloneFlags(args[1])
		}
	}
	if err != nil {
		return Op{}, fmt.Errorf("op %q: %v", line, err)
	}
	return op, nil
}
