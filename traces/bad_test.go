package traces

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// golden returns the lines of testdata/example.trace.
func golden(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "example.trace"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// edit returns the golden file with line n (1-based) replaced by repl (no
// line at all when repl is nil, several when it has several).
func edit(lines []string, n int, repl ...string) string {
	out := append([]string(nil), lines[:n-1]...)
	out = append(out, repl...)
	out = append(out, lines[n:]...)
	return strings.Join(out, "\n") + "\n"
}

// insert returns the golden file with extra lines before line n.
func insert(lines []string, n int, extra ...string) string {
	return edit(lines, n, append(extra, lines[n-1])...)
}

// asV2 turns a v1 trace's text into v2's.
func asV2(text string) string { return HeaderV2 + strings.TrimPrefix(text, Header) }

// TestParseRejectsBadInput: every kind of bad trace is rejected with a
// *ParseError naming the right line and saying what is wrong.
func TestParseRejectsBadInput(t *testing.T) {
	g := golden(t)
	cut := func(n int) string { return strings.Join(g[:n], "\n") + "\n" }
	for _, tc := range []struct {
		name, text, want string
	}{
		{"empty", "", `x.trace:1: empty file: a trace starts with the line "pidcheck trace v1" (or v2)`},
		{"wrong version", edit(g, 1, "pidcheck trace v3"), "x.trace:1: unsupported trace version 3; this pidcheck reads v1 and v2"},
		{"not a trace", "hello world\n", `x.trace:1: not a pidcheck trace: the first line must be "pidcheck trace v1" (or v2)`},
		// the checker-edges audit: a byte order mark, a pid_max past int, a handle past the limit.
		{"byte order mark", "\ufeff" + strings.Join(g, "\n") + "\n", "x.trace:1: the file starts with a UTF-8 byte order mark (bytes EF BB BF): a trace is plain UTF-8; save it without the mark"},
		{"pid_max 2^40", edit(g, 6, "pid_max 1099511627776"), "x.trace:6: pid_max 1099511627776: must be at most 4194304 (PID_MAX_LIMIT)"},
		{"pid_max past int", edit(g, 6, "pid_max 99999999999999999999"), "x.trace:6: pid_max 99999999999999999999 is out of range: pid_max must be above the floor and at most 4194304 (PID_MAX_LIMIT)"},
		{"handle past the limit", edit(g, 14, "  A     t2147483648 fork t1"), `x.trace:14: op "t2147483648 fork t1": task handle t2147483648 is out of range: handles go from t0 to t1073741824`},
		// the user-path audit: the strict parser accepted history ticks without "[".
		{"ticks without [", edit(g, 34, "  main  8,9]  free 1 -> ok"), `x.trace:34: history op 4: ticks "8,9]": want [call,return] or [call,-]`},
		{"ticks without ]", edit(g, 34, "  main  [8,9  free 1 -> ok"), `x.trace:34: history op 4: ticks "[8,9": want [call,return] or [call,-]`},
		// format v2: decision runs.
		{"run in a v1 trace", insert(g, 28, "  8..9  continue"), "x.trace:28: decision run 8..9: runs of unrecorded decisions need format v2, and the first line says v1"},
		{"run at the wrong index", asV2(insert(g, 28, "  7..9  continue")), `x.trace:28: decision run "7..9": want it to start at 8, the next decision's index`},
		{"run backwards", asV2(insert(g, 28, "  8..7  continue")), `x.trace:28: decision run "8..7": want <from>..<to> with to ≥ from`},
		{"run without a rule", asV2(insert(g, 28, "  8..9  random")), `x.trace:28: decision run 8..9: decision rule "random": want continue or round-robin`},
		{"decision after run misnumbered", asV2(edit(g, 22, "  2..3  continue")), `x.trace:23: decision index "3", want 4: decisions are numbered from 0, in order`},
		{"binary garbage", "\x7fELF\x02\x01\x01\x00\x00\x00", "x.trace:1: binary data: control character U+007F at column 1"},
		{"NUL byte", edit(g, 13, "  init  al\x00loc"), "x.trace:13: binary data: NUL byte at column 11"},
		{"invalid UTF-8", edit(g, 13, "  init  allo\xff"), "x.trace:13: binary data: byte 0xff at column 13 is not UTF-8 text"},
		{"truncated in history", cut(32), "x.trace:32: truncated: no end line (the file stops in section history)"},
		{"truncated in header", cut(5), "x.trace:5: truncated: no end line (the file stops in the header)"},
		{"truncated before end", cut(41), "x.trace:41: truncated: no end line (the file stops in section reason)"},
		{"unknown key", insert(g, 11, "color red"), `x.trace:11: unknown key "color" (want one of impl, spec, policy, level, pid_max, floor, max_level, strategy, seed, or the section scenario)`},
		{"duplicate key", edit(g, 11, "impl other"), "x.trace:11: duplicate key impl (first at line 2)"},
		{"missing key", edit(g, 10), "x.trace:11: missing key seed before section scenario (the header holds impl, spec, policy, level, pid_max, floor, max_level, strategy, seed)"},
		{"key without value", edit(g, 2, "impl"), "x.trace:2: key impl has no value"},
		{"bad number", edit(g, 6, "pid_max sixteen"), `x.trace:6: pid_max "sixteen": want a number`},
		{"bad params", edit(g, 7, "floor 16"), "x.trace:6: pid_max 16: must be above the floor 16"},
		{"bad policy", edit(g, 4, "policy fifo"), `x.trace:4: policy "fifo": want cyclic, lowest, unique or cyclic-alone`},
		{"bad seed", edit(g, 10, "seed -1"), `x.trace:10: seed "-1": want a number in [0, 2^64)`},
		{"key after sections", edit(g, 37, "seed 7"), "x.trace:37: key seed after section verdict: the header keys come first"},
		{"duplicate section", insert(g, 35, "history"), "x.trace:35: duplicate section history (first at line 29)"},
		{"missing section", edit(g, 29), "x.trace:29: decision index \"main\", want 8: decisions are numbered from 0, in order"},
		{"missing whole section", strings.Join(append(append([]string{}, g[:28]...), g[35:]...), "\n") + "\n", "x.trace:29: missing section history before section verdict"},
		{"unknown section", edit(g, 37, "frobs"), `x.trace:37: unknown section "frobs" (sections: scenario, decisions, history, verdict, reason, end)`},
		{"text after end", string(strings.Join(g, "\n")) + "\nmore\n", "x.trace:43: text after the end line"},
		{"indented in header", edit(g, 11, "  impl x"), "x.trace:11: indented line in the header: only section bodies are indented"},
		{"indented after verdict", edit(g, 37, "  stray"), "x.trace:37: indented line after section verdict, which has no body"},
		{"bad threads", edit(g, 12, "scenario threads many"), `x.trace:12: scenario threads "many": want a number in [0, 1024]`},
		{"op does not parse", edit(g, 14, "  A     frob 3"), `x.trace:14: op "frob 3": unknown operation "frob"`},
		{"op at wrong level", edit(g, 14, "  A     t0 fork t1"), `x.trace:14: op "t0 fork t1" is a process-level op, but the scenario is at the alloc level`},
		{"unknown thread", edit(g, 16, "  C     free 2"), `x.trace:16: unknown thread "C": the scenario has 2 threads (A, B)`},
		{"thread ops out of order", edit(g, 15, "  B     alloc", "  A     free 9"), "x.trace:16: thread A op out of order: write init, then the threads A, B, … in order, then post"},
		{"init after threads", edit(g, 17, "  init  alloc"), "x.trace:17: init op after thread or post ops: write init, then the threads A, B, … in order, then post"},
		{"bad hash", edit(g, 19, "decisions hash 12"), `x.trace:19: decision hash "12": want 16 hex digits`},
		{"decision index", edit(g, 22, "  5  [main A B]  A     A load cursor 1"), `x.trace:22: decision index "5", want 2: decisions are numbered from 0, in order`},
		{"chosen not runnable", edit(g, 22, "  2  [main A B]  C     C load cursor 1"), "x.trace:22: chosen thread C is not runnable (runnable: [main A B])"},
		{"runnable twice", edit(g, 22, "  2  [main A A]  A     A load cursor 1"), "x.trace:22: thread A is twice in the runnable set"},
		{"unclosed runnable", edit(g, 22, "  2  [main A B"), "x.trace:22: decision 2: the runnable list has no closing ]"},
		{"no action", edit(g, 22, "  2  [main A B]  A"), `x.trace:22: decision 2: missing the action (write "" for none)`},
		{"bad quoted action", edit(g, 22, `  2  [main A B]  A  "open`), `x.trace:22: decision 2: action: bad quoted string "open`},
		{"ticks not increasing", edit(g, 32, "  B     [1,4]  alloc -> 2"), "x.trace:32: call tick 1 is not after the previous op's call tick 2: history ticks must increase"},
		{"return before call", edit(g, 32, "  B     [3,3]  alloc -> 2"), "x.trace:32: return tick 3 is not after the call tick 3"},
		{"tick used twice", edit(g, 32, "  B     [3,5]  alloc -> 2"), "x.trace:32: tick 5 is used twice (also in history op 1)"},
		{"thread overlaps itself", edit(g, 33, "  B     [4,7]  free 2 -> ok"), "x.trace:33: thread B calls at tick 4, before its previous op returned (tick 4)"},
		{"call without return", edit(g, 34, "  main  [8,-]  free 1"), "x.trace:34: call without a return, but the verdict is violation linearizability: only a stopped run (deadlock, step-bound, panic, watchdog, foreign) leaves ops pending"},
		{"return without result", edit(g, 34, "  main  [8,9]  free 1"), `x.trace:34: history op 4: missing "-> result" (an op that never returned has ticks [8,-])`},
		{"pending with result", edit(g, 34, "  main  [8,-]  free 1 -> ok"), "x.trace:34: history op 4: an op that never returned ([8,-]) has no result"},
		{"bad ticks", edit(g, 34, "  main  8,9  free 1 -> ok"), `x.trace:34: history op 4: ticks "8,9": want [call,return] or [call,-]`},
		{"result does not parse", edit(g, 30, "  main  [0,1]  alloc -> [1 2]"), `x.trace:30: history op 0: result "[1 2]" of alloc: want a number or an errno`},
		{"history differs from scenario", edit(g, 31, "  A     [2,5]  free 3 -> ok"), `x.trace:31: thread A's op 0 is "free 3", but the scenario says "alloc"`},
		{"history runs too much", insert(g, 35, "  A     [10,11]  alloc -> 3"), "x.trace:35: thread A runs more ops than the scenario gives it (1)"},
		{"history unknown thread", edit(g, 31, "  Q     [2,5]  alloc -> 2"), `x.trace:31: unknown thread "Q": want main or one of the scenario's 2 threads`},
		{"bad verdict", edit(g, 36, "verdict violation frob"), `x.trace:36: violation kind "frob": want one of linearizability, invariant, deadlock, step-bound, panic, watchdog, foreign`},
		{"verdict without kind", edit(g, 36, "verdict violation"), "x.trace:36: verdict violation needs a kind: one of linearizability, invariant, deadlock, step-bound, panic, watchdog, foreign"},
		{"reason without bar", edit(g, 39, "  no bar"), `x.trace:39: reason line must start with "|"`},
		{"reason bad quote", edit(g, 39, `  |"half`), `x.trace:39: reason line: bad quoted string "half`},
		{"end with arguments", edit(g, 42, "end now"), `x.trace:42: section end takes no arguments, got "now"`},
		{"line too long", edit(g, 11, strings.Repeat("a", 70000)), "x.trace:11: line too long: 70000 bytes (a line holds at most 65535)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Parse("x.trace", strings.NewReader(tc.text))
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", tr)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// endless is an input that never ends: a stand-in for a huge file.
type endless struct {
	line []byte
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.line)
	}
	e.read += int64(n)
	return n, nil
}

// TestParseBoundsItsReading: an input larger than MaxSize is rejected as
// too large after reading at most MaxSize+1 bytes of it, whether it is
// made of lines or of one endless line.
func TestParseBoundsItsReading(t *testing.T) {
	for _, line := range []string{"  A  alloc\n", "x"} {
		in := &endless{line: []byte(line)}
		_, err := Parse("big.trace", in)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "file too large") {
			t.Fatalf("Parse(endless %q) = %v, want a file too large *ParseError", line, err)
		}
		if in.read > MaxSize+int64(len(line))+64<<10 {
			t.Errorf("Parse(endless %q) read %d bytes, want about %d at most", line, in.read, MaxSize+1)
		}
	}
}

// TestReadFileHundredMegabytes: a 100 MB file is rejected as too large
// with file:line, without reading all of it.
func TestReadFileHundredMegabytes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MB sparse file")
	}
	path := filepath.Join(t.TempDir(), "huge.trace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("pidcheck trace v1\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil { // sparse: NUL bytes
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(path)
	want := path + ":2: file too large: more than 16 MiB (a trace holds at most 16777216 bytes)"
	if err == nil || err.Error() != want {
		t.Fatalf("ReadFile(100 MB) = %v, want %s", err, want)
	}
}

// TestFormatRefusesInvalidTraces: Format writes nothing for a trace that
// Parse would reject, and says where it is wrong.
func TestFormatRefusesInvalidTraces(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(*Trace)
		want   string
	}{
		{"chosen not runnable", func(tr *Trace) { tr.Decisions[3].Thread = "Z" }, "decision 3: chosen thread Z is not runnable"},
		{"no verdict", func(tr *Trace) { tr.Verdict = Verdict{} }, "verdict: verdict outcome 0"},
		{"pending in ok run", func(tr *Trace) { tr.Verdict = Verdict{Outcome: Ok}; tr.History[4].Return = NoReturn }, "history op 4: call without a return"},
		{"history not the scenario", func(tr *Trace) { tr.History[1].Op = op("free 3") }, "history op 1: thread A's op 0"},
		{"bad params", func(tr *Trace) { tr.Scenario.Params.Floor = 0 }, "floor: floor 0: must be at least 1"},
		{"wrong level", func(tr *Trace) { tr.Scenario.Threads[0][0] = op("t0 getpid") }, "scenario A op 0: op \"t0 getpid\" is a process-level op"},
		{"empty impl", func(tr *Trace) { tr.Impl = "" }, "impl: empty implementation name"},
		{"line too long", func(tr *Trace) { tr.Decisions[0].Action = strings.Repeat("\x01", MaxLine) }, "decision 0: line of"},
		{"chosen not runnable after a run", func(tr *Trace) {
			tr.Runs = []Run{{At: 1, N: 10, Rule: RuleContinue}}
			tr.Decisions[3].Thread = "Z"
		}, "decision 13: chosen thread Z is not runnable"},
		{"run out of order", func(tr *Trace) {
			tr.Runs = []Run{{At: 3, N: 1, Rule: RuleContinue}, {At: 1, N: 1, Rule: RuleContinue}}
		}, "decision run 1: run 1 comes before recorded decision 1, before run 0 (at 3): runs go in order"},
		{"empty run", func(tr *Trace) { tr.Runs = []Run{{At: 0, N: 0, Rule: RuleContinue}} }, "decision run 0: run 0 has 0 decisions"},
		{"run without rule", func(tr *Trace) { tr.Runs = []Run{{At: 0, N: 1}} }, "decision run 0: run 0 has no valid rule"},
		{"run past the end", func(tr *Trace) { tr.Runs = []Run{{At: 9, N: 1, Rule: RuleRoundRobin}} }, "decision run 0: run 0 comes before recorded decision 9, but there are 8"},
		{"too many steps", func(tr *Trace) { tr.Runs = []Run{{At: 0, N: MaxSteps, Rule: RuleContinue}} }, "decision run 0: more than 1099511627776 decisions in all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := exampleTrace()
			tc.break_(tr)
			var buf bytes.Buffer
			err := Format(&buf, tr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Format = %v, want an error containing %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Format wrote %d bytes of an invalid trace", buf.Len())
			}
		})
	}
}

