// Package proc holds the task life cycle the two 2006 implementations
// (alloc/openvz, alloc/pspace2006) share, with Linux's rules: exit and
// reparenting to the space's first task, a space dying with that task
// (zap_pid_ns_processes, done in one go), wait and the order it scans
// children in, signal delivery that spares a space's first task, and the
// read-only lookups.
//
// A design keeps its own System, task table (a Table: sparse, sorted by
// handle) and locks: each task embeds Task, each space embeds Space, and
// the System implements World, through which the rules here read and
// change them and call back for what is the design's own (its numbers,
// releasing them, its zoo bugs). Every function here expects the caller to
// hold the design's tasklist lock (for writing, except Read); the only
// scheduling points are in the World methods the design implements.
//
// The specs (spec/openvz, spec/pspace2006) state the same rules separately,
// on purpose: a checker's spec and the implementation it checks must not
// share code.
package proc
