package checker

import (
	"fmt"
	"slices"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// Coverage counts what runs reached: how many ops of each kind were
// issued, how often each kind returned each result, and how often each
// spec rule fired (spec.Rule). Ops and results are counted from the
// history as observed; rules from the spec's replay of the linearization
// that witnessed the run (its call order, or else its return order, as the
// judge tries them), so only runs judged Ok by that witness count rules.
// Counts add up: a report's coverage is the sum over the runs it counted.
type Coverage struct {
	Runs      int // runs counted
	Witnessed int // of them, runs whose rules were counted
	Ops       [model.NumKinds]int
	Results   [model.NumKinds][model.NumErrnos]int
	Rules     [spec.NumRules]int
	// Other counts results outside model's named errnos, by kind.
	Other [model.NumKinds]int
}

// Add adds o's counts to c.
func (c *Coverage) Add(o *Coverage) {
	if o == nil {
		return
	}
	c.Runs += o.Runs
	c.Witnessed += o.Witnessed
	for k := range c.Ops {
		c.Ops[k] += o.Ops[k]
		c.Other[k] += o.Other[k]
		for e := range c.Results[k] {
			c.Results[k][e] += o.Results[k][e]
		}
	}
	for r := range c.Rules {
		c.Rules[r] += o.Rules[r]
	}
}

// measureCoverage counts one run: its history, and, when its verdict is
// Ok and the spec names rules (spec.Coverer), the rules its witnessed
// linearization fires.
func measureCoverage(s spec.Spec, h []traces.Operation, v traces.Verdict) *Coverage {
	c := &Coverage{Runs: 1}
	for _, o := range h {
		if o.Pending() || int(o.Op.Kind) >= model.NumKinds {
			continue
		}
		k := o.Op.Kind
		c.Ops[k]++
		if int(o.Result.Err) < model.NumErrnos {
			c.Results[k][o.Result.Err]++
		} else {
			c.Other[k]++
		}
	}
	if v != verdictOk {
		return c
	}
	if _, ok := s.Init().(spec.Coverer); !ok {
		return c
	}
	if hits, ok := witnessRules(s, h); ok {
		c.Witnessed = 1
		for _, r := range hits {
			c.Rules[r]++
		}
	}
	return c
}

// witnessRules replays h's call order, and, when the spec rejects it, its
// return order, with a Cover, and returns the rules of the order the spec
// accepted (ok false when neither: porcupine found the linearization).
func witnessRules(s spec.Spec, h []traces.Operation) ([]spec.Rule, bool) {
	calls := make([]int, len(h))
	for i := range calls {
		calls[i] = i
	}
	returns := slices.Clone(calls)
	slices.SortStableFunc(returns, func(a, b int) int { return h[a].Return - h[b].Return })
	var cov spec.Cover
	for n, order := range [][]int{calls, returns} {
		if n == 1 && slices.Equal(calls, returns) {
			break
		}
		cov.Reset(0)
		st := s.Init()
		ok := true
		for _, i := range order {
			var next spec.State
			ok, next, _ = st.(spec.Coverer).StepCover(h[i].Op, h[i].Result, &cov)
			if !ok {
				break
			}
			st = next
		}
		if ok {
			return cov.Hits(), true
		}
	}
	return nil, false
}

// CoverageItem is one thing a contract expects a run to reach.
type CoverageItem struct {
	Kind   model.Kind  // an op kind (Rule is 0)
	Result model.Errno // with Kind: a result kind (IsResult)
	Rule   spec.Rule   // a rule
	// IsResult tells a result item (Kind and Result) from an op item
	// (Kind only).
	IsResult bool
}

// String is "op fork", "result fork EAGAIN" or "rule fork.wrap".
func (it CoverageItem) String() string {
	switch {
	case it.Rule != 0:
		return "rule " + it.Rule.String()
	case it.IsResult:
		return fmt.Sprintf("result %s %s", kindName(it.Kind), it.Result)
	}
	return "op " + kindName(it.Kind)
}

// kindName tells fork from fork with set_tid, which print alike.
func kindName(k model.Kind) string {
	if k == model.ForkWithTid {
		return "fork_tid"
	}
	return k.String()
}

// Expected lists what contract ct expects, for a generator that leaves
// out the kinds in leave: every op kind, every result kind of each, and
// every rule.
func Expected(ct spec.Contract, leave []model.Kind) []CoverageItem {
	var out []CoverageItem
	for _, k := range ct.Kinds {
		if slices.Contains(leave, k) {
			continue
		}
		out = append(out, CoverageItem{Kind: k})
		for _, e := range ct.Results[k] {
			out = append(out, CoverageItem{Kind: k, Result: e, IsResult: true})
		}
	}
	for _, r := range ct.Rules {
		if kinds := r.Info().Kinds; len(kinds) > 0 && !slices.ContainsFunc(kinds, func(k model.Kind) bool { return !slices.Contains(leave, k) }) {
			continue // only left-out kinds fire it
		}
		out = append(out, CoverageItem{Rule: r})
	}
	return out
}

// Count is how often c reached it.
func (c *Coverage) Count(it CoverageItem) int {
	switch {
	case it.Rule != 0:
		return c.Rules[it.Rule]
	case it.IsResult:
		return c.Results[it.Kind][it.Result]
	}
	return c.Ops[it.Kind]
}

// Missing lists the items of want c never reached.
func (c *Coverage) Missing(want []CoverageItem) []CoverageItem {
	var out []CoverageItem
	for _, it := range want {
		if c.Count(it) == 0 {
			out = append(out, it)
		}
	}
	return out
}
