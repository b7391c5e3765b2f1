package traces

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pidcheck/pidcheck/model"
)

// ParseError is what is wrong with a trace file, and where: the CLI maps it
// to exit status 2.
type ParseError struct {
	File string // the name given to Parse
	Line int    // 1-based
	Msg  string // what is wrong
}

// Error returns "file:line: message".
func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Parse reads a trace from r, which name names in errors. It reads at most
// MaxSize+1 bytes of r, whatever r holds. Every problem is a *ParseError;
// a read error from r is returned wrapped, as it is.
func Parse(name string, r io.Reader) (*Trace, error) {
	data, err := readLimited(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &parser{name: name, t: &Trace{}, keys: map[string]int{}, opLines: map[string][]int{}, names: map[string]string{}, sets: map[string][]string{}}
	if len(data) > MaxSize {
		line := 1 + bytes.Count(data[:MaxSize], []byte("\n"))
		return nil, p.errorf(line, "file too large: more than %d MiB (a trace holds at most %d bytes)", MaxSize>>20, MaxSize)
	}
	if len(data) == 0 {
		return nil, p.errorf(1, "empty file: a trace starts with the line %q (or v2)", Header)
	}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, p.errorf(1, "the file starts with a UTF-8 byte order mark (bytes EF BB BF): a trace is plain UTF-8; save it without the mark")
	}
	// One string for the whole file: every line, name and action is a
	// substring of it, so that reading a line allocates nothing.
	text := string(data)
	data = nil
	for len(text) > 0 {
		p.line++
		raw := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			raw, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if len(raw) >= MaxLine {
			return nil, p.errorf(p.line, "line too long: %d bytes (a line holds at most %d)", len(raw), MaxLine-1)
		}
		raw = strings.TrimSuffix(raw, "\r")
		if msg := notText(raw); msg != "" {
			return nil, p.errorf(p.line, "%s", msg)
		}
		if p.section == secDecisions && p.t.Decisions == nil {
			// Size the lists once, by the lines left in the section.
			n := sectionLines(text) + 1
			p.t.Decisions = make([]Decision, 0, min(n, MaxDecisions))
			p.decisionLines = make([]int32, 0, min(n, MaxDecisions))
		}
		if err := p.parseLine(strings.TrimRight(raw, " \t")); err != nil {
			return nil, err
		}
	}
	if p.section != secEnd {
		msg := "truncated: no end line"
		if p.section != 0 {
			msg += fmt.Sprintf(" (the file stops in section %s)", sectionNames[p.section])
		} else {
			msg += " (the file stops in the header)"
		}
		return nil, p.errorf(p.line, "%s", msg)
	}
	p.t.Reason = strings.Join(p.reason, "\n")
	if e := p.t.check(); e != nil {
		return nil, p.errorf(p.lineOf(e.where), "%s", e.msg)
	}
	return p.t, nil
}

// readLimited reads at most MaxSize+1 bytes of r into a buffer sized once
// when r can say how much it holds (a file, a bytes or strings Reader).
func readLimited(r io.Reader) ([]byte, error) {
	hint := 0
	switch v := r.(type) {
	case interface{ Len() int }:
		hint = v.Len()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			hint = int(min(fi.Size(), MaxSize))
		}
	}
	hint = min(max(hint, 0), MaxSize)
	buf := bytes.NewBuffer(make([]byte, 0, hint+1+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	return buf.Bytes(), err
}

// sectionLines counts the lines of text before the first one that starts
// a new section (not indented, not blank, not a comment).
func sectionLines(text string) int {
	n := 0
	for len(text) > 0 {
		if c := text[0]; c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '#' {
			return n
		}
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return n + 1
		}
		text = text[i+1:]
		n++
	}
	return n
}

