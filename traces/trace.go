package traces

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pidcheck/pidcheck/model"
)

// Trace is one recorded run: what was run, how it was scheduled, what was
// observed and how it was judged. A Trace is plain data; Format writes it
// and Parse reads it back.
type Trace struct {
	Impl   string       // the implementation under test: "idr-stale-cursor"
	Spec   string       // the spec it was judged against: "alloc", "linux"
	Policy model.Policy // the policy the spec held it to

	Strategy string // the strategy the run came from ("pct depth=3"); informational
	Seed     uint64 // the strategy's seed; informational

	// Reproduce, when set, is the command that reproduces the run where
	// the implementation lives (a user's test: "go test -run '^TestX$'
	// ./pkg"); informational.
	Reproduce string

	// Scenario is what ran; its Level and Params are the spec's too.
	Scenario model.Scenario

	Decisions []Decision // the recorded scheduling decisions, in order
	// Runs are the decisions not recorded one by one (format v2): each
	// stands for N consecutive decisions, all made by its Rule, between
	// Decisions[At-1] and Decisions[At]. Nil for a trace that records
	// every decision. Steps counts both; Cursor walks both in order.
	Runs []Run
	Hash uint64 // the scheduler's hash of every decision, those in Runs too

	History []Operation // every op called, in call-tick order

	Verdict Verdict
	Reason  string // the spec's (or the scheduler's) reason; may span lines
}

// Decision is one scheduling decision. Its fields are those of the
// scheduler's Decision (checker/sched), so one converts to the other
// field for field; the decision's index is its position in
// Trace.Decisions.
type Decision struct {
	Runnable []string // the threads runnable at this point
	Thread   string   // the one chosen; one of Runnable
	Action   string   // what it then did: "B CAS cursor 5→6 ok"
}

// Run is a stretch of N consecutive decisions that a trace does not record
// one by one: each was made by Rule, given the runnable threads of its step
// and the thread chosen at the step before. It comes right before
// Decisions[At] (At == len(Decisions): after the last one). A step-bound
// run of millions of decisions is written as a few recorded decisions and
// a run, so that its trace stays small; replay follows the rule and checks
// the hash (see Cursor).
type Run struct {
	At   int  // the recorded decision it comes before
	N    int  // how many decisions, ≥ 1
	Rule Rule // how each was made
}

// Rule is how the decisions of a Run were made. Every rule is a pure
// function of the runnable threads (in the scheduler's order) and the
// thread chosen at the step before, so a replay makes the same choices.
type Rule uint8

// The rules.
const (
	// RuleContinue keeps running the thread chosen at the step before
	// when it is runnable, else the first runnable thread: the
	// non-preemptive schedule (the checker's guided default).
	RuleContinue Rule = iota + 1
	// RuleRoundRobin runs the runnable thread that follows the one chosen
	// at the step before in the runnable list, cyclically; the first
	// runnable thread when that one is not runnable.
	RuleRoundRobin
	numRules
)

var ruleNames = [...]string{RuleContinue: "continue", RuleRoundRobin: "round-robin"}

// String returns "continue" or "round-robin".
func (r Rule) String() string {
	if r > 0 && r < numRules {
		return ruleNames[r]
	}
	return fmt.Sprintf("rule(%d)", uint8(r))
}

