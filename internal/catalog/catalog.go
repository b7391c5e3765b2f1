// Package catalog joins pidcheck's own implementations (package alloc: the
// registry's names, zoo stories and fixed versions) to the engine (package
// checker), which knows only targets. The command line and the tests of
// the zoo use it; a user's code never needs it.
package catalog

import (
	"fmt"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
)

// Target is what the engine checks of entry e.
func Target(e alloc.Entry) checker.Target {
	return checker.Target{Name: e.Name, Spec: e.Spec, Policy: e.Policy, New: e.New}
}

// Options are the options e is explored with when told nothing else:
// Params(e) and the engine's defaults.
func Options(e alloc.Entry) checker.ExploreOptions {
	return checker.ExploreOptions{Gen: checker.GenOptions{Params: Params(e)}}
}

// Params returns the parameters e is explored with by default:
// model.SmallParams, with pid_max raised to e.PidMax when the entry sets
// one (a zoo variant whose bug needs a bigger space to show at all, such as
// a bitmap of two words).
func Params(e alloc.Entry) model.Params {
	p := model.SmallParams()
	if e.PidMax > 0 {
		p.PidMax = e.PidMax
	}
	return p
}

// FixedFails checks that a zoo finding is the zoo variant's own bug: it
// runs the finding's scenario on the variant's fixed implementation
// (checker.FailsOn with n schedules of each kind) and returns the first run
// that is not Ok, or nil when every run passes. An error means e is not a
// zoo variant with a registered fix.
func FixedFails(e alloc.Entry, r *checker.Result, n int) (*checker.Result, error) {
	if !e.Zoo || e.Fixed == "" {
		return nil, fmt.Errorf("%s is not a zoo variant with a fixed implementation", e.Name)
	}
	fixed, err := alloc.Lookup(e.Fixed)
	if err != nil {
		return nil, fmt.Errorf("zoo variant %s: %v", e.Name, err)
	}
	return checker.FailsOn(Target(fixed), r, n), nil
}

// OwnBug is an ExploreOptions.Accept for zoo variant e: it accepts a
// violation only when e's fixed implementation passes the same scenario,
// so exploration goes on past findings that are not e's own bug.
func OwnBug(e alloc.Entry, n int) func(*checker.Result) bool {
	return func(r *checker.Result) bool {
		bad, err := FixedFails(e, r, n)
		return err == nil && bad == nil
	}
}
