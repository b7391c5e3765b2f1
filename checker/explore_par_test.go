package checker

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"go.uber.org/goleak"

	"github.com/pidcheck/pidcheck/traces"
)

// reportKey is what of a report must not depend on Options.Workers: the
// counts, the verdict and the traces of the violation (as found and
// shrunk) and of the first undecided run.
func reportKey(t *testing.T, rep *Report) string {
	t.Helper()
	tr := func(r *Result) string {
		if r == nil {
			return "-"
		}
		b, err := traces.Marshal(r.Trace())
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("after %d:\n%s", r.Schedules, b)
	}
	return fmt.Sprintf("%s %s %v schedules=%d scenarios=%d unknowns=%d rejected=%d canceled=%v\nfound %s\noriginal %s\nunknown %s",
		rep.Impl, rep.Strategy, rep.Verdict, rep.Schedules, rep.Scenarios, rep.Unknowns, rep.Rejected, rep.Canceled,
		tr(rep.Found), tr(rep.Original), tr(rep.Unknown))
}

// TestExploreWorkersDeterministic: with a Schedules budget, an exploration
// with several workers reports exactly what one worker reports — the same
// schedules and scenarios counted, the same first violation (the one with
// the lowest global index, even when a later one is found first), the same
// first undecided run — for every strategy, with shards and Accept too.
func TestExploreWorkersDeterministic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	type tc struct {
		impl     string
		strategy string
		n        int
		mod      func(*ExploreOptions)
	}
	cases := []tc{
		{"pidmap-nonatomic-claim", "pct", 400, nil},
		{"lockfree-lost-free", "random", 400, nil},
		{"pidmap-nonatomic-claim", "dfs", 600, nil},
		{"lockfree-lost-free", "rapid", 300, nil},
		{"idr", "pct", 300, nil},
		{"idr", "dfs", 450, func(o *ExploreOptions) { o.PerScenario = 70 }},
		{"pidmap", "random", 250, func(o *ExploreOptions) { o.Run.SkipSearch = true }}, // Unknowns
		{"lockfree-lost-free", "pct", 300, func(o *ExploreOptions) { o.Shard, o.Shards = 1, 3; o.Shrink = true }},
		// Accept rejects about three violations in four, by their seed
		// (it is called from several goroutines: it must be stateless).
		{"pidmap-nonatomic-claim", "pct", 3000, func(o *ExploreOptions) {
			o.Accept = func(r *Result) bool { return r.Seed%4 == 0 }
		}},
	}
	for _, c := range cases {
		t.Run(c.impl+"/"+c.strategy, func(t *testing.T) {
			e := lookup(t, c.impl)
			opts := func(workers int) ExploreOptions {
				o := ExploreOptions{}
				o.Strategy, o.Schedules, o.Seed, o.Workers = Strategy(c.strategy), c.n, 5, workers
				if c.mod != nil {
					c.mod(&o)
				}
				return o
			}
			one, err := Explore(e, opts(1))
			if err != nil {
				t.Fatal(err)
			}
			want := reportKey(t, one)
			t.Logf("%s: %v, %d schedules, %d unknowns, %d rejected", c.strategy, one.Verdict, one.Schedules, one.Unknowns, one.Rejected)
			for _, w := range []int{2, 3} {
				rep, err := Explore(e, opts(w))
				if err != nil {
					t.Fatal(err)
				}
				if got := reportKey(t, rep); got != want {
					t.Fatalf("workers %d:\n%s\nworkers 1:\n%s", w, got, want)
				}
			}
		})
	}
}

// TestExploreWorkersCancel: canceled, a parallel exploration stops, says
// so and leaves no goroutine behind.
func TestExploreWorkersCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	e := lookup(t, "idr")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := ExploreOptions{}
	o.Schedules, o.Workers = 1<<30, 2
	o.Progress = func(p Progress) {
		if p.Schedules >= 400 {
			cancel()
		}
	}
	o.ProgressEvery = 100
	rep, err := ExploreContext(ctx, e, o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Canceled || rep.Verdict.Outcome != traces.Unknown || rep.Schedules < 400 || rep.Schedules > 100000 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := Explore(e, ExploreOptions{Workers: -1}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("workers -1")) {
		t.Fatalf("Workers -1: %v", err)
	}
}
