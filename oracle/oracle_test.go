package oracle

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

var (
	flagScenarios = flag.Int("oracle.scenarios", 60, "random scenarios TestKernelMatchesSpecOnRandomScenarios runs")
	flagSeed      = flag.Uint64("oracle.seed", 1, "seed of the first random scenario (scenario i uses seed+i)")
	flagLength    = flag.Int("oracle.length", 40, "ops per random scenario")
)

func needKernel(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("kernel oracle unavailable: %v", err)
	}
}

func parseOps(t *testing.T, lines ...string) []model.Op {
	t.Helper()
	var ops []model.Op
	for _, l := range lines {
		op, err := model.ParseOp(l)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	return ops
}

func TestRandomScenarioIsDeterministic(t *testing.T) {
	p := Params()
	a := RandomScenario(7, 60, p)
	b := RandomScenario(7, 60, p)
	c := RandomScenario(8, 60, p)
	if len(a) != 60 {
		t.Fatalf("got %d ops, want 60", len(a))
	}
	if !slices.EqualFunc(a, b, model.Op.Equal) {
		t.Fatal("same seed, different scenarios")
	}
	if slices.EqualFunc(a, c, model.Op.Equal) {
		t.Fatal("seeds 7 and 8 gave the same scenario")
	}
	kinds := map[model.Kind]bool{}
	for s := uint64(0); s < 20; s++ {
		for _, op := range RandomScenario(s, 40, p) {
			kinds[op.Kind] = true
		}
	}
	for _, k := range model.Kinds() {
		if k.Level() == model.ProcessLevel && !kinds[k] && !notRunYet(k) {
			t.Errorf("20 random scenarios never use %s", k)
		}
	}
}

// TestKernelBasics pins a few kernel facts the oracle itself relies on.
func TestKernelBasics(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 getpid", "t0 fork t1", "t0 unshare", "t0 fork t2", "t2 getppid",
		"t0 translate t2", "t2 translate t0", "t2 lookup 1", "t2 kill 1 9", "t2 getpid")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1", "[2]", "ok", "[3 1]", "0", "3", "0", "t2", "ok", "1"}
	for i, w := range want {
		if got := rep.Ops[i].Kernel.Format(ops[i].Kind); got != w {
			t.Errorf("%s -> %s, want %s (LTP pidns01/pidns04)", ops[i], got, w)
		}
	}
	if rep.Differs() {
		t.Errorf("kernel and spec differ:\n%s", rep)
	}
}

// notRunYet reports whether the oracle cannot send ops of kind k to the
// kernel yet. Every op kind runs on the kernel now; golden cases that use
// a kind listed here would be left out of the kernel comparison, and
// random scenarios would not generate it.
func notRunYet(k model.Kind) bool {
	switch k {
	case 0:
		return true
	}
	return false
}

// goldenCase is one run/check case of spec/testdata.
type goldenCase struct {
	pos string
	ops []model.Op
}

// goldenCases reads the process-level cases of spec/testdata (datadriven
// files: a "run …" or "check …" line, op lines, "----", expected lines).
// The expected output is not used: the golden files use small parameters
// the kernel cannot have, so each case runs in the spec with the kernel's
// parameters instead.
func goldenCases(t *testing.T) []goldenCase {
	var files []string
	err := filepath.WalkDir("../spec/testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Skipf("no spec/testdata: %v", err)
	}
	var out []goldenCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i := 0; i < len(lines); i++ {
			f0 := strings.Fields(lines[i])
			if len(f0) == 0 || (f0[0] != "run" && f0[0] != "check") {
				continue
			}
			c := goldenCase{pos: fmt.Sprintf("%s:%d", filepath.Base(f), i+1)}
			alloc := slices.Contains(f0, "level=alloc")
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "----"; i++ {
				l := strings.TrimSpace(lines[i])
				if l == "" || strings.HasPrefix(l, "#") {
					continue
				}
				if before, _, ok := strings.Cut(l, " -> "); ok {
					l = before
				}
				op, err := model.ParseOp(l)
				if err != nil {
					t.Fatalf("%s: %v", c.pos, err)
				}
				c.ops = append(c.ops, op)
			}
			if !alloc && len(c.ops) > 0 && !slices.ContainsFunc(c.ops, func(o model.Op) bool { return notRunYet(o.Kind) }) {
				out = append(out, c)
			}
		}
	}
	return out
}

// TestKernelMatchesSpecOnGoldenCases runs every process-level golden case
// of spec/testdata in the kernel and in the spec (kernel parameters).
func TestKernelMatchesSpecOnGoldenCases(t *testing.T) {
	needKernel(t)
	cases := goldenCases(t)
	p := Params()
	for _, c := range cases {
		rep, err := Compare(context.Background(), c.ops, p)
		if err != nil {
			t.Errorf("%s: %v\n%s", c.pos, err, rep)
			continue
		}
		if rep.Differs() {
			t.Errorf("%s: kernel and spec differ:\n%s", c.pos, rep)
		}
	}
	t.Logf("%d golden cases compared", len(cases))
}

