package main

import "syscall"

// canSupervise: check and zoo explore in a supervised child.
const canSupervise = true

// childSysProcAttr puts the child in its own process group, so that a
// terminal's Ctrl-C reaches the parent alone, which passes it on once, and
// has it killed when the parent dies (Pdeathsig), so that no exploration
// outlives the process that reports it.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
