// Package alloc holds the implementations under test, correct ones and
// deliberately broken ones (the zoo), and the one registry that lists them.
//
// Each implementation lives in its own subpackage (alloc/idr, alloc/linux,
// …), is real concurrent code written against sched.Env — never sync or
// sync/atomic directly — and declares the spec and allocation policy it
// claims. A zoo variant is a small, readable change to a correct
// implementation, switched on by a bug flag; its doc comment tells the story:
// what goes wrong, the interleaving that shows it, and the historical fix.
//
// Registry returns every implementation, in a fixed order; it is built
// explicitly, with no init() side effects.
package alloc
