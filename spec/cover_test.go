package spec_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/openvz"
	"github.com/pidcheck/pidcheck/spec/pspace2006"
)

// ruleIdents maps the Go names of the Rule constants (cover.go's const
// block, in iota order) to the rules.
func ruleIdents(t *testing.T) map[string]spec.Rule {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "cover.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]spec.Rule{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		names := []string{}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				names = append(names, n.Name)
			}
		}
		if len(names) == 0 || names[0] != "RuleNone" {
			continue
		}
		for i, n := range names {
			if n != "numRules" {
				out[n] = spec.Rule(i)
			}
		}
	}
	if len(out) != len(spec.Rules())+1 {
		t.Fatalf("found %d rule constants in cover.go, want %d", len(out), len(spec.Rules())+1)
	}
	return out
}

// rulesNamed returns the rules the non-test Go files matching globs name
// (as X or spec.X), outside the declaration of the variable or function
// skip (the spec's list itself).
func rulesNamed(t *testing.T, idents map[string]spec.Rule, skip string, globs ...string) map[spec.Rule]bool {
	t.Helper()
	out := map[spec.Rule]bool{}
	for _, glob := range globs {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no files (%v)", glob, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == skip {
					return false
				}
				if fd, ok := n.(*ast.FuncDecl); ok && fd.Name.Name == skip {
					return false
				}
				var id string
				switch x := n.(type) {
				case *ast.SelectorExpr:
					if p, ok := x.X.(*ast.Ident); ok && p.Name == "spec" {
						id = x.Sel.Name
					}
				case *ast.Ident:
					if filepath.Dir(name) == "." {
						id = x.Name
					}
				}
				if r, ok := idents[id]; ok && r != spec.RuleNone {
					out[r] = true
				}
				return true
			})
		}
	}
	return out
}

// TestRulesAreTheHits: each spec's rule list is exactly the rules its code
// hits, so the list cannot drift from the branches (a rule hit in shared
// code the design cannot reach is listed here, with why).
func TestRulesAreTheHits(t *testing.T) {
	idents := ruleIdents(t)
	p := model.SmallParams()
	for _, c := range []struct {
		s           spec.Spec
		skip        string
		globs       []string
		unreachable map[spec.Rule]string
	}{
		{spec.Linux(p, model.Cyclic), "linuxRules", []string{"linux*.go"}, nil},
		{openvz.New(p, model.Cyclic), "rules", []string{"openvz/*.go", "internal/variant/*.go"}, map[spec.Rule]string{
			spec.InitKillsNested: "one level: no space lies below a container",
		}},
		{pspace2006.New(p, model.Cyclic), "rules", []string{"pspace2006/*.go", "internal/variant/*.go"}, map[spec.Rule]string{
			spec.ForkDead:        "a live task's own pspace is never dead: its leader's death kills every task in it",
			spec.WaitInitMembers: "only a pspace's own tasks fork into it, so a dying leader ends up the parent of every zombie in it and reaps them all at once",
		}},
		{spec.Allocator(p, model.Cyclic), "allocRules", []string{"alloc*.go"}, map[spec.Rule]string{
			spec.AllocLowest: "the lowest policy's", spec.AllocAny: "the unique policy's", spec.AllocAnyHigh: "the unique policy's",
			spec.AllocUniqueFloor: "the unique policy's",
		}},
		{spec.Allocator(p, model.Lowest), "allocRules", []string{"alloc*.go"}, map[spec.Rule]string{
			spec.AllocNext: "the cyclic policy's", spec.AllocWrap: "the cyclic policy's",
			spec.AllocAny: "the unique policy's", spec.AllocAnyHigh: "the unique policy's",
			spec.AllocEAGAINFloor: "the lowest free number is below the floor when one is free there", spec.AllocUniqueFloor: "likewise",
		}},
		{spec.Allocator(p, model.Unique), "allocRules", []string{"alloc*.go"}, map[spec.Rule]string{
			spec.AllocNext: "the cyclic policy's", spec.AllocWrap: "the cyclic policy's", spec.AllocLowest: "the lowest policy's",
			spec.AllocEAGAINFloor: "the cyclic policy's",
		}},
	} {
		hits := rulesNamed(t, idents, c.skip, c.globs...)
		for r := range c.unreachable {
			delete(hits, r)
		}
		var missing, extra []string
		for r := range hits {
			if !slices.Contains(c.s.Rules, r) {
				missing = append(missing, r.String())
			}
		}
		for _, r := range c.s.Rules {
			if !hits[r] {
				extra = append(extra, r.String())
			}
			if _, ok := c.unreachable[r]; ok {
				t.Errorf("%s lists %s, which it cannot reach", c.s.Name, r)
			}
		}
		slices.Sort(missing)
		slices.Sort(extra)
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%s: hit but not listed: %v; listed but never hit: %v", c.s.Name, missing, extra)
		}
	}
}

