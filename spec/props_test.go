package spec

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

// genParams draws small parameters so that spaces fill and wrap quickly.
func genParams(t *rapid.T) model.Params {
	floor := rapid.IntRange(1, 4).Draw(t, "floor")
	return model.Params{
		PidMax:   rapid.IntRange(floor+2, 12).Draw(t, "pid_max"),
		Floor:    floor,
		MaxLevel: rapid.IntRange(0, 3).Draw(t, "max_level"),
	}
}

// genLinuxOp draws a process-level op that is mostly meaningful in s: the
// actor is usually live, the child handle fresh. noCursorWrites leaves out
// ns_last_pid and pid_max.
func genLinuxOp(t *rapid.T, s *linuxState, next *model.Handle, noCursorWrites bool) model.Op {
	var alive []model.Handle
	for _, tk := range s.tasks {
		if tk.st == live {
			alive = append(alive, tk.h)
		}
	}
	handle := func(label string) model.Handle {
		if len(alive) > 0 && rapid.IntRange(0, 9).Draw(t, label+"_any") > 0 {
			return rapid.SampledFrom(alive).Draw(t, label)
		}
		return model.Handle(rapid.IntRange(0, int(*next)).Draw(t, label+"_h"))
	}
	kinds := []model.Kind{model.Fork, model.Fork, model.Fork, model.Fork, model.Exit, model.Exit,
		model.Wait, model.Wait, model.Wait, model.Kill, model.Kill, model.Unshare, model.Unshare,
		model.SetNs, model.GetPid, model.GetPPid, model.Translate, model.Lookup, model.ForkWithTid,
		model.Thread, model.Thread, model.Thread, model.GetTid, model.ExitThread, model.ExitThread, model.Exec,
		model.SetPgid, model.SetPgid, model.SetPgid, model.GetPgid, model.SetSid, model.SetSid, model.GetSid,
		model.SigChld, model.Subreaper, model.Subreaper, model.Clone, model.Clone, model.SetNsChildren,
		model.GetLastPid, model.GetNSpid}
	if !noCursorWrites {
		kinds = append(kinds, model.SetPidMax, model.SetLastPid)
	}
	op := model.Op{Kind: rapid.SampledFrom(kinds).Draw(t, "kind"), Task: handle("task")}
	num := func(label string) int { return rapid.IntRange(-1, s.p.PidMax).Draw(t, label) }
	switch op.Kind {
	case model.Fork, model.ForkWithTid, model.Thread, model.Clone:
		op.Child = *next
		*next++
		if op.Kind == model.ForkWithTid {
			op.Tids = rapid.SliceOfN(rapid.IntRange(0, s.p.PidMax), 1, 3).Draw(t, "tids")
		}
		if op.Kind == model.Clone {
			op.N = rapid.IntRange(0, 7).Draw(t, "flags")
		}
	case model.Exit, model.ExitThread:
		op.Code = rapid.IntRange(0, 3).Draw(t, "code")
		if op.Kind == model.ExitThread {
			// Lean toward non-leader threads: their exit is the rule
			// TestPropertyThreadExitFreesAtOnce checks, and a random
			// actor among all the live tasks is rarely one.
			var threads []model.Handle
			for _, tk := range s.tasks {
				if tk.st == live && tk.h != tk.group {
					threads = append(threads, tk.h)
				}
			}
			if len(threads) > 0 && rapid.IntRange(0, 3).Draw(t, "a_thread") > 0 {
				op.Task = rapid.SampledFrom(threads).Draw(t, "thread")
				break
			}
		}
		// The root init's exit ends everything: make it rare.
		if op.Task == model.Root && len(alive) > 1 && rapid.IntRange(0, 9).Draw(t, "root_exit") > 0 {
			op.Task = rapid.SampledFrom(alive[1:]).Draw(t, "task")
		}
	case model.Wait, model.Lookup:
		op.Pid = num("pid")
		if op.Kind == model.Wait && rapid.IntRange(0, 1).Draw(t, "any") == 0 {
			op.Pid = -1
		}
	case model.Kill:
		op.Pid = num("pid")
		op.Sig = rapid.SampledFrom([]int{0, 9, 15}).Draw(t, "sig")
	case model.SetNs, model.SetNsChildren, model.Translate:
		op.Target = handle("target")
	case model.SetPidMax, model.SetLastPid:
		op.N = num("n")
	case model.SetPgid:
		// Often setpgid(0, 0): the caller leads a group of its own.
		if rapid.IntRange(0, 1).Draw(t, "self") == 1 {
			op.Pid = rapid.IntRange(0, s.p.PidMax).Draw(t, "pid")
			op.N = rapid.IntRange(-1, s.p.PidMax).Draw(t, "pgid")
		}
	case model.GetPgid, model.GetSid:
		op.Pid = rapid.IntRange(0, s.p.PidMax).Draw(t, "pid")
	case model.SigChld:
		op.N = rapid.IntRange(0, 2).Draw(t, "disposition")
	case model.Subreaper:
		op.N = rapid.IntRange(0, 3).Draw(t, "subreaper") & 1
	}
	if op.Kind == model.Kill || op.Kind == model.Wait {
		if rapid.IntRange(0, 3).Draw(t, "by_group") == 0 {
			op.Pid = -op.Pid // kill(-pgid), wait(-pgid); kill(0), wait(0)
		}
	}
	return op
}

