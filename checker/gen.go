package checker

import (
	"fmt"
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// GenOptions shape the scenarios a generator makes.
type GenOptions struct {
	Threads int // the most threads in the parallel part (default 3)
	Ops     int // the most ops per thread (default 4)
	// Params are the parameters the scenario runs with (default
	// model.SmallParams), except that one process-level scenario in
	// eight lowers a MaxLevel above 2 to 1 or 2, so that unshare and
	// clone(CLONE_NEWPID) meet the depth limit (ENOSPC), which a small
	// root space never lets a chain of tasks reach at the kernel's 32;
	// the scenario's own Params say which it ran with.
	Params model.Params
	// Leave lists op kinds the implementation does not support: no
	// scenario holds them. The kinds every scenario is made of (alloc and
	// free; fork, exit and wait) cannot be left out.
	Leave []model.Kind
	// Oracle, when set, answers a sequential op list the way the spec does.
	// The generator runs the init part through it to learn which numbers
	// are taken, reaped and next, and leans its arguments toward them;
	// and asks it once whether the spec has threads: when it answers a
	// thread creation EINVAL (openvz, pspace2006), no thread op is
	// generated, as if every thread kind were in Leave.
	Oracle func(ops []model.Op) []model.Result

	// refusals, when set, holds what Oracle answers to the two questions
	// the process-level generator asks it for every scenario (see
	// refusesThreads): asked once where the Oracle is attached.
	refusals *refusals
}

// refusals are the oracle's standing answers: whether the spec refuses
// threads and whether it refuses the group ops.
type refusals struct{ threads, groups bool }

// coreKinds are the kinds GenOptions.Leave cannot leave out.
var coreKinds = []model.Kind{model.Alloc, model.Free, model.Fork, model.Exit, model.Wait}

// validate says what is wrong with o, if anything.
func (o GenOptions) validate() error {
	if o.Params != (model.Params{}) {
		if err := o.Params.Validate(); err != nil {
			return err
		}
	}
	if o.Threads < 0 || o.Threads > 26 {
		return fmt.Errorf("threads %d: want 1 to 26", o.Threads)
	}
	if o.Ops < 0 || o.Ops > 64 {
		return fmt.Errorf("ops %d: want 1 to 64 per thread", o.Ops)
	}
	for _, k := range o.Leave {
		if slices.Contains(coreKinds, k) {
			return fmt.Errorf("leave %s: every scenario is made of alloc and free, or fork, exit and wait", k)
		}
		if k.Level() == 0 {
			return fmt.Errorf("leave %s: no such op kind", k)
		}
	}
	return nil
}

// allows reports whether scenarios may hold ops of kind k.
func (o GenOptions) allows(k model.Kind) bool { return !slices.Contains(o.Leave, k) }

// withDefaults fills in the defaults, after checking o (Generate itself
// takes any o: see defaulted).
func (o GenOptions) withDefaults() (GenOptions, error) {
	if err := o.validate(); err != nil {
		return o, err
	}
	return o.defaulted(), nil
}

func (o GenOptions) defaulted() GenOptions {
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
	o = o.defaulted()
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
