package checker

import (
	"github.com/pidcheck/pidcheck/model"
)

// procGen builds a process-level scenario. It keeps a rough shadow of the
// world — which handles exist, which space each one's number and children
// live in, which are probably inits — only to aim its choices; the spec,
// not this shadow, judges the run.
type procGen struct {
	src    Source
	o      GenOptions
	tasks  []genTask
	spaces []genSpace
	nums   []int // numbers worth aiming at
	// scratch is actor's candidate list, reused from draw to draw.
	scratch []int
	// kindWeights are threadOp's weights of procKinds, made at its first
	// draw.
	kindWeights []int
	// leaders are the numbers, in their parent's space, of tasks that lead
	// a space (inits), learnt from the init part: kill(-n) aims at them.
	leaders []int
	// noThreads: the spec refuses the thread ops (openvz, pspace2006
	// answer EINVAL), so none is generated, and the draws are those of a
	// scenario without them.
	noThreads bool
	// noGroups: likewise for the group, session, reaping, clone and read ops (groups, sessions,
	// SIGCHLD, subreapers, clone, setns_children, the reads).
	noGroups bool
	// pgids are numbers (in their own space) of tasks that lead a process
	// group or session, learnt from the init part: setpgid, kill(-n) and
	// wait(-n) aim at them.
	pgids []int
	// noInitYet marks the spaces no fork was aimed at by the end of the
	// init part (a joined space with no init yet): every thread's forks
	// may race for its PID 1.
	noInitYet []bool
	// big are numbers above pid_max the init part saw (a design's
	// virtual numbers, OpenVZ's pid|VPID_DIV) and their neighbours: set_tid
	// aims at them too.
	big []int
}

type genTask struct {
	h          model.Handle
	space      int  // index into spaces: where its own number is
	childSpace int  // where its future children go
	init       bool // probably the init of its space
	owner      int  // -1: made by the init part (every thread may use it); else the thread
	exited     bool // some op already made it exit (a guess: the op may fail)
	leader     int  // index of its thread group's leader (itself for a process)
	parent     int  // index of its parent (-1: none known)
	// pnum is its number in its parent's space, learnt from the init
	// part (0: unknown): a wait for it, by the parent, names it; own is
	// its number in its own space.
	pnum, own int
	// role is what an init shape made it: a session leader, a process
	// group leader (setpgid and setsid aim at them).
	role genRole
}

// genRole is what an init shape made a task.
type genRole uint8

const (
	roleNone       genRole = iota
	roleSession            // it called setsid: a child in another session
	roleGroupLeads         // it leads a process group: setsid answers EPERM
	roleExeced             // it has exec'd: its parent cannot move it (EACCES)
)

type genSpace struct {
	parent int // -1 for the root
	level  int
	tasks  int // forks aimed into it so far
}

func genProcess(src Source, o GenOptions) model.Scenario {
	if o.Params.MaxLevel > 2 && chance(src, 1, 8, "shallow") {
		// A depth limit of 1 or 2 (the kernel's is 32, MAX_PID_NS_LEVEL,
		// which no small root space can reach): unshare and
		// clone(CLONE_NEWPID) meet it (ENOSPC).
		o.Params.MaxLevel = src.IntRange(1, 2, "depth limit")
	}
	g := &procGen{src: src, o: o}
	if r := o.refusals; r != nil {
		g.noThreads, g.noGroups = r.threads, r.groups
	} else {
		g.noThreads, g.noGroups = refusesThreads(o), refusesGroups(o)
	}
	g.spaces = []genSpace{{parent: -1}}
	g.tasks = []genTask{{h: model.Root, init: true, owner: -1, parent: -1}}
	g.spaces[0].tasks = 1
	sc := model.Scenario{Level: model.ProcessLevel, Params: o.Params}

	// Init: build a few spaces and tasks.
	steps := src.IntRange(0, 4, "init steps")
	for i := 0; i < steps; i++ {
		sc.Init = append(sc.Init, g.initStep()...)
	}
	g.learn(sc.Init)
	for _, sp := range g.spaces {
		g.noInitYet = append(g.noInitYet, sp.tasks == 0)
	}

	// Parallel part.
	nthreads := src.IntRange(min(2, o.Threads), o.Threads, "threads")
	sc.Threads = make([][]model.Op, nthreads)
	for i := range sc.Threads {
		nops := src.IntRange(1, o.Ops, "ops")
		sc.Threads[i] = make([]model.Op, 0, nops)
		for j := 0; j < nops; j++ {
			if i == 0 && j == 0 && g.allows(model.SetPgid) && chance(src, 1, 4, "aimed") {
				if op, ok := g.aimedOp(i); ok {
					sc.Threads[i] = append(sc.Threads[i], op)
					continue
				}
			}
			sc.Threads[i] = append(sc.Threads[i], g.threadOp(i))
		}
	}

	// Post: after the drain (decided at run time), where is everyone?
	sc.Post = make([]model.Op, 0, len(g.tasks)+min(len(g.nums), 2*len(g.tasks)+8))
	for _, t := range g.tasks {
		if o.allows(model.Translate) {
			sc.Post = append(sc.Post, model.Op{Kind: model.Translate, Task: model.Root, Target: t.h})
		}
	}
	for _, n := range g.nums {
		if n >= 1 && n < o.Params.PidMax && len(sc.Post) < 2*len(g.tasks)+8 && o.allows(model.Lookup) {
			sc.Post = append(sc.Post, model.Op{Kind: model.Lookup, Task: model.Root, Pid: n})
		}
	}
	if len(sc.Post) == 0 {
		sc.Post = nil
	}
	return sc
}