// check verifies the state's internal invariants.
func (s *linuxState) check() error {
	for sp := range s.spaces {
		var nums []int
		for i := range s.tasks {
			if n := s.numberIn(&s.tasks[i], sp); n != 0 {
				nums = append(nums, n)
			}
		}
		for _, hp := range s.held {
			if n := s.pidNumber(hp.h, sp); n != 0 {
				nums = append(nums, n)
			}
		}
		slices.Sort(nums)
		if len(slices.Compact(slices.Clone(nums))) != len(nums) {
			return fmt.Errorf("%s: a number is shared: %v", spaceName(sp), nums)
		}
		if !slices.Equal(nums, s.spaces[sp].taken) {
			return fmt.Errorf("%s: taken %v but tasks hold %v", spaceName(sp), s.spaces[sp].taken, nums)
		}
		if s.spaces[sp].dead && s.spaces[sp].init != model.NoTask {
			if i := s.find(s.spaces[sp].init); i >= 0 && s.tasks[i].st == live {
				return fmt.Errorf("%s is dead but its init %s lives", spaceName(sp), s.spaces[sp].init)
			}
		}
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		if len(t.nspid) != s.spaces[t.space].level+1 {
			return fmt.Errorf("%s: NSpid %v in %s at level %d", t.h, t.nspid, spaceName(t.space), s.spaces[t.space].level)
		}
		if t.st == live && s.spaces[t.space].dead {
			return fmt.Errorf("%s lives in dead space %s", t.h, spaceName(t.space))
		}
		for sp := range s.spaces {
			inChain := s.ancestorAt(t.space, s.spaces[sp].level) == sp
			if (s.numberIn(t, sp) != 0) != inChain {
				return fmt.Errorf("%s visible in %s: %v, in its chain: %v", t.h, spaceName(sp), s.numberIn(t, sp) != 0, inChain)
			}
		}
		if t.parent != model.NoTask && s.find(t.parent) < 0 {
			return fmt.Errorf("%s's parent %s is gone", t.h, t.parent)
		}
		if err := s.checkThread(t); err != nil {
			return err
		}
	}
	for sp := range s.spaces {
		spc := &s.spaces[sp]
		if !spc.dead && spc.init != model.NoTask && s.liveTask(spc.init) < 0 {
			return fmt.Errorf("%s accepts tasks but its child reaper %s is not live", spaceName(sp), spc.init)
		}
	}
	return s.checkGroups()
}

