package checker

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// GenOptions shape the scenarios a generator makes.
type GenOptions struct {
	Threads int          // the most threads in the parallel part (default 3)
	Ops     int          // the most ops per thread (default 4)
	Params  model.Params // the parameters the scenario runs with (default model.SmallParams)
	// Oracle, when set, answers a sequential op list the way the spec does.
	// The generator runs the init part through it to learn which numbers
	// are taken, reaped and next, and leans its arguments toward them.
	Oracle func(ops []model.Op) []model.Result
}

func (o GenOptions) withDefaults() GenOptions {
	if o.Threads <= 0 {
		o.Threads = 3
	}
	if o.Ops <= 0 {
		o.Ops = 4
	}
	if o.Params == (model.Params{}) {
		o.Params = model.SmallParams()
	}
	return o
}

// Generate makes a scenario at the given level from src. Every choice is
// drawn from src, so the same draws give the same scenario. The post part
// holds only the final look-ups: the drain that precedes them is decided
// while the scenario runs (see Run) and recorded in the result.
func Generate(src Source, level model.Level, o GenOptions) model.Scenario {
	o = o.withDefaults()
	if level == model.AllocLevel {
		return genAlloc(src, o)
	}
	return genProcess(src, o)
}

// interesting returns the numbers bugs live next to: 1, the floor, pid_max,
// and the numbers around every number in seen.
func interesting(p model.Params, seen []int) []int {
	set := []int{1, 2, p.Floor - 1, p.Floor, p.Floor + 1, p.PidMax - 2, p.PidMax - 1, p.PidMax}
	for _, n := range seen {
		set = append(set, n, n+1, n-1)
	}
	out := set[:0]
	for _, n := range set {
		if n >= 0 && n <= p.PidMax {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
