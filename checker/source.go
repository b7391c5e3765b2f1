package checker

import (
	"math/rand/v2"

	"pgregory.net/rapid"
)

// Source is the one place a scenario generator draws its choices from. There
// are two: one backed by a *rapid.T (rapid records, replays and shrinks the
// draws) and one backed by a seeded PCG generator (random, pct and dfs
// exploration, where a seed names the scenario). Labels make rapid's failure
// log read like the scenario.
type Source interface {
	// IntRange returns a number in [lo, hi].
	IntRange(lo, hi int, label string) int
}

// RapidSource draws every choice from t.
func RapidSource(t *rapid.T) Source { return rapidSource{t} }

type rapidSource struct{ t *rapid.T }

func (s rapidSource) IntRange(lo, hi int, label string) int {
	return rapid.IntRange(lo, hi).Draw(s.t, label)
}

// SeedSource draws every choice from a PCG generator seeded with seed: the
// same seed gives the same choices on every machine.
func SeedSource(seed uint64) Source {
	s := &seedSource{}
	s.pcg.Seed(seed, seed^0x9e3779b97f4a7c15) // as rand.NewPCG(seed, …)
	s.r = *rand.New(&s.pcg)                   // one allocation, not three
	return s
}

type seedSource struct {
	pcg rand.PCG
	r   rand.Rand
}

func (s *seedSource) IntRange(lo, hi int, _ string) int {
	if hi <= lo {
		return lo
	}
	return lo + s.r.IntN(hi-lo+1)
}

// pick returns one of xs.
func pick[E any](s Source, xs []E, label string) E {
	return xs[s.IntRange(0, len(xs)-1, label)]
}

// chance returns true with probability about num/den.
func chance(s Source, num, den int, label string) bool {
	return s.IntRange(0, den-1, label) < num
}

// weighted returns an index into weights, each chosen with probability
// proportional to its weight. Rapid shrinks toward index 0.
func weighted(s Source, weights []int, label string) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := s.IntRange(0, total-1, label)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// mix derives a well-spread 64-bit value from a seed and an index
// (splitmix64 of their combination): the seeds of schedules i and j differ
// whenever i and j do.
func mix(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