// checkGroups verifies the process-group and session invariants: every
// leader's pgid and sid name a task's or a held struct pid; every held pid
// was reaped and is still some leader's pgid or sid; a group lies within
// one session; a session leader leads its own session and group; every
// reapable zombie has been notified (Key leaves notified out on that claim).
func (s *linuxState) checkGroups() error {
	exists := func(h model.Handle) bool {
		if s.find(h) >= 0 {
			return true
		}
		for _, hp := range s.held {
			if hp.h == h {
				return true
			}
		}
		return false
	}
	sessOf := map[model.Handle]model.Handle{}
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.st == zombie && s.reapable(t) != t.notified {
			return fmt.Errorf("%s: reapable %v but notified %v", t.h, s.reapable(t), t.notified)
		}
		if t.h != t.group {
			continue
		}
		if !exists(t.pgid) || !exists(t.sid) {
			return fmt.Errorf("%s: pgid %s or sid %s names no pid", t.h, t.pgid, t.sid)
		}
		if o, ok := sessOf[t.pgid]; ok && o != t.sid {
			return fmt.Errorf("process group %s spans sessions %s and %s", t.pgid, o, t.sid)
		}
		sessOf[t.pgid] = t.sid
		if t.sessLead && (t.sid != t.h || t.pgid != t.h) {
			return fmt.Errorf("session leader %s has sid %s, pgid %s", t.h, t.sid, t.pgid)
		}
	}
	for i, hp := range s.held {
		if !s.reaped(hp.h) || !s.referenced(hp.h) {
			return fmt.Errorf("held pid of %s: reaped %v, referenced %v", hp.h, s.reaped(hp.h), s.referenced(hp.h))
		}
		if i > 0 && s.held[i-1].h >= hp.h {
			return fmt.Errorf("held pids out of order: %s before %s", s.held[i-1].h, hp.h)
		}
	}
	return nil
}

// checkThread verifies the thread-group invariants of task t: its leader
// exists and leads; a non-leader is live (it is released when it exits,
// unless it runs its init's zap), in
// its leader's space, and in no children list.
func (s *linuxState) checkThread(t *task) error {
	l := s.find(t.group)
	if l < 0 {
		return fmt.Errorf("%s's thread group leader %s is gone", t.h, t.group)
	}
	leader := &s.tasks[l]
	if leader.group != leader.h {
		return fmt.Errorf("%s's leader %s is itself a thread of %s", t.h, leader.h, leader.group)
	}
	if t.h != t.group {
		switch {
		case t.st != live && !(s.isInit(t) && s.spaces[t.space].dead && len(s.spaces[t.space].taken) > 2):
			// Only the last thread of a dead space's init, parked in
			// zap_pid_ns_processes until the space holds only it and
			// its leader, outlives its exit.
			return fmt.Errorf("thread %s of %s is a zombie", t.h, t.group)
		case t.parent != model.NoTask:
			return fmt.Errorf("thread %s of %s has a parent %s", t.h, t.group, t.parent)
		case t.space != leader.space:
			return fmt.Errorf("thread %s is in %s, its leader %s in %s", t.h, spaceName(t.space), leader.h, spaceName(leader.space))
		}
	}
	return nil
}

// runLinux drives a random sequence and calls each(before, op, result, after).
func runLinux(t *rapid.T, noCursorWrites bool, each func(before *linuxState, op model.Op, r model.Result, after *linuxState)) {
	runLinuxFrom(t, noCursorWrites, nil, each)
}

// runLinuxFrom is runLinux starting with the ops of prefix (children
// t1, t2, … in order), then random ones.
func runLinuxFrom(t *rapid.T, noCursorWrites bool, prefix []model.Op, each func(before *linuxState, op model.Op, r model.Result, after *linuxState)) {
	p := genParams(t)
	pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy")
	st := newLinux(p, pol)
	next := model.Handle(1)
	steps := rapid.IntRange(1, 100).Draw(t, "steps")
	for i := 0; i < steps+len(prefix); i++ {
		var op model.Op
		if i < len(prefix) {
			op = prefix[i]
			if op.Kind.Creates() {
				next = max(next, op.Child+1)
			}
		} else {
			op = genLinuxOp(t, st, &next, noCursorWrites)
		}
		r, n := st.Expect(op)
		after := n.(*linuxState)
		t.Logf("%s -> %s", op, r.Format(op.Kind))
		if ok, _, why := st.Step(op, r); !ok {
			t.Fatalf("%s: Step rejects Expect's own result %s: %s", op, r.Format(op.Kind), why)
		}
		if err := after.check(); err != nil {
			t.Fatalf("after %s -> %s: %v\n%s", op, r.Format(op.Kind), err, after)
		}
		each(st, op, r, after)
		st = after
	}
}

