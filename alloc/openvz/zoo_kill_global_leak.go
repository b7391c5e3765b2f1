package openvz

// KillGlobalLeak is the zoo variant openvz-kill-global-leak.
//
// The story: in linear mode a virtual number is the global one with the
// VPID bit set, so vpid_to_pid has a shortcut: "a number without the bit
// is already global". find_task_by_vpid then looks the global number up
// in the pid hash and forgets to check that the task found belongs to the
// caller's container. A task inside a container can now kill (or look up)
// a host task by its global number — the isolation break OpenVZ's
// ve_accessible() check exists for. The spec says a container sees only
// its own tasks' virtual numbers: kill(2) from inside → ESRCH. No
// interleaving is needed; one container task signalling a small number is
// enough.
const KillGlobalLeak Bug = "openvz-kill-global-leak"
