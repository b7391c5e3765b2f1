package traces

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWriteFileIsAtomic: WriteFile replaces the file whole, leaves no
// temporary file behind, and writes nothing for an invalid trace.
func TestWriteFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "case.trace")
	if err := os.WriteFile(path, []byte("old contents\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, exampleTrace()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(exampleTrace()) {
		t.Errorf("ReadFile after WriteFile differs from what was written")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}

	bad := exampleTrace()
	bad.Verdict = Verdict{}
	if err := WriteFile(path, bad); err == nil {
		t.Errorf("WriteFile wrote an invalid trace")
	}
	if err := WriteFile(filepath.Join(dir, "new.trace"), bad); err == nil {
		t.Errorf("WriteFile wrote an invalid trace")
	}
	if got, err := ReadFile(path); err != nil || !got.Equal(exampleTrace()) {
		t.Errorf("a refused WriteFile changed the existing file: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "case.trace" {
		t.Errorf("directory holds %v, want just case.trace", names)
	}
}

// TestWriteFileMissingDirectory: a directory that does not exist is an
// error naming the path, not a panic.
func TestWriteFileMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "x.trace")
	err := WriteFile(path, exampleTrace())
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("WriteFile(%s) = %v, want an error naming the path", path, err)
	}
}

// TestReadFileMissing: a missing file is the os error, not a ParseError.
func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "absent.trace"))
	if !os.IsNotExist(err) {
		t.Fatalf("ReadFile(absent) = %v, want a not-exist error", err)
	}
}

// crashEnv names the directory a child test process writes into and
// crashes in, between write and rename.
const crashEnv = "PIDCHECK_TRACES_CRASH_DIR"

// TestWriteFileCrashLeavesATempFileCleanTempRemoves: a process that dies
// between WriteFile's write and its rename leaves no trace and one
// temporary file named .NAME.tmp-<digits>; CleanTemp removes it (and only
// such files, only when old enough), and a WriteFile after it works.
// (the checker-edges audit)
func TestWriteFileCrashLeavesATempFileCleanTempRemoves(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		writeFile(filepath.Join(dir, "case.trace"), exampleTrace(), func() { os.Exit(3) })
		t.Fatal("writeFile returned after the crash")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileCrashLeavesATempFileCleanTempRemoves$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v, want exit status 3\n%s", err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("after the crash the directory holds %v (%v), want one temporary file", entries, err)
	}
	tmp := entries[0].Name()
	if !strings.HasPrefix(tmp, ".case.trace.tmp-") || !IsTemp(tmp) {
		t.Fatalf("temporary file %q, want .case.trace.tmp-<digits>", tmp)
	}
	// Others' files, and names that only look alike, stay.
	keep := []string{"case2.trace", ".case.trace.tmp-", ".case.trace.tmp-12x", "x.tmp-1", ".hidden"}
	for _, name := range keep {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if removed, err := CleanTemp(dir, time.Hour); err != nil || len(removed) != 0 {
		t.Fatalf("CleanTemp(1h) of a fresh temporary file removed %v (%v), want none", removed, err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, tmp), old, old); err != nil {
		t.Fatal(err)
	}
	removed, err := CleanTemp(dir, time.Hour)
	if err != nil || len(removed) != 1 || removed[0] != filepath.Join(dir, tmp) {
		t.Fatalf("CleanTemp(1h) = %v, %v; want just %s", removed, err, tmp)
	}
	var left []string
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	slices.Sort(keep)
	if !slices.Equal(left, keep) {
		t.Errorf("left %v, want %v", left, keep)
	}
	if err := WriteFile(filepath.Join(dir, "case.trace"), exampleTrace()); err != nil {
		t.Fatal(err)
	}
	if removed, err := CleanTemp(filepath.Join(dir, "absent"), 0); err != nil || removed != nil {
		t.Errorf("CleanTemp(missing dir) = %v, %v; want nothing", removed, err)
	}
}
