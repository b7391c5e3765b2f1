package linux_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/linmodel"
)

// testParams are small enough to wrap and fill within a few forks.
var testParams = model.Params{PidMax: 16, Floor: 4, MaxLevel: 3}

// ops parses op lines separated by ";".
func ops(t testing.TB, lines string) []model.Op {
	t.Helper()
	var out []model.Op
	for _, l := range strings.Split(lines, ";") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		op, err := model.ParseOp(strings.TrimSpace(l))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, op)
	}
	return out
}

// scenario builds a process-level scenario from ";"-separated op lines.
func scenario(t testing.TB, init string, threads []string, post string) model.Scenario {
	sc := model.Scenario{Level: model.ProcessLevel, Params: testParams, Init: ops(t, init), Post: ops(t, post)}
	for _, th := range threads {
		sc.Threads = append(sc.Threads, ops(t, th))
	}
	return sc
}

// runResult is what one controlled run of a scenario produced.
type runResult struct {
	out      *sched.Outcome
	history  []porcupine.Operation
	validate error
}

// applier records every op of a run with its own call and return ticks.
// Under the controlled scheduler one thread runs at a time, so plain fields
// are safe.
type applier struct {
	impl    model.Impl
	tick    int64
	history []porcupine.Operation
}

func (a *applier) apply(client int, op model.Op) model.Result {
	call := a.tick
	a.tick++
	res := a.impl.Apply(op)
	a.history = append(a.history, porcupine.Operation{ClientId: client, Input: op, Call: call, Output: res, Return: a.tick})
	a.tick++
	return res
}

// drain makes every task but t0 exit and lets t0 reap until it has no
// children, so every zap thread can finish (the pipeline's post part does
// the same). maxHandle bounds the handles the scenario used.
func (a *applier) drain(maxHandle int) {
	for pass := 0; pass < 3; pass++ {
		for h := maxHandle; h > 0; h-- {
			a.apply(0, model.Op{Kind: model.Exit, Task: model.Handle(h)})
		}
		for i := 0; i < 4*maxHandle+8; i++ {
			r := a.apply(0, model.Op{Kind: model.Wait, Task: model.Root, Pid: -1})
			if r.Err != model.OK || r.N == 0 {
				break
			}
		}
	}
}

// maxHandle is the largest handle a scenario names.
func maxHandle(sc model.Scenario) int {
	m := 0
	see := func(list []model.Op) {
		for _, op := range list {
			m = max(m, int(op.Task), int(op.Child), int(op.Target))
		}
	}
	see(sc.Init)
	see(sc.Post)
	for _, th := range sc.Threads {
		see(th)
	}
	return m
}

// newSystem builds the system under test: linux.New, or a zoo variant.
type newSystem func(sched.Env, model.Params) *linux.System

// zoo builds the zoo variant bug.
func zoo(bug linux.Bug) newSystem {
	return func(env sched.Env, p model.Params) *linux.System { return linux.NewZoo(env, p, bug) }
}

// runControlled runs sc once under the controlled scheduler with ch,
// drains, and validates.
func runControlled(sc model.Scenario, build newSystem, ch sched.Chooser) runResult {
	var r runResult
	var a *applier
	r.out = sched.Run(ch, sched.Options{MaxSteps: 200000, Watchdog: 10 * time.Second}, func(env sched.Env) {
		sys := build(env, sc.Params)
		a = &applier{impl: sys}
		for _, op := range sc.Init {
			a.apply(0, op)
		}
		done := env.NewInt32("threads done", 0)
		for i, list := range sc.Threads {
			env.Go(model.ThreadName(i), func() {
				for _, op := range list {
					a.apply(i+1, op)
				}
				done.Add(1)
			})
		}
		env.WaitUntil("threads done", func() bool { return int(done.Load()) == len(sc.Threads) })
		for _, op := range sc.Post {
			a.apply(0, op)
		}
		a.drain(maxHandle(sc))
		r.validate = sys.Validate()
	})
	if a != nil {
		r.history = a.history
	}
	return r
}

// verdict judges one run against spec.Linux(p, pol): "" when it passes,
// else what failed.
func verdict(sc model.Scenario, r runResult, pol model.Policy) string {
	if r.out.Verdict != sched.Done {
		return fmt.Sprintf("scheduler verdict %s: %s", r.out.Verdict, r.out.Message)
	}
	if r.validate != nil {
		return "Validate: " + r.validate.Error()
	}
	s := spec.Linux(sc.Params, pol)
	res, _ := porcupine.CheckOperationsVerbose(linmodel.Model(s), r.history, 10*time.Second)
	switch res {
	case porcupine.Ok:
		return ""
	case porcupine.Illegal:
		return "not linearizable against spec.Linux(" + pol.String() + "): " + linmodel.Explain(s, r.history, 10*time.Second, nil)
	}
	return "porcupine: unknown (timed out)"
}

// firstFailure runs sc under random schedules with seeds 1…budget and
// returns the first failing seed (0: none) with its verdict.
func firstFailure(sc model.Scenario, build newSystem, pol model.Policy, budget int) (int, string) {
	for seed := 1; seed <= budget; seed++ {
		r := runControlled(sc, build, sched.NewRandom(uint64(seed)))
		if v := verdict(sc, r, pol); v != "" {
			return seed, v
		}
	}
	return 0, ""
}