// ParseRule parses a rule's name.
func ParseRule(s string) (Rule, error) {
	for r := RuleContinue; r < numRules; r++ {
		if ruleNames[r] == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("decision rule %q: want continue or round-robin", s)
}

// Choose returns the index in runnable of the thread the rule picks, given
// the thread chosen at the step before ("" at the first step). runnable
// must not be empty.
func (r Rule) Choose(last string, runnable []string) int {
	i := slices.Index(runnable, last)
	switch {
	case i < 0:
		return 0
	case r == RuleRoundRobin:
		return (i + 1) % len(runnable)
	}
	return i
}

// Steps is how many decisions the run made: the recorded ones and those
// in Runs.
func (t *Trace) Steps() int {
	n := len(t.Decisions)
	for _, r := range t.Runs {
		n += r.N
	}
	return n
}

// NoReturn is Operation.Return for an op that was called but never
// returned: the run was stopped (deadlock, step bound, panic, watchdog)
// while it was in flight.
const NoReturn = -1

// Operation is one op of the recorded history: its call and its return,
// each at its own logical tick.
type Operation struct {
	Thread string       // "main" (init and post parts) or a scenario thread: "A", "B", …
	Op     model.Op     // what was called
	Call   int          // the call's tick
	Return int          // the return's tick, or NoReturn
	Result model.Result // what it returned; meaningless when Return is NoReturn
}

// Pending reports whether the op never returned.
func (o Operation) Pending() bool { return o.Return == NoReturn }

// Outcome is the three-valued verdict: a run is Ok, a Violation, or Unknown
// (the checker could not decide; never a pass).
type Outcome uint8

// The outcomes.
const (
	Ok Outcome = iota + 1
	Violation
	Unknown
)

// Kind is what kind of violation a run showed.
type Kind uint8

// The violation kinds.
const (
	Linearizability Kind = iota + 1 // no linearization of the history satisfies the spec
	Invariant                       // the implementation's Validate failed at a quiescent point
	Deadlock                        // no thread could run, and not every thread had returned
	StepBound                       // the run exceeded its step bound (livelock, endless loop)
	Panic                           // a thread panicked
	Watchdog                        // a thread ran too long between scheduling points
	Foreign                         // the Env was used from a goroutine that is none of the run's threads
	numKinds
)

var kindNames = [...]string{
	Linearizability: "linearizability", Invariant: "invariant", Deadlock: "deadlock",
	StepBound: "step-bound", Panic: "panic", Watchdog: "watchdog", Foreign: "foreign",
}

// Kinds lists every violation kind, in order.
func Kinds() []Kind {
	var out []Kind
	for k := Linearizability; k < numKinds; k++ {
		out = append(out, k)
	}
	return out
}

// String returns the kind's name: "linearizability", "step-bound", … .
func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Stopped reports whether a run with this verdict was stopped by the
// scheduler, so that ops may have been left without a return.
func (k Kind) Stopped() bool {
	return k == Deadlock || k == StepBound || k == Panic || k == Watchdog || k == Foreign
}

// ParseKind parses a violation kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds() {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("violation kind %q: want one of %s", s, kindList())
}

func kindList() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}

// Verdict is how a run was judged. Kind is set for violations only.
type Verdict struct {
	Outcome Outcome
	Kind    Kind
}

// String returns "ok", "unknown" or "violation <kind>".
func (v Verdict) String() string {
	switch v.Outcome {
	case Ok:
		return "ok"
	case Unknown:
		return "unknown"
	case Violation:
		return "violation " + v.Kind.String()
	}
	return fmt.Sprintf("outcome(%d)", uint8(v.Outcome))
}

// ParseVerdict parses a verdict as String prints it.
func ParseVerdict(s string) (Verdict, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 1 && f[0] == "ok":
		return Verdict{Outcome: Ok}, nil
	case len(f) == 1 && f[0] == "unknown":
		return Verdict{Outcome: Unknown}, nil
	case len(f) == 2 && f[0] == "violation":
		k, err := ParseKind(f[1])
		if err != nil {
			return Verdict{}, err
		}
		return Verdict{Outcome: Violation, Kind: k}, nil
	case len(f) == 1 && f[0] == "violation":
		return Verdict{}, fmt.Errorf("verdict violation needs a kind: one of %s", kindList())
	}
	return Verdict{}, fmt.Errorf("verdict %q: want ok, unknown or violation <kind>", s)
}

func (v Verdict) validate() error {
	switch v.Outcome {
	case Ok, Unknown:
		if v.Kind != 0 {
			return fmt.Errorf("verdict %s has a violation kind (%s)", v, v.Kind)
		}
		return nil
	case Violation:
		if v.Kind == 0 || v.Kind >= numKinds {
			return fmt.Errorf("verdict violation has no valid kind: want one of %s", kindList())
		}
		return nil
	}
	return fmt.Errorf("verdict outcome %d: want ok, violation or unknown", v.Outcome)
}

// Limits on what a trace may hold, so that reading any input takes bounded
// time and memory.
const (
	MaxSize      = 16 << 20 // bytes in a trace file
	MaxLine      = 64 << 10 // bytes in one line
	MaxThreads   = 1024     // threads in the parallel part
	MaxOps       = 1 << 16  // ops in the scenario (and so in the history)
	MaxDecisions = 1 << 20  // recorded scheduling decisions
	MaxRuns      = 1 << 16  // runs of unrecorded decisions
	MaxSteps     = 1 << 40  // decisions in all, those in runs included
)

