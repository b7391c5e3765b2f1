package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
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

// TestProgressHonoursTermDumbAndNoColor: TERM=dumb turns the line off
// (such a terminal cannot redraw one); NO_COLOR draws it with no escape
// sequence at all.
func TestProgressHonoursTermDumbAndNoColor(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	var buf bytes.Buffer
	if p := progressFor(&buf, true, env(map[string]string{"TERM": "dumb"})); p.on {
		t.Fatalf("TERM=dumb: progress on a terminal is on")
	}
	if p := progressFor(&buf, true, env(map[string]string{"TERM": "xterm"})); !p.on || p.plain {
		t.Fatalf("TERM=xterm: on=%v plain=%v, want on, not plain", p.on, p.plain)
	}
	if p := progressFor(&buf, true, env(map[string]string{"TERM": "xterm", "NO_COLOR": "1"})); !p.on || !p.plain {
		t.Fatalf("NO_COLOR=1: on=%v plain=%v, want on and plain", p.on, p.plain)
	}
	if p := progressFor(&buf, false, env(map[string]string{"TERM": "xterm"})); p.on {
		t.Fatalf("not a terminal: progress is on")
	}
	p := &progress{w: &buf, on: true, plain: true}
	p.show("check %s: %d schedules", "idr", 100)
	p.last = p.last.Add(-time.Second)
	p.show("ok %d", 5)
	p.clear()
	p.clear()
	got := buf.String()
	want := "\rcheck idr: 100 schedules" + "\rok 5" + strings.Repeat(" ", 20) + "\r" + strings.Repeat(" ", 4) + "\r"
	if got != want {
		t.Fatalf("NO_COLOR progress wrote %q, want %q", got, want)
	}
	if strings.Contains(got, "\033") {
		t.Fatalf("NO_COLOR progress wrote an escape sequence: %q", got)
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
