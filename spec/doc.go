// Package spec is pidcheck's sequential truth: pure, deterministic
// specifications of a PID system that say, for every operation and every
// observed result, whether the result is allowed and what the state becomes.
//
// It depends on the standard library and package model only. Nothing here
// mutates a State, starts a goroutine, reads a clock or does I/O.
//
// # Two specifications
//
// Allocator(p, pol) is one space's number allocator (model ops alloc, free,
// alloc_at, set_cursor, set_max, disable). Linux(p, pol) is the whole process
// level of today's Linux: nested PID spaces, NSpid vectors, zombies, reaping,
// reparenting, namespace init death, signals, unshare, setns, set_tid,
// pid_max, ns_last_pid, and threads (thread groups, exit of one thread,
// exit_group, exec). Variants (spec/openvz, spec/pspace2006) build on
// the allocation core exported here.
//
// # The allocation core
//
// Pick and Allowed define the three policies (model.Cyclic, model.Lowest,
// model.Unique) over a set of taken numbers. The cursor follows the kernel's
// idr: it is the number the next cyclic scan starts at ("last allocated + 1";
// writing ns_last_pid = n sets it to n+1; a fresh space has cursor 0). A
// cyclic scan (kernel/pid.c alloc_pid + lib/idr.c idr_alloc_cyclic) uses
// pid_min = 1, or the floor (RESERVED_PIDS) whenever cursor > floor; it scans
// [max(cursor, pid_min), max) and, when that is full, wraps once to
// [pid_min, max). After a cyclic allocation of n the cursor becomes n+1.
// Allocating an exact number (set_tid, alloc_at) never moves the cursor.
//
// # Using a spec
//
//	s := spec.Linux(model.SmallParams(), model.Cyclic)
//	st := s.Init()
//	res, st := st.Expect(op)             // what the spec itself does
//	ok, next, why := st.Step(op, observed) // may op return observed here?
//
// Spec states are immutable values: keep any of them, share them between
// goroutines, compare them with Key (Hash hashes a Key). Specs assume
// parameters that pass model.Params.Validate. Package spec/linmodel turns a
// Spec into a porcupine model.
//
// The conformance cases in testdata/golden/ pin the behaviour, one kernel
// fact per case, citing the kernel source or LTP test and saying which
// facts were checked by hand on a running kernel.
package spec
