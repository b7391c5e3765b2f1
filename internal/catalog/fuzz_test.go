package catalog_test

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
)

// fuzzImpl is the fuzz target for the implementation named name
// (checker.Fuzz): the fuzz input chooses the scenario and every scheduling
// decision; any verdict but Ok fails, and the shrunk failure is written to
// testdata/pidcheck/<name>.trace, which pidcheck replay reproduces. The
// seed corpus is in testdata/fuzz/<Target>/.
//
//	go test -run '^$' -fuzz '^FuzzLinux$' -fuzztime 30s -fuzzminimizetime 5s ./internal/catalog
//
// Keep -fuzzminimizetime short: Go's fuzzer minimizes every new
// interesting input (default: up to 60 s, not counted in execs/sec, which
// then reads 0/sec) and these inputs are long.
func fuzzImpl(f *testing.F, name string) {
	e, err := alloc.Lookup(name)
	if err != nil {
		f.Fatal(err)
	}
	o := checker.CheckOptions{Name: e.Name, Spec: e.Spec, Policy: e.Policy}
	o.Gen.Params = catalog.Params(e)
	checker.Fuzz(f, e.New, o)
}

func FuzzIDR(f *testing.F)        { fuzzImpl(f, "idr") }
func FuzzPidmap(f *testing.F)     { fuzzImpl(f, "pidmap") }
func FuzzLockfree(f *testing.F)   { fuzzImpl(f, "lockfree") }
func FuzzLinux(f *testing.F)      { fuzzImpl(f, "linux") }
func FuzzOpenVZ(f *testing.F)     { fuzzImpl(f, "openvz") }
func FuzzPSpace2006(f *testing.F) { fuzzImpl(f, "pspace2006") }
