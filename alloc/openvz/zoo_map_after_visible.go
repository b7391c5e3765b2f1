package openvz

// MapAfterVisible is the zoo variant openvz-map-after-visible.
//
// The story: copy_process attaches the new task to the task list and the
// pid hash and drops tasklist_lock; only then does it enter the task's
// virtual number into the translation map (under vpid_lock). In between the
// task is visible — a host or container thread finds it — but has no
// virtual number. A container thread that translates the new task (or a
// task that asks getpid) reads 0 from the map: "invisible", although the
// task is in its own container; the spec allows only ESRCH (the fork has
// not happened yet) or the virtual number. The checker's history (seed 755
// of TestZooOpenVZFound; t1 unshared, t2 is ve1's init):
//
//	A: t1 fork t4      attaches t4 (global 5) and unlocks tasklist
//	B: t4 getpid       → 0: t4 is live, but 5 has no vpid yet
//	A:                 fills the map; returns [5 1029]
//
// The answer must be ESRCH (before the fork) or 1029 (after). The same
// window has a lasting effect: if the container's init dies in it, the
// zap kills and reaps the new task — there is no map entry to remove yet
// — and the fork then enters one for a task that is gone: a stale
// (container, vpid) → global entry that Validate reports and that a later
// task taking the same global number would inherit. The fix is
// the order in the correct implementation: fill the map before the task
// becomes visible, under tasklist_lock (OpenVZ set the task's vpid in
// copy_process before attach_pid).
const MapAfterVisible Bug = "openvz-map-after-visible"