// Validate says what is wrong with t, if anything: the same checks Parse
// makes, so that Format never writes a trace Parse would reject.
func (t *Trace) Validate() error {
	if e := t.check(); e != nil {
		return fmt.Errorf("%s: %s", e.where.desc(), e.msg)
	}
	return nil
}

// loc names a part of a trace, so that a check's failure can be placed on
// its line when the trace was parsed, or described when it was not.
type loc struct {
	what  locKind
	name  string // locKey: the key; locOp: the part ("init", "A", …, "post")
	index int    // locOp, locDecision, locHistory: the position in its list
	step  int    // locDecision: the decision's index among all decisions, runs counted
}

type locKind uint8

const (
	locKey locKind = iota + 1
	locScenario
	locOp
	locDecisions
	locDecision
	locRun
	locHistory
	locVerdict
)

func (l loc) desc() string {
	switch l.what {
	case locKey:
		return l.name
	case locOp:
		return fmt.Sprintf("scenario %s op %d", l.name, l.index)
	case locDecision:
		return fmt.Sprintf("decision %d", l.step)
	case locRun:
		return fmt.Sprintf("decision run %d", l.index)
	case locHistory:
		return fmt.Sprintf("history op %d", l.index)
	case locScenario:
		return "scenario"
	case locDecisions:
		return "decisions"
	}
	return "verdict"
}

func atKey(name string) loc { return loc{what: locKey, name: name} }

type checkError struct {
	where loc
	msg   string
}

func errAt(where loc, format string, args ...any) *checkError {
	return &checkError{where: where, msg: fmt.Sprintf(format, args...)}
}

// check runs every semantic check, in file order, and returns the first
// failure with where it is.
func (t *Trace) check() *checkError {
	if t.Impl == "" {
		return errAt(atKey("impl"), "empty implementation name")
	}
	if t.Spec == "" {
		return errAt(atKey("spec"), "empty spec name")
	}
	if _, err := model.ParsePolicy(t.Policy.String()); err != nil {
		return errAt(atKey("policy"), "%v", err)
	}
	sc := &t.Scenario
	if _, err := model.ParseLevel(sc.Level.String()); err != nil {
		return errAt(atKey("level"), "%v", err)
	}
	if err := sc.Params.Validate(); err != nil {
		key := "pid_max"
		switch msg := err.Error(); {
		case strings.HasPrefix(msg, "floor"):
			key = "floor"
		case strings.HasPrefix(msg, "max level"):
			key = "max_level"
		}
		return errAt(atKey(key), "%v", err)
	}
	if len(sc.Threads) > MaxThreads {
		return errAt(loc{what: locScenario}, "%d threads: at most %d", len(sc.Threads), MaxThreads)
	}
	if n := sc.Ops(); n > MaxOps {
		return errAt(loc{what: locScenario}, "%d ops: at most %d", n, MaxOps)
	}
	checkOps := func(part string, ops []model.Op) *checkError {
		for i, op := range ops {
			if e := checkOp(sc.Level, op); e != "" {
				return errAt(loc{what: locOp, name: part, index: i}, "%s", e)
			}
		}
		return nil
	}
	if e := checkOps("init", sc.Init); e != nil {
		return e
	}
	for i, ops := range sc.Threads {
		if e := checkOps(model.ThreadName(i), ops); e != nil {
			return e
		}
	}
	if e := checkOps("post", sc.Post); e != nil {
		return e
	}

	if len(t.Decisions) > MaxDecisions {
		return errAt(loc{what: locDecisions}, "%d decisions: at most %d", len(t.Decisions), MaxDecisions)
	}
	if e := t.checkRuns(); e != nil {
		return e
	}
	run, step := 0, 0
	for i, d := range t.Decisions {
		for ; run < len(t.Runs) && t.Runs[run].At == i; run++ {
			step += t.Runs[run].N
		}
		if e := checkDecision(d); e != "" {
			return errAt(loc{what: locDecision, index: i, step: step}, "%s", e)
		}
		step++
	}

	if e := t.checkHistory(); e != nil {
		return e
	}
	if err := t.Verdict.validate(); err != nil {
		return errAt(loc{what: locVerdict}, "%v", err)
	}
	return nil
}

