package linux

import (
	"reflect"
	"strings"
	"testing"
)

// TestEachBugReplacesOneSeam: every zoo variant differs from today's Linux
// at exactly one seam, and names itself "linux-…", each name its own.
func TestEachBugReplacesOneSeam(t *testing.T) {
	bugs := []Bug{PublishEarly, UnwindLeak, NoDeadCheck, NoForkRecheck, FirstForkPublish,
		FreeAtExit, KillAllLeak, TranslateDying, InflightVisible, PidmaxWindow,
		LeaderFreedTwice, ExecNoExchange, ExecLateRelease, ReaperNotHandedOn, CloneThreadAfterUnshare, KillThreadOnly,
		PgidFreedEarly, AutoreapTwice, SubreaperCrossesNamespace, SetsidByGroupLeader, FirstForkTwoReapers, GroupKillMissesFork, KilledFirstFork, KillReleaseLate}
	want := reflect.ValueOf(todaysSeams())
	names := map[string]bool{}
	for _, b := range bugs {
		z := todaysSeams()
		b.replace(&z)
		got := reflect.ValueOf(z)
		var changed []string
		for i := range got.NumField() {
			if got.Field(i).Elem().Type() != want.Field(i).Elem().Type() {
				changed = append(changed, got.Type().Field(i).Name)
			}
		}
		if len(changed) != 1 {
			t.Errorf("%s changes the seams %v, want exactly one", b, changed)
		}
		if !strings.HasPrefix(b.String(), "linux-") || names[b.String()] {
			t.Errorf("%s: want a name of its own starting with linux-", b)
		}
		names[b.String()] = true
	}
}
