package main

import (
	"fmt"
	"time"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// levelReport says whether each space of a kernel history was cyclic on
// its own: the history projected onto one space's allocator (a fork's
// number there is an alloc, or an alloc_at when set_tid asked for it; a
// wait that reaped frees the reaped task's number; ns_last_pid and
// pid_max written from inside it are set_cursor and set_max) and judged by
// the same judge against spec.Allocator at policy cyclic, each space with
// its own linearization. A space is not judged when the history cannot
// say what happened to its cursor or its numbers: a fork that failed with
// EAGAIN or ENOMEM may have reserved (and so moved the cursor past) an
// unseen number there, or a task may have died without a wait that
// reaped it (a kill; an init's exit: the numbers a dying init frees are
// freed at no observed time).
type levelReport struct {
	Cyclic, NotCyclic, Undecided, NotJudged int
	// Why says, for each space not cyclic on its own, which space and
	// the judge's reason.
	Why []string
}

// levelSpace is one space of a history, as the ops show it.
type levelSpace struct {
	parent     int // index in the list, -1 for the root
	level      int
	ops        []traces.Operation
	unknowable bool
}

type levelTask struct {
	space int   // its active space
	kids  int   // the space of its future children (unshare, setns)
	nspid []int // root first
	fresh bool  // kids is a new space no fork has entered yet
}

// levelCyclic projects h onto each space and judges each projection.
func levelCyclic(h []traces.Operation, p model.Params, timeout time.Duration) levelReport {
	spaces := []*levelSpace{{parent: -1}}
	tasks := map[model.Handle]*levelTask{model.Root: {space: 0, kids: 0, nspid: []int{1}}}
	chain := func(sp int) []int { // root first
		var out []int
		for ; sp >= 0; sp = spaces[sp].parent {
			out = append([]int{sp}, out...)
		}
		return out
	}
	// The root's own number 1 is taken before anything (t0 is its init);
	// its ticks are negative, but not -1, which reads as traces.NoReturn.
	spaces[0].ops = append(spaces[0].ops, traces.Operation{Thread: "main", Op: model.Op{Kind: model.Alloc}, Call: -3, Return: -2, Result: model.Result{N: 1}})
	dead := false
	for _, o := range h {
		a := tasks[o.Op.Task]
		if a == nil {
			continue
		}
		add := func(sp int, op model.Op, res model.Result) {
			spaces[sp].ops = append(spaces[sp].ops, traces.Operation{Thread: o.Thread, Op: op, Call: o.Call, Return: o.Return, Result: res})
		}
		switch o.Op.Kind {
		case model.Fork, model.ForkWithTid:
			kids := a.kids
			if a.fresh && o.Result.Err == model.OK {
				a.fresh = false
			}
			ch := chain(kids)
			if o.Result.Err == model.EEXIST || o.Result.Err == model.EINVAL {
				// set_tid refused at one of its own levels (the
				// innermost ones): no cyclic level was reached, no
				// cursor moved. kernel/pid.c alloc_pid
				continue
			}
			if o.Result.Err != model.OK {
				// EAGAIN at some level, ENOMEM after all: every level
				// it allocated cyclically on the way may have moved its
				// cursor past a number no one saw.
				for i, sp := range ch {
					if k := len(ch) - 1 - i; o.Op.Kind == model.Fork || k >= len(o.Op.Tids) {
						spaces[sp].unknowable = true
					}
				}
				continue
			}
			if len(o.Result.NSpid) != len(ch) {
				return levelReport{NotJudged: len(spaces)}
			}
			for i, sp := range ch {
				n := o.Result.NSpid[i]
				if k := len(ch) - 1 - i; o.Op.Kind == model.ForkWithTid && k < len(o.Op.Tids) {
					add(sp, model.Op{Kind: model.AllocAt, N: n}, model.Result{})
				} else {
					add(sp, model.Op{Kind: model.Alloc}, model.Result{N: n})
				}
			}
			tasks[o.Op.Child] = &levelTask{space: kids, kids: kids, nspid: o.Result.NSpid}
		case model.Unshare:
			if o.Result.Err == model.OK {
				spaces = append(spaces, &levelSpace{parent: a.space, level: spaces[a.space].level + 1})
				a.kids, a.fresh = len(spaces)-1, true
			}
		case model.SetNs:
			if t := tasks[o.Op.Target]; t != nil && o.Result.Err == model.OK {
				a.kids = t.space
			}
		case model.SetLastPid:
			if o.Result.Err == model.OK {
				add(a.space, model.Op{Kind: model.SetCursor, N: o.Op.N}, model.Result{})
			}
		case model.SetPidMax:
			if o.Result.Err == model.OK {
				add(a.space, model.Op{Kind: model.SetMax, N: o.Op.N}, model.Result{})
			}
		case model.Wait:
			if o.Result.Err != model.OK || o.Result.N <= 0 {
				continue
			}
			lvl := spaces[a.space].level
			for _, t := range tasks {
				if len(t.nspid) > lvl && t.nspid[lvl] == o.Result.N && containsInt(chain(t.space), a.space) {
					for i, sp := range chain(t.space) {
						add(sp, model.Op{Kind: model.Free, N: t.nspid[i]}, model.Result{})
					}
					t.nspid = nil // reaped
					break
				}
			}
		case model.Exit:
			// An init's death frees its space's numbers (and theirs
			// in every ancestor) at no observed time.
			if n := a.nspid; len(n) > 0 && n[len(n)-1] == 1 && o.Op.Task != model.Root {
				dead = true
			}
		case model.Kill:
			if o.Result.Err == model.OK && o.Op.Sig != 0 {
				dead = true // the target may be an init
			}
		}
	}
	var r levelReport
	for i, sp := range spaces {
		if sp.unknowable || dead || len(sp.ops) <= 1 && sp.parent >= 0 {
			r.NotJudged++
			continue
		}
		v, why := judgeKernelHistory(spec.Allocator(model.Params{PidMax: p.PidMax, Floor: p.Floor, MaxLevel: p.MaxLevel}, model.Cyclic), sp.ops, timeout)
		switch v.Outcome {
		case traces.Ok:
			r.Cyclic++
		case traces.Violation:
			r.NotCyclic++
			r.Why = append(r.Why, fmt.Sprintf("space %d of the history (level %d), projected onto its allocator: %s", i, sp.level, why))
		default:
			r.Undecided++
		}
	}
	return r
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
