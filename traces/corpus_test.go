package traces

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCorpusReadsAndWritesUnchanged: every saved trace of traces/zoo
// (written by Format) parses, and formats back to exactly its own bytes —
// so a format change that would rewrite the corpus, or stop reading it,
// is caught here before CI replays it. (testdata's are hand-written.)
func TestCorpusReadsAndWritesUnchanged(t *testing.T) {
	paths, err := filepath.Glob("zoo/*.trace")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 20 {
		t.Fatalf("only %d saved traces found", len(paths))
	}
	for _, path := range paths {
		tr, err := ReadFile(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text, err := Marshal(tr)
		if err != nil || !bytes.Equal(text, raw) {
			t.Errorf("%s: does not format back to itself (%v)", path, err)
		}
	}
}