// TestContractOf: the contract derives results from the rules.
func TestContractOf(t *testing.T) {
	p := model.SmallParams()
	lx := spec.ContractOf(spec.Linux(p, model.Unique))
	if !slices.Equal(lx.Results[model.Fork], []model.Errno{model.OK, model.EAGAIN, model.ENOMEM, model.ESRCH}) {
		t.Errorf("linux fork results %v", lx.Results[model.Fork])
	}
	if !slices.Equal(lx.Results[model.GetPid], []model.Errno{model.OK, model.ESRCH}) {
		t.Errorf("linux getpid results %v", lx.Results[model.GetPid])
	}
	if slices.Contains(lx.Rules, spec.ChildInUse) || slices.Contains(lx.Results[model.Kill], model.EINVAL) {
		t.Errorf("an input rule is expected: %v", lx.Results[model.Kill])
	}
	if !slices.Contains(lx.Results[model.SetPgid], model.EACCES) || !slices.Contains(lx.Results[model.Unshare], model.ENOSPC) {
		t.Errorf("setpgid %v, unshare %v", lx.Results[model.SetPgid], lx.Results[model.Unshare])
	}
	ov := spec.ContractOf(openvz.New(p, model.Cyclic))
	if slices.Contains(ov.Kinds, model.Thread) || slices.Contains(ov.Kinds, model.SetPgid) {
		t.Errorf("openvz models the kinds it refuses: %v", ov.Kinds)
	}
	if !slices.Contains(ov.Results[model.SetPidMax], model.EPERM) || !slices.Contains(ov.Results[model.Wait], model.EINVAL) {
		t.Errorf("openvz pid_max %v, wait %v", ov.Results[model.SetPidMax], ov.Results[model.Wait])
	}
	al := spec.ContractOf(spec.Allocator(p, model.Cyclic))
	if !slices.Equal(al.Kinds, []model.Kind{model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}) {
		t.Errorf("allocator kinds %v", al.Kinds)
	}
	if !slices.Equal(al.Results[model.Alloc], []model.Errno{model.OK, model.EAGAIN, model.ENOMEM}) ||
		!slices.Equal(al.Results[model.AllocAt], []model.Errno{model.OK, model.ENOMEM, model.EINVAL, model.EEXIST}) {
		t.Errorf("allocator alloc %v, alloc_at %v", al.Results[model.Alloc], al.Results[model.AllocAt])
	}
	if slices.Contains(al.Rules, spec.AllocDisabledFull) || !slices.Contains(al.Rules, spec.AllocWrap) || slices.Contains(al.Rules, spec.AllocAny) {
		t.Errorf("allocator rules %v: an optional rule is expected, or the policy's are not", al.Rules)
	}
	if un := spec.ContractOf(spec.Allocator(model.Params{PidMax: 16, Floor: 1, MaxLevel: 32}, model.Unique)); slices.Contains(un.Rules, spec.AllocEAGAINFloor) || slices.Contains(un.Rules, spec.AllocUniqueFloor) {
		t.Errorf("a floor of 1 expects an EAGAIN below it: %v", un.Rules)
	}
}

