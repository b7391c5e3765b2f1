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
// (as X or spec.X), outside the declaration of the variable skip (the
// spec's list itself).
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
	if c := spec.ContractOf(spec.Allocator(p, model.Cyclic)); len(c.Kinds) != 0 {
		t.Errorf("the allocator spec names no rules, yet has a contract: %v", c.Kinds)
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