// learn runs the init part through the oracle and aims later numbers at
// what it allocated and reaped.
func (g *procGen) learn(init []model.Op) {
	var seen []int
	if g.o.Oracle != nil && len(init) > 0 {
		res := g.o.Oracle(init)
		own := map[model.Handle]int{model.Root: 1}
		for i, op := range init {
			if i >= len(res) || res[i].Err != model.OK {
				continue
			}
			switch op.Kind {
			case model.SetPgid:
				if op.Pid == 0 && op.N == 0 && own[op.Task] > 0 {
					g.pgids = append(g.pgids, own[op.Task])
				}
			case model.SetSid:
				g.pgids = append(g.pgids, res[i].N)
			case model.Fork, model.ForkWithTid, model.Thread, model.Clone:
				ns := res[i].NSpid
				if len(ns) > 0 {
					own[op.Child] = ns[len(ns)-1]
				}
				if c := int(op.Child); c < len(g.tasks) && len(ns) > 0 {
					g.tasks[c].own = ns[len(ns)-1]
				}
				if c := int(op.Child); c < len(g.tasks) && g.tasks[c].parent >= 0 {
					// Its number in its parent's space: at the parent's level.
					if l := g.spaces[g.tasks[g.tasks[c].parent].space].level; l < len(ns) {
						g.tasks[c].pnum = ns[l]
					}
				}
				for _, n := range ns {
					if n > g.o.Params.PidMax {
						g.big = append(g.big, n-1, n, n+1)
					}
				}
				seen = append(seen, ns...)
				if int(op.Child) < len(g.tasks) && g.tasks[op.Child].init && len(ns) >= 2 {
					g.leaders = append(g.leaders, ns[len(ns)-2])
				}
			case model.Wait:
				if res[i].N > 0 {
					seen = append(seen, res[i].N)
				}
			}
		}
	} else {
		for i := 1; i <= len(g.tasks)+1; i++ {
			seen = append(seen, i)
		}
	}
	for _, op := range init {
		if op.Kind == model.SetLastPid {
			seen = append(seen, op.N)
		}
	}
	g.nums = interesting(g.o.Params, append(seen, g.pgids...))
}

// fork records a fork by parent and returns the new handle.
func (g *procGen) fork(parent int, owner int) model.Handle {
	h := model.Handle(len(g.tasks))
	sp := g.tasks[parent].childSpace
	g.tasks = append(g.tasks, genTask{h: h, space: sp, childSpace: sp, init: g.spaces[sp].tasks == 0, owner: owner, leader: int(h), parent: parent})
	g.spaces[sp].tasks++
	return h
}

// thread records a thread created by t (in t's own space, in t's group)
// and returns its handle. After unshare or setns the spec refuses it
// (EINVAL): the shadow then counts it as never alive.
func (g *procGen) thread(t int, owner int) model.Handle {
	h := model.Handle(len(g.tasks))
	tk := g.tasks[t]
	g.tasks = append(g.tasks, genTask{h: h, space: tk.space, childSpace: tk.space, init: tk.init, owner: owner,
		leader: tk.leader, exited: tk.childSpace != tk.space, parent: -1})
	return h
}

// refusesThreads reports whether the scenario's spec refuses thread
// creation (the 2006 designs answer EINVAL), asking the oracle once.
func refusesThreads(o GenOptions) bool {
	if !o.allows(model.Thread) {
		return true
	}
	if o.Oracle == nil {
		return false
	}
	res := o.Oracle([]model.Op{{Kind: model.Thread, Task: model.Root, Child: 1}})
	return len(res) == 1 && res[0].Err == model.EINVAL
}

// refusesGroups reports whether the scenario's spec refuses the group,
// session, reaping, clone and read ops (the 2006 designs answer EINVAL),
// asking the oracle once:
// getpgid(0) by t0 is 1 wherever they are modelled.
func refusesGroups(o GenOptions) bool {
	if o.Oracle == nil {
		return false
	}
	res := o.Oracle([]model.Op{{Kind: model.GetPgid, Task: model.Root}})
	return len(res) == 1 && res[0].Err == model.EINVAL
}

// allows reports whether ops of kind k may be generated.
func (g *procGen) allows(k model.Kind) bool {
	if g.noThreads && isThreadKind(k) || g.noGroups && isGroupKind(k) {
		return false
	}
	return g.o.allows(k)
}

// isGroupKind reports whether k is one of the group, session, reaping, clone and read ops.
func isGroupKind(k model.Kind) bool { return k >= model.SetPgid && k <= model.GetNSpid }

// isThreadKind reports whether k is one of the thread ops.
func isThreadKind(k model.Kind) bool {
	return k == model.Thread || k == model.GetTid || k == model.ExitThread || k == model.Exec
}

// unshared returns the live tasks thread th may use whose children go to
// another space than their own (after unshare or setns).
func (g *procGen) unshared(th int) []int {
	var out []int
	for _, i := range g.usable(th, true) {
		if t := g.tasks[i]; t.childSpace != t.space {
			out = append(out, i)
		}
	}
	return out
}

// groupOf returns the tasks of the group led by leader l, l first.
func (g *procGen) groupOf(l int) []int {
	var out []int
	for i, t := range g.tasks {
		if t.leader == l {
			out = append(out, i)
		}
	}
	return out
}

