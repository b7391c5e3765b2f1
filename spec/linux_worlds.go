package spec

import (
	"slices"
	"strings"

	"github.com/pidcheck/pidcheck/model"
)

// A state may stand for several worlds the kernel can be in after one op,
// which only later answers tell apart. A kill with several targets is one:
// the signals are all queued under tasklist_lock (kernel/signal.c
// __kill_pgrp_info, kill_something_info), but each target dies on its own
// afterwards. When a target's parent is a target too and its group
// ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT), the child may finish dying
// first, while its parent still lives: the parent autoreaps it
// (do_notify_parent) and its numbers are free. Or the parent goes first:
// the child is reparented and stays a zombie of its new parent. Checked on
// 6.18: kill(-pgid, SIGKILL) of a SA_NOCLDWAIT parent and its child, 2000
// runs: the child was a zombie of the init 1655 times, autoreaped 345.
//
// The first world is the one the spec always had (every target dies, then
// the reparenting and reaping settle): Expect follows it. The others hang
// off alt, each a plain state. Step keeps every world that accepts the
// observed answer; Key is the sorted set of the worlds' keys.

// maxWorlds bounds the worlds one state stands for.
const maxWorlds = 64

// maxEarly bounds the targets whose early death a kill branches on (2^n
// orders).
const maxEarly = 6

// worlds returns the worlds s stands for, each without alternatives, s's
// own first.
func (s *linuxState) worlds() []*linuxState {
	if s.alt == nil {
		return []*linuxState{s}
	}
	var out []*linuxState
	for w := s; w != nil; w = w.alt {
		out = append(out, w.clone())
	}
	return out
}

// joinWorlds returns one state standing for every world of ws (in order,
// the same world once, at most maxWorlds).
func joinWorlds(ws []*linuxState) *linuxState {
	var keep []*linuxState
	seen := map[string]bool{}
	for _, x := range ws {
		for _, w := range x.worlds() {
			if k := w.Key(); !seen[k] && len(keep) < maxWorlds {
				seen[k] = true
				keep = append(keep, w)
			}
		}
	}
	if len(keep) == 1 {
		return keep[0]
	}
	var next *linuxState
	for i := len(keep) - 1; i >= 0; i-- {
		c := keep[i].clone()
		c.alt = next
		next = c
	}
	return next
}

// worldsKey is Key for a state with alternatives.
func (s *linuxState) worldsKey() string {
	var ks []string
	for w := s; w != nil; w = w.alt {
		ks = append(ks, w.buildKey())
	}
	slices.Sort(ks)
	return "worlds{" + strings.Join(ks, "|") + "}"
}

// Step implements State.
func (s *linuxState) Step(op model.Op, obs model.Result) (bool, State, string) {
	if s.alt == nil {
		return s.stepWorld(op, obs)
	}
	var oks []*linuxState
	why := ""
	for i, w := range s.worlds() {
		ok, n, r := w.stepWorld(op, obs)
		if ok {
			oks = append(oks, n.(*linuxState))
		} else if i == 0 {
			why = r
		}
	}
	if len(oks) == 0 {
		return false, s, why
	}
	return true, joinWorlds(oks), ""
}

// Expect implements State: the first world's answer; the other worlds that
// allow it stay.
func (s *linuxState) Expect(op model.Op) (model.Result, State) {
	if s.alt == nil {
		r, next, _ := s.apply(op, false)
		return r, next
	}
	ws := s.worlds()
	r, next, _ := ws[0].apply(op, false)
	oks := []*linuxState{next}
	for _, w := range ws[1:] {
		if ok, n, _ := w.stepWorld(op, r); ok {
			oks = append(oks, n.(*linuxState))
		}
	}
	return r, joinWorlds(oks)
}