// TestStepCoverIsStep: a covered step accepts and rejects what Step does,
// leaves its receiver alone and gives a state whose Key is Step's.
func TestStepCoverIsStep(t *testing.T) {
	p := model.SmallParams()
	ops := []model.Op{
		{Kind: model.Unshare, Task: model.Root},
		{Kind: model.Fork, Task: model.Root, Child: 1},
		{Kind: model.Fork, Task: 1, Child: 2},
		{Kind: model.Exit, Task: 1},
		{Kind: model.Wait, Task: model.Root, Pid: -1},
		{Kind: model.Wait, Task: model.Root, Pid: -1},
		{Kind: model.Fork, Task: model.Root, Child: 3},
	}
	for _, s := range []spec.Spec{spec.Linux(p, model.Unique), openvz.New(p, model.Cyclic), pspace2006.New(p, model.Cyclic)} {
		st := s.Init()
		var cov spec.Cover
		for _, op := range ops {
			want, _ := st.Expect(op)
			before := st.Key()
			okA, nA, _ := st.Step(op, want)
			mark := cov.Len()
			okB, nB, _ := st.(spec.Coverer).StepCover(op, want, &cov)
			if okA != okB || !okA || nA.Key() != nB.Key() || st.Key() != before {
				t.Fatalf("%s: %s: Step %v, StepCover %v", s.Name, op, okA, okB)
			}
			if cov.Len() == mark && want.Err != model.OK {
				t.Errorf("%s: %s answered %s and hit no rule", s.Name, op, want.Err)
			}
			wrong := want
			wrong.Err = model.EEXIST
			if ok, _, _ := st.(spec.Coverer).StepCover(op, wrong, &cov); ok {
				t.Fatalf("%s: %s: StepCover accepts %s", s.Name, op, wrong.Format(op.Kind))
			}
			st = nB
		}
		hits := cov.Hits()
		for _, r := range []spec.Rule{spec.ForkFirst, spec.WaitReap, spec.WaitECHILD, spec.InitDies} {
			if !slices.Contains(hits, r) {
				t.Errorf("%s: %s never hit in %v", s.Name, r, hits)
			}
		}
	}
}