// TestPropertyNoNumberSharedInSpace: no two unreaped tasks, threads
// included, share a number in one space, NSpid length is depth+1,
// visibility is exactly the chain, the thread-group invariants hold, and
// Expect's results pass Step (all checked by check after every op).
func TestPropertyNoNumberSharedInSpace(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runLinux(t, false, func(*linuxState, model.Op, model.Result, *linuxState) {})
	})
}

// TestPropertyVisibleExactlyInChain: translate from a live task in every
// space gives the target's NSpid entry for that level iff the space is on
// the target's chain, else 0.
func TestPropertyVisibleExactlyInChain(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runLinux(t, false, func(_ *linuxState, _ model.Op, _ model.Result, s *linuxState) {
			for _, viewer := range s.tasks {
				if viewer.st != live {
					continue
				}
				for _, target := range s.tasks {
					r, _ := s.Expect(model.Op{Kind: model.Translate, Task: viewer.h, Target: target.h})
					want := 0
					if l := s.spaces[viewer.space].level; l < len(target.nspid) && s.ancestorAt(target.space, l) == viewer.space {
						want = target.nspid[l]
					}
					if r.Err != model.OK || r.N != want {
						t.Fatalf("%s translate %s = %s, want %d", viewer.h, target.h, r.Format(model.Translate), want)
					}
				}
			}
		})
	})
}

// TestPropertyNSpidLengthIsDepthPlusOne: a successful fork's NSpid has one
// number per level of the actor's children space, and getpid gives the last.
func TestPropertyNSpidLengthIsDepthPlusOne(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runLinux(t, false, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			if (op.Kind != model.Fork && op.Kind != model.ForkWithTid) || r.Err != model.OK {
				return
			}
			a := before.tasks[before.liveTask(op.Task)]
			if want := before.spaces[a.kids].level + 1; len(r.NSpid) != want {
				t.Fatalf("%s -> %v: want %d numbers", op, r.NSpid, want)
			}
			g, _ := after.Expect(model.Op{Kind: model.GetPid, Task: op.Child})
			if g.N != r.NSpid[len(r.NSpid)-1] {
				t.Fatalf("%s -> %v but getpid gives %d", op, r.NSpid, g.N)
			}
		})
	})
}

// TestPropertyNumberFreedOnlyByReap: a number leaves a space's taken set only
// when the task holding it is reaped in that step.
func TestPropertyNumberFreedOnlyByReap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runLinux(t, false, func(before *linuxState, op model.Op, _ model.Result, after *linuxState) {
			for sp := range before.spaces {
				for _, n := range before.spaces[sp].taken {
					if contains(after.spaces[sp].taken, n) {
						continue
					}
					hi := before.holder(sp, n)
					if hi < 0 {
						// A held group or session id: freed only once nothing
						// refers to it any more.
						if g := before.findPid(sp, n); after.referenced(g) {
							t.Fatalf("%s freed %d in %s, the id of a group or session that %s still is", op, n, spaceName(sp), g)
						}
						continue
					}
					h := before.tasks[hi].h
					if op.Kind == model.Exec && op.Task == h {
						// de_thread: a non-leader that execs takes its leader's
						// numbers; the old leader is released holding the
						// exec'ing thread's old ones.
						h = before.tasks[before.liveTask(h)].group
					}
					if !after.reaped(h) {
						t.Fatalf("%s freed %d in %s but its holder %s was not reaped", op, n, spaceName(sp), h)
					}
				}
			}
		})
	})
}

// threadGroupStart is a start with a group of three threads: t1 and its
// threads t2 and t3. From nothing, a run of random ops made a thread exit,
// or ended a group of two or more, in only about one run in nine to
// twelve, so the 20 runs of -short missed it now and then.
var threadGroupStart = []model.Op{{Kind: model.Fork, Task: 0, Child: 1},
	{Kind: model.Thread, Task: 1, Child: 2}, {Kind: model.Thread, Task: 1, Child: 3}}