// killWorlds returns the state after a kill of targets by a task of space
// home: c, where every target died at once, and the worlds where some
// targets whose parent is a target that autoreaps died first.
func (s *linuxState) killWorlds(c *linuxState, targets []model.Handle, home, sig int) *linuxState {
	var early []model.Handle
	for _, h := range targets {
		i := s.find(h)
		if i < 0 || !s.killable(i, home, sig) {
			continue
		}
		p := s.find(s.groupOf(s.tasks[i].parent))
		if p < 0 || !slices.Contains(targets, s.tasks[p].h) || !s.killable(p, home, sig) || s.tasks[p].sigchld == model.SigChldDefault {
			continue
		}
		if len(early) < maxEarly {
			early = append(early, h)
		}
	}
	if len(early) == 0 {
		return c
	}
	// Deepest first: a child that dies early dies before its parent.
	slices.SortStableFunc(early, func(a, b model.Handle) int { return s.depth(b) - s.depth(a) })
	ws := []*linuxState{c}
	for set := 1; set < 1<<len(early); set++ {
		w := s.clone()
		w.pick = c.pick
		for j, h := range early {
			if set&(1<<j) != 0 {
				w.killOne(h, home, sig)
				w.settle()
			}
		}
		for _, h := range targets {
			w.killOne(h, home, sig)
		}
		w.settle()
		ws = append(ws, w)
	}
	return joinWorlds(ws)
}

// killable reports whether the task at index i dies of sig sent from space
// home (a live group; an init only by SIGKILL from an ancestor space).
func (s *linuxState) killable(i, home, sig int) bool {
	t := &s.tasks[i]
	if !s.groupLive(t.group) {
		return false
	}
	return !s.isInit(t) || (!s.within(home, t.space) && sig == 9)
}

// killOne makes h die of sig if it still can (c is a private clone).
func (c *linuxState) killOne(h model.Handle, home, sig int) {
	if i := c.find(h); i >= 0 && c.killable(i, home, sig) {
		c.die(h, model.Status{Signal: sig})
	}
}

// depth is the number of live or zombie ancestors of h.
func (s *linuxState) depth(h model.Handle) int {
	d := 0
	for i := s.find(h); i >= 0 && d < len(s.tasks); d++ {
		i = s.find(s.tasks[i].parent)
	}
	return d
}

// A step may also choose among kernel orders no answer of the op itself
// shows: which thread of a dying init's group exits last (die). The op is
// evaluated once per sequence of choices (picker), and the states that give
// the first evaluation's answer are joined as worlds.

// maxPicks bounds the evaluations of one op.
const maxPicks = 16

// picker is the sequence of choices one evaluation takes (want; 0 past its
// end) and the number of options each choice point had (opts).
type picker struct {
	want []int
	opts []int
}

// choose returns which of n options to take at the next choice point of
// the evaluation in progress: always 0 outside apply's enumeration.
func (c *linuxState) choose(n int) int {
	p := c.pick
	if p == nil || n < 2 {
		return 0
	}
	k := len(p.opts)
	p.opts = append(p.opts, n)
	if k < len(p.want) {
		return p.want[k]
	}
	return 0
}

// next moves to the next sequence of choices (the last point with an
// option left takes it; the points after it start again at 0) and reports
// whether there was one.
func (p *picker) next() bool {
	for i := len(p.opts) - 1; i >= 0; i-- {
		cur := 0
		if i < len(p.want) {
			cur = p.want[i]
		}
		if cur+1 < p.opts[i] {
			w := make([]int, i+1)
			copy(w, p.want)
			w[i] = cur + 1
			p.want, p.opts = w, p.opts[:0]
			return true
		}
	}
	return false
}

// mayChoose reports whether op kind k can reach a choice point.
func mayChoose(k model.Kind) bool {
	return k == model.Exit || k == model.ExitThread || k == model.Kill
}

// apply computes the spec's own result, next state and (when explain) why,
// in every order of the op's choice points: the worlds whose answer is the
// first order's.
func (s *linuxState) apply(op model.Op, explain bool) (model.Result, *linuxState, string) {
	if !mayChoose(op.Kind) {
		return s.applyOnce(op, explain, nil)
	}
	p := &picker{}
	r, next, why := s.applyOnce(op, explain, p)
	next.dropPick()
	if len(p.opts) == 0 {
		return r, next, why
	}
	ws := []*linuxState{next}
	for runs := 1; runs < maxPicks && p.next(); runs++ {
		r2, n2, _ := s.applyOnce(op, false, p)
		n2.dropPick()
		if r2.Equal(op.Kind, r) {
			ws = append(ws, n2)
		}
	}
	return r, joinWorlds(ws), why
}

// dropPick forgets the picker in every world of s.
func (s *linuxState) dropPick() {
	for w := s; w != nil; w = w.alt {
		if w.pick != nil { // s may be the unchanged, shared state: never write it
			w.pick = nil
		}
	}
}
