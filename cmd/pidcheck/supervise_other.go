//go:build !unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// canSupervise: not here; check and zoo explore in their own process, as
// PIDCHECK_UNSUPERVISED=1 does elsewhere.
const canSupervise = false

func childSysProcAttr() *syscall.SysProcAttr { return nil }

func mapShared(*os.File, int) ([]byte, error) {
	return nil, errors.New("no shared memory on this system")
}
