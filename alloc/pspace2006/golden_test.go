package pspace2006

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TestGoldenImplAgrees runs every golden case of spec/pspace2006 through the
// implementation, on one thread, and expects the spec's answers line for
// line (the state dump of "run state" cases is the spec's own and is not
// compared). Never run this test with -rewrite: the file belongs to the
// spec.
func TestGoldenImplAgrees(t *testing.T) {
	datadriven.RunTest(t, "../../spec/pspace2006/testdata/pspace2006", func(t *testing.T, td *datadriven.TestData) string {
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
		sys := New(sched.NewRealEnv(), p, None)
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
			fmt.Fprintf(&b, "%s -> %s\n", op, sys.Apply(op).Format(op.Kind))
		}
		if err := sys.Validate(); err != nil {
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
