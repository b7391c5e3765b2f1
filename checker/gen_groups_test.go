package checker

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// groupKinds are the ops of the groups, sessions and reaping model, which
// have no typed method: every adapted implementation leaves them out.
var groupKinds = []model.Kind{model.SetPgid, model.GetPgid, model.SetSid, model.GetSid, model.SigChld,
	model.Subreaper, model.Clone, model.SetNsChildren, model.GetLastPid, model.GetNSpid}

// TestGenerateRefusedGroupsLeaveDrawsAlone: for a spec that refuses the ops
// of the groups, sessions and reaping model and the thread ops (its oracle answers them EINVAL, as
// openvz and pspace2006 do) the generator makes exactly the scenarios it
// makes with those kinds left out, and none holds such an op. (They are
// also the scenarios the generator made before it had the ops of the groups, sessions and reaping model:
// their weights are drawn last and are 0 then, and every other draw they
// add is made only when the spec has them; checked when they were added,
// by hashing 2000 scenarios before and after: sha256 f2bd8288…741c both.)
func TestGenerateRefusedGroupsLeaveDrawsAlone(t *testing.T) {
	refuse := func(ops []model.Op) []model.Result {
		out := make([]model.Result, len(ops))
		for i, op := range ops {
			if isThreadKind(op.Kind) || isGroupKind(op.Kind) {
				out[i] = model.Fail(model.EINVAL)
			}
		}
		return out
	}
	leave := append(slices.Clone(threadKinds), groupKinds...)
	for seed := range uint64(500) {
		a := Generate(SeedSource(seed), model.ProcessLevel, GenOptions{Leave: leave, Oracle: refuse})
		b := Generate(SeedSource(seed), model.ProcessLevel, GenOptions{Oracle: refuse})
		if scenarioText(a) != scenarioText(b) {
			t.Fatalf("seed %d: refused the groups, sessions and reaping model ops change the draws:\n%s\nvs\n%s", seed, scenarioText(a), scenarioText(b))
		}
		for _, ops := range append(append([][]model.Op{b.Init}, b.Threads...), b.Post) {
			for _, op := range ops {
				if isGroupKind(op.Kind) {
					t.Fatalf("seed %d: %q generated for a spec that refuses the ops of the groups, sessions and reaping model", seed, op)
				}
			}
		}
	}
}

var (
	taskLine  = regexp.MustCompile(`^(t\d+) NSpid \[[^\]]*\] in (s\d+)(?: \(children in (s\d+)\))?`)
	parentOf  = regexp.MustCompile(`, parent (t\d+|none)`)
	spaceLine = regexp.MustCompile(`^(s\d+) \(.*, init none,`)
)

// shadow is what a spec state's String says about its tasks.
type shadow struct {
	parent     map[string]string
	subreaper  map[string]bool
	ignores    map[string]bool
	kids       map[string]string // children space, when not the task's own
	initless   map[string]bool   // spaces with no init
	held, gone int
}

func readState(st spec.State) shadow {
	sh := shadow{parent: map[string]string{}, subreaper: map[string]bool{}, ignores: map[string]bool{},
		kids: map[string]string{}, initless: map[string]bool{}}
	for _, line := range strings.Split(st.String(), "\n") {
		switch {
		case spaceLine.MatchString(line):
			sh.initless[spaceLine.FindStringSubmatch(line)[1]] = true
		case strings.Contains(line, "still held as a group or session id"):
			sh.held++
		case strings.HasPrefix(line, "reaped: "):
			sh.gone = len(strings.Fields(line)) - 1
		case taskLine.MatchString(line):
			m := taskLine.FindStringSubmatch(line)
			if p := parentOf.FindStringSubmatch(line); p != nil {
				sh.parent[m[1]] = p[1]
			}
			sh.subreaper[m[1]] = strings.Contains(line, ", subreaper")
			sh.ignores[m[1]] = strings.Contains(line, ", SIGCHLD ignore") || strings.Contains(line, ", SIGCHLD nocldwait")
			if m[3] != "" {
				sh.kids[m[1]] = m[3]
			}
		}
	}
	return sh
}