// notText says why a line is not text, or "".
func notText(b string) string {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRuneInString(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return fmt.Sprintf("binary data: byte 0x%02x at column %d is not UTF-8 text", b[i], i+1)
		case r == 0:
			return fmt.Sprintf("binary data: NUL byte at column %d", i+1)
		case r != '\t' && unicode.IsControl(r):
			return fmt.Sprintf("binary data: control character %U at column %d", r, i+1)
		}
		i += size
	}
	return ""
}

// The sections, in the order they come.
const (
	secScenario = iota + 1
	secDecisions
	secHistory
	secVerdict
	secReason
	secEnd
	numSections
)

var sectionNames = [...]string{
	secScenario: "scenario", secDecisions: "decisions", secHistory: "history",
	secVerdict: "verdict", secReason: "reason", secEnd: "end",
}

// paramRange says what each numeric header key must be.
var paramRange = map[string]string{
	"pid_max":     fmt.Sprintf("pid_max must be above the floor and at most %d (PID_MAX_LIMIT)", model.KernelPidMax),
	"floor":       "the floor must be at least 1 and below pid_max",
	"max_level":   "max_level must be in [0, 64]",
	"min_pid_max": "min_pid_max must be above the floor and at most pid_max",
}

// headerKeys are the keys before the first section, in the order Format
// writes them.
var headerKeys = []string{"impl", "spec", "policy", "level", "pid_max", "floor", "max_level", "strategy", "seed"}

// optionalKeys may follow the header keys.
var optionalKeys = []string{"min_pid_max", "reproduce"}

type parser struct {
	name    string
	t       *Trace
	line    int // the current line
	version int // the format version, from the first line

	keys    map[string]int // header key → its line
	section int            // the current section, 0 in the header
	seen    [numSections]int

	threads    map[string]int // scenario thread name → index
	part       int            // 0 init, 1 threads, 2 post: where scenario ops are
	lastThread int
	ops        int              // scenario ops so far
	opLines    map[string][]int // part → the line of each of its ops

	steps         int     // decisions so far, those in runs included
	decisionLines []int32 // the line of each recorded decision
	runLines      []int32 // the line of each run
	historyLines  []int
	reason        []string
	names         map[string]string   // interned thread names
	sets          map[string][]string // interned runnable sets, by their text
}

func (p *parser) errorf(line int, format string, args ...any) *ParseError {
	return &ParseError{File: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) fail(format string, args ...any) error {
	return p.errorf(p.line, format, args...)
}

// lineOf finds the line of a part of the parsed trace.
func (p *parser) lineOf(l loc) int {
	pick := func(lines []int, i int) int {
		if i >= 0 && i < len(lines) {
			return lines[i]
		}
		return p.line
	}
	pick32 := func(lines []int32, i int) int {
		if i >= 0 && i < len(lines) {
			return int(lines[i])
		}
		return p.line
	}
	switch l.what {
	case locKey:
		if n, ok := p.keys[l.name]; ok {
			return n
		}
	case locScenario:
		return p.seen[secScenario]
	case locOp:
		return pick(p.opLines[l.name], l.index)
	case locDecisions:
		return p.seen[secDecisions]
	case locDecision:
		return pick32(p.decisionLines, l.index)
	case locRun:
		return pick32(p.runLines, l.index)
	case locHistory:
		return pick(p.historyLines, l.index)
	case locVerdict:
		return p.seen[secVerdict]
	}
	return p.line
}

func (p *parser) parseLine(s string) error {
	if p.line == 1 {
		return p.parseHeader(s)
	}
	trimmed := strings.TrimLeft(s, " \t")
	if trimmed == "" || trimmed[0] == '#' {
		return nil // blank line or comment
	}
	if p.section == secEnd {
		return p.fail("text after the end line")
	}
	if trimmed != s {
		return p.parseBody(trimmed)
	}
	kw, rest := cutWord(s)
	if p.section == 0 && (contains(headerKeys, kw) || contains(optionalKeys, kw)) {
		return p.parseKey(kw, rest)
	}
	for sec := secScenario; sec < numSections; sec++ {
		if sectionNames[sec] == kw {
			if err := p.enter(sec); err != nil {
				return err
			}
			return p.parseSectionLine(sec, rest)
		}
	}
	if contains(headerKeys, kw) || contains(optionalKeys, kw) {
		return p.fail("key %s after section %s: the header keys come first", kw, sectionNames[p.section])
	}
	if p.section == 0 {
		return p.fail("unknown key %q (want one of %s, or the section scenario)", kw, strings.Join(headerKeys, ", "))
	}
	return p.fail("unknown section %q (sections: scenario, decisions, history, verdict, reason, end)", kw)
}

func (p *parser) parseHeader(s string) error {
	switch s {
	case Header:
		p.version = 1
		return nil
	case HeaderV2:
		p.version = 2
		return nil
	}
	if v, ok := strings.CutPrefix(s, "pidcheck trace v"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return p.fail("unsupported trace version %d; this pidcheck reads v1 and v2", n)
		}
		return p.fail("unsupported trace version %q; this pidcheck reads v1 and v2", v)
	}
	return p.fail("not a pidcheck trace: the first line must be %q (or v2)", Header)
}