// threaded returns the tasks thread th may use that lead a group with
// another thread, or (nonLeaders) that are threads other than a leader.
func (g *procGen) threaded(th int, nonLeaders bool) []int {
	var out []int
	for _, i := range g.usable(th, true) {
		t := g.tasks[i]
		switch {
		case nonLeaders && t.leader != i:
			out = append(out, i)
		case !nonLeaders && t.leader == i && len(g.groupOf(i)) > 1:
			out = append(out, i)
		}
	}
	return out
}

func (g *procGen) unshare(t int) {
	tk := &g.tasks[t]
	if tk.childSpace != tk.space {
		return // EINVAL: the spec says so; the shadow stays
	}
	lvl := g.spaces[tk.space].level + 1
	if lvl > g.o.Params.MaxLevel {
		return
	}
	g.spaces = append(g.spaces, genSpace{parent: tk.space, level: lvl})
	tk.childSpace = len(g.spaces) - 1
}

// live returns the indices of tasks usable by thread owner (-1: the init
// part), not known to have exited.
func (g *procGen) usable(owner int, wantLive bool) []int {
	return g.appendUsable(nil, owner, wantLive)
}

// appendUsable is usable appending to out.
func (g *procGen) appendUsable(out []int, owner int, wantLive bool) []int {
	for i, t := range g.tasks {
		if t.owner != -1 && t.owner != owner {
			continue
		}
		if wantLive && t.exited {
			continue
		}
		out = append(out, i)
	}
	return out
}

func (g *procGen) actor(owner int, label string) int {
	if owner >= 0 && chance(g.src, 1, 8, suffixed(label, " elsewhere")) {
		// A task another thread forks concurrently: the op races with the
		// fork (ESRCH before it, the task after; never anything between).
		if c := g.others(owner); len(c) > 0 {
			return pick(g.src, c, label)
		}
	}
	// c lives until pick returns: the generator's scratch list.
	c := g.appendUsable(g.scratch[:0], owner, true)
	if len(c) == 0 {
		c = g.appendUsable(c, owner, false)
	}
	g.scratch = c
	return pick(g.src, c, label)
}

// suffixed is label+suffix, for the draw labels of rapid's log, made
// without an allocation for the labels the generator draws most.
func suffixed(label, suffix string) string {
	if s, ok := drawLabels[[2]string{label, suffix}]; ok {
		return s
	}
	return label + suffix
}

var drawLabels = map[[2]string]string{
	{"actor", " elsewhere"}:  "actor elsewhere",
	{"target", " elsewhere"}: "target elsewhere",
	{"kill group", " own"}:   "kill group own",
	{"wait group", " own"}:   "wait group own",
}

// others returns the tasks forked by threads other than owner so far.
func (g *procGen) others(owner int) []int {
	var out []int
	for i, t := range g.tasks {
		if t.owner >= 0 && t.owner != owner {
			out = append(out, i)
		}
	}
	return out
}

