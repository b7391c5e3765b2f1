package alloctest

import (
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/linmodel"
)

// NewImpl builds a fresh implementation on env with parameters p.
type NewImpl func(env sched.Env, p model.Params) model.Impl

// RunScenario runs sc on a fresh implementation under ch: main runs Init,
// threads A, B, … run Threads, main runs Post. It returns the history, with
// one logical tick per call and per return (only one thread runs at a time,
// so the ticks are the real order).
func RunScenario(newImpl NewImpl, sc model.Scenario, ch sched.Chooser) ([]porcupine.Operation, *sched.Outcome) {
	hist, out, _ := run(newImpl, sc, ch, false)
	return hist, out
}

// RunScenarioValidate is RunScenario that also returns what the
// implementation's Validate (if it has one) says at the end, when the run
// is quiescent.
func RunScenarioValidate(newImpl NewImpl, sc model.Scenario, ch sched.Chooser) ([]porcupine.Operation, *sched.Outcome, error) {
	return run(newImpl, sc, ch, true)
}

func run(newImpl NewImpl, sc model.Scenario, ch sched.Chooser, validate bool) ([]porcupine.Operation, *sched.Outcome, error) {
	var hist []porcupine.Operation
	var invalid error
	var tick int64
	out := sched.Run(ch, sched.Options{}, func(env sched.Env) {
		impl := newImpl(env, sc.Params)
		apply := func(client int, op model.Op) {
			call := tick
			tick++
			res := impl.Apply(op)
			hist = append(hist, porcupine.Operation{ClientId: client, Input: op, Call: call, Output: res, Return: tick})
			tick++
		}
		for _, op := range sc.Init {
			apply(0, op)
		}
		done := env.NewInt32("done", 0)
		for i, ops := range sc.Threads {
			env.Go(model.ThreadName(i), func() {
				for _, op := range ops {
					apply(i+1, op)
				}
				done.Add(1)
			})
		}
		env.WaitUntil("threads done", func() bool { return int(done.Load()) == len(sc.Threads) })
		for _, op := range sc.Post {
			apply(0, op)
		}
		if v, ok := impl.(model.Validator); ok && validate {
			invalid = v.Validate()
		}
	})
	return hist, out, invalid
}

// Judge runs the allocator scenario sc once under ch, checks the history
// against spec.Allocator(sc.Params, pol) and says what is wrong, or "".
func Judge(newImpl NewImpl, sc model.Scenario, pol model.Policy, ch sched.Chooser) string {
	hist, out := RunScenario(newImpl, sc, ch)
	if out.Verdict == sched.Pruned {
		return "" // DFS cut a run equivalent to one explored before
	}
	if out.Verdict != sched.Done {
		return fmt.Sprintf("run ended %s: %s", out.Verdict, out.Message)
	}
	s := spec.Allocator(sc.Params, pol)
	switch porcupine.CheckOperationsTimeout(linmodel.Model(s), hist, 10*time.Second) {
	case porcupine.Ok:
		return ""
	case porcupine.Unknown:
		return "porcupine timed out (unknown is not a pass)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "history not linearizable (%s): %s\n", pol, linmodel.Explain(s, hist, 10*time.Second, nil))
	for _, op := range hist {
		fmt.Fprintf(&b, "  [%d,%d] %s: %s -> %s\n", op.Call, op.Return, model.ThreadName(op.ClientId-1),
			op.Input.(model.Op), op.Output.(model.Result).Format(op.Input.(model.Op).Kind))
	}
	b.WriteString("decisions:\n")
	for _, d := range out.Decisions() {
		fmt.Fprintf(&b, "  %s\n", d.Action)
	}
	return b.String()
}

// FirstFailure runs sc under budget random schedules (one chooser seeded
// with seed) and returns the 1-based index of the first failing one with its
// report, or 0.
func FirstFailure(newImpl NewImpl, sc model.Scenario, pol model.Policy, seed uint64, budget int) (int, string) {
	ch := sched.NewRandom(seed)
	for i := 1; i <= budget; i++ {
		if why := Judge(newImpl, sc, pol, ch); why != "" {
			return i, why
		}
	}
	return 0, ""
}