func (p *parser) parseKey(key, v string) error {
	if first, dup := p.keys[key]; dup {
		return p.fail("duplicate key %s (first at line %d)", key, first)
	}
	p.keys[key] = p.line
	if v == "" {
		return p.fail("key %s has no value", key)
	}
	t, sc := p.t, &p.t.Scenario
	var err error
	// A number of any size reads; Params.Validate then says what range
	// it must be in. One past int's range is out of range all the same.
	number := func(dst *int) {
		n, e := strconv.Atoi(v)
		switch {
		case errors.Is(e, strconv.ErrRange):
			err = fmt.Errorf("%s %s is out of range: %s", key, v, paramRange[key])
		case e != nil:
			err = fmt.Errorf("%s %q: want a number", key, v)
		}
		*dst = n
	}
	switch key {
	case "impl":
		t.Impl, err = decodeText(v)
	case "spec":
		t.Spec, err = decodeText(v)
	case "strategy":
		t.Strategy, err = decodeText(v)
	case "reproduce":
		t.Reproduce, err = decodeText(v)
	case "policy":
		t.Policy, err = model.ParsePolicy(v)
	case "level":
		sc.Level, err = model.ParseLevel(v)
	case "pid_max":
		number(&sc.Params.PidMax)
	case "floor":
		number(&sc.Params.Floor)
	case "max_level":
		number(&sc.Params.MaxLevel)
	case "min_pid_max":
		number(&sc.Params.MinPidMax)
	case "seed":
		if t.Seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			err = fmt.Errorf("seed %q: want a number in [0, 2^64)", v)
		}
	}
	if err != nil {
		return p.fail("%v", err)
	}
	return nil
}

// enter starts section sec at the current line.
func (p *parser) enter(sec int) error {
	name := sectionNames[sec]
	if first := p.seen[sec]; first != 0 {
		return p.fail("duplicate section %s (first at line %d)", name, first)
	}
	if sec < p.section {
		return p.fail("section %s after section %s: the sections go scenario, decisions, history, verdict, [reason,] end", name, sectionNames[p.section])
	}
	if p.section == 0 {
		for _, k := range headerKeys {
			if _, ok := p.keys[k]; !ok {
				return p.fail("missing key %s before section %s (the header holds %s)", k, name, strings.Join(headerKeys, ", "))
			}
		}
	}
	for s := p.section + 1; s < sec; s++ {
		if s != secReason {
			return p.fail("missing section %s before section %s", sectionNames[s], name)
		}
	}
	p.section = sec
	p.seen[sec] = p.line
	return nil
}