// initStep is one building block of the init part.
func (g *procGen) initStep() []model.Op {
	var ops []model.Op
	// The kinds each shape needs beyond fork, exit and wait.
	// The group shapes (10 …) come last: a spec that refuses them
	// gives them weight 0, and the draws are a scenario's without them.
	w := []int{4, 4, 2, 2, 1, 1, 1, 1, 3, 2, 2, 1, 1, 2, 1, 3, 1, 1}
	for i, kinds := range [][]model.Kind{1: {model.Unshare}, 3: {model.SetLastPid}, 4: {model.SetNs}, 6: {model.SetPidMax}, 7: {model.SetPidMax, model.Unshare},
		8: {model.Thread}, 9: {model.Thread, model.Unshare},
		10: {model.SetPgid}, 11: {model.SetSid}, 12: {model.SigChld}, 13: {model.Subreaper, model.Unshare},
		14: {model.Clone}, 15: {model.Unshare, model.SetNsChildren}, 16: {model.Exec, model.SetPgid},
		17: {model.Unshare, model.SetNsChildren}} {
		for _, k := range kinds {
			if !g.allows(k) {
				w[i] = 0
			}
		}
	}
	weightedShape := weighted(g.src, w, "init shape")
	switch weightedShape {
	case 0: // a plain child
		p := g.actor(-1, "parent")
		ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: g.fork(p, -1)})
	case 1: // a new space with its init and one task in it
		p := g.actor(-1, "parent")
		ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[p].h})
		g.unshare(p)
		in := g.fork(p, -1)
		ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: in})
		if chance(g.src, 2, 3, "populate") {
			ops = append(ops, model.Op{Kind: model.Fork, Task: in, Child: g.fork(int(in), -1)})
		}
		if chance(g.src, 1, 3, "a member from outside") {
			// Forked by the unsharer, not the init: its zombie keeps the
			// space non-empty once the init dies, until the unsharer
			// reaps it.
			ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: g.fork(p, -1)})
		}
	case 2: // a hole: a child that exits and is reaped
		p := g.actor(-1, "parent")
		c := g.fork(p, -1)
		ops = append(ops,
			model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: c},
			model.Op{Kind: model.Exit, Task: c, Code: g.src.IntRange(0, 3, "code")})
		g.tasks[c].exited = true
		if chance(g.src, 3, 4, "reap") {
			ops = append(ops, model.Op{Kind: model.Wait, Task: g.tasks[p].h, Pid: -1})
		}
	case 3: // move the cursor next to the wrap
		ops = append(ops, model.Op{Kind: model.SetLastPid, Task: model.Root,
			N: pick(g.src, []int{g.o.Params.PidMax - 2, g.o.Params.PidMax - 3, g.o.Params.Floor}, "last pid")})
	case 4: // join another space for future children
		t := g.actor(-1, "joiner")
		target := g.actor(-1, "target")
		ops = append(ops, model.Op{Kind: model.SetNs, Task: g.tasks[t].h, Target: g.tasks[target].h})
		g.setns(t, target)
	case 7: // a new space whose first fork fails (the root is full), then a retry
		ops = append(ops, model.Op{Kind: model.SetPidMax, Task: model.Root, N: g.o.Params.Floor + 1})
		for n := g.liveIn(0); n < g.o.Params.Floor; n++ {
			ops = append(ops, model.Op{Kind: model.Fork, Task: model.Root, Child: g.fork(0, -1)})
		}
		a := g.actor(-1, "unsharer")
		ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[a].h})
		g.unshare(a)
		failed := g.fork(a, -1)
		g.tasks[failed].exited = true // EAGAIN: it never lives
		g.spaces[g.tasks[a].childSpace].tasks = 0
		first := model.Op{Kind: model.Fork, Task: g.tasks[a].h, Child: failed}
		if g.allows(model.ForkWithTid) && chance(g.src, 1, 3, "first fork asks for 1") {
			first.Kind, first.Tids = model.ForkWithTid, []int{1}
		}
		ops = append(ops, first)
		// Free a root number, and retry.
		var kids []int
		for i, t := range g.tasks {
			if i > 0 && t.space == 0 && !t.exited && i != a {
				kids = append(kids, i)
			}
		}
		if len(kids) > 0 {
			k := pick(g.src, kids, "freed")
			ops = append(ops, model.Op{Kind: model.Exit, Task: g.tasks[k].h},
				model.Op{Kind: model.Wait, Task: model.Root, Pid: -1})
			g.tasks[k].exited = true
		}
		ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[a].h, Child: g.fork(a, -1)})
	case 6: // a small root: forks soon fail with EAGAIN at the root level
		ops = append(ops, model.Op{Kind: model.SetPidMax, Task: model.Root,
			N: g.o.Params.Floor + g.src.IntRange(1, 2, "root pid_max")})
	case 5: // a zombie left unreaped
		p := g.actor(-1, "parent")
		c := g.fork(p, -1)
		ops = append(ops,
			model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: c},
			model.Op{Kind: model.Exit, Task: c, Code: 1})
		g.tasks[c].exited = true
	case 8: // a process with one or two threads, its leader sometimes gone first
		p := g.actor(-1, "parent")
		c := g.fork(p, -1)
		ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: c})
		ops = append(ops, g.threads(int(c))...)
		if chance(g.src, 1, 4, "leader exits first") {
			ops = append(ops, model.Op{Kind: model.ExitThread, Task: c, Code: g.src.IntRange(0, 3, "code")})
			g.tasks[c].exited = true
		}
	case 9: // a new space whose init has threads, sometimes a child too
		p := g.actor(-1, "parent")
		ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[p].h})
		g.unshare(p)
		in := g.fork(p, -1)
		ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: in})
		ops = append(ops, g.threads(int(in))...)
		if chance(g.src, 1, 2, "populate") {
			ops = append(ops, model.Op{Kind: model.Fork, Task: in, Child: g.fork(int(in), -1)})
		}
	default:
		ops = g.groupStep(weightedShape)
	}
	return ops
}