// TestPropertyThreadExitFreesAtOnce: a non-leader thread's exit releases
// it in that step (its handle reaped, its numbers free in every level); a
// leader's exit while another thread of its group lives leaves it a zombie
// that keeps its numbers and that its parent cannot reap.
func TestPropertyThreadExitFreesAtOnce(t *testing.T) {
	seen := 0
	defer func() {
		if !t.Failed() && seen == 0 {
			t.Error("no run made a thread exit: the property was not exercised")
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		// t3's exit in the start is checked in every run; the random ops
		// after it add others.
		start := append(slices.Clone(threadGroupStart), model.Op{Kind: model.ExitThread, Task: 3})
		runLinuxFrom(t, false, start, func(before *linuxState, op model.Op, _ model.Result, after *linuxState) {
			if op.Kind != model.ExitThread {
				return
			}
			ai := before.liveTask(op.Task)
			if ai < 0 {
				return
			}
			th := before.tasks[ai]
			if th.h != th.group {
				seen++
				if i := after.find(th.h); i >= 0 && after.isInit(&after.tasks[i]) && after.spaces[th.space].dead && len(after.spaces[th.space].taken) > 2 {
					return // its init's last thread, parked in the zap until the space is empty
				}
				if !after.reaped(th.h) {
					t.Fatalf("%s: thread %s was not released", op, th.h)
				}
				for sp := th.space; sp >= 0; sp = before.spaces[sp].parent {
					if n := th.nspid[before.spaces[sp].level]; contains(after.spaces[sp].taken, n) {
						t.Fatalf("%s: %d is still taken in %s", op, n, spaceName(sp))
					}
				}
				return
			}
			others := false
			for _, m := range before.members(th.group) {
				others = others || (before.tasks[m].h != th.h && before.tasks[m].st == live)
			}
			if !others {
				return
			}
			li := after.find(th.h)
			if li < 0 || after.tasks[li].st != zombie || after.reapable(&after.tasks[li]) {
				t.Fatalf("%s: a leader with live threads must stay an unreapable zombie\n%s", op, after)
			}
			for sp := th.space; sp >= 0; sp = before.spaces[sp].parent {
				if n := th.nspid[before.spaces[sp].level]; !contains(after.spaces[sp].taken, n) {
					t.Fatalf("%s: the leader's %d was freed in %s", op, n, spaceName(sp))
				}
			}
		})
	})
}

// TestPropertyNoThreadOutlivesExitGroup: after exit_group (exit) by any
// thread, or a fatal signal delivered to the group, no thread of that group
// is live; after exec, the exec'ing thread is its group's only task.
func TestPropertyNoThreadOutlivesExitGroup(t *testing.T) {
	seen := 0
	defer func() {
		if !t.Failed() && seen == 0 {
			t.Error("no run ended a group of two or more threads: the property was not exercised")
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		runLinuxFrom(t, false, threadGroupStart, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			ai := before.liveTask(op.Task)
			if ai < 0 || r.Err != model.OK {
				return
			}
			g := before.tasks[ai].group
			switch op.Kind {
			case model.Exit:
				if len(before.members(g)) > 1 {
					seen++
				}
				for _, m := range before.members(g) {
					h := before.tasks[m].h
					if after.liveTask(h) >= 0 {
						t.Fatalf("%s: thread %s of %s outlived exit_group\n%s", op, h, g, after)
					}
				}
			case model.Exec:
				for i := range after.tasks {
					if tk := &after.tasks[i]; tk.h != op.Task && (tk.group == op.Task || tk.group == g) {
						t.Fatalf("%s: %s is still in the exec'ing thread's group\n%s", op, tk.h, after)
					}
				}
				if ti := after.liveTask(op.Task); ti < 0 || after.tasks[ti].group != op.Task {
					t.Fatalf("%s: the exec'ing thread is not a live leader\n%s", op, after)
				}
			}
		})
	})
}

