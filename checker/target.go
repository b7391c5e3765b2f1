package checker

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// NewImpl builds a fresh instance of an implementation on env with the
// parameters p. The engine calls it once per run, under the scheduler.
type NewImpl func(env sched.Env, p model.Params) model.Impl

// Target is what the engine checks: an implementation, by name and
// constructor, and the spec and policy it claims. The engine knows nothing
// else about it — pidcheck's own implementations and a user's are checked
// the same way.
type Target struct {
	Name   string         // names the implementation in results and traces
	Spec   model.SpecName // the spec it claims to follow
	Policy model.Policy   // the strongest allocation policy it claims (default model.Cyclic)
	New    NewImpl
}

// Level is the level of scenarios the target runs: its spec's.
func (t Target) Level() model.Level { return t.Spec.Level() }

// valid fills in the default policy and says what is wrong with t.
func (t Target) valid() (Target, error) {
	if t.Policy == 0 {
		t.Policy = model.Cyclic
	}
	switch {
	case t.Name == "":
		return t, fmt.Errorf("target has no name")
	case !t.Spec.Valid():
		_, err := model.ParseSpecName(string(t.Spec))
		return t, fmt.Errorf("target %s: %v", t.Name, err)
	case t.New == nil:
		return t, fmt.Errorf("target %s has no constructor", t.Name)
	}
	return t, nil
}

// Strategy names an exploration strategy.
type Strategy string

// The strategies. PCT is the default everywhere: on the zoo it needs the
// fewest schedules to the first failure (median over the variants).
const (
	PCT    Strategy = "pct"    // probabilistic concurrency testing over contested decisions
	Random Strategy = "random" // a uniformly random runnable thread at every decision
	POS    Strategy = "pos"    // partial-order sampling: priorities redrawn at each race (sched.POS)
	DFS    Strategy = "dfs"    // every interleaving up to a preemption bound, with sleep sets
	Rapid  Strategy = "rapid"  // scenario and decisions drawn from one rapid.T
	// Stress runs the same scenarios on real goroutines (sched.RunReal),
	// judged the same way: the baseline the others are measured against.
	// Not deterministic: its findings' traces do not replay (stress.go).
	Stress Strategy = "stress"
)

// DefaultStrategy is the strategy used when none is named.
const DefaultStrategy = PCT

// Strategies lists the strategies, the default first.
func Strategies() []Strategy { return []Strategy{PCT, POS, Random, DFS, Rapid, Stress} }

// ParseStrategy parses a strategy name.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("strategy %q: want pct, pos, random, dfs, rapid or stress", s)
}
