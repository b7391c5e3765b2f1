package checker

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

func scenarioText(sc model.Scenario) string {
	s := fmt.Sprintf("%s %+v\n", sc.Level, sc.Params)
	for _, op := range sc.Init {
		s += "init " + op.String() + "\n"
	}
	for i, t := range sc.Threads {
		for _, op := range t {
			s += model.ThreadName(i) + " " + op.String() + "\n"
		}
	}
	for _, op := range sc.Post {
		s += "post " + op.String() + "\n"
	}
	return s
}

// TestGenerateIsDeterministic: a seed names one scenario.
func TestGenerateIsDeterministic(t *testing.T) {
	for _, lvl := range []model.Level{model.ProcessLevel, model.AllocLevel} {
		for seed := uint64(0); seed < 50; seed++ {
			a := scenarioText(Generate(SeedSource(seed), lvl, GenOptions{}))
			b := scenarioText(Generate(SeedSource(seed), lvl, GenOptions{}))
			if a != b {
				t.Fatalf("seed %d gives two scenarios:\n%s\n%s", seed, a, b)
			}
		}
	}
}

// TestPropertyScenarioWellFormed: every generated op is at the scenario's
// level and prints and parses back; every handle is forked once, and a
// thread uses a handle only after forking it itself (or when the init part
// or another thread forks it); threads and
// ops stay within bounds; the root never exits.
func TestPropertyScenarioWellFormed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lvl := rapid.SampledFrom([]model.Level{model.ProcessLevel, model.AllocLevel}).Draw(t, "level")
		o := GenOptions{Threads: rapid.IntRange(1, 5).Draw(t, "T"), Ops: rapid.IntRange(1, 6).Draw(t, "K")}
		if rapid.Bool().Draw(t, "big") {
			o.Params = model.Params{PidMax: 130, Floor: 4, MaxLevel: 3}
		}
		sc := Generate(RapidSource(t), lvl, o)
		if len(sc.Threads) < 1 || len(sc.Threads) > o.Threads {
			t.Fatalf("%d threads, want 1–%d", len(sc.Threads), o.Threads)
		}
		// Every handle is forked exactly once; a thread may name a handle
		// another thread forks (the op races with the fork) but not one
		// it forks itself later.
		forked := map[model.Handle]string{model.Root: "root"}
		for i, ops := range sc.Threads {
			for _, op := range ops {
				if op.Kind.Creates() {
					if _, dup := forked[op.Child]; dup {
						t.Fatalf("%s forked twice", op.Child)
					}
					forked[op.Child] = "later " + model.ThreadName(i)
				}
			}
		}
		known := func(where string, h model.Handle) bool {
			w, ok := forked[h]
			return ok && w != "later "+where
		}
		check := func(where string, ops []model.Op) {
			for _, op := range ops {
				if op.Kind.Level() != lvl {
					t.Fatalf("%s: %q is not a %s-level op", where, op, lvl)
				}
				back, err := model.ParseOp(op.String())
				if err != nil || !back.Equal(op) {
					t.Fatalf("%s: %q does not parse back: %v", where, op, err)
				}
				if lvl == model.AllocLevel {
					continue
				}
				if !known(where, op.Task) {
					t.Fatalf("%s: %q acts as %s before it exists there", where, op, op.Task)
				}
				if (op.Kind == model.SetNs || op.Kind == model.Translate) && !known(where, op.Target) {
					t.Fatalf("%s: %q targets %s before it exists there", where, op, op.Target)
				}
				if op.Kind == model.Exit && op.Task == model.Root {
					t.Fatalf("%s: the root exits", where)
				}
				if op.Kind.Creates() {
					if w, dup := forked[op.Child]; dup && w != "later "+where {
						t.Fatalf("%s: %s forked twice", where, op.Child)
					}
					forked[op.Child] = where
				}
			}
		}
		check("init", sc.Init)
		for i, ops := range sc.Threads {
			if len(ops) < 1 || len(ops) > o.Ops {
				t.Fatalf("thread %d has %d ops, want 1–%d", i, len(ops), o.Ops)
			}
			check(model.ThreadName(i), ops)
		}
		for _, op := range sc.Post {
			if IsDrainOp(op) {
				t.Fatalf("post part holds a drain op %q", op)
			}
		}
		check("post", sc.Post)
	})
}

// TestCompactRenamesInOrder: after shrinking removed forks, handles are
// renumbered t0, t1, … in order of appearance.
func TestCompactRenamesInOrder(t *testing.T) {
	sc := model.Scenario{Level: model.ProcessLevel, Params: model.SmallParams(),
		Init:    []model.Op{{Kind: model.Fork, Task: 0, Child: 4}},
		Threads: [][]model.Op{{{Kind: model.Fork, Task: 4, Child: 9}, {Kind: model.Exit, Task: 9, Code: 1}}},
		Post:    []model.Op{{Kind: model.Translate, Task: 0, Target: 9}},
	}
	c := compact(sc)
	got := []model.Handle{c.Init[0].Child, c.Threads[0][0].Task, c.Threads[0][0].Child, c.Threads[0][1].Task, c.Post[0].Target}
	if want := []model.Handle{1, 1, 2, 2, 2}; !slices.Equal(got, want) {
		t.Fatalf("compact gave %v, want %v", got, want)
	}
}

// TestWithoutHandleOfCascades: removing a fork removes every op of the
// task it made, and of that task's children.
func TestWithoutHandleOfCascades(t *testing.T) {
	fork := model.Op{Kind: model.Fork, Task: 0, Child: 1}
	sc := model.Scenario{Level: model.ProcessLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{
			{{Kind: model.Fork, Task: 1, Child: 2}, {Kind: model.Exit, Task: 2}},
			{{Kind: model.Translate, Task: 0, Target: 2}, {Kind: model.GetPid, Task: 0}},
		},
	}
	c := withoutHandleOf(sc, fork)
	if len(c.Threads) != 1 || len(c.Threads[0]) != 1 || c.Threads[0][0].Kind != model.GetPid {
		t.Fatalf("got %s", scenarioText(c))
	}
}