// TestPropertyDeadSpaceStaysDead: once a space's init has died no task
// enters the space again and the space never accepts again — except
// through a live descendant space (one that had no init when the zap
// swept, reached by setns_children, and whatever its first task then
// began): alloc_pid checks PIDNS_ADDING of the innermost space alone, so
// such a fork succeeds and takes a number in the dead space too (checked
// on 6.18.44: NSpid 4 2 1 with the middle space's init dead and reaped;
// golden file groups).
func TestPropertyDeadSpaceStaysDead(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runLinux(t, false, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			for sp := range before.spaces {
				if !before.spaces[sp].dead {
					continue
				}
				if !after.spaces[sp].dead {
					t.Fatalf("%s revived %s", op, spaceName(sp))
				}
				for _, tk := range after.tasks {
					if before.find(tk.h) < 0 && after.within(tk.space, sp) && (tk.space == sp || before.spaces[tk.space].dead) {
						t.Fatalf("%s -> %s put %s into dead space %s", op, r.Format(op.Kind), tk.h, spaceName(sp))
					}
				}
			}
		})
	})
}

// TestPropertyCyclicNoEarlyReuse: under the Cyclic policy (and without
// ns_last_pid or pid_max writes, which move the cursor by hand), a number
// freed behind the cursor — by a reap, by a thread's exit, by an exec — is
// not handed out again, to a fork or a thread, until the cursor has wrapped
// in that space.
func TestPropertyCyclicNoEarlyReuse(t *testing.T) {
	threadFrees := 0 // numbers freed behind the cursor by exit_thread or exec, over all runs
	defer func() {
		if !t.Failed() && threadFrees == 0 {
			t.Error("no run freed a number by a thread's exit or an exec: the property was not exercised")
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		p := genParams(t)
		st := newLinux(p, model.Cyclic)
		next := model.Handle(1)
		type key struct{ sp, n int }
		behind := map[key]bool{} // freed behind the cursor, no wrap since
		steps := rapid.IntRange(1, 80).Draw(t, "steps")
		for i := 0; i < steps+len(threadGroupStart); i++ {
			var op model.Op
			if i < len(threadGroupStart) {
				op, next = threadGroupStart[i], threadGroupStart[i].Child+1
			} else {
				op = genLinuxOp(t, st, &next, true)
			}
			r, n := st.Expect(op)
			after := n.(*linuxState)
			t.Logf("%s -> %s", op, r.Format(op.Kind))
			if op.Kind.Creates() {
				if ai := st.liveTask(op.Task); ai >= 0 {
					top := st.tasks[ai].kids
					if op.Kind == model.Thread {
						top = st.tasks[ai].space // (equal to kids whenever the thread is created)
					}
					for sp := top; sp >= 0; sp = st.spaces[sp].parent {
						l := st.spaces[sp].level
						exact := st.spaces[top].level-l < len(op.Tids)
						switch {
						case r.Err != model.OK || exact:
							// A failed fork may have wrapped a cursor; an exact
							// number is not the policy's choice. Forget, to stay sound.
							for k := range behind {
								if k.sp == sp {
									delete(behind, k)
								}
							}
						case r.NSpid[l] < st.spaces[sp].cursor: // this allocation wrapped: a full pass is over
							for k := range behind {
								if k.sp == sp {
									delete(behind, k)
								}
							}
						case behind[key{sp, r.NSpid[l]}]:
							t.Fatalf("%s -> %v reuses %d in %s before the cursor wrapped (cursor %d)", op, r.NSpid, r.NSpid[l], spaceName(sp), st.spaces[sp].cursor)
						}
					}
				}
			}
			for sp := range st.spaces {
				for _, x := range st.spaces[sp].taken {
					if !contains(after.spaces[sp].taken, x) && x < after.spaces[sp].cursor {
						behind[key{sp, x}] = true
						if op.Kind == model.ExitThread || op.Kind == model.Exec {
							threadFrees++
						}
					}
				}
			}
			st = after
		}
	})
}