func (p *parser) parseSectionLine(sec int, rest string) error {
	f := strings.Fields(rest)
	switch sec {
	case secScenario:
		if len(f) != 2 || f[0] != "threads" {
			return p.fail("want \"scenario threads <n>\"")
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 || n > MaxThreads {
			return p.fail("scenario threads %q: want a number in [0, %d]", f[1], MaxThreads)
		}
		p.t.Scenario.Threads = make([][]model.Op, n)
		p.threads = make(map[string]int, n)
		for i := range n {
			p.threads[model.ThreadName(i)] = i
		}
	case secDecisions:
		if len(f) != 2 || f[0] != "hash" {
			return p.fail("want \"decisions hash <16 hex digits>\"")
		}
		h, err := strconv.ParseUint(f[1], 16, 64)
		if err != nil || len(f[1]) != 16 {
			return p.fail("decision hash %q: want 16 hex digits", f[1])
		}
		p.t.Hash = h
	case secVerdict:
		v, err := ParseVerdict(rest)
		if err != nil {
			return p.fail("%v", err)
		}
		p.t.Verdict = v
	default:
		if len(f) != 0 {
			return p.fail("section %s takes no arguments, got %q", sectionNames[sec], rest)
		}
	}
	return nil
}

func (p *parser) parseBody(s string) error {
	switch p.section {
	case secScenario:
		return p.parseScenarioOp(s)
	case secDecisions:
		return p.parseDecision(s)
	case secHistory:
		return p.parseHistoryOp(s)
	case secReason:
		return p.parseReasonLine(s)
	case 0:
		return p.fail("indented line in the header: only section bodies are indented")
	}
	return p.fail("indented line after section %s, which has no body", sectionNames[p.section])
}

func (p *parser) parseScenarioOp(s string) error {
	label, rest := cutWord(s)
	sc := &p.t.Scenario
	var list *[]model.Op
	switch label {
	case "init":
		if p.part > 0 {
			return p.fail("init op after thread or post ops: write init, then the threads A, B, … in order, then post")
		}
		list = &sc.Init
	case "post":
		p.part = 2
		list = &sc.Post
	default:
		i, ok := p.threads[label]
		if !ok {
			return p.fail("unknown thread %q: the scenario has %d threads (%s)", label, len(sc.Threads), threadList(len(sc.Threads)))
		}
		if p.part == 2 || (p.part == 1 && i < p.lastThread) {
			return p.fail("thread %s op out of order: write init, then the threads A, B, … in order, then post", label)
		}
		p.part, p.lastThread = 1, i
		list = &sc.Threads[i]
	}
	if p.ops++; p.ops > MaxOps {
		return p.fail("too many ops: a scenario holds at most %d", MaxOps)
	}
	op, err := model.ParseOp(rest)
	if err != nil {
		return p.fail("%v", err)
	}
	*list = append(*list, op)
	p.opLines[label] = append(p.opLines[label], p.line)
	return nil
}

func threadList(n int) string {
	switch n {
	case 0:
		return "none"
	case 1:
		return "A"
	case 2:
		return "A, B"
	}
	return "A … " + model.ThreadName(n-1)
}

func (p *parser) parseDecision(s string) error {
	i := p.steps
	idx, s := cutWord(s)
	if from, to, ok := strings.Cut(idx, ".."); ok {
		return p.parseRun(from, to, s)
	}
	if len(p.t.Decisions) >= MaxDecisions {
		return p.fail("too many decisions: a trace records at most %d (write long stretches as runs, format v2)", MaxDecisions)
	}
	if n, err := strconv.Atoi(idx); err != nil || n != i {
		return p.fail("decision index %q, want %d: decisions are numbered from 0, in order", idx, i)
	}
	if !strings.HasPrefix(s, "[") {
		return p.fail("decision %d: want the runnable threads in brackets after the index: [A B]", i)
	}
	var d Decision
	// A runnable set seen before is shared, not parsed again.
	if end := strings.IndexByte(s, ']'); end > 0 && !strings.Contains(s[:end], `"`) {
		if set, ok := p.sets[s[1:end]]; ok {
			d.Runnable, s = set, s[end+1:]
		}
	}
	if d.Runnable == nil {
		key, rest, err := p.parseRunnable(i, s[1:], &d)
		if err != nil {
			return err
		}
		if key != "" && len(p.sets) < 4096 {
			p.sets[key] = d.Runnable
		}
		s = rest
	}
	if s != "" && s[0] != ' ' && s[0] != '\t' {
		return p.fail("decision %d: want a space after the runnable list", i)
	}
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return p.fail("decision %d: missing the chosen thread and the action", i)
	}
	name, rest, err := readToken(s)
	if err != nil {
		return p.fail("decision %d: chosen thread: %v", i, err)
	}
	d.Thread = p.intern(name)
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return p.fail("decision %d: want a space after the chosen thread", i)
	}
	action := strings.TrimLeft(rest, " \t")
	if action == "" {
		return p.fail("decision %d: missing the action (write \"\" for none)", i)
	}
	if d.Action, err = decodeText(action); err != nil {
		return p.fail("decision %d: action: %v", i, err)
	}
	p.t.Decisions = append(p.t.Decisions, d)
	p.decisionLines = append(p.decisionLines, int32(p.line))
	p.steps++
	return nil
}

