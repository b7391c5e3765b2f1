package sched

import "math/rand/v2"

// NewRandom returns a chooser that picks uniformly among the runnable
// threads, from its own PCG source seeded with seed. Used for several runs,
// it continues its sequence.
func NewRandom(seed uint64) Chooser { return &randomChooser{rng: newRNG(seed)} }

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed5c4ed)) }

type randomChooser struct{ rng *rand.Rand }

func (c *randomChooser) Begin()       {}
func (c *randomChooser) End(*Outcome) {}
func (c *randomChooser) Choose(p *Point) (int, error) {
	if len(p.Runnable) == 1 {
		return 0, nil
	}
	return c.rng.IntN(len(p.Runnable)), nil
}
