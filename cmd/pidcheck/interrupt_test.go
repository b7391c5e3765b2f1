package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// interruptCheck runs pidcheck check with args in-process and, after a
// while, sends this process SIGINT every 200ms until check returns; it
// returns the exit status and output. The test catches SIGINT itself too,
// so that a signal sent before check installs its handler (or after check
// lets go of it) does not kill the test binary.
func interruptCheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	caught := make(chan os.Signal, 16)
	signal.Notify(caught, syscall.SIGINT)
	defer signal.Stop(caught)
	var stdout, stderr lockedBuffer
	done := make(chan int)
	go func() { done <- Main(append([]string{"check"}, args...), strings.NewReader(""), &stdout, &stderr) }()
	wait := time.Second // some schedules run first, even on a loaded machine under -race
	for i := 0; i < 150; i++ {
		select {
		case status := <-done:
			return status, stdout.String(), stderr.String()
		case <-time.After(wait):
		}
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		wait = 200 * time.Millisecond
	}
	t.Fatal("check did not stop within 30s of SIGINT")
	return 0, "", ""
}

// TestCheckInterrupted: SIGINT stops pidcheck check cleanly: it says how
// far it got and exits 3 (inconclusive), the JSON too with --json.
func TestCheckInterrupted(t *testing.T) {
	status, out, errOut := interruptCheck(t, "--impl", "idr,pidmap", "--time", "5m", "--out", t.TempDir())
	if status != exitUnknown {
		t.Fatalf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", status, exitUnknown, out, errOut)
	}
	if !strings.Contains(out, "interrupted: idr stopped after ") || !strings.Contains(out, "1 implementation(s) not checked") || !strings.Contains(out, "unknown: ") {
		t.Fatalf("stdout:\n%s", out)
	}

	status, out, errOut = interruptCheck(t, "--impl", "idr", "--time", "5m", "--json", "--out", t.TempDir())
	if status != exitUnknown {
		t.Fatalf("--json: status %d, want %d\nstderr:\n%s", status, exitUnknown, errOut)
	}
	var got checkJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json: %v in %q", err, out)
	}
	if !got.Interrupted || got.Verdict != "unknown" || len(got.Results) != 1 || !got.Results[0].Interrupted ||
		got.Results[0].Schedules == 0 || got.Results[0].Schedules != got.Schedules || got.Results[0].Verdict != "unknown" {
		t.Fatalf("--json: %+v", got)
	}
	if !strings.Contains(errOut, "interrupted: idr stopped after ") {
		t.Fatalf("--json: stderr %q", errOut)
	}
}
