// Package openvz implements OpenVZ's virtual PIDs (2006) as concurrent code
// against sched.Env, checked against spec/openvz.
//
// The structure follows the OpenVZ patches of the 2.6.16 era: one global
// pidmap (a bitmap of 64-bit words under pidmap_lock, with a cursor, that
// never hands out a number with the VPID bit), a task list with the global
// pid hash under tasklist_lock, and a translation map between (container,
// vpid) and the global number under its own vpid_lock, which the user
// boundary (getpid, translate, lookup, kill, wait) consults. fork, holding
// tasklist_lock, allocates the global number, attaches the task and enters
// its virtual number into the translation map. Exit, wait and kill run under the write
// lock; a container's death (its init's) is handled in one critical
// section.
//
// Policy: Cyclic, under concurrency too, because fork allocates the global
// number while it holds tasklist for writing: every op is one step for
// every observer. The 2006 order — alloc_pidmap first, attach later under
// tasklist_lock — is kept as the zoo variant AllocBeforeAttach: the checker
// shows it is not cyclic (a fork that fails after allocating has moved the
// cursor) and not even linearizable against a concurrent pid_max write.
//
// New builds the correct system; NewZoo(env, p, bug) builds a zoo variant:
// MapAfterVisible (zoo_map_after_visible.go), KillGlobalLeak
// (zoo_kill_global_leak.go) or AllocBeforeAttach
// (zoo_alloc_before_attach.go).
package openvz