// groupRules are the rules of the groups, sessions and reaping model the generator must reach.
var groupRules = []string{
	"setpgid ok", "setpgid refused", "setsid ok", "setsid refused", "getpgid or getsid",
	"kill by group", "wait by group reaps", "group id held past its leader's reap",
	"autoreap", "orphan to a subreaper", "clone newpid", "clone refused",
	"setns_children ok", "two tasks race for a joined space's first fork", "read_last_pid or nspid",
}

// TestGenerateReachesGroupRules: run sequentially through spec.Linux (init
// part, then each thread's ops in turn), the default generator's scenarios
// reach every rules of the groups, sessions and reaping model, each in at least 2% of them (the per-rule
// counts are logged: go test ./checker -run TestGenerateReachesGroupRules -v).
// "Two tasks race" is static: after the init part, two tasks whose
// children go to one space without an init each fork in a different thread.
// It generates and replays sequentially, so the race detector has nothing
// to find in it: under -race it is skipped (46 s there, a few without).
func TestGenerateReachesGroupRules(t *testing.T) {
	if raceEnabled {
		t.Skip("sequential generation and replay: nothing for the race detector (the plain go test runs it)")
	}
	const n = 2000
	p := model.SmallParams()
	s := spec.Linux(p, model.Cyclic)
	g := GenOptions{Oracle: func(ops []model.Op) []model.Result { return spec.Run(s, ops) }}
	counts := map[string]int{}
	for seed := range uint64(n) {
		sc := Generate(SeedSource(seed), model.ProcessLevel, g)
		seen := map[string]bool{}
		st := s.Init()
		for _, op := range sc.Init {
			_, st = st.Expect(op)
		}
		if sh := readState(st); true {
			space := map[string]int{}
			for th, ops := range sc.Threads {
				for _, op := range ops {
					if op.Kind.Creates() && op.Kind != model.Thread {
						if sp, ok := sh.kids[op.Task.String()]; ok && sh.initless[sp] {
							if prev, ok := space[sp]; ok && prev != th {
								seen["two tasks race for a joined space's first fork"] = true
							}
							space[sp] = th
						}
					}
				}
			}
		}
		ops := append([]model.Op(nil), sc.Init...)
		for _, th := range sc.Threads {
			ops = append(ops, th...)
		}
		st = s.Init()
		for _, op := range ops {
			before := readState(st)
			var r model.Result
			r, st = st.Expect(op)
			after := readState(st)
			ok := r.Err == model.OK
			switch op.Kind {
			case model.SetPgid:
				seen[map[bool]string{true: "setpgid ok", false: "setpgid refused"}[ok]] = true
			case model.SetSid:
				seen[map[bool]string{true: "setsid ok", false: "setsid refused"}[ok]] = true
			case model.GetPgid, model.GetSid:
				if ok && r.N > 0 {
					seen["getpgid or getsid"] = true
				}
			case model.Kill:
				if ok && op.Sig != 0 && (op.Pid == 0 || op.Pid < -1) {
					seen["kill by group"] = true
				}
			case model.Wait:
				if ok && r.N > 0 && (op.Pid == 0 || op.Pid < -1) {
					seen["wait by group reaps"] = true
				}
			case model.Clone:
				if ok && op.N&model.CloneNewPid != 0 {
					seen["clone newpid"] = true
				} else if !ok {
					seen["clone refused"] = true
				}
			case model.SetNsChildren:
				if ok {
					seen["setns_children ok"] = true
				}
			case model.GetLastPid, model.GetNSpid:
				if ok {
					seen["read_last_pid or nspid"] = true
				}
			}
			if after.held > 0 {
				seen["group id held past its leader's reap"] = true
			}
			if op.Kind == model.Exit || op.Kind == model.Kill || op.Kind == model.ExitThread {
				for _, ig := range before.ignores {
					if ig && after.gone > before.gone {
						seen["autoreap"] = true
					}
				}
				for h, par := range after.parent {
					if old, ok := before.parent[h]; ok && old != par && after.subreaper[par] {
						seen["orphan to a subreaper"] = true
					}
				}
			}
		}
		for k := range seen {
			counts[k]++
		}
	}
	for _, rule := range groupRules {
		t.Logf("%-48s %4d of %d scenarios", rule, counts[rule], n)
		if counts[rule] < n/50 {
			t.Errorf("%s: in only %d of %d scenarios", rule, counts[rule], n)
		}
	}
}
