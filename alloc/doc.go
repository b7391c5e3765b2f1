// Package alloc holds the implementations under test, correct ones and
// deliberately broken ones (the zoo), and the one registry that lists them.
//
// Each implementation lives in its own subpackage (alloc/idr, alloc/linux,
// …), is real concurrent code written against sched.Env — never sync or
// sync/atomic directly — and declares the spec and allocation policy it
// claims. Every design has one constructor convention: New(env, p) builds
// the correct implementation, NewZoo(env, p, bug) a zoo variant — a small,
// readable change to it, selected by a Bug value that carries its registry
// name and is declared in its own zoo_*.go file, whose doc comment tells
// the story: what goes wrong, the interleaving that shows it, and the
// historical fix. (In alloc/linux each Bug replaces one named seam of the
// correct code; see its bug.go.)
//
// Every zoo entry carries its Class: sequential (a run with no preemption
// fails), shallow (most random schedules of its saved finding fail) or deep
// (it needs a preemption at a particular point). internal/catalog's
// TestZooClass measures each on traces/zoo/<name>.trace and fails when the
// registered class differs; `pidcheck list` shows it.
//
// Registry returns every implementation, in a fixed order; it is built
// explicitly, with no init() side effects.
package alloc
