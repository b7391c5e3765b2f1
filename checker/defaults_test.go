package checker

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/model"
)

// TestParamsForPidMax: ParamsFor takes pid_max from Entry.PidMax, and
// every entry whose Bug line tells a human it "needs pid_max > N" sets a
// PidMax above N (the line itself is never parsed).
func TestParamsForPidMax(t *testing.T) {
	needs := regexp.MustCompile(`needs pid_max > (\d+)`)
	small := model.SmallParams()
	seen := 0
	for _, e := range alloc.Registry() {
		p := ParamsFor(e)
		want := small
		if e.PidMax > 0 {
			want.PidMax = e.PidMax
			seen++
		}
		if p != want {
			t.Errorf("%s: ParamsFor = %+v, want %+v", e.Name, p, want)
		}
		if m := needs.FindStringSubmatch(e.Bug); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
			if e.PidMax <= n {
				t.Errorf("%s: Bug line says it needs pid_max > %d, but PidMax is %d", e.Name, n, e.PidMax)
			}
		}
	}
	if seen == 0 {
		t.Error("no entry sets PidMax; the two-word bitmap variants should")
	}
}
