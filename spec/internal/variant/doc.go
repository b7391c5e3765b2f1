// Package variant holds what the specs of the two 2006 designs Linux did
// not take (spec/openvz, spec/pspace2006) share: the task life cycle they
// both keep with Linux's rules (exit, reparenting to the space's first
// task, a space dying with that task, wait and its reaping order, signal
// delivery that spares a space's first task) and the Expect/Step pair
// around a state's apply.
//
// A design keeps its own state and task table; each task embeds Task and
// each space embeds Space, and the state implements World so the rules
// here can read and change them. Everything here is pure: it changes only
// the (private, cloned) state it is handed.
//
// A task table is sparse — the tasks forked so far, sorted by handle — so
// a state's size, and the cost of a Step, grow with the number of tasks,
// never with how large their handles are (a trace may name t1000000).
// Ranks and Names (key.go) make a design's Key canonical: equal for states
// that give the same answer to every future op, whatever order their
// tasks and spaces were created in.
package variant