// TestAllocatorCover: each allocator step hits the rule of its branch,
// named from the state before it, and StepCover accepts and rejects what
// Step does (kernel/pid.c alloc_pid and idr_alloc_cyclic for the order of
// the checks).
func TestAllocatorCover(t *testing.T) {
	p := model.Params{PidMax: 8, Floor: 3, MaxLevel: 32}
	steps := []struct {
		op   model.Op
		obs  model.Result
		want []spec.Rule
	}{
		{model.Op{Kind: model.Alloc}, model.Result{N: 1}, []spec.Rule{spec.AllocNext}},
		{model.Op{Kind: model.AllocAt, N: 1}, model.Fail(model.EEXIST), []spec.Rule{spec.AllocAtEEXIST}},
		{model.Op{Kind: model.AllocAt, N: 8}, model.Fail(model.EINVAL), []spec.Rule{spec.AllocAtRange}},
		{model.Op{Kind: model.AllocAt, N: 7}, model.Result{}, []spec.Rule{spec.AllocAtOK}},
		{model.Op{Kind: model.SetCursor, N: 9}, model.Fail(model.EINVAL), []spec.Rule{spec.SetCursorRange}},
		{model.Op{Kind: model.SetCursor, N: 6}, model.Result{}, []spec.Rule{spec.SetCursorOK}},
		{model.Op{Kind: model.Alloc}, model.Result{N: 3}, []spec.Rule{spec.AllocWrap}}, // 7 taken: wraps to the floor
		{model.Op{Kind: model.Alloc}, model.Result{N: 4}, []spec.Rule{spec.AllocNext}},
		{model.Op{Kind: model.Alloc}, model.Result{N: 5}, []spec.Rule{spec.AllocNext}},
		{model.Op{Kind: model.Alloc}, model.Result{N: 6}, []spec.Rule{spec.AllocNext}},
		{model.Op{Kind: model.Alloc}, model.Fail(model.EAGAIN), []spec.Rule{spec.AllocEAGAIN, spec.AllocEAGAINFloor}}, // 2 is free, below the floor
		{model.Op{Kind: model.Free, N: 2}, model.Fail(model.EINVAL), []spec.Rule{spec.FreeNotAllocated}},
		{model.Op{Kind: model.SetMax, N: 3}, model.Fail(model.EINVAL), []spec.Rule{spec.SetMaxRange}},
		{model.Op{Kind: model.SetMax, N: 6}, model.Result{}, []spec.Rule{spec.SetMaxOK, spec.SetMaxBelowTaken}},
		{model.Op{Kind: model.Free, N: 7}, model.Result{}, []spec.Rule{spec.FreeOK}},
		{model.Op{Kind: model.Disable}, model.Result{}, []spec.Rule{spec.DisableOK}},
		{model.Op{Kind: model.Alloc}, model.Fail(model.EAGAIN), []spec.Rule{spec.AllocDisabledFull}},
		{model.Op{Kind: model.Free, N: 5}, model.Result{}, []spec.Rule{spec.FreeOK}},
		{model.Op{Kind: model.Alloc}, model.Fail(model.ENOMEM), []spec.Rule{spec.AllocDisabled}},
		{model.Op{Kind: model.AllocAt, N: 5}, model.Fail(model.ENOMEM), []spec.Rule{spec.AllocAtDisabled}},
		{model.Op{Kind: model.Fork, Task: model.Root, Child: 1}, model.Fail(model.EINVAL), []spec.Rule{spec.NotAllocOp}},
	}
	st := spec.Allocator(p, model.Cyclic).Init()
	var cov spec.Cover
	for i, s := range steps {
		okA, nA, _ := st.Step(s.op, s.obs)
		mark := cov.Len()
		okB, nB, why := st.(spec.Coverer).StepCover(s.op, s.obs, &cov)
		if !okA || !okB || nA.Key() != nB.Key() {
			t.Fatalf("step %d: %s answering %s: Step %v, StepCover %v: %s", i, s.op, s.obs.Format(s.op.Kind), okA, okB, why)
		}
		if got := cov.Hits()[mark:]; !slices.Equal(got, s.want) {
			t.Errorf("step %d: %s answering %s hit %v, want %v", i, s.op, s.obs.Format(s.op.Kind), got, s.want)
		}
		st = nB
	}
	// A rejected step is rejected, and hits nothing.
	mark := cov.Len()
	if ok, _, _ := st.(spec.Coverer).StepCover(model.Op{Kind: model.Free, N: 1}, model.Fail(model.EINVAL), &cov); ok || cov.Len() != mark {
		t.Errorf("free of an allocated number answering EINVAL: accepted %v, hits %v", ok, cov.Hits()[mark:])
	}
	// Unique: a number above the lowest free one is its own rule.
	un := spec.Allocator(p, model.Unique).Init()
	var ucov spec.Cover
	if ok, _, _ := un.(spec.Coverer).StepCover(model.Op{Kind: model.Alloc}, model.Result{N: 5}, &ucov); !ok ||
		!slices.Equal(ucov.Hits(), []spec.Rule{spec.AllocAny, spec.AllocAnyHigh}) {
		t.Errorf("unique alloc of 5 in an empty allocator: ok %v, hits %v", ok, ucov.Hits())
	}
	if !slices.Contains(spec.Allocator(p, model.Unique).Rules, spec.AllocUniqueFloor) || !spec.AllocUniqueFloor.Info().Optional {
		t.Errorf("unique lists %s as required, or not at all", spec.AllocUniqueFloor)
	}
}