// groupStep is an init shape of the group ops (shapes 10 to 15 of initStep).
func (g *procGen) groupStep(shape int) []model.Op {
	var ops []model.Op
	fork := func(p int) int {
		c := g.fork(p, -1)
		ops = append(ops, model.Op{Kind: model.Fork, Task: g.tasks[p].h, Child: c})
		return int(c)
	}
	switch shape {
	case 10: // a process group with a member; its leader sometimes exits and is reaped
		p := g.actor(-1, "parent")
		l := fork(p)
		ops = append(ops, model.Op{Kind: model.SetPgid, Task: g.tasks[l].h})
		g.tasks[l].role = roleGroupLeads
		for range g.src.IntRange(1, 2, "members") {
			fork(l)
		}
		if chance(g.src, 1, 2, "leader reaped") {
			ops = append(ops, model.Op{Kind: model.Exit, Task: g.tasks[l].h},
				model.Op{Kind: model.Wait, Task: g.tasks[p].h, Pid: -1})
			g.tasks[l].exited = true
			for i := range g.tasks {
				if g.tasks[i].parent == l {
					g.tasks[i].parent = 0 // to an init, roughly
				}
			}
		}
	case 11: // a new session, sometimes with a child in it
		l := fork(g.actor(-1, "parent"))
		ops = append(ops, model.Op{Kind: model.SetSid, Task: g.tasks[l].h})
		g.tasks[l].role = roleSession
		if chance(g.src, 1, 2, "session member") {
			fork(l)
		}
	case 12: // a parent that ignores SIGCHLD (or sets SA_NOCLDWAIT), with children
		p := g.actor(-1, "parent")
		ops = append(ops, model.Op{Kind: model.SigChld, Task: g.tasks[p].h,
			N: pick(g.src, []int{model.SigChldIgnore, model.SigChldIgnore, model.SigChldNoCldWait}, "disposition")})
		for range g.src.IntRange(1, 2, "children") {
			fork(p)
		}
	case 13: // a subreaper with a child and grandchildren, sometimes across a new space
		p := g.actor(-1, "parent")
		ops = append(ops, model.Op{Kind: model.Subreaper, Task: g.tasks[p].h, N: 1})
		if chance(g.src, 1, 3, "subreaper unshares") {
			ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[p].h})
			g.unshare(p)
		}
		c := fork(p)
		for range g.src.IntRange(1, 2, "grandchildren") {
			fork(c)
		}
		if chance(g.src, 1, 3, "orphaned now") {
			ops = append(ops, model.Op{Kind: model.Exit, Task: g.tasks[c].h})
			g.tasks[c].exited = true
		}
	case 14: // clone(CLONE_NEWPID): the child is 1 of its own new space
		p := g.actor(-1, "parent")
		c := g.cloneNewPid(p, -1)
		ops = append(ops, model.Op{Kind: model.Clone, Task: g.tasks[p].h, Child: c, N: model.CloneNewPid})
		if chance(g.src, 1, 2, "populate") {
			fork(int(c))
		}
	case 15: // a new space with no init yet, joined by another task: its first fork is a race
		p := g.actor(-1, "unsharer")
		q := g.actor(-1, "joiner")
		if q == p {
			q = fork(p) // before the unshare: in p's own space
		}
		ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[p].h})
		g.unshare(p)
		ops = append(ops, model.Op{Kind: model.SetNsChildren, Task: g.tasks[q].h, Target: g.tasks[p].h})
		g.setnsChildren(q, p)
	case 16: // a child that has exec'd: its parent can no longer move it (EACCES)
		c := fork(g.actor(-1, "parent"))
		ops = append(ops, model.Op{Kind: model.Exec, Task: g.tasks[c].h})
		g.tasks[c].role = roleExeced
	case 17: // an init unshares and its parent joins that children space: once the init dies, the first fork there lands below a dead space
		var in int
		if c := g.inits(-1); len(c) > 0 && chance(g.src, 1, 2, "an init there") {
			in = pick(g.src, c, "init")
		} else {
			p := g.actor(-1, "parent")
			ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[p].h})
			g.unshare(p)
			in = fork(p)
		}
		if p := g.tasks[in].parent; p >= 0 && !g.tasks[p].exited && !g.tasks[in].exited {
			ops = append(ops, model.Op{Kind: model.Unshare, Task: g.tasks[in].h},
				model.Op{Kind: model.SetNsChildren, Task: g.tasks[p].h, Target: g.tasks[in].h})
			g.unshare(in)
			g.setnsChildren(p, in)
		}
	}
	return ops
}

// cloneNewPid records clone(CLONE_NEWPID) by p: the child is the first
// task of a new space below p's own (if p's children go to its own space
// and the depth allows; else the clone fails and the shadow counts the
// child as never alive).
func (g *procGen) cloneNewPid(p int, owner int) model.Handle {
	tk := g.tasks[p]
	lvl := g.spaces[tk.space].level + 1
	h := model.Handle(len(g.tasks))
	if tk.childSpace != tk.space || lvl > g.o.Params.MaxLevel {
		g.tasks = append(g.tasks, genTask{h: h, space: tk.space, childSpace: tk.space, owner: owner, leader: int(h), parent: p, exited: true})
		return h
	}
	g.spaces = append(g.spaces, genSpace{parent: tk.space, level: lvl, tasks: 1})
	sp := len(g.spaces) - 1
	g.tasks = append(g.tasks, genTask{h: h, space: sp, childSpace: sp, init: true, owner: owner, leader: int(h), parent: p})
	return h
}

// setnsChildren records t joining target's children space.
func (g *procGen) setnsChildren(t, target int) {
	ts := g.tasks[target].childSpace
	for s := ts; s >= 0; s = g.spaces[s].parent {
		if s == g.tasks[t].space {
			g.tasks[t].childSpace = ts
			return
		}
	}
}

// initless returns the tasks thread th may use whose children go to a
// space no fork was aimed at in the init part: the first fork there makes
// its init, and another thread's may be racing it.
func (g *procGen) initless(th int) []int {
	var out []int
	for _, i := range g.usable(th, true) {
		if t := g.tasks[i]; t.childSpace != t.space && t.childSpace < len(g.noInitYet) && g.noInitYet[t.childSpace] {
			out = append(out, i)
		}
	}
	return out
}

// children returns the tasks whose parent (in the shadow) is p.
func (g *procGen) children(p int) []int {
	var out []int
	for i, t := range g.tasks {
		if t.parent == p && t.leader == i {
			out = append(out, i)
		}
	}
	return out
}

// threads gives task t one or two threads, in the init part.
func (g *procGen) threads(t int) []model.Op {
	var ops []model.Op
	for range g.src.IntRange(1, 2, "threads in group") {
		ops = append(ops, model.Op{Kind: model.Thread, Task: g.tasks[t].h, Child: g.thread(t, -1)})
	}
	return ops
}

// inits returns the tasks thread th may use that probably lead a space
// other than the root's.
func (g *procGen) inits(th int) []int {
	var out []int
	for _, i := range g.usable(th, true) {
		if g.tasks[i].init && i != 0 {
			out = append(out, i)
		}
	}
	return out
}

// liveIn counts the tasks the shadow believes live in space sp.
func (g *procGen) liveIn(sp int) int {
	n := 0
	for _, t := range g.tasks {
		if t.space == sp && !t.exited {
			n++
		}
	}
	return n
}

func (g *procGen) setns(t, target int) {
	ts := g.tasks[target].space
	// Allowed when the target space is t's own or a descendant of it.
	for s := ts; s >= 0; s = g.spaces[s].parent {
		if s == g.tasks[t].space {
			g.tasks[t].childSpace = ts
			return
		}
	}
}

