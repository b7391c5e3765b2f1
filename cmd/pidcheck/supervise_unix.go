//go:build unix && !linux

package main

import "syscall"

// canSupervise: check and zoo explore in a supervised child.
const canSupervise = true

// childSysProcAttr puts the child in its own process group, so that a
// terminal's Ctrl-C reaches the parent alone, which passes it on once.
// (Only Linux kills the child when the parent dies: here a parent killed
// by SIGKILL leaves its child exploring until it ends.)
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
