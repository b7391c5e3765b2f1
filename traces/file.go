package traces

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFile writes t to path atomically: into a temporary file in the
// same directory, synced, then renamed over path, so that a reader sees
// either the old file or the whole new one, never a part. An invalid t
// writes nothing. The temporary file is named .NAME.tmp-<digits> (NAME
// the base of path): a crash between write and rename leaves it behind,
// for CleanTemp to remove.
func WriteFile(path string, t *Trace) error {
	return writeFile(path, t, nil)
}

// tempInfix sits between a trace's name and the digits os.CreateTemp adds
// in its temporary file's name.
const tempInfix = ".tmp-"

// writeFile is WriteFile, calling beforeRename (when set) between the
// write and the rename: the tests crash there.
func writeFile(path string, t *Trace, beforeRename func()) (err error) {
	data, err := Marshal(t)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+tempInfix+"*")
	if err != nil {
		return fmt.Errorf("write trace %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write trace %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if beforeRename != nil {
		beforeRename()
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable; not every system can sync a
	// directory, and the file is complete either way.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// IsTemp reports whether name (a file's base name) is one of WriteFile's
// temporary files: .NAME.tmp-<digits>.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, tempInfix)
	if len(name) < 2 || name[0] != '.' || i < 2 {
		return false
	}
	digits := name[i+len(tempInfix):]
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CleanTemp removes from dir the temporary files WriteFile leaves behind
// when the process dies between write and rename (IsTemp names them),
// those last modified at least olderThan ago: a younger one may belong to
// a writer still at work (another process writing into the same
// directory). It returns the paths it removed, sorted; a directory that
// does not exist has none. The CLI calls it on its output directory
// before writing there.
func CleanTemp(dir string, olderThan time.Duration) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("clean temporary traces in %s: %w", dir, err)
	}
	var removed []string
	for _, e := range entries { // ReadDir sorts by name
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < olderThan {
			continue // gone meanwhile, or maybe still being written
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("clean temporary traces in %s: %w", dir, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// ReadFile reads and parses the trace at path; errors in it are
// *ParseError naming path.
func ReadFile(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(path, f)
}