// TestParseCapsOps: a scenario longer than MaxOps is rejected on the first
// op past the limit.
func TestParseCapsOps(t *testing.T) {
	g := golden(t)
	var b strings.Builder
	b.WriteString(strings.Join(g[:11], "\n") + "\nscenario threads 0\n")
	for range MaxOps + 1 {
		b.WriteString("  init  alloc\n")
	}
	_, err := Parse("x.trace", strings.NewReader(b.String()))
	want := fmt.Sprintf("x.trace:%d: too many ops: a scenario holds at most %d", 12+MaxOps+1, MaxOps)
	if err == nil || err.Error() != want {
		t.Fatalf("Parse = %v, want %s", err, want)
	}
}

// BenchmarkParseExample measures parsing the golden example.
func BenchmarkParseExample(b *testing.B) {
	text, err := Marshal(exampleTrace())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Parse("x.trace", bytes.NewReader(text)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseHugeRunnableSets measures a hostile file: decisions whose
// runnable sets fill whole lines with distinct names (linear, not
// quadratic, in the line length).
func BenchmarkParseHugeRunnableSets(b *testing.B) {
	g := strings.Split(strings.TrimSuffix(string(mustRead(b, "testdata/example.trace")), "\n"), "\n")
	var names []string
	for i := 0; len(strings.Join(names, " ")) < MaxLine-100; i++ {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	line := "[" + strings.Join(names, " ") + "]  n0  x"
	var lines []string
	lines = append(lines, g[:19]...)
	for i := range 64 {
		lines = append(lines, fmt.Sprintf("  %d  %s", i, line))
	}
	lines = append(lines, g[27:]...)
	text := []byte(strings.Join(lines, "\n") + "\n")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Parse("x.trace", bytes.NewReader(text)); err != nil {
			b.Fatal(err)
		}
	}
}

func mustRead(b *testing.B, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