// Kinds of parallel-part ops and their weights.
var procKinds = []struct {
	kind   model.Kind
	weight int
}{
	{model.Fork, 24},
	{model.Exit, 12},
	{model.Wait, 12},
	{model.Kill, 8},
	{model.SetLastPid, 5},
	{model.Unshare, 4},
	{model.SetNs, 5},
	{model.Lookup, 4},
	{model.Translate, 3},
	{model.SetPidMax, 4},
	{model.ForkWithTid, 4},
	{model.GetPid, 2},
	{model.GetPPid, 2},
	// The thread ops, last: a spec that refuses them gives them weight 0,
	// and the draws are a scenario's without them.
	{model.Thread, 8},
	{model.ExitThread, 6},
	{model.Exec, 4},
	{model.GetTid, 2},
	// The group ops, after them for the same reason.
	{model.SetPgid, 3},
	{model.GetPgid, 1},
	{model.SetSid, 2},
	{model.GetSid, 1},
	{model.SigChld, 2},
	{model.Subreaper, 1},
	{model.Clone, 3},
	{model.SetNsChildren, 2},
	{model.GetLastPid, 1},
	{model.GetNSpid, 1},
}

func (g *procGen) num(label string) int { return pick(g.src, g.nums, label) }

// threadOp draws one op for thread th.
func (g *procGen) threadOp(th int) model.Op {
	if g.kindWeights == nil {
		// What the scenario allows is fixed: the weights are too.
		g.kindWeights = make([]int, len(procKinds))
		for i, k := range procKinds {
			if g.allows(k.kind) {
				g.kindWeights[i] = k.weight
			}
		}
	}
	kind := procKinds[weighted(g.src, g.kindWeights, "kind")].kind
	a := g.actor(th, "actor")
	op := model.Op{Kind: kind, Task: g.tasks[a].h}
	switch kind {
	case model.Fork:
		if g.allows(model.SetNsChildren) && chance(g.src, 1, 2, "first fork race") {
			// Into a space that has no init yet: another thread may be
			// forking its PID 1 too.
			if il := g.initless(th); len(il) > 0 {
				a = pick(g.src, il, "joined")
				op.Task = g.tasks[a].h
			}
		}
		op.Child = g.fork(a, th)
	case model.ForkWithTid:
		if un := g.unshared(th); len(un) > 0 && chance(g.src, 1, 3, "tid into another space") {
			// Several levels to ask for, and a space that may be dying.
			a = pick(g.src, un, "unshared")
			op.Task = g.tasks[a].h
		}
		lvl := g.spaces[g.tasks[a].childSpace].level
		n := g.src.IntRange(1, lvl+1, "tids")
		if chance(g.src, 1, 16, "too many tids") {
			n = lvl + 2 // EINVAL
		}
		for i := 0; i < n; i++ {
			if i == 0 && g.spaces[g.tasks[a].childSpace].tasks == 0 && chance(g.src, 3, 4, "tid 1") {
				op.Tids = append(op.Tids, 1)
				continue
			}
			if len(g.big) > 0 && chance(g.src, 1, 2, "big tid") {
				op.Tids = append(op.Tids, pick(g.src, g.big, "tid"))
				continue
			}
			op.Tids = append(op.Tids, g.num("tid"))
		}
		op.Child = g.fork(a, th)
	case model.Exit:
		// Lean toward the exits of inits, never the root's (the kernel panics).
		if chance(g.src, 1, 2, "exit an init") {
			if inits := g.inits(th); len(inits) > 0 {
				a = pick(g.src, inits, "init")
			}
		}
		if a == 0 {
			op.Kind = model.Wait // t0 does not exit; it reaps instead
			op.Pid = -1
			break
		}
		op.Task = g.tasks[a].h
		op.Code = g.src.IntRange(0, 3, "code")
		g.tasks[a].exited = true
	case model.Wait:
		op.Pid = -1
		if chance(g.src, 1, 4, "wait pid") {
			op.Pid = g.num("pid")
		}
		if g.allows(model.SetPgid) && chance(g.src, 1, 2, "wait group") {
			op.Pid = g.groupArg("wait group")
		}
		if chance(g.src, 1, 8, "wait for an init") {
			// By its parent, by number: a dying init is not reapable
			// while its space has members (0), which a wait(-1)
			// reaping them first would not show.
			if p, n, ok := g.initToWaitFor(th); ok {
				op.Task, op.Pid = g.tasks[p].h, n
			}
		}
	case model.Kill:
		op.Pid = g.num("pid")
		gw := 0
		if g.allows(model.SetPgid) {
			gw = 4 // by process group: kill(0), kill(-pgid)
		}
		switch weighted(g.src, []int{10, 1, 2, gw}, "kill whom") {
		case 1: // kill(-1)
			op.Pid = -1
		case 2: // a group: kill(-wid) in pspace2006, ESRCH elsewhere
			op.Pid = -max(op.Pid, 2)
			if len(g.leaders) > 0 && chance(g.src, 3, 4, "a leader's group") {
				op.Pid = -pick(g.src, g.leaders, "leader")
			}
		case 3:
			op.Pid = g.groupArg("kill group")
		}
		op.Sig = pick(g.src, []int{9, 15, 0}, "sig")
	case model.Unshare:
		g.unshare(a)
	case model.SetNs:
		// Lean toward inits: their spaces die when they exit, which
		// another thread may be doing right now.
		target := g.actor(th, "target")
		if in := g.inits(th); len(in) > 0 && chance(g.src, 1, 2, "an init's space") {
			target = pick(g.src, in, "target")
		}
		op.Target = g.tasks[target].h
		g.setns(a, target)
	case model.Translate:
		op.Target = g.tasks[g.actor(th, "target")].h
	case model.Lookup:
		op.Pid = g.num("pid")
	case model.SetPidMax:
		// Lowered while forks run, or back up to the top.
		op.N = g.num("pid_max")
		if chance(g.src, 1, 4, "raise") {
			op.N = g.o.Params.PidMax
		}
	case model.SetLastPid:
		op.N = g.num("last pid")
	case model.Thread:
		// Lean toward inits (a threaded init outlives its first thread)
		// and toward tasks whose children go to another space (EINVAL).
		switch weighted(g.src, []int{2, 2, 2}, "thread by whom") {
		case 1:
			if in := g.inits(th); len(in) > 0 {
				a = pick(g.src, in, "init")
			}
		case 2:
			if un := g.unshared(th); len(un) > 0 {
				a = pick(g.src, un, "unshared")
			}
		}
		if a == 0 {
			a = int(g.fork(0, th)) // the root's init gets no threads: a child does
			op = model.Op{Kind: model.Fork, Task: model.Root, Child: g.tasks[a].h}
			break
		}
		op.Task = g.tasks[a].h
		op.Child = g.thread(a, th)
	case model.ExitThread:
		// Lean toward leaders that have threads (the leader exits first)
		// and toward inits (a threaded init hands its reaper role on).
		switch weighted(g.src, []int{2, 2, 1}, "exit which thread") {
		case 0:
			if ls := g.threaded(th, false); len(ls) > 0 {
				a = pick(g.src, ls, "leader")
			}
		case 1:
			if in := g.inits(th); len(in) > 0 {
				a = pick(g.src, in, "init")
			}
		}
		if a == 0 {
			op.Kind = model.Wait // t0 does not exit; it reaps instead
			op.Pid = -1
			break
		}
		op.Task = g.tasks[a].h
		op.Code = g.src.IntRange(0, 3, "code")
		g.tasks[a].exited = true
	case model.Exec:
		// Lean toward non-leader threads: de_thread's exchange.
		if ts := g.threaded(th, true); len(ts) > 0 && chance(g.src, 3, 4, "exec by a thread") {
			a = pick(g.src, ts, "thread")
		}
		op.Task = g.tasks[a].h
		for _, m := range g.groupOf(g.tasks[a].leader) {
			if m != a {
				g.tasks[m].exited = true // killed by the exec
			}
		}
	default:
		op = g.groupOp(th, a, op)
	}
	return op
}

