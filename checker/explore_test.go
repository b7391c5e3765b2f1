package checker

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// cancelAt returns e whose n-th constructed instance (one per schedule)
// calls cancel: the exploration is canceled while that schedule runs.
func cancelAt(e Target, n int, cancel func()) Target {
	inner, made := e.New, 0
	e.New = func(env sched.Env, p model.Params) model.Impl {
		made++
		if made == n {
			cancel()
		}
		return inner(env, p)
	}
	return e
}

// TestExploreContextCancel: canceling the context mid-exploration stops
// it after the schedule in progress; the report counts what ran, says it
// was canceled and is Unknown (not a pass); no goroutine is left behind.
func TestExploreContextCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const at = 37
	for _, strat := range Strategies() {
		t.Run(string(strat), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := cancelAt(toyTarget("alloc", false), at, cancel)
			rep, err := ExploreContext(ctx, e, ExploreOptions{Strategy: strat, Schedules: 100000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Canceled || rep.Verdict != verdictUnknown || rep.Found != nil {
				t.Fatalf("canceled %v, verdict %s, found %v", rep.Canceled, rep.Verdict, rep.Found)
			}
			switch strat {
			case "dfs": // pruned schedules are built but not counted
				if rep.Schedules == 0 || rep.Schedules > at || rep.Scenarios != 1 {
					t.Fatalf("dfs: %d schedules of %d scenarios after %d runs", rep.Schedules, rep.Scenarios, at)
				}
			default:
				if rep.Schedules != at || rep.Scenarios != at {
					t.Fatalf("%d schedules of %d scenarios, want %d of %d: the run in progress finishes and counts", rep.Schedules, rep.Scenarios, at, at)
				}
			}
		})
	}
}

// TestExploreContextCanceledBefore: an exploration whose context is done
// before it starts runs nothing and is Unknown; one whose budget was
// spent before the cancel is not marked canceled.
func TestExploreContextCanceledBefore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := ExploreContext(ctx, toyTarget("alloc", false), ExploreOptions{Schedules: 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Schedules != 0 || rep.Scenarios != 0 || !rep.Canceled || rep.Verdict.Outcome != traces.Unknown {
		t.Fatalf("%+v", rep)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	e := cancelAt(toyTarget("alloc", false), 10, cancel)
	rep, err = ExploreContext(ctx, e, ExploreOptions{Schedules: 10})
	if err != nil || rep.Canceled || rep.Verdict != verdictOk || rep.Schedules != 10 {
		t.Fatalf("budget spent, then canceled: %v %+v", err, rep)
	}
}

// TestScenariosCountOnlyWhatRan: a time budget that runs out while a
// scenario is being generated must not count that scenario (openvz once
// reported 56641 schedules of 56642 scenarios): with one schedule per
// scenario the two counts are equal, and with three, every scenario but
// the last has all three. Many short budgets make the budget end at
// every point of the loop.
func TestScenariosCountOnlyWhatRan(t *testing.T) {
	e := toyTarget("linux", false)
	for i := 0; i < 30; i++ {
		for _, per := range []int{1, 3} {
			o := ExploreOptions{Time: time.Duration(1+i%5) * time.Millisecond, Seed: uint64(i), PerScenario: per}
			rep, err := Explore(e, o)
			if err != nil {
				t.Fatal(err)
			}
			if want := (rep.Schedules + per - 1) / per; rep.Scenarios != want {
				t.Fatalf("budget %v, %d per scenario: %d schedules of %d scenarios, want %d scenarios", o.Time, per, rep.Schedules, rep.Scenarios, want)
			}
		}
	}
}

// TestSkipSearchIsUnknown: with RunOptions.SkipSearch a history that needs
// porcupine's search is Unknown, every time (no timer involved), and never
// Ok; the same history without it is the violation porcupine finds.
func TestSkipSearchIsUnknown(t *testing.T) {
	e := toyTarget("alloc", true)
	rep, err := Explore(e, ExploreOptions{Schedules: 3000, Seed: 1})
	if err != nil || rep.Found == nil || rep.Found.Verdict != violation(traces.Linearizability) {
		t.Fatalf("the racy toy was not caught: %v %+v", err, rep)
	}
	tr := rep.Found.Trace()
	for i := 0; i < 20; i++ {
		rr, err := Replay(e, tr, RunOptions{SkipSearch: true})
		if err != nil {
			t.Fatal(err)
		}
		if r := rr.Result; r.Verdict != verdictUnknown || !strings.Contains(r.Reason, "search was skipped") || r.Hash != tr.Hash {
			t.Fatalf("replay %d with SkipSearch: %s (%s), hash %#x want %#x", i, r.Verdict, r.Reason, r.Hash, tr.Hash)
		}
	}
	rep, err = Explore(e, ExploreOptions{Schedules: 300, Seed: 1, Run: RunOptions{SkipSearch: true}})
	if err != nil || rep.Verdict != verdictUnknown || rep.Unknowns == 0 || rep.Unknown == nil {
		t.Fatalf("exploring with SkipSearch: %v %+v", err, rep)
	}
}
