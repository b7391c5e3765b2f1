package checker

import (
	"fmt"
	"sync"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestOnScheduleNamesWhatRuns: OnSchedule is called before every schedule
// with the scenario's global index and the schedule's seed, and ScenarioAt
// rebuilds the very scenario that ran — what pidcheck check's supervisor
// relies on to write the trace of a run the process died in. Checked on a
// violation found by two workers on shard 1 of 3, where the run's own
// scenario and seed are known.
func TestOnScheduleNamesWhatRuns(t *testing.T) {
	target := toyTarget(model.SpecAlloc, true)
	var (
		mu     sync.Mutex
		starts []ScheduleStart
	)
	o := ExploreOptions{Strategy: PCT, Schedules: 400, Seed: 5, Workers: 2, Shard: 1, Shards: 3}
	o.OnSchedule = func(s ScheduleStart) {
		mu.Lock()
		starts = append(starts, s)
		mu.Unlock()
	}
	rep, err := Explore(target, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Original == nil {
		t.Fatalf("no violation in 400 schedules of the racy toy: %+v", rep)
	}
	if len(starts) < rep.Schedules {
		t.Fatalf("%d OnSchedule calls for %d schedules", len(starts), rep.Schedules)
	}
	var found *ScheduleStart
	for i, s := range starts {
		if s.Worker < 0 || s.Worker >= 2 || s.Scenario%3 != 1 {
			t.Fatalf("start %d: %+v: want worker 0 or 1 and a scenario of shard 1/3", i, s)
		}
		if s.Seed == rep.Original.Seed {
			found = &starts[i]
		}
	}
	if found == nil {
		t.Fatalf("no OnSchedule call has the violation's seed %d", rep.Original.Seed)
	}
	sc, err := ScenarioAt(target, o, found.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	// (Compared as printed: an empty part may be nil in one, empty in the other.)
	if want := Undrained(rep.Original.Scenario); fmt.Sprintf("%+v", Undrained(sc)) != fmt.Sprintf("%+v", want) {
		t.Fatalf("ScenarioAt(%d):\n%+v\nthe run's scenario:\n%+v", found.Scenario, sc, want)
	}
	if _, err := ScenarioAt(target, ExploreOptions{Strategy: Rapid}, 0); err == nil {
		t.Fatal("ScenarioAt under rapid: no error")
	}
}
