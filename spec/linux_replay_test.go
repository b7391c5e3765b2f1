package spec

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

// TestPropertyLinuxReplayIsStep: a Linux state replayed in place (which
// reuses the storage of the states each step leaves or makes and drops) accepts and rejects what Step
// does and ends where Step's next state is; ExpectInPlace answers what
// Expect does; and no state it leaves behind changes afterwards — the
// persistent states, and copies taken with Own at earlier points and
// stepped on their own.
func TestPropertyLinuxReplayIsStep(t *testing.T) {
	var worlds, rejected, reused int // steps from a state of several worlds; rejections; clones on reused storage
	rapid.Check(t, func(t *rapid.T) {
		p := genParams(t)
		pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique, model.CyclicAlone}).Draw(t, "policy")
		st := Linux(p, pol).Init()
		rp := Replay(st)
		type kept struct {
			ip   InPlace
			want string // its String when taken, and still
		}
		var copies []kept
		var earlier []State // persistent states passed, with their String
		var earlierStr []string
		next := model.Handle(1)
		// Half the time, first a kill whose worlds are several: a child
		// of an autoreaping parent, both killed, may die first.
		var prefix []model.Op
		if rapid.Bool().Draw(t, "worlds") {
			prefix = []model.Op{
				{Kind: model.Fork, Task: model.Root, Child: 1},
				{Kind: model.SigChld, Task: 1, N: model.SigChldIgnore},
				{Kind: model.Fork, Task: 1, Child: 2},
				{Kind: model.Kill, Task: model.Root, Pid: -1, Sig: 9},
			}
			next = 3
		}
		steps := rapid.IntRange(1, 80).Draw(t, "steps")
		for i := range steps + len(prefix) {
			var op model.Op
			if i < len(prefix) {
				op = prefix[i]
			} else {
				op = genLinuxOp(t, st.(*linuxState).worlds()[0], &next, false)
				op.Alone = pol == model.CyclicAlone && rapid.Bool().Draw(t, "alone")
			}
			want, expected := st.Expect(op)
			obs := want
			answer := 5 // the prefix gets the spec's answers: it is there to reach its worlds
			if i >= len(prefix) {
				answer = rapid.IntRange(0, 5).Draw(t, "answer")
			}
			switch answer {
			case 0:
				obs = model.Fail(rapid.SampledFrom([]model.Errno{model.EAGAIN, model.ENOMEM, model.EINVAL, model.ESRCH, model.ECHILD, model.ENOSPC}).Draw(t, "errno"))
			case 1:
				obs = model.Result{N: rapid.IntRange(0, p.PidMax).Draw(t, "n")}
				if op.Kind.Creates() {
					obs = model.Result{NSpid: rapid.SliceOfN(rapid.IntRange(1, p.PidMax), 1, 3).Draw(t, "nspid")}
				}
			}
			if rapid.IntRange(0, 7).Draw(t, "expect") == 0 {
				// Expect in place on a copy: it must answer Expect's answer
				// and reach its state.
				c := rp.Own()
				if got := c.ExpectInPlace(op); !got.Equal(op.Kind, want) || c.String() != expected.String() {
					t.Fatalf("%s: ExpectInPlace %s, Expect %s", op, got.Format(op.Kind), want.Format(op.Kind))
				}
			}
			if rapid.IntRange(0, 5).Draw(t, "persistent") == 0 {
				// The replay's persistent methods: what they hand out is
				// kept, and must not change as the replay goes on.
				_, kept, _ := rp.Step(op, model.Fail(model.Errno(200)))
				_, kept2 := rp.Expect(model.Op{Kind: model.GetPid, Task: model.Handle(1 << 20)})
				earlier, earlierStr = append(earlier, kept, kept2), append(earlierStr, kept.String(), kept2.String())
			}
			if rapid.IntRange(0, 5).Draw(t, "own") == 0 {
				copies = append(copies, kept{rp.Own(), st.String()})
			}
			if st.(*linuxState).alt != nil {
				worlds++
			}
			ok, n, _ := st.Step(op, obs)
			reused += len(rp.(*linuxReplay).pool.free)
			if got := rp.StepInPlace(op, obs); got != ok {
				t.Fatalf("%s answering %s: Step %v, StepInPlace %v", op, obs.Format(op.Kind), ok, got)
			}
			if !ok {
				// After a rejection the replay's state is undefined: start
				// again from the persistent one.
				rejected++
				rp = Replay(st)
				continue
			}
			if rp.String() != n.String() || rp.Key() != n.Key() {
				t.Fatalf("%s answering %s: in place\n%s\n%s\nStep\n%s\n%s", op, obs.Format(op.Kind), rp, rp.Key(), n, n.Key())
			}
			earlier, earlierStr = append(earlier, st), append(earlierStr, st.String())
			st = n
			// Step a copy too, so that copies recycle their own states.
			if len(copies) > 0 {
				c := copies[len(copies)-1]
				c.ip.StepInPlace(op, obs)
				copies = copies[:len(copies)-1]
			}
		}
		for _, c := range copies {
			if c.ip.String() != c.want {
				t.Fatalf("a copy taken with Own changed:\n%s\nwas\n%s", c.ip, c.want)
			}
		}
		for i, e := range earlier {
			if e.String() != earlierStr[i] {
				t.Fatalf("a persistent state changed after the replay passed it:\n%s\nwas\n%s", e, earlierStr[i])
			}
		}
	})
	if worlds == 0 || rejected == 0 || reused == 0 {
		t.Errorf("%d steps from several worlds, %d rejected, %d free states before a step: each is needed", worlds, rejected, reused)
	}
}
