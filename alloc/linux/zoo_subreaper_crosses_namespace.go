package linux

// SubreaperCrossesNamespace walks real_parent up from an orphan's group to
// the first subreaper without stopping at the orphan's namespace: a
// subreaper outside a container (a service manager with
// PR_SET_CHILD_SUBREAPER) is handed the container's orphans, which leave
// their namespace's init and become children of a task they cannot even
// see (getppid 0). The kernel's find_new_reaper bounds the walk by the
// level of the orphan's pid namespace.
//
//	t0 fork t1; t1 subreaper 1; t1 unshare
//	t1 fork t2; t2 fork t3; t3 fork t4        [5 3] in t1's new space
//	t3 exit 0
//	t4 getppid                spec 1 (the space's init); SubreaperCrossesNamespace 0
//
// Detected sequentially by porcupine (golden file groups, checked on
// 6.18). kernel/exit.c find_new_reaper: "for (reaper = reaper->real_parent;
// task_pid(reaper)->level == ns_level; reaper = reaper->real_parent)".
var SubreaperCrossesNamespace Bug = subreaperCrossesNamespace{}

// subreaperCrossesNamespace is SubreaperCrossesNamespace's reaper search.
type subreaperCrossesNamespace struct{}

func (subreaperCrossesNamespace) String() string     { return "linux-subreaper-crosses-namespace" }
func (b subreaperCrossesNamespace) replace(z *seams) { z.reaperSearch = b }

// newReaper walks every ancestor, whatever its namespace.
func (subreaperCrossesNamespace) newReaper(t *task) *task {
	for a := t.group.leader; a.parent != nil; {
		p := a.parent.group.leader
		if p.group.subreaper {
			if r := p.group.firstLive(); r != nil {
				return r
			}
		}
		a = p
	}
	return t.ns.init
}
