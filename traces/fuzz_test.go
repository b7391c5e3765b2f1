package traces

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse: on any input Parse returns a trace or a *ParseError on a line
// of the input, never panics; and whatever it accepts formats and parses
// back to itself. Its seed corpus is testdata/fuzz/FuzzParse plus the
// golden example.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "example.trace")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse("fuzz.trace", bytes.NewReader(data))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
			if lines := bytes.Count(data, []byte("\n")) + 1; pe.Line < 1 || pe.Line > lines {
				t.Fatalf("error on line %d of a %d-line input: %v", pe.Line, lines, err)
			}
			if pe.File != "fuzz.trace" || pe.Msg == "" || strings.Contains(pe.Msg, "\n") {
				t.Fatalf("malformed error %q", err)
			}
			return
		}
		text, err := Marshal(tr)
		if err != nil {
			// Text that reads fine may grow past a limit when Format
			// quotes what it holds; nothing else may fail.
			if !strings.Contains(err.Error(), "more than the") {
				t.Fatalf("Marshal of a parsed trace: %v", err)
			}
			return
		}
		back, err := Parse("fuzz.trace", bytes.NewReader(text))
		if err != nil {
			t.Fatalf("Parse(Format(Parse(x))): %v\n%s", err, text)
		}
		if !back.Equal(tr) {
			t.Fatalf("Parse(Format(t)) differs from t:\n%s", text)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, text) {
			t.Fatalf("Format is not a fixed point (%v):\n%s\nthen:\n%s", err, text, again)
		}
	})
}

// TestFuzzSeedsAreWhatTheirNamesSay: the committed seeds named valid-*
// parse, and those named bad-* are rejected, so the corpus covers both.
func TestFuzzSeedsAreWhatTheirNamesSay(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed corpus: %v", err)
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(string(raw), "go test fuzz v1\n[]byte(")
		body, ok2 := strings.CutSuffix(body, ")\n")
		data, err := strconv.Unquote(body)
		if !ok || !ok2 || err != nil {
			t.Errorf("%s: not a go test fuzz v1 []byte seed (%v)", path, err)
			continue
		}
		_, perr := Parse(path, strings.NewReader(data))
		switch name := filepath.Base(path); {
		case strings.HasPrefix(name, "valid-") && perr != nil:
			t.Errorf("%s: want it to parse: %v", name, perr)
		case strings.HasPrefix(name, "bad-") && perr == nil:
			t.Errorf("%s: want it rejected", name)
		}
	}
}
