package traces

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
