package linux_test

import (
	"flag"
	"testing"

	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/model"
)

var zooBudget = flag.Int("linux.zoobudget", 10000, "random schedules each zoo variant may take to be found")

// zooCase is a zoo variant with the scenario that exposes it.
type zooCase struct {
	name     string
	bug      linux.Bug
	init     string
	threads  []string
	post     string
	maxSeeds int // schedules to first failure must not exceed this (measured, with slack)
}

// zooCases: each scenario is the one in the variant's doc comment. The
// sequential ones fail on the first schedule; NoForkRecheck needs the
// fork's attach to fall between the exit's sweep and the end of the run.
var zooCases = []zooCase{
	{name: "linux-publish-early", bug: linux.PublishEarly,
		init: "t0 unshare", threads: []string{"t0 fork t1 tid=1,1; t0 fork t2"}, maxSeeds: 1},
	{name: "linux-unwind-leak", bug: linux.UnwindLeak,
		init: "t0 unshare; t0 fork t1", threads: []string{"t0 fork t2 tid=5,1; t0 fork t3 tid=5"}, maxSeeds: 1},
	{name: "linux-no-dead-check", bug: linux.NoDeadCheck,
		init: "t0 unshare; t0 fork t1", threads: []string{"t1 exit 0; t0 fork t2"}, maxSeeds: 1},
	{name: "linux-no-fork-recheck", bug: linux.NoForkRecheck,
		init: "t0 unshare; t0 fork t1", threads: []string{"t1 exit 0", "t0 fork t2"}, post: "t2 getpid", maxSeeds: 100},
	{name: "linux-first-fork-publish", bug: linux.FirstForkPublish,
		init:    "t0 pid_max 6; t0 fork t1; t0 fork t2; t0 fork t3; t0 fork t4; t0 unshare",
		threads: []string{"t0 fork t5; t3 exit 0; t0 wait 4; t0 fork t6"}, maxSeeds: 1},
	{name: "linux-kill-release-late", bug: linux.KillReleaseLate,
		init: "t0 fork t1; t1 thread t2", threads: []string{"t0 kill 2 9"}, post: "t0 fork t3 tid=3", maxSeeds: 1},
	{name: "linux-free-at-exit", bug: linux.FreeAtExit,
		init: "t0 fork t1", threads: []string{"t1 exit 0; t0 lookup 2"}, maxSeeds: 1},
	{name: "linux-kill-all-leak", bug: linux.KillAllLeak,
		init: "t0 fork t1; t0 unshare; t0 fork t2; t2 fork t3", threads: []string{"t3 kill -1 9"}, post: "t1 getpid", maxSeeds: 1},
	{name: "linux-inflight-visible", bug: linux.InflightVisible,
		init: "t0 unshare; t0 fork t1; t0 fork t3", threads: []string{"t0 fork t2", "t1 exit 0", "t0 fork t4 tid=3"}, maxSeeds: 50},
	{name: "linux-pidmax-window", bug: linux.PidmaxWindow,
		init: "t0 fork t1; t1 fork t2; t0 fork t3", threads: []string{"t2 fork t4", "t2 pid_max 5; t4 fork t6"}, maxSeeds: 50},
	{name: "linux-pidmax-window-raised", bug: linux.PidmaxWindow,
		init: "t0 fork t1; t0 fork t2; t0 pid_max 5; t0 ns_last_pid 3", threads: []string{"t0 fork t3", "t1 pid_max 16; t1 fork t4"}, maxSeeds: 100},
	{name: "linux-translate-dying", bug: linux.TranslateDying,
		init: "t0 fork t1", threads: []string{"t1 exit 0; t0 translate t1"}, maxSeeds: 1},
	{name: "linux-leader-freed-twice", bug: linux.LeaderFreedTwice,
		init: "t0 fork t1; t1 thread t2", threads: []string{"t2 exit 0; t0 lookup 2; t0 wait -1"}, maxSeeds: 1},
	{name: "linux-exec-no-exchange", bug: linux.ExecNoExchange,
		init: "t0 fork t1; t1 thread t2", threads: []string{"t2 exec; t2 getpid"}, maxSeeds: 1},
	{name: "linux-exec-late-release", bug: linux.ExecLateRelease,
		init: "t0 fork t1; t1 thread t2", threads: []string{"t2 exec", "t0 lookup 3"}, maxSeeds: 50},
	{name: "linux-reaper-not-handed-on", bug: linux.ReaperNotHandedOn,
		init: "t0 unshare; t0 fork t1; t1 thread t2", threads: []string{"t1 exit_thread 0; t2 getpid"}, maxSeeds: 1},
	{name: "linux-clone-thread-after-unshare", bug: linux.CloneThreadAfterUnshare,
		init: "t0 fork t1; t1 unshare", threads: []string{"t1 thread t2"}, maxSeeds: 1},
	{name: "linux-kill-thread-only", bug: linux.KillThreadOnly,
		init: "t0 fork t1; t1 thread t2", threads: []string{"t0 kill 3 9; t1 getpid"}, maxSeeds: 1},
	{name: "linux-pgid-freed-early", bug: linux.PgidFreedEarly,
		init: "t0 fork t1; t1 setpgid 0 0; t1 fork t2", threads: []string{"t1 exit 0; t0 wait 2; t0 ns_last_pid 1; t0 fork t3"}, maxSeeds: 1},
	{name: "linux-autoreap-twice", bug: linux.AutoreapTwice,
		init: "t0 fork t1; t0 sigchld ignore", threads: []string{"t1 exit 1; t0 wait -1"}, maxSeeds: 1},
	{name: "linux-subreaper-crosses-namespace", bug: linux.SubreaperCrossesNamespace,
		init: "t0 fork t1; t1 subreaper 1; t1 unshare; t1 fork t2; t2 fork t3; t3 fork t4", threads: []string{"t3 exit 0; t4 getppid"}, maxSeeds: 1},
	{name: "linux-setsid-group-leader", bug: linux.SetsidByGroupLeader,
		init: "t0 fork t1; t1 setpgid 0 0", threads: []string{"t1 setsid"}, maxSeeds: 1},
	{name: "linux-first-fork-two-reapers", bug: linux.FirstForkTwoReapers,
		init: "t0 fork t1; t1 unshare; t0 fork t2; t2 setns_children t1; t0 setns_children t1", threads: []string{"t0 fork t3", "t2 fork t4; t4 exit 0"}, post: "t3 getpid", maxSeeds: 100},
	{name: "linux-group-kill-misses-fork", bug: linux.GroupKillMissesFork,
		init: "t0 fork t1; t1 setpgid 0 0; t1 fork t2", threads: []string{"t1 kill -2 9", "t2 fork t3; t3 getpid"}, maxSeeds: 100},
	{name: "linux-killed-first-fork", bug: linux.KilledFirstFork,
		init: "t0 fork t1; t0 unshare; t1 setns_children t0", threads: []string{"t1 fork t3", "t0 kill 2 9; t0 fork t4"}, maxSeeds: 200},
}

// TestZooVariantsFound: each zoo variant's scenario fails under random
// schedules within its budget, and the same scenario passes on linux.
func TestZooVariantsFound(t *testing.T) {
	for _, zc := range zooCases {
		t.Run(zc.name, func(t *testing.T) {
			sc := scenario(t, zc.init, zc.threads, zc.post)
			budget := min(*zooBudget, 10000)
			seed, why := firstFailure(sc, zoo(zc.bug), budget)
			if seed == 0 {
				t.Fatalf("not found in %d random schedules", budget)
			}
			t.Logf("found at schedule %d: %s", seed, why)
			if seed > zc.maxSeeds {
				t.Errorf("found only at schedule %d, expected within %d", seed, zc.maxSeeds)
			}
			if s, why := firstFailure(sc, target(model.Unique), 200); s != 0 {
				t.Errorf("linux itself fails the scenario at schedule %d: %s", s, why)
			}
		})
	}
}
