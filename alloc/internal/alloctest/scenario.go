package alloctest

import (
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// Ops parses op lines, for scenarios written out in tests; a line may hold
// several ops separated by ";".
func Ops(t testing.TB, lines ...string) []model.Op {
	t.Helper()
	var out []model.Op
	for _, line := range lines {
		for _, l := range strings.Split(line, ";") {
			if l = strings.TrimSpace(l); l == "" {
				continue
			}
			op, err := model.ParseOp(l)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, op)
		}
	}
	return out
}

// Scenario builds a scenario at level with parameters p from op lines:
// init and post run on main, each of threads is one thread.
func Scenario(t testing.TB, level model.Level, p model.Params, init string, threads []string, post string) model.Scenario {
	t.Helper()
	sc := model.Scenario{Level: level, Params: p, Init: Ops(t, init), Post: Ops(t, post)}
	for _, th := range threads {
		sc.Threads = append(sc.Threads, Ops(t, th))
	}
	return sc
}

// Repeat returns n copies of the op line.
func Repeat(n int, line string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

// MixedScenario is a small allocator scenario with every kind of op in the
// parallel part, on a space that wraps (pid_max 16, floor 4).
func MixedScenario(t testing.TB) model.Scenario {
	return model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init: Ops(t, append(Repeat(13, "alloc"), "free 2", "free 5", "free 14")...),
		Threads: [][]model.Op{
			Ops(t, "alloc", "alloc"),
			Ops(t, "free 13", "set_max 14", "alloc"),
			Ops(t, "alloc_at 14", "set_cursor 3", "disable"),
		},
		Post: Ops(t, "alloc", "free 4", "alloc_at 4"),
	}
}
