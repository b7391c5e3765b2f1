//go:build unix

package main

import (
	"os"
	"syscall"
)

// mapShared maps the first size bytes of f, shared with every process
// that has it open.
func mapShared(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}
