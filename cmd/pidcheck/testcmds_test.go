package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pidcheck/pidcheck/traces"
)

// cmdJSONField checks a field of a JSON file (stdout, usually):
//
//	jsonfield stdout results.0.verdict == ok
//	jsonfield stdout '#' == 22              the length of the top-level array
//	jsonfield stdout '*.found' == true      every element's found
//	jsonfield stdout schedules >= 100
//	jsonfield stdout trace ~ '\.trace$'
//
// A path is dot-separated object keys and array indexes; '*' applies the
// rest of the path to every element of an array (which must not be
// empty), and a final '#' is the length of an array or object. Values
// compare as JSON: numbers numerically, strings as they are.
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: jsonfield FILE PATH ==|!=|>=|>|~ VALUE")
	}
	var doc any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc); err != nil {
		ts.Fatalf("jsonfield: %s is not JSON: %v", args[0], err)
	}
	var path []string
	if args[1] != "" && args[1] != "." {
		path = strings.Split(args[1], ".")
	}
	vals, err := jsonWalk(doc, path)
	if err != nil {
		ts.Fatalf("jsonfield %s: %v", args[1], err)
	}
	for _, v := range vals {
		if err := jsonCompare(v, args[2], args[3]); err != nil {
			ts.Fatalf("jsonfield %s: %v", args[1], err)
		}
	}
}

func jsonWalk(v any, path []string) ([]any, error) {
	if len(path) == 0 {
		return []any{v}, nil
	}
	key, rest := path[0], path[1:]
	switch x := v.(type) {
	case []any:
		switch key {
		case "#":
			return []any{float64(len(x))}, nil
		case "*":
			if len(x) == 0 {
				return nil, fmt.Errorf("'*' over an empty array")
			}
			var all []any
			for _, e := range x {
				got, err := jsonWalk(e, rest)
				if err != nil {
					return nil, err
				}
				all = append(all, got...)
			}
			return all, nil
		}
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(x) {
			return nil, fmt.Errorf("index %q out of an array of %d", key, len(x))
		}
		return jsonWalk(x[i], rest)
	case map[string]any:
		if key == "#" {
			return []any{float64(len(x))}, nil
		}
		e, ok := x[key]
		if !ok {
			return nil, fmt.Errorf("no key %q", key)
		}
		return jsonWalk(e, rest)
	}
	return nil, fmt.Errorf("%q: not an array or object", key)
}

func jsonCompare(v any, op, want string) error {
	got := fmt.Sprint(v)
	if s, ok := v.(string); ok {
		got = s
	}
	if f, ok := v.(float64); ok {
		got = strconv.FormatFloat(f, 'f', -1, 64)
	}
	switch op {
	case "==":
		if got != want {
			return fmt.Errorf("%s, want %s", got, want)
		}
	case "!=":
		if got == want {
			return fmt.Errorf("%s, want anything else", got)
		}
	case ">=", ">":
		f, ok := v.(float64)
		w, err := strconv.ParseFloat(want, 64)
		if !ok || err != nil {
			return fmt.Errorf("%s %s %s: not numbers", got, op, want)
		}
		if f < w || (op == ">" && f == w) {
			return fmt.Errorf("%s, want %s %s", got, op, want)
		}
	case "~":
		re, err := regexp.Compile(want)
		if err != nil {
			return err
		}
		if !re.MatchString(got) {
			return fmt.Errorf("%q does not match %s", got, want)
		}
	default:
		return fmt.Errorf("unknown comparison %q", op)
	}
	return nil
}

// cmdDivert makes a diverging copy of a valid trace: at its first
// contested decision it picks another runnable thread, so that a replay
// meets a different run than the trace records.
//
//	divert good.trace bad.trace
func cmdDivert(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: divert IN OUT")
	}
	t, err := traces.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	for k, d := range t.Decisions {
		for _, r := range d.Runnable {
			if r != d.Thread {
				ts.Logf("decision %d: %s → %s", k, d.Thread, r)
				t.Decisions[k].Thread = r
				ts.Check(traces.WriteFile(ts.MkAbs(args[1]), t))
				return
			}
		}
	}
	ts.Fatalf("divert: %s has no contested decision", args[0])
}

// cmdMkfile writes a file of the given size, made to be a bad trace:
//
//	mkfile garbage FILE SIZE   pseudo-random bytes (NULs, invalid UTF-8)
//	mkfile big FILE SIZE       a valid header, then comment lines to SIZE
//	mkfile head FILE SIZE SRC  the first SIZE bytes of SRC (a truncation)
func cmdMkfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: mkfile garbage|big|head FILE SIZE [SRC]")
	}
	size, err := strconv.Atoi(args[2])
	ts.Check(err)
	var data []byte
	switch args[0] {
	case "garbage":
		r := rand.New(rand.NewPCG(1, 2))
		data = make([]byte, size)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
	case "big":
		data = make([]byte, 0, size)
		data = append(data, traces.Header+"\n"...)
		line := "# " + strings.Repeat("padding ", 8) + "\n"
		for len(data)+len(line) <= size {
			data = append(data, line...)
		}
		data = append(data, strings.Repeat("#", max(0, size-len(data)))...)
	case "head":
		if len(args) != 4 {
			ts.Fatalf("usage: mkfile head FILE SIZE SRC")
		}
		src := ts.ReadFile(args[3])
		data = []byte(src[:min(size, len(src))])
	default:
		ts.Fatalf("mkfile: unknown kind %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
}
