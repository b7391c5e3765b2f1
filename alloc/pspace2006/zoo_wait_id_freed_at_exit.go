package pspace2006

// WaitIDFreedAtExit is the zoo variant pspace-wait-id-freed-at-exit.
//
// The story: a leader's wait ID belongs to no task of the parent pspace —
// it is a placeholder for the whole inner pspace — so the exit path, which
// detaches the pids a task leaves behind, hands it back to the parent's
// allocator as soon as the leader exits, instead of when the parent reaps
// it. The zombie leader still answers to the wait ID in the pid hash, but
// the number is free: the next fork in the parent pspace that reaches it
// (after a wrap, or after ns_last_pid moved the cursor back) takes it and
// overwrites the hash entry. Now wait(wid) finds the newcomer, which has
// not exited, and when the leader is finally reaped, its release deletes
// the newcomer's hash entry: a live task the parent can no longer name.
// The spec keeps every number taken until reap (kernel/exit.c
// release_task → detach_pid → free_pid; the 2006 analogue of Linux's
// "freed at exit instead of at reap"). A sequential history shows it;
// concurrency only widens the ways to reach the reused number.
const WaitIDFreedAtExit Bug = "pspace-wait-id-freed-at-exit"