// aimedOp is an op at what a group init shape set up, which the kind
// weights alone rarely reach: a parent moving its child that started a
// session (EPERM) or has exec'd (EACCES), setpgid of a thread's number
// (EINVAL), setsid by a process-group leader (EPERM). ok is false when the
// init part set up none of them.
func (g *procGen) aimedOp(th int) (model.Op, bool) {
	var kids []int
	for _, i := range g.childNums(th) {
		if r := g.tasks[i].role; r == roleSession || r == roleExeced {
			kids = append(kids, i)
		}
	}
	leaders := g.withRole(g.usable(th, true), roleGroupLeads)
	threads := g.threadNums(th)
	w := []int{len(kids), len(leaders), len(threads)}
	if w[0]+w[1]+w[2] == 0 {
		return model.Op{}, false
	}
	switch weighted(g.src, []int{min(w[0], 1), min(w[1], 1), min(w[2], 1)}, "aimed at") {
	case 0:
		c := pick(g.src, kids, "child")
		return model.Op{Kind: model.SetPgid, Task: g.tasks[g.tasks[c].parent].h, Pid: g.tasks[c].pnum}, true
	case 1:
		return model.Op{Kind: model.SetSid, Task: g.tasks[pick(g.src, leaders, "group leader")].h}, true
	}
	return model.Op{Kind: model.SetPgid, Task: g.tasks[g.actor(th, "actor")].h, Pid: pick(g.src, threads, "thread")}, true
}

// withRole returns the tasks of ts that have role r.
func (g *procGen) withRole(ts []int, r genRole) []int {
	var out []int
	for _, i := range ts {
		if g.tasks[i].role == r {
			out = append(out, i)
		}
	}
	return out
}

// threadNums returns the numbers (in their own space) of the threads other
// than leaders that thread th may use.
func (g *procGen) threadNums(th int) []int {
	var out []int
	for _, i := range g.usable(th, true) {
		if t := g.tasks[i]; t.leader != i && t.own > 0 {
			out = append(out, t.own)
		}
	}
	return out
}

// childNums returns the tasks other than t0 whose number in their parent's
// space the init part learnt and whose live parent thread th may use.
func (g *procGen) childNums(th int) []int {
	var out []int
	for i, t := range g.tasks {
		if i == 0 || t.pnum <= 0 || t.parent < 0 || t.leader != i {
			continue
		}
		if p := g.tasks[t.parent]; !p.exited && (p.owner == -1 || p.owner == th) {
			out = append(out, i)
		}
	}
	return out
}