// checkRuns checks that the runs are in order, each of at least one
// decision by a known rule, and that the steps stay within MaxSteps.
func (t *Trace) checkRuns() *checkError {
	if len(t.Runs) > MaxRuns {
		return errAt(loc{what: locDecisions}, "%d decision runs: at most %d", len(t.Runs), MaxRuns)
	}
	steps := len(t.Decisions)
	for i, r := range t.Runs {
		at := loc{what: locRun, index: i}
		switch {
		case r.At < 0 || r.At > len(t.Decisions):
			return errAt(at, "run %d comes before recorded decision %d, but there are %d", i, r.At, len(t.Decisions))
		case i > 0 && r.At < t.Runs[i-1].At:
			return errAt(at, "run %d comes before recorded decision %d, before run %d (at %d): runs go in order", i, r.At, i-1, t.Runs[i-1].At)
		case r.N < 1:
			return errAt(at, "run %d has %d decisions: at least 1", i, r.N)
		case r.Rule == 0 || r.Rule >= numRules:
			return errAt(at, "run %d has no valid rule: want continue or round-robin", i)
		case r.N > MaxSteps-steps:
			return errAt(at, "more than %d decisions in all", MaxSteps)
		}
		steps += r.N
	}
	return nil
}

func checkOp(level model.Level, op model.Op) string {
	if !slices.Contains(model.Kinds(), op.Kind) {
		return fmt.Sprintf("op of unknown kind %d", uint8(op.Kind))
	}
	back, err := model.ParseOp(op.String())
	if err != nil {
		return err.Error()
	}
	if !back.Equal(op) {
		return fmt.Sprintf("op %+v does not print as itself (%q)", op, op.String())
	}
	if op.Kind.Level() != level {
		return fmt.Sprintf("op %q is a %s-level op, but the scenario is at the %s level", op, op.Kind.Level(), level)
	}
	return ""
}

func checkDecision(d Decision) string {
	if len(d.Runnable) == 0 {
		return "no runnable threads"
	}
	// A map for long sets, so that a hostile file with huge runnable sets
	// costs linear time.
	var seen map[string]bool
	if len(d.Runnable) > 8 {
		seen = make(map[string]bool, len(d.Runnable))
	}
	for i, name := range d.Runnable {
		if name == "" {
			return "empty thread name in the runnable set"
		}
		if seen != nil && seen[name] || seen == nil && slices.Contains(d.Runnable[:i], name) {
			return fmt.Sprintf("thread %s is twice in the runnable set", quoteToken(name))
		}
		if seen != nil {
			seen[name] = true
		}
	}
	if !slices.Contains(d.Runnable, d.Thread) {
		return fmt.Sprintf("chosen thread %s is not runnable (runnable: %s)", quoteToken(d.Thread), formatRunnable(d.Runnable))
	}
	return ""
}

