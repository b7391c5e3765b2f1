// Package idr is Linux's PID number allocator since 4.15: one space's
// numbers in an IDR, allocated cyclically under one lock.
//
// kernel/pid.c alloc_pid takes pidmap_lock and calls
// idr_alloc_cyclic(&ns->idr, NULL, pid_min, pid_max); lib/idr.c
// idr_alloc_cyclic takes the first free number at or after the cursor
// (idr_next), else wraps once and takes the first free number at or after
// pid_min, and sets the cursor to the result + 1. pid_min is 1, or
// RESERVED_PIDS (Params.Floor here) whenever the cursor is above it — not
// "after a wrap" — so a fresh space counts 1, 2, 3, … and, once past the
// floor, wraps to the floor.
//
// The other operations follow the kernel as well:
//   - alloc_at n is clone3's set_tid: idr_alloc(n, n+1); EINVAL out of
//     [1, pid_max), EEXIST when taken; it never moves the cursor.
//   - set_cursor n is a write of ns_last_pid (kernel/pid_namespace.c
//     pid_ns_ctl_handler): idr_set_cursor(n + 1).
//   - set_max n is a write of the space's pid_max sysctl.
//   - disable is disable_pid_allocation: PIDNS_ADDING cleared, every later
//     allocation fails with ENOMEM.
//   - free n is free_pid's idr_remove; EINVAL when n is not allocated.
//
// Everything is done under one sched.Mutex ("idr.lock"), so every operation
// is atomic and the allocator claims the cyclic policy. One deliberate
// difference from the kernel: alloc_pid reads pid_max with READ_ONCE before
// taking pidmap_lock, and the sysctl writes it without the lock; here both
// happen under the lock. Reading it outside is not linearizable (a fork
// that read the old pid_max may return a number at or above a pid_max
// written before it returned, after another fork already obeyed the new
// one); zoo_pidmax_read_twice.go is that code shape.
//
// New builds the correct allocator; NewZoo(env, p, bug) builds a zoo
// variant (the Bug constants, each named as the registry lists it and
// declared in its own zoo_*.go file with its story).
package idr
