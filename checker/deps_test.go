package checker

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportBoundaries pins the package graph DESIGN.md draws: the engine
// never imports the catalogue (package alloc and its implementations), so
// a user's test compiles none of the zoo; and an implementation — anything
// under alloc/, and checker/sched, the Env it is written against — imports
// no rapid, so a user's binary gets no -rapid.* flags.
func TestImportBoundaries(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	list := func(args ...string) []string {
		out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
		if err != nil {
			t.Fatalf("go list %v: %v", args, err)
		}
		return strings.Fields(string(out))
	}
	deps := func(pkg string) []string { return list("-deps", pkg) }
	for _, d := range deps(".") {
		if strings.HasPrefix(d, "github.com/pidcheck/pidcheck/alloc") {
			t.Errorf("checker imports %s", d)
		}
	}
	// alloc/internal/alloctest is alloc's test harness, built on the
	// engine: no implementation imports it.
	for _, pkg := range list("../alloc/...", "./sched") {
		if strings.HasSuffix(pkg, "/alloctest") {
			continue
		}
		for _, d := range deps(pkg) {
			if strings.HasPrefix(d, "pgregory.net/rapid") {
				t.Errorf("%s imports %s", pkg, d)
			}
		}
	}
}
