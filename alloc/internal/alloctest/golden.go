package alloctest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// GoldenImplAgrees runs every golden case of the spec file at path through
// a fresh implementation per case, on one thread, and expects the spec's
// answers line for line (the state dump of "run state" cases is the spec's
// own and is not compared). Cases under a policy other than cyclic are
// skipped: the 2006 implementations claim cyclic only. The implementation
// must be a model.Validator; Validate must hold after each case. Never run
// it with -rewrite: the file belongs to the spec.
func GoldenImplAgrees(t *testing.T, path string, newImpl checker.NewImpl) {
	datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
		if td.Cmd != "run" {
			return td.Expected // "check" cases judge given answers: the spec's own
		}
		p := model.SmallParams()
		state := false
		for _, a := range td.CmdArgs {
			var err error
			switch a.Key {
			case "pid_max":
				p.PidMax, err = strconv.Atoi(a.Vals[0])
			case "floor":
				p.Floor, err = strconv.Atoi(a.Vals[0])
			case "max_level":
				p.MaxLevel, err = strconv.Atoi(a.Vals[0])
			case "state":
				state = true
			case "level":
				if a.Vals[0] != "process" {
					return td.Expected
				}
			case "policy":
				if a.Vals[0] != "cyclic" {
					return td.Expected // the implementation claims cyclic only
				}
			default:
				td.Fatalf(t, "unknown argument %q", a.Key)
			}
			if err != nil {
				td.Fatalf(t, "%s: %v", a.Key, err)
			}
		}
		impl := newImpl(sched.NewRealEnv(), p)
		v, ok := impl.(model.Validator)
		if !ok {
			td.Fatalf(t, "%T has no Validate", impl)
		}
		var b strings.Builder
		for _, line := range strings.Split(td.Input, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			op, err := model.ParseOp(line)
			if err != nil {
				td.Fatalf(t, "%v", err)
			}
			fmt.Fprintf(&b, "%s -> %s\n", op, impl.Apply(op).Format(op.Kind))
		}
		if err := v.Validate(); err != nil {
			td.Fatalf(t, "%v", err)
		}
		if state {
			if i := strings.Index(td.Expected, "state:\n"); i >= 0 {
				b.WriteString(td.Expected[i:])
			}
		}
		return b.String()
	})
}