// TestPropertyChildOrderIsNotObservable backs Key's claim: two states that
// differ only in the order of the task list (children-list order) accept the
// same results under Step forever, and their Keys stay equal.
func TestPropertyChildOrderIsNotObservable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a State
		runLinux(t, false, func(_ *linuxState, _ model.Op, _ model.Result, after *linuxState) { a = after })
		if a == nil {
			return
		}
		// Every world reversed (clone keeps one world only).
		var bs State = a.(*linuxState).eachWorld(func(c *linuxState) { slices.Reverse(c.tasks) })
		next := model.Handle(1000)
		for i := 0; i < 30; i++ {
			op := genLinuxOp(t, a.(*linuxState), &next, false)
			r, _ := a.Expect(op)
			for _, obs := range []model.Result{r, model.Fail(model.ECHILD), {N: rapid.IntRange(0, 12).Draw(t, "n"), Status: model.Status{Signal: 9}}} {
				okA, na, _ := a.Step(op, obs)
				okB, nb, _ := bs.Step(op, obs)
				if okA != okB {
					t.Fatalf("%s -> %s: accepted %v in one order, %v in the other", op, obs.Format(op.Kind), okA, okB)
				}
				if okA && na.Key() != nb.Key() {
					t.Fatalf("%s -> %s: next Keys differ", op, obs.Format(op.Kind))
				}
			}
			_, a, _ = a.Step(op, r)
			_, bs, _ = bs.Step(op, r)
		}
	})
}

// TestConcurrentUnsharesGiveEqualKeys: two unshares applied in either order
// reach states with equal Keys (space numbering is canonical in the Key).
func TestConcurrentUnsharesGiveEqualKeys(t *testing.T) {
	s := Linux(model.SmallParams(), model.Unique)
	st := s.Init()
	for _, op := range []model.Op{{Kind: model.Fork, Task: 0, Child: 1}, {Kind: model.Fork, Task: 0, Child: 2}} {
		_, st = st.Expect(op)
	}
	u1 := model.Op{Kind: model.Unshare, Task: 1}
	u2 := model.Op{Kind: model.Unshare, Task: 2}
	_, a := st.Expect(u1)
	_, a = a.Expect(u2)
	_, b := st.Expect(u2)
	_, b = b.Expect(u1)
	if a.Key() != b.Key() {
		t.Fatalf("unshares in two orders give different Keys:\n%s\n--\n%s", a, b)
	}
	// And a state with an abandoned empty space equals one without it.
	_, c := st.Expect(u1)
	_, c = c.Expect(model.Op{Kind: model.SetNs, Task: 1, Target: 1})
	if c.Key() != st.Key() {
		t.Fatalf("an abandoned empty space changed the Key:\n%s\n--\n%s", c, st)
	}
}

// TestPropertyNoReuseWhileGroupOrSessionID: no fork, clone or thread hands
// out a number that is, in that space, the id of a process group or a
// session some task is still in — whether or not the task it belonged to
// has been reaped (kernel/pid.c: the struct pid stays in the IDR while any
// task is attached to it as PIDTYPE_PGID or PIDTYPE_SID).
func TestPropertyNoReuseWhileGroupOrSessionID(t *testing.T) {
	held := 0
	defer func() {
		if !t.Failed() && held == 0 {
			t.Error("no run held a reaped task's number as a group or session id: the property was not exercised")
		}
	}()
	// A start that leaves t1's number held as the session and group id of
	// t2 and t3; the random ops go on from there.
	prefix := []model.Op{{Kind: model.Fork, Task: 0, Child: 1}, {Kind: model.SetSid, Task: 1},
		{Kind: model.Fork, Task: 1, Child: 2}, {Kind: model.Fork, Task: 1, Child: 3},
		{Kind: model.Exit, Task: 1}, {Kind: model.Wait, Task: 0, Pid: -1}}
	rapid.Check(t, func(t *rapid.T) {
		runLinuxFrom(t, false, prefix, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			held += len(before.held)
			if !op.Kind.Creates() || r.Err != model.OK {
				return
			}
			ci := after.find(op.Child)
			c := &after.tasks[ci]
			for sp := c.space; sp >= 0; sp = after.spaces[sp].parent {
				n := c.nspid[after.spaces[sp].level]
				for i := range before.tasks {
					l := &before.tasks[i]
					if l.h != l.group {
						continue
					}
					for _, g := range []model.Handle{l.pgid, l.sid} {
						if after.pidNumber(g, sp) == n {
							t.Fatalf("%s -> %v: %d in %s is still the id of %s's group or session (%s)", op, r.NSpid, n, spaceName(sp), l.h, g)
						}
					}
				}
			}
		})
	})
}

