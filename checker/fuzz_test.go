package checker

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
)

// fuzzImpl is the fuzz target for the implementation named name: the fuzz
// input becomes rapid's draws, so it chooses the scenario and every
// scheduling decision; any verdict but Ok fails. The seed corpus is in
// testdata/fuzz/<Target>/ (inputs of 2–4 KB: a whole scenario and its
// interleaving take a few hundred draws).
//
//	go test -run '^$' -fuzz FuzzLinux -fuzztime 30s -fuzzminimizetime 5s ./checker/
//
// Keep -fuzzminimizetime short: Go's fuzzer minimizes every new
// interesting input (default: up to 60 s, not counted in execs/sec, which
// then reads 0/sec) and these inputs are long.
func fuzzImpl(f *testing.F, name string) {
	e, err := alloc.Lookup(name)
	if err != nil {
		f.Skipf("%v", err)
	}
	f.Fuzz(rapid.MakeFuzz(Property(e, DefaultOptions(e), nil)))
}

func FuzzIDR(f *testing.F)        { fuzzImpl(f, "idr") }
func FuzzPidmap(f *testing.F)     { fuzzImpl(f, "pidmap") }
func FuzzLockfree(f *testing.F)   { fuzzImpl(f, "lockfree") }
func FuzzLinux(f *testing.F)      { fuzzImpl(f, "linux") }
func FuzzOpenVZ(f *testing.F)     { fuzzImpl(f, "openvz") }
func FuzzPSpace2006(f *testing.F) { fuzzImpl(f, "pspace2006") }
