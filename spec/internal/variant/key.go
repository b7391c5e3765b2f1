package variant

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/pidcheck/pidcheck/model"
)

// This file holds what both designs' Keys need to be canonical: a state's
// Key must not depend on the creation order of things when that order can
// no longer change any answer.

// Ranks returns, for each task of w's table (by table index), its place
// among its parent's live and zombie children in the order wait scans
// them (0 first), and -1 for a reaped task.
//
// The ranks replace the reparenting sequence (Task.Order and the counter
// behind NextOrder) in a Key. Only the relative order of a parent's
// current children can matter later: it decides which exited child
// Expect's wait(-1) reports (Step accepts any reapable child, so a Key
// for Step alone could drop it, as spec.Linux's does; these Keys keep it,
// so that Key-equal states also agree on every Expect), and every order
// handed out later is above all current ones. Absolute values, and the
// order of children that are gone, never matter.
func Ranks(w World) []int {
	n := w.NumTasks()
	rank := make([]int, n)
	idx := make([]int, 0, n)
	for i := range n {
		rank[i] = -1
		if _, t := w.TaskAt(i); t.Exists() {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		_, ta := w.TaskAt(a)
		_, tb := w.TaskAt(b)
		return cmp.Or(cmp.Compare(ta.Parent, tb.Parent), cmp.Compare(ta.Order, tb.Order))
	})
	for j, i := range idx {
		rank[i] = 0
		if j > 0 {
			_, prev := w.TaskAt(idx[j-1])
			_, t := w.TaskAt(i)
			if prev.Parent == t.Parent {
				rank[i] = rank[idx[j-1]] + 1
			}
		}
	}
	return rank
}

// Names renumbers a design's spaces for a Key: by first use, so that
// spaces created in a different order (concurrent unshares linearized
// either way) get the same names, and spaces no one can reach any more
// get none and are left out.
type Names struct {
	id    []int // space index → canonical name, -1 while unnamed
	order []int // canonical name → space index
}

// NewNames returns Names for n spaces, none named yet.
func NewNames(n int) *Names {
	id := make([]int, n)
	for i := range id {
		id[i] = -1
	}
	return &Names{id: id}
}

// Name names space i, and first its ancestors (parent returns a space's
// parent, -1 for none; nil when spaces have no tree), unless it has a
// name already.
func (c *Names) Name(i int, parent func(int) int) {
	if c.id[i] >= 0 {
		return
	}
	if parent != nil {
		if p := parent(i); p >= 0 {
			c.Name(p, parent)
		}
	}
	c.id[i] = len(c.order)
	c.order = append(c.order, i)
}

// ID is space i's canonical name; -1 when unnamed.
func (c *Names) ID(i int) int { return c.id[i] }

// Named returns the named spaces' indices in name order.
func (c *Names) Named() []int { return c.order }

// KeyBuf builds a Key: tagged decimal fields.
type KeyBuf struct{ b []byte }

// Tag appends a one-letter tag.
func (k *KeyBuf) Tag(c byte) { k.b = append(k.b, c) }

// Int appends n and a separator.
func (k *KeyBuf) Int(n int) {
	k.b = strconv.AppendInt(k.b, int64(n), 10)
	k.b = append(k.b, ',')
}

// Handle appends h.
func (k *KeyBuf) Handle(h model.Handle) { k.Int(int(h)) }

// Bool appends b as 1 or 0.
func (k *KeyBuf) Bool(b bool) {
	if b {
		k.Int(1)
	} else {
		k.Int(0)
	}
}

// String returns the Key built so far.
func (k *KeyBuf) String() string { return string(k.b) }