// parseRunnable reads the runnable list after its "[" into d, and returns
// the list's text (the key to share it by; "" when it held a quoted name)
// and what follows its "]".
func (p *parser) parseRunnable(i int, s string, d *Decision) (key, rest string, err error) {
	start, plain := s, true
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return "", "", p.fail("decision %d: the runnable list has no closing ]", i)
		}
		if s[0] == ']' {
			break
		}
		plain = plain && s[0] != '"'
		name, rest, err := readToken(s)
		if err != nil {
			return "", "", p.fail("decision %d: runnable thread: %v", i, err)
		}
		d.Runnable = append(d.Runnable, p.intern(name))
		s = rest
	}
	if d.Runnable == nil {
		d.Runnable = []string{} // "[]": Validate says it is empty
	}
	if plain {
		key = start[:len(start)-len(s)]
	}
	return key, s[1:], nil
}

// parseRun reads a run line: "<from>..<to>  <rule>", from the next
// decision's index to the run's last, inclusive.
func (p *parser) parseRun(from, to, rule string) error {
	i := p.steps
	if p.version < 2 {
		return p.fail("decision run %s..%s: runs of unrecorded decisions need format v2, and the first line says v1", from, to)
	}
	if len(p.t.Runs) >= MaxRuns {
		return p.fail("too many decision runs: a trace holds at most %d", MaxRuns)
	}
	f, err1 := strconv.Atoi(from)
	l, err2 := strconv.Atoi(to)
	switch {
	case err1 != nil || f != i:
		return p.fail("decision run %q: want it to start at %d, the next decision's index", from+".."+to, i)
	case err2 != nil || l < f:
		return p.fail("decision run %q: want <from>..<to> with to ≥ from", from+".."+to)
	case l >= MaxSteps:
		return p.fail("decision run %q: more than %d decisions in all", from+".."+to, MaxSteps)
	}
	r, err := ParseRule(rule)
	if err != nil {
		return p.fail("decision run %s..%s: %v", from, to, err)
	}
	p.t.Runs = append(p.t.Runs, Run{At: len(p.t.Decisions), N: l - f + 1, Rule: r})
	p.runLines = append(p.runLines, int32(p.line))
	p.steps = l + 1
	return nil
}

