package alloctest

import (
	"math/rand/v2"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

// ScenarioGen draws random allocator scenarios for its parameters.
type ScenarioGen struct {
	// AllocOnly makes the parallel part only allocate.
	AllocOnly bool

	rng *rand.Rand
	p   model.Params
}

// NewScenarioGen returns a generator of scenarios for p, seeded with seed.
func NewScenarioGen(seed uint64, p model.Params) *ScenarioGen {
	return &ScenarioGen{rng: rand.New(rand.NewPCG(seed, 0xa110c)), p: p}
}

func (g *ScenarioGen) op(allocOnly bool) model.Op {
	num := func() int { return 1 + g.rng.IntN(g.p.PidMax-1) }
	if allocOnly {
		return model.Op{Kind: model.Alloc}
	}
	switch r := g.rng.IntN(100); {
	case r < 40:
		return model.Op{Kind: model.Alloc}
	case r < 70:
		return model.Op{Kind: model.Free, N: num()}
	case r < 80:
		return model.Op{Kind: model.AllocAt, N: num()}
	case r < 88:
		return model.Op{Kind: model.SetCursor, N: g.rng.IntN(g.p.PidMax)}
	case r < 97:
		return model.Op{Kind: model.SetMax, N: g.p.Floor + 1 + g.rng.IntN(g.p.PidMax-g.p.Floor)}
	}
	return model.Op{Kind: model.Disable}
}

// Next draws a scenario: a sequential init that fills part of the space,
// 2 or 3 threads of 1–4 ops, and a short sequential post part.
func (g *ScenarioGen) Next() model.Scenario {
	sc := model.Scenario{Level: model.AllocLevel, Params: g.p}
	for range g.rng.IntN(g.p.PidMax + 4) {
		sc.Init = append(sc.Init, model.Op{Kind: model.Alloc})
	}
	for range g.rng.IntN(4) {
		sc.Init = append(sc.Init, model.Op{Kind: model.Free, N: 1 + g.rng.IntN(g.p.PidMax-1)})
	}
	for range 2 + g.rng.IntN(2) {
		var ops []model.Op
		for range 1 + g.rng.IntN(4) {
			ops = append(ops, g.op(g.AllocOnly))
		}
		sc.Threads = append(sc.Threads, ops)
	}
	for range g.rng.IntN(4) {
		sc.Post = append(sc.Post, g.op(false))
	}
	sc.Post = append(sc.Post, model.Op{Kind: model.Alloc})
	return sc
}

// GenAllocOp draws an allocator op with numbers around [0, pidMax].
func GenAllocOp(p model.Params) *rapid.Generator[model.Op] {
	return rapid.Custom(func(t *rapid.T) model.Op {
		n := rapid.IntRange(-1, p.PidMax+1)
		switch rapid.IntRange(0, 9).Draw(t, "kind") {
		case 0, 1, 2, 3:
			return model.Op{Kind: model.Alloc}
		case 4, 5:
			return model.Op{Kind: model.Free, N: n.Draw(t, "n")}
		case 6:
			return model.Op{Kind: model.AllocAt, N: n.Draw(t, "n")}
		case 7:
			return model.Op{Kind: model.SetCursor, N: n.Draw(t, "n")}
		case 8:
			return model.Op{Kind: model.SetMax, N: n.Draw(t, "n")}
		}
		if rapid.IntRange(0, 4).Draw(t, "disable?") == 0 {
			return model.Op{Kind: model.Disable}
		}
		return model.Op{Kind: model.Alloc}
	})
}