// TestKernelMatchesSpecOnRandomScenarios runs seeded random scenarios in
// the kernel and in the spec. More: -oracle.scenarios=500.
func TestKernelMatchesSpecOnRandomScenarios(t *testing.T) {
	needKernel(t)
	p := Params()
	ops, diffs, self := 0, 0, 0
	seen := map[string]int{}
	for i := 0; i < *flagScenarios; i++ {
		seed := *flagSeed + uint64(i)
		sc := RandomScenario(seed, *flagLength, p)
		rep, err := Compare(context.Background(), sc, p)
		ops += len(rep.Ops)
		for _, o := range rep.Ops {
			seen[outcome(o)]++
			if o.Note != "" {
				self++
			}
		}
		if err != nil {
			t.Errorf("seed %d: %v\n%s", seed, err, rep)
			continue
		}
		if rep.Differs() {
			diffs++
			t.Errorf("seed %d: kernel and spec differ at op %d:\n%s", seed, rep.Diff, rep)
		}
	}
	t.Logf("%d scenarios, %d ops compared (%d answered by the oracle itself, the rest by the kernel), %d differences", *flagScenarios, ops, self, diffs)
	logNumberWaits(t)
	keys := slices.Sorted(maps.Keys(seen))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-26s %6d\n", k, seen[k])
	}
	t.Logf("outcomes:\n%s", b.String())
	if *flagScenarios >= 40 {
		for _, k := range []string{"fork:wrapped", "fork:nested", "fork:EAGAIN", "fork:ENOMEM", "fork:EEXIST", "wait:killed", "wait:exited", "kill:ok", "setns:ok", "unshare:EINVAL"} {
			if seen[k] == 0 {
				t.Errorf("the random batch never reached outcome %s", k)
			}
		}
	}
}

// outcome classifies one compared op for the coverage summary.
func outcome(o OpReport) string {
	k := o.Op.Kind
	name := k.String()
	if k == model.ForkWithTid {
		name = "fork_tid"
	}
	r := o.Kernel
	if r.Err != model.OK {
		if k == model.ForkWithTid && r.Err == model.EEXIST {
			return "fork:EEXIST"
		}
		return name + ":" + r.Err.String()
	}
	switch k {
	case model.Fork, model.ForkWithTid:
		for _, n := range r.NSpid {
			if n >= model.KernelReserved {
				return "fork:wrapped"
			}
		}
		if len(r.NSpid) > 1 {
			return "fork:nested"
		}
	case model.Wait:
		if r.N == 0 {
			return "wait:0"
		}
		if r.Status.Signal != 0 {
			return "wait:killed"
		}
		return "wait:exited"
	case model.Translate:
		if r.N == 0 {
			return "translate:0"
		}
	}
	return name + ":ok"
}

// TestKernelMatchesSpecAtTheDepthLimit nests spaces until unshare fails:
// MAX_PID_NS_LEVEL is 32 absolute levels, so ENOSPC comes 32 - (level of
// the scenario root) unshares deep. // kernel/pid_namespace.c create_pid_namespace
func TestKernelMatchesSpecAtTheDepthLimit(t *testing.T) {
	needKernel(t)
	var lines []string
	for i := 0; i < 34; i++ {
		lines = append(lines, fmt.Sprintf("t%d unshare", i), fmt.Sprintf("t%d fork t%d", i, i+1))
	}
	ops := parseOps(t, lines...)
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Differs() {
		t.Fatalf("kernel and spec differ:\n%s", rep)
	}
	enospc := false
	for _, o := range rep.Ops {
		enospc = enospc || (o.Op.Kind == model.Unshare && o.Kernel.Err == model.ENOSPC)
	}
	if !enospc {
		t.Fatalf("no unshare hit ENOSPC:\n%s", rep)
	}
}

func TestBatchCountsScenariosAndOps(t *testing.T) {
	needKernel(t)
	res, err := Batch(context.Background(), 3, 11, 20, Params())
	if err != nil {
		t.Fatal(err)
	}
	if res.Scenarios != 3 || res.Ops < 3 || res.Ops > 60 || res.Self > res.Ops {
		t.Fatalf("batch of 3×20: %+v", res)
	}
	for _, d := range res.Diffs {
		t.Errorf("seed %d differs:\n%s", d.Seed, d.Report)
	}
}

func TestCompareRejectsAllocatorOps(t *testing.T) {
	_, err := Compare(context.Background(), []model.Op{{Kind: model.Alloc}}, Params())
	if err == nil {
		t.Fatal("Compare accepted an allocator-level op")
	}
}

// TestOddOpsNeverAskTheWrongQuestion: an empty set_tid list is a plain fork
// in the kernel (clone3 with set_tid_size 0) as in the spec, and a number
// that does not fit a pid_t is refused with an error instead of being
// truncated into another number (1<<32 - 1 would become kill(-1)).
func TestOddOpsNeverAskTheWrongQuestion(t *testing.T) {
	needKernel(t)
	ops := []model.Op{{Kind: model.ForkWithTid, Task: model.Root, Child: 1, Tids: []int{}}}
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil || rep.Differs() || len(rep.Ops) != 1 || rep.Ops[0].Kernel.Err != model.OK {
		t.Fatalf("fork with an empty set_tid: %v\n%s", err, rep)
	}
	for _, op := range []model.Op{
		{Kind: model.Kill, Task: model.Root, Pid: 1<<32 - 1, Sig: 9},
		{Kind: model.Wait, Task: model.Root, Pid: 1<<32 + 2},
		{Kind: model.Lookup, Task: model.Root, Pid: 1 << 40},
		{Kind: model.ForkWithTid, Task: model.Root, Child: 1, Tids: []int{1<<32 + 2}},
	} {
		if _, err := Compare(context.Background(), []model.Op{op}, Params()); err == nil || !strings.Contains(err.Error(), "pid_t") {
			t.Errorf("%s: err %v, want a pid_t error", op, err)
		}
	}
}