// initToWaitFor picks an init (not t0) whose number in its parent's space
// the init part learnt, and whose parent thread th may use: the parent and
// that number.
func (g *procGen) initToWaitFor(th int) (parent, n int, ok bool) {
	var c []int
	for i, t := range g.tasks {
		if i == 0 || !t.init || t.pnum <= 0 || t.parent < 0 || t.leader != i {
			continue
		}
		if p := g.tasks[t.parent]; (p.owner == -1 || p.owner == th) && !p.exited {
			c = append(c, i)
		}
	}
	if len(c) == 0 {
		return 0, 0, false
	}
	i := pick(g.src, c, "init waited for")
	return g.tasks[i].parent, g.tasks[i].pnum, true
}

// groupArg is a process-group argument of kill or wait: 0 (the caller's
// group) or -n for a number that leads a group.
func (g *procGen) groupArg(label string) int {
	if len(g.pgids) == 0 || chance(g.src, 1, 3, suffixed(label, " own")) {
		return 0
	}
	return -pick(g.src, g.pgids, label)
}

// groupOp fills in a group op by actor a of thread th.
func (g *procGen) groupOp(th, a int, op model.Op) model.Op {
	switch op.Kind {
	case model.SetPgid:
		// The actor's own group (a new one, or one it knows), or a
		// child moved into its own group or the actor's.
		switch weighted(g.src, []int{4, 2, 3, 1}, "setpgid shape") {
		case 1:
			op.N = g.num("pgid")
			if len(g.pgids) > 0 && chance(g.src, 3, 4, "a known group") {
				op.N = pick(g.src, g.pgids, "pgid")
			}
		case 3:
			op.N = -g.src.IntRange(1, 2, "negative pgid") // EINVAL
		case 2:
			op.Pid = g.num("child")
			ks, ts := g.childNums(th), g.threadNums(th)
			if len(ts) > 0 && chance(g.src, 1, 4, "a thread") {
				op.Pid = pick(g.src, ts, "thread") // not a group leader: EINVAL
			} else if len(ks) > 0 && chance(g.src, 2, 3, "a known child") {
				// A child in another session (EPERM), one that has
				// exec'd (EACCES), or one it may move.
				if ss := append(g.withRole(ks, roleSession), g.withRole(ks, roleExeced)...); len(ss) > 0 && chance(g.src, 1, 2, "a session leader or exec'd") {
					ks = ss
				}
				a = pick(g.src, ks, "parent of")
				op.Task, op.Pid = g.tasks[g.tasks[a].parent].h, g.tasks[a].pnum
			}
			if chance(g.src, 1, 2, "into the caller's group") {
				op.N = 1
				if len(g.pgids) > 0 {
					op.N = pick(g.src, g.pgids, "caller's pgid")
				}
			}
		}
	case model.SetSid:
		if ls := g.withRole(g.usable(th, true), roleGroupLeads); len(ls) > 0 && chance(g.src, 1, 2, "a group leader") {
			op.Task = g.tasks[pick(g.src, ls, "group leader")].h // EPERM
		}
	case model.GetPgid, model.GetSid:
		if chance(g.src, 1, 2, "of another") {
			op.Pid = g.num("pid")
		}
	case model.SigChld:
		op.N = pick(g.src, []int{model.SigChldIgnore, model.SigChldIgnore, model.SigChldNoCldWait, model.SigChldDefault}, "disposition")
	case model.Subreaper:
		op.N = pick(g.src, []int{1, 1, 0}, "subreaper")
		if op.N == 1 && chance(g.src, 1, 2, "with orphans") {
			// Lean toward tasks with grandchildren: orphans to come.
			var gp []int
			for _, i := range g.usable(th, true) {
				for _, c := range g.children(i) {
					if len(g.children(c)) > 0 {
						gp = append(gp, i)
						break
					}
				}
			}
			if len(gp) > 0 {
				op.Task = g.tasks[pick(g.src, gp, "grandparent")].h
			}
		}
	case model.Clone:
		switch weighted(g.src, []int{4, 2, 1, 1, 1}, "clone flags") {
		case 0:
			op.N = model.CloneNewPid
			if in := g.inits(th); len(in) > 0 && chance(g.src, 1, 3, "from a nested space") {
				a = pick(g.src, in, "init") // nearer the depth limit (ENOSPC)
				op.Task = g.tasks[a].h
			}
			op.Child = g.cloneNewPid(a, th)
		case 1:
			op.N = model.CloneParent
			if un := g.unshared(th); len(un) > 0 && chance(g.src, 1, 2, "into another space") {
				a = pick(g.src, un, "unshared") // a space that may be dying (ENOMEM)
				op.Task = g.tasks[a].h
			}
			op.Child = g.fork(a, th)
			if g.tasks[a].init {
				g.tasks[op.Child].exited = true // EINVAL from an init
			}
		case 2:
			op.N = model.CloneNewPid | model.CloneParent
			op.Child = g.cloneNewPid(a, th)
		case 3:
			op.N = 0
			if un := g.unshared(th); len(un) > 0 && chance(g.src, 1, 2, "into another space") {
				a = pick(g.src, un, "unshared")
				op.Task = g.tasks[a].h
			}
			op.Child = g.fork(a, th)
		case 4:
			op.N = model.CloneNewPid | model.CloneThread // EINVAL
			op.Child = g.cloneNewPid(a, th)
			g.tasks[op.Child].exited = true
		}
	case model.SetNsChildren:
		// Lean toward tasks whose children go to another space, which
		// may have no init yet.
		target := g.actor(th, "target")
		if un := g.unshared(th); len(un) > 0 && chance(g.src, 2, 3, "an unshared task") {
			target = pick(g.src, un, "target")
		}
		op.Target = g.tasks[target].h
		g.setnsChildren(a, target)
	}
	return op
}
