// Package pspace2006 implements Eric Biederman's PID spaces (2006) as
// concurrent code against sched.Env, checked against spec/pspace2006.
//
// Each pspace has its own allocator (the used numbers and the cursor under
// the pspace's own pidmap_lock) and its own pid hash; a child pspace's
// leader is entered into its parent's hash by its wait ID, allocated from
// the parent's allocator — the wait-ID link. The task list and the pspace
// tree are under tasklist_lock. fork allocates the number (or wait ID) in
// the actor's pspace before taking tasklist_lock, then attaches the child,
// creating the new pspace when the actor had unshared. Exit, wait and kill
// run under the write lock, a pspace's death in one critical section.
//
// Policy: Cyclic, under concurrency too: a fork allocates and attaches in
// one critical section (alloc/openvz's zoo_alloc_before_attach.go shows
// what the 2006 order, allocate first and attach later, breaks).
//
// New builds the correct system; NewZoo(env, p, bug) builds a zoo variant:
// WaitInner (zoo_wait_inner.go), KillGroupEscape
// (zoo_kill_group_escape.go) or WaitIDFreedAtExit
// (zoo_wait_id_freed_at_exit.go).
package pspace2006
