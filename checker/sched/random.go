package sched

import "math/rand/v2"

// NewRandom returns a chooser that picks uniformly among the runnable
// threads, from its own PCG source seeded with seed. Used for several runs,
// it continues its sequence.
func NewRandom(seed uint64) Chooser {
	c := &randomChooser{}
	c.rng.init(seed)
	return c
}

// rng is a PCG generator and the Rand on it, in one allocation with the
// chooser that holds it: rand.New(rand.NewPCG(seed, 0x5eed5c4ed)), whose
// two allocations were made for every schedule.
type rng struct {
	pcg rand.PCG
	rand.Rand
}

func (r *rng) init(seed uint64) {
	r.pcg.Seed(seed, 0x5eed5c4ed)
	r.Rand = *rand.New(&r.pcg)
}

type randomChooser struct{ rng rng }

func (c *randomChooser) Begin()       {}
func (c *randomChooser) End(*Outcome) {}
func (c *randomChooser) Choose(p *Point) (int, error) {
	if len(p.Runnable) == 1 {
		return 0, nil
	}
	return c.rng.IntN(len(p.Runnable)), nil
}
