package traces

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// millionDecisions is a valid trace of n decisions whose lines are as
// short as the format allows, so that 10^6 of them fit in MaxSize.
func millionDecisions(tb testing.TB, n int) []byte {
	tb.Helper()
	var b bytes.Buffer
	g, err := os.ReadFile(filepath.Join("testdata", "example.trace"))
	if err != nil {
		tb.Fatal(err)
	}
	b.WriteString(strings.Join(strings.Split(string(g), "\n")[:19], "\n") + "\n")
	for i := range n {
		if i%3 == 2 {
			fmt.Fprintf(&b, " %d [B] B y\n", i)
		} else {
			fmt.Fprintf(&b, " %d [A] A x\n", i)
		}
	}
	b.WriteString("history\n  main  [0,1]  alloc -> 1\n  A     [2,5]  alloc -> 2\n  B     [3,4]  alloc -> 2\n  B     [6,7]  free 2 -> ok\n  main  [8,9]  free 1 -> ok\nverdict violation linearizability\nend\n")
	if b.Len() > MaxSize {
		tb.Fatalf("%d decisions take %d bytes, more than MaxSize", n, b.Len())
	}
	return b.Bytes()
}

// parseCost parses text once and measures what it cost: allocations,
// bytes allocated, and the bytes still live while the trace is held.
func parseCost(tb testing.TB, text []byte) (allocs, total, live uint64) {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr, err := Parse("big.trace", bytes.NewReader(text))
	if err != nil {
		tb.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocs, total = after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	live = after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
	runtime.KeepAlive(tr)
	runtime.KeepAlive(text) // the input is not the parser's to count
	return allocs, total, live
}

// TestParseMillionDecisionsCost: parsing 10^6 decisions allocates per
// decision line almost nothing (the runnable sets and names are shared,
// lines are substrings of one copy of the file), and the figures are
// logged: allocations, bytes allocated and bytes live, each against the
// file's size. (the checker-edges audit: 303 MB, 19× the file, before.)
func TestParseMillionDecisionsCost(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a 16 MB trace")
	}
	const n = 1000000
	text := millionDecisions(t, n)
	allocs, total, live := parseCost(t, text)
	size := float64(len(text))
	t.Logf("%d decisions, %d bytes: %d allocations (%.3f per decision), %.0f MB allocated (%.1f× the file), %.0f MB live (%.1f× the file)",
		n, len(text), allocs, float64(allocs)/n, float64(total)/1e6, float64(total)/size, float64(live)/1e6, float64(live)/size)
	if allocs > n/100 {
		t.Errorf("%d allocations for %d decisions: want under one per hundred decision lines", allocs, n)
	}

	// The same through ReadFile, as replay reads it.
	path := filepath.Join(t.TempDir(), "big.trace")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := ReadFile(path); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	t.Logf("ReadFile: %d allocations, %.0f MB allocated (%.1f× the file)", after.Mallocs-before.Mallocs,
		float64(after.TotalAlloc-before.TotalAlloc)/1e6, float64(after.TotalAlloc-before.TotalAlloc)/size)
}

// BenchmarkParseMillionDecisions reports the bytes allocated per byte of
// a 10^6-decision trace (alloc-x) and live after parsing it (live-x).
func BenchmarkParseMillionDecisions(b *testing.B) {
	text := millionDecisions(b, 1000000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var total, live uint64
	for b.Loop() {
		_, t, l := parseCost(b, text)
		total, live = total+t, max(live, l)
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(len(text)), "alloc-x")
	b.ReportMetric(float64(live)/float64(len(text)), "live-x")
}