func (p *parser) parseHistoryOp(s string) error {
	i := len(p.t.History)
	if i >= MaxOps {
		return p.fail("too many history ops: a trace holds at most %d", MaxOps)
	}
	thread, s := cutWord(s)
	ticks, s := cutWord(s)
	o := Operation{Thread: p.intern(thread)}
	inner, ok1 := strings.CutPrefix(ticks, "[")
	inner, ok2 := strings.CutSuffix(inner, "]")
	if !ok1 || !ok2 {
		return p.fail("history op %d: ticks %q: want [call,return] or [call,-]", i, ticks)
	}
	call, ret, ok := strings.Cut(inner, ",")
	var err error
	if o.Call, err = parseTick(call); !ok || err != nil {
		return p.fail("history op %d: ticks %q: want [call,return] or [call,-]", i, ticks)
	}
	if ret == "-" {
		o.Return = NoReturn
	} else if o.Return, err = parseTick(ret); err != nil {
		return p.fail("history op %d: ticks %q: want [call,return] or [call,-]", i, ticks)
	}
	opText, resText, hasResult := strings.Cut(s, "->")
	if o.Op, err = model.ParseOp(strings.TrimSpace(opText)); err != nil {
		return p.fail("history op %d: %v", i, err)
	}
	switch {
	case o.Pending() && hasResult:
		return p.fail("history op %d: an op that never returned ([%d,-]) has no result", i, o.Call)
	case !o.Pending() && !hasResult:
		return p.fail("history op %d: missing \"-> result\" (an op that never returned has ticks [%d,-])", i, o.Call)
	case !o.Pending():
		if o.Result, err = model.ParseResult(o.Op.Kind, resText); err != nil {
			return p.fail("history op %d: %v", i, err)
		}
	}
	p.t.History = append(p.t.History, o)
	p.historyLines = append(p.historyLines, p.line)
	return nil
}

func parseTick(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<40 {
		return 0, fmt.Errorf("tick %q: want a number", s)
	}
	return n, nil
}

func (p *parser) parseReasonLine(s string) error {
	rest, ok := strings.CutPrefix(s, "|")
	switch {
	case !ok:
		return p.fail("reason line must start with \"|\"")
	case rest == "":
		p.reason = append(p.reason, "")
	case rest[0] == ' ':
		p.reason = append(p.reason, rest[1:])
	case rest[0] == '"':
		text, err := unquoteAll(rest)
		if err != nil {
			return p.fail("reason line: %v", err)
		}
		p.reason = append(p.reason, text)
	default:
		return p.fail("reason line: want \"| text\" or a quoted string right after \"|\"")
	}
	return nil
}

// intern returns one copy of each thread name, so that a long decision
// list holds its names once.
func (p *parser) intern(s string) string {
	if v, ok := p.names[s]; ok {
		return v
	}
	if len(p.names) < 4096 {
		p.names[s] = s
	}
	return s
}

// cutWord splits s at its first run of blanks.
func cutWord(s string) (word, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// decodeText reads a value encodeText wrote: Go-quoted when it starts with
// a quote, as it is otherwise.
func decodeText(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		return unquoteAll(s)
	}
	return s, nil
}

func unquoteAll(s string) (string, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", fmt.Errorf("bad quoted string %s", s)
	}
	if q != s {
		return "", fmt.Errorf("text after the quoted string: %q", s[len(q):])
	}
	return strconv.Unquote(q)
}

// readToken reads a thread name: Go-quoted, or a word ending at a blank or
// a closing bracket.
func readToken(s string) (tok, rest string, err error) {
	if s[0] == '"' {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", fmt.Errorf("bad quoted name %s", s)
		}
		rest = s[len(q):]
		if rest != "" && !strings.ContainsRune(" \t]", rune(rest[0])) {
			return "", "", fmt.Errorf("want a blank or ] after the quoted name %s", q)
		}
		tok, _ = strconv.Unquote(q)
		return tok, rest, nil
	}
	i := strings.IndexAny(s, " \t]")
	if i < 0 {
		i = len(s)
	}
	if i == 0 {
		return "", "", fmt.Errorf("missing thread name")
	}
	return s[:i], s[i:], nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