// checkHistory checks the history against the scenario: each thread runs
// its own ops, in order, one at a time; ticks are distinct and every op
// returns after its call; ops stay pending only in a stopped run.
func (t *Trace) checkHistory() *checkError {
	sc := &t.Scenario
	type thread struct {
		ops     []model.Op // what it runs, in order
		next    int        // how many it has run
		lastRet int        // the return tick of its previous op
		pending bool       // its previous op never returned
	}
	threads := map[string]*thread{"main": {ops: append(slices.Clip(sc.Init), sc.Post...), lastRet: -1}}
	for i, ops := range sc.Threads {
		threads[model.ThreadName(i)] = &thread{ops: ops, lastRet: -1}
	}
	ticks := make(map[int]int, 2*len(t.History)) // tick → history index
	lastCall := -1
	for i, o := range t.History {
		at := loc{what: locHistory, index: i}
		th, ok := threads[o.Thread]
		if !ok {
			return errAt(at, "unknown thread %q: want main or one of the scenario's %d threads", o.Thread, len(sc.Threads))
		}
		if th.next >= len(th.ops) {
			return errAt(at, "thread %s runs more ops than the scenario gives it (%d)", o.Thread, len(th.ops))
		}
		if want := th.ops[th.next]; !want.Equal(o.Op) {
			return errAt(at, "thread %s's op %d is %q, but the scenario says %q", o.Thread, th.next, o.Op, want)
		}
		th.next++
		if o.Call < 0 {
			return errAt(at, "call tick %d is negative", o.Call)
		}
		if o.Call <= lastCall {
			return errAt(at, "call tick %d is not after the previous op's call tick %d: history ticks must increase", o.Call, lastCall)
		}
		lastCall = o.Call
		if th.pending {
			return errAt(at, "thread %s calls an op after one that never returned", o.Thread)
		}
		if o.Call <= th.lastRet {
			return errAt(at, "thread %s calls at tick %d, before its previous op returned (tick %d)", o.Thread, o.Call, th.lastRet)
		}
		if j, dup := ticks[o.Call]; dup {
			return errAt(at, "tick %d is used twice (also in history op %d)", o.Call, j)
		}
		ticks[o.Call] = i
		if o.Pending() {
			th.pending = true
			if t.Verdict.Outcome != Violation || !t.Verdict.Kind.Stopped() {
				return errAt(at, "call without a return, but the verdict is %s: only a stopped run (deadlock, step-bound, panic, watchdog, foreign) leaves ops pending", t.Verdict)
			}
			continue
		}
		if o.Return <= o.Call {
			return errAt(at, "return tick %d is not after the call tick %d", o.Return, o.Call)
		}
		if j, dup := ticks[o.Return]; dup {
			return errAt(at, "tick %d is used twice (also in history op %d)", o.Return, j)
		}
		ticks[o.Return] = i
		th.lastRet = o.Return
		text := o.Result.Format(o.Op.Kind)
		back, err := model.ParseResult(o.Op.Kind, text)
		if err != nil {
			return errAt(at, "%v", err)
		}
		if !back.Equal(o.Op.Kind, o.Result) {
			return errAt(at, "result %+v does not print as itself (%q)", o.Result, text)
		}
	}
	return nil
}

// Equal reports whether t and u hold the same trace: results are compared
// for what matters to their op's kind, and a nil list equals an empty one.
func (t *Trace) Equal(u *Trace) bool {
	if t.Impl != u.Impl || t.Spec != u.Spec || t.Policy != u.Policy ||
		t.Strategy != u.Strategy || t.Seed != u.Seed || t.Reproduce != u.Reproduce || t.Hash != u.Hash ||
		t.Verdict != u.Verdict || t.Reason != u.Reason {
		return false
	}
	a, b := &t.Scenario, &u.Scenario
	if a.Level != b.Level || a.Params != b.Params || !opsEqual(a.Init, b.Init) ||
		!opsEqual(a.Post, b.Post) || len(a.Threads) != len(b.Threads) {
		return false
	}
	for i := range a.Threads {
		if !opsEqual(a.Threads[i], b.Threads[i]) {
			return false
		}
	}
	if !slices.EqualFunc(t.Decisions, u.Decisions, func(d, e Decision) bool {
		return d.Thread == e.Thread && d.Action == e.Action && slices.Equal(d.Runnable, e.Runnable)
	}) || !slices.Equal(t.Runs, u.Runs) {
		return false
	}
	return slices.EqualFunc(t.History, u.History, func(o, p Operation) bool {
		return o.Thread == p.Thread && o.Op.Equal(p.Op) && o.Call == p.Call && o.Return == p.Return &&
			(o.Pending() || o.Result.Equal(o.Op.Kind, p.Result))
	})
}

func opsEqual(a, b []model.Op) bool {
	return slices.EqualFunc(a, b, model.Op.Equal)
}

// OutOfRange lists the history's results that no kernel could have given
// (model.Result.OutOfRange), one sentence each, in history order — for a
// report to say beside the verdict; nil when there are none.
func (t *Trace) OutOfRange() []string {
	var out []string
	for i, o := range t.History {
		if o.Pending() {
			continue
		}
		if why := o.Result.OutOfRange(o.Op.Kind); why != "" {
			out = append(out, fmt.Sprintf("history op %d (%s %s -> %s): out of range: %s", i, o.Thread, o.Op, o.Result.Format(o.Op.Kind), why))
		}
	}
	return out
}
