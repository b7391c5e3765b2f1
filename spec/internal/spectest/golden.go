package spectest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// NewSpec builds a spec with parameters p and allocation policy pol.
type NewSpec func(p model.Params, pol model.Policy) spec.Spec

// Specs names the specs a golden directory is written for: Process for
// cases at the process level (the default), Alloc for level=alloc (nil when
// the spec has no allocator level).
type Specs struct {
	Name           string
	Process, Alloc NewSpec
}

// RunGolden runs the conformance cases in the files under dir against the
// specs. The caller's doc comment says how to regenerate them with
// -rewrite.
//
// Commands:
//
//	run [level=process|alloc] [policy=cyclic] [pid_max=16] [floor=4] [max_level=32] [state]
//	  applies each input op with Expect and prints "op -> result"; with
//	  state, the final state follows.
//	check [same arguments]
//	  each input line is "op -> observed"; prints "op -> observed: ok" or
//	  the spec's reason, and stops at the first violation.
func RunGolden(t *testing.T, dir string, specs Specs) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			s, showState, err := goldenSpec(td, specs)
			if err != nil {
				td.Fatalf(t, "%v", err)
			}
			switch td.Cmd {
			case "run":
				return goldenRun(t, td, s, showState)
			case "check":
				return goldenCheck(t, td, s)
			}
			td.Fatalf(t, "unknown command %q", td.Cmd)
			return ""
		})
	})
}

func goldenSpec(td *datadriven.TestData, specs Specs) (spec.Spec, bool, error) {
	p := model.SmallParams()
	pol := model.Cyclic
	level := model.ProcessLevel
	state := false
	for _, a := range td.CmdArgs {
		val := ""
		if len(a.Vals) > 0 {
			val = a.Vals[0]
		}
		num := func() (int, error) {
			n, err := strconv.Atoi(val)
			if err != nil {
				return 0, fmt.Errorf("%s: %s=%q is not a number", td.Pos, a.Key, val)
			}
			return n, nil
		}
		var err error
		switch a.Key {
		case "policy":
			pol, err = model.ParsePolicy(val)
		case "level":
			level, err = model.ParseLevel(val)
		case "pid_max":
			p.PidMax, err = num()
		case "floor":
			p.Floor, err = num()
		case "max_level":
			p.MaxLevel, err = num()
		case "state":
			state = true
		default:
			err = fmt.Errorf("%s: unknown argument %q", td.Pos, a.Key)
		}
		if err != nil {
			return spec.Spec{}, false, err
		}
	}
	if err := p.Validate(); err != nil {
		return spec.Spec{}, false, err
	}
	if level == model.AllocLevel {
		if specs.Alloc == nil {
			return spec.Spec{}, false, fmt.Errorf("%s: %s has no allocator-level spec", td.Pos, specs.Name)
		}
		return specs.Alloc(p, pol), state, nil
	}
	return specs.Process(p, pol), state, nil
}

func goldenRun(t *testing.T, td *datadriven.TestData, s spec.Spec, showState bool) string {
	var b strings.Builder
	st := s.Init()
	for _, line := range strings.Split(td.Input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, err := model.ParseOp(line)
		if err != nil {
			td.Fatalf(t, "%v", err)
		}
		r, st2 := st.Expect(op)
		// Expect's result must pass its own Step, to the same state.
		if ok, next, why := st.Step(op, r); !ok {
			td.Fatalf(t, "%s: Expect's own result %s fails Step: %s", op, r.Format(op.Kind), why)
		} else if next.Key() != st2.Key() {
			td.Fatalf(t, "%s: Step and Expect reach different states:\n%s\n%s", op, next, st2)
		}
		st = st2
		fmt.Fprintf(&b, "%s -> %s\n", op, r.Format(op.Kind))
	}
	if showState {
		b.WriteString("state:\n")
		b.WriteString(st.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func goldenCheck(t *testing.T, td *datadriven.TestData, s spec.Spec) string {
	var b strings.Builder
	st := s.Init()
	for _, line := range strings.Split(td.Input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		opText, resText, ok := strings.Cut(line, "->")
		if !ok {
			td.Fatalf(t, "check line %q: want \"op -> result\"", line)
		}
		op, err := model.ParseOp(strings.TrimSpace(opText))
		if err != nil {
			td.Fatalf(t, "%v", err)
		}
		obs, err := model.ParseResult(op.Kind, strings.TrimSpace(resText))
		if err != nil {
			td.Fatalf(t, "%v", err)
		}
		allowed, next, why := st.Step(op, obs)
		if !allowed {
			fmt.Fprintf(&b, "%s -> %s: violation: %s\n", op, obs.Format(op.Kind), why)
			break
		}
		fmt.Fprintf(&b, "%s -> %s: ok\n", op, obs.Format(op.Kind))
		st = next
	}
	return b.String()
}
