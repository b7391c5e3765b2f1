package linux_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TestLinuxStressReal runs many goroutines forking, exiting, waiting,
// signalling (probes, and SIGTERM to numbers above 2 so that the shared
// t1 lives: SIGKILL or kill(-1) would end the run at once), unsharing and
// joining spaces, creating threads, exiting single threads and exec'ing,
// and the ops of the groups, sessions and reaping model (setpgid, setsid, getpgid/getsid, SIGCHLD
// dispositions, subreapers, clone newpid/parent, setns_children, kill and
// wait by group, read_last_pid, nspid) at once under the pass-through Env (real goroutines; run with -race), then
// drains, and asserts: no op panics, every fork's and thread's NSpid is
// what the new task then reports (getpid of a process, gettid of a
// thread), and Validate holds.
func TestLinuxStressReal(t *testing.T) {
	const workers = 8
	rounds := 400
	if testing.Short() {
		rounds = 100
	}
	p := model.Params{PidMax: 64, Floor: 4, MaxLevel: 4}
	var sys *linux.System
	var problems []string
	var okOps []int
	err := sched.RunReal(func(env sched.Env) {
		sys = linux.New(env, p)
		// t0 unshares once, and forks two inits so every worker has a
		// nested space to work in besides the root.
		for _, line := range []string{"t0 fork t1", "t1 unshare", "t1 fork t2", "t2 unshare", "t2 fork t3"} {
			op, _ := model.ParseOp(line)
			sys.Apply(op)
		}
		done := env.NewInt32("workers done", 0)
		report := make([][]string, workers)
		okOps = make([]int, workers)
		for w := range workers {
			env.Go(model.ThreadName(w), func() {
				defer done.Add(1)
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				base := model.Handle(1000 * (w + 1))
				next := base
				mine := []model.Handle{model.Handle(1 + w%3)} // start from t1, t2 or t3
				for range rounds {
					actor := mine[rng.IntN(len(mine))]
					var op model.Op
					switch rng.IntN(22) {
					case 14:
						op = model.Op{Kind: model.SetPgid, Task: actor, Pid: []int{0, rng.IntN(p.PidMax)}[rng.IntN(2)], N: []int{0, rng.IntN(p.PidMax)}[rng.IntN(2)]}
					case 15:
						op = model.Op{Kind: model.SetSid, Task: actor}
					case 16:
						op = model.Op{Kind: []model.Kind{model.GetPgid, model.GetSid}[rng.IntN(2)], Task: actor, Pid: rng.IntN(p.PidMax)}
					case 17:
						if actor != mine[0] {
							op = model.Op{Kind: model.SigChld, Task: actor, N: rng.IntN(3)}
						} else {
							op = model.Op{Kind: model.Subreaper, Task: actor, N: rng.IntN(2)}
						}
					case 18:
						op = model.Op{Kind: model.Clone, Task: actor, Child: next, N: []int{model.CloneNewPid, model.CloneParent, 0}[rng.IntN(3)]}
					case 19:
						op = model.Op{Kind: model.SetNsChildren, Task: actor, Target: mine[rng.IntN(len(mine))]}
					case 20:
						op = model.Op{Kind: model.Kill, Task: actor, Pid: []int{0, -2 - rng.IntN(p.PidMax)}[rng.IntN(2)], Sig: []int{0, 15}[rng.IntN(2)]}
						if actor == mine[0] {
							op.Sig = 0 // the shared starting task stays
						}
					case 21:
						op = model.Op{Kind: []model.Kind{model.Wait, model.GetLastPid, model.GetNSpid}[rng.IntN(3)], Task: actor, Pid: []int{0, -2 - rng.IntN(p.PidMax)}[rng.IntN(2)]}
					case 10, 11:
						// Threads only in groups other than the shared
						// starting task's, whose exit_group or exec would
						// end it.
						op = model.Op{Kind: model.Thread, Task: actor, Child: next}
						if actor == mine[0] {
							op.Kind = model.Fork
						}
					case 12:
						if len(mine) > 1 {
							op = model.Op{Kind: model.ExitThread, Task: mine[1+rng.IntN(len(mine)-1)], Code: 2}
						} else {
							op = model.Op{Kind: model.GetTid, Task: actor}
						}
					case 13:
						if len(mine) > 1 {
							op = model.Op{Kind: model.Exec, Task: mine[1+rng.IntN(len(mine)-1)]}
						} else {
							op = model.Op{Kind: model.GetTid, Task: actor}
						}
					case 0, 1, 2:
						op = model.Op{Kind: model.Fork, Task: actor, Child: next}
					case 3:
						if len(mine) > 1 { // the shared starting task stays
							op = model.Op{Kind: model.Exit, Task: mine[1+rng.IntN(len(mine)-1)], Code: 1}
						} else {
							op = model.Op{Kind: model.GetPid, Task: actor}
						}
					case 4, 5:
						op = model.Op{Kind: model.Wait, Task: actor, Pid: -1}
					case 6:
						op = model.Op{Kind: model.Kill, Task: actor, Pid: 3 + rng.IntN(p.PidMax-3), Sig: []int{0, 0, 15}[rng.IntN(3)]}
					case 7:
						op = model.Op{Kind: model.Unshare, Task: actor}
					case 8:
						op = model.Op{Kind: model.SetNs, Task: actor, Target: mine[rng.IntN(len(mine))]}
					default:
						op = model.Op{Kind: model.Lookup, Task: actor, Pid: rng.IntN(p.PidMax)}
					}
					res := sys.Apply(op)
					if res.Err == model.OK {
						okOps[w]++
					} else if res.Err == model.ESRCH && (op.Kind.Creates() || op.Kind == model.Wait) && op.Task != mine[0] {
						// The actor is gone: stop picking it.
						mine = slices.DeleteFunc(mine, func(h model.Handle) bool { return h == op.Task })
					}
					if op.Kind.Creates() && res.Err == model.OK {
						mine = append(mine, next)
						ask := model.GetPid
						if op.Kind == model.Thread {
							ask = model.GetTid
						}
						got := sys.Apply(model.Op{Kind: ask, Task: next})
						if got.Err == model.OK && got.N != res.NSpid[len(res.NSpid)-1] {
							report[w] = append(report[w], op.String()+" returned "+res.Format(op.Kind)+" but "+ask.String()+" says "+got.Format(ask))
						}
					}
					if op.Kind.Creates() {
						next++
					}
				}
			})
		}
		env.WaitUntil("workers done", func() bool { return done.Load() == workers })
		for _, r := range report {
			problems = append(problems, r...)
		}
		if err := sys.Validate(); err != nil {
			problems = append(problems, "before the drain: "+err.Error())
		}
		// Drain: every task but t0 exits, t0 reaps, so the zap threads end.
		maxH := 1000*(workers+1) + rounds
		for pass := 0; pass < 3; pass++ {
			for h := maxH; h > 0; h-- {
				sys.Apply(model.Op{Kind: model.Exit, Task: model.Handle(h)})
			}
			for {
				r := sys.Apply(model.Op{Kind: model.Wait, Task: model.Root, Pid: -1})
				if r.Err != model.OK || r.N == 0 {
					break
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range okOps {
		total += n
	}
	t.Logf("%d of %d worker ops succeeded", total, workers*rounds)
	if total < workers*rounds/5 {
		t.Errorf("only %d of %d worker ops succeeded: the stress does too little", total, workers*rounds)
	}
	for _, pr := range problems {
		t.Error(pr)
	}
	if err := sys.Validate(); err != nil {
		t.Fatalf("after the drain: %v", err)
	}
	if r := sys.Apply(model.Op{Kind: model.Wait, Task: model.Root, Pid: -1}); r.Err != model.ECHILD {
		t.Fatalf("after the drain t0 wait -1 = %s, want ECHILD", r.Format(model.Wait))
	}
}