// TestPropertyAutoreapLeavesNoZombie: a child that becomes reapable while
// its parent's group ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT) is reaped in
// the same step; only a zombie that was already reapable before may stay.
func TestPropertyAutoreapLeavesNoZombie(t *testing.T) {
	reaped := 0
	defer func() {
		if !t.Failed() && reaped == 0 {
			t.Error("no run autoreaped a child: the property was not exercised")
		}
	}()
	// A start where t1 ignores SIGCHLD and has children, one of which
	// exits: random ops go on from there.
	prefix := []model.Op{{Kind: model.Fork, Task: 0, Child: 1}, {Kind: model.SigChld, Task: 1, N: int(model.SigChldIgnore)},
		{Kind: model.Fork, Task: 1, Child: 2}, {Kind: model.Fork, Task: 1, Child: 3}, {Kind: model.Exit, Task: 2}}
	rapid.Check(t, func(t *rapid.T) {
		runLinuxFrom(t, false, prefix, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			for i := range after.tasks {
				z := &after.tasks[i]
				if !after.reapable(z) {
					continue
				}
				p := after.find(after.groupOf(z.parent))
				if p < 0 || after.tasks[p].sigchld == model.SigChldDefault {
					continue
				}
				if op.Kind == model.Exec && op.Task == after.groupOf(z.parent) {
					continue // the same parent group under its exec'ing thread's name
				}
				if b := before.find(z.h); b < 0 || !before.reapable(&before.tasks[b]) || before.groupOf(before.tasks[b].parent) != after.groupOf(z.parent) {
					t.Fatalf("after %s: %s is a reapable zombie of %s, which ignores SIGCHLD\n%s", op, z.h, after.tasks[p].h, after)
				}
			}
			for _, h := range after.gone {
				if !before.reaped(h) && op.Kind != model.Wait {
					if b := before.find(h); b >= 0 && before.tasks[b].h == before.tasks[b].group {
						if p := before.find(before.groupOf(before.tasks[b].parent)); p >= 0 && before.tasks[p].sigchld != model.SigChldDefault {
							reaped++
						}
					}
				}
			}
		})
	})
}

// TestPropertyOrphansStayInTheirSpace: an orphan's new parent is in the
// space of its old parent — a live thread of the old parent's group, the
// nearest living subreaper at that level, or that space's init — never a
// task of an ancestor space (kernel/exit.c find_new_reaper).
func TestPropertyOrphansStayInTheirSpace(t *testing.T) {
	sub := 0
	defer func() {
		if !t.Failed() && sub == 0 {
			t.Error("no run reparented an orphan to a subreaper: the property was not exercised")
		}
	}()
	// A start with a subreaper t1 whose grandchild t3 is orphaned, and a
	// space below t1 whose tasks must never reach it.
	prefix := []model.Op{{Kind: model.Fork, Task: 0, Child: 1}, {Kind: model.Subreaper, Task: 1, N: 1},
		{Kind: model.Fork, Task: 1, Child: 2}, {Kind: model.Fork, Task: 2, Child: 3}, {Kind: model.Exit, Task: 2},
		{Kind: model.Unshare, Task: 1}, {Kind: model.Fork, Task: 1, Child: 4}, {Kind: model.Fork, Task: 4, Child: 5}}
	rapid.Check(t, func(t *rapid.T) {
		runLinuxFrom(t, false, prefix, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			for i := range after.tasks {
				c := &after.tasks[i]
				b := before.find(c.h)
				if b < 0 || c.h != c.group || before.groupOf(before.tasks[b].parent) == after.groupOf(c.parent) {
					continue
				}
				if op.Kind == model.Exec {
					continue // de_thread moves children within the group
				}
				old := before.find(before.tasks[b].parent)
				np := after.find(c.parent)
				if old < 0 || np < 0 {
					continue
				}
				if after.tasks[np].space != before.tasks[old].space {
					t.Fatalf("after %s: %s's parent went from %s in %s to %s in %s", op, c.h, before.tasks[old].h, spaceName(before.tasks[old].space), after.tasks[np].h, spaceName(after.tasks[np].space))
				}
				if l := after.find(after.groupOf(c.parent)); l >= 0 && after.tasks[l].subreaper && after.spaces[after.tasks[l].space].init != after.tasks[l].h {
					sub++
				}
			}
		})
	})
}
