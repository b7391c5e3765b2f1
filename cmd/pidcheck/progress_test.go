package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestProgressOnlyOnATerminal: a pipe, a file or a buffer gets no progress
// line; a terminal gets it redrawn in place.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.show("check %s: %d schedules", "idr", 100)
	p.clear()
	if p.on || buf.Len() != 0 {
		t.Fatalf("progress on a buffer: on=%v, wrote %q", p.on, buf.String())
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Fatalf("a regular file is not a terminal")
	}

	on := &progress{w: &buf, on: true}
	on.show("check %s: %d schedules", "idr", 100)
	on.show("check %s: %d schedules", "idr", 200) // too soon: not redrawn
	on.clear()
	got := buf.String()
	if !strings.HasPrefix(got, "\r\033[Kcheck idr: 100 schedules") || strings.Contains(got, "200") || !strings.HasSuffix(got, "\r\033[K") {
		t.Fatalf("progress on a terminal wrote %q", got)
	}
}

// TestSplitAction: a decision's action splits into what was done, to what,
// and how it came out.
func TestSplitAction(t *testing.T) {
	for _, c := range []struct{ thread, action, verb, obj, res string }{
		{"A", "A CAS cursor 5→6 ok", "CAS", "cursor", "5→6 ok"},
		{"main", "main load s0.pid_max = 16", "load", "s0.pid_max", "= 16"},
		{"B", "B lock tasklist: blocked", "lock", "tasklist", "blocked"},
		{"main", `main wait "threads done"`, "wait", `"threads done"`, ""},
		{"A", "A unlock idr.lock", "unlock", "idr.lock", ""},
		{"A", "", "", "", ""},
	} {
		verb, obj, res := splitAction(c.thread, c.action)
		if verb != c.verb || obj != c.obj || res != c.res {
			t.Errorf("splitAction(%q, %q) = %q, %q, %q; want %q, %q, %q", c.thread, c.action, verb, obj, res, c.verb, c.obj, c.res)
		}
	}
}

// TestResolveShard: --shard i/n, --shard /n and --shards n with
// JOB_COMPLETION_INDEX.
func TestResolveShard(t *testing.T) {
	for _, c := range []struct {
		shard    string
		shards   int
		job      string
		i, n     int
		badInput bool
	}{
		{"", 0, "", 0, 1, false},
		{"", 0, "3", 0, 1, false}, // no sharding asked for: the index is ignored
		{"2/5", 0, "", 2, 5, false},
		{"2/5", 0, "4", 2, 5, false}, // an explicit i wins
		{"/5", 0, "4", 4, 5, false},
		{"", 5, "1", 1, 5, false},
		{"/5", 0, "", 0, 0, true},
		{"5/5", 0, "", 0, 0, true},
		{"-1/5", 0, "", 0, 0, true},
		{"1/0", 0, "", 0, 0, true},
		{"1", 0, "", 0, 0, true},
		{"a/b", 0, "", 0, 0, true},
		{"", 3, "", 0, 0, true},
		{"", 3, "3", 0, 0, true},
		{"1/2", 2, "", 0, 0, true},
	} {
		f := checkFlags{shard: c.shard, shards: c.shards}
		err := f.resolveShard(c.job)
		if c.badInput {
			if statusOf(err) != exitBadInput {
				t.Errorf("shard %q shards %d job %q: status %d (%v), want 2", c.shard, c.shards, c.job, statusOf(err), err)
			}
			continue
		}
		if err != nil || f.shardI != c.i || f.shardN != c.n {
			t.Errorf("shard %q shards %d job %q: %d/%d, %v; want %d/%d", c.shard, c.shards, c.job, f.shardI, f.shardN, err, c.i, c.n)
		}
	}
}
