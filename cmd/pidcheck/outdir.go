package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pidcheck/pidcheck/traces"
)

// staleTemp is how old a trace's temporary file must be before prepareOut
// takes it for one a killed writer left.
const staleTemp = time.Minute

// prepareOut makes sure traces can be written into dir before anything is
// explored, so that a finding is never lost to an unwritable --out after
// minutes of search: it creates dir when missing and writes (and removes) a
// file in it. An error is bad usage: "--out DIR: what is wrong". The
// cleanup removes the directories prepareOut created when they are still
// empty at the end, so a check that wrote nothing leaves nothing behind.
// Temporary files an earlier pidcheck left there, killed between writing a
// trace and renaming it into place, are removed (traces.CleanTemp: only
// those older than a minute, which no live writer still owns).
func prepareOut(dir string) (cleanup func(), err error) {
	cleanup = func() {}
	if dir == "" {
		return cleanup, usageErrorf("--out: empty directory name")
	}
	// The directories MkdirAll will create: dir and its missing parents.
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return cleanup, usageErrorf("--out %s: %v", dir, unwrapPath(err))
	}
	cleanup = func() {
		for _, d := range created { // innermost first; a directory not empty stays
			if os.Remove(d) != nil {
				return
			}
		}
	}
	probe, err := os.CreateTemp(dir, ".pidcheck-probe-*")
	if err != nil {
		cleanup()
		return func() {}, usageErrorf("--out %s: cannot write a trace there: %v", dir, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	if _, err := traces.CleanTemp(dir, staleTemp); err != nil {
		return cleanup, usageErrorf("--out %s: %v", dir, unwrapPath(err))
	}
	return cleanup, nil
}

// unwrapPath drops the *fs.PathError's path when the message already names
// the directory: "permission denied", "not a directory".
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
