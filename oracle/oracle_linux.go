//go:build linux && (amd64 || arm64)

package oracle

import (
	"fmt"
	"os"

	"github.com/pidcheck/pidcheck/model"
)

func openKernel() (kernel, error) {
	if os.Geteuid() != 0 {
		return nil, errNeedRoot
	}
	s, err := newSystem()
	if err != nil {
		return nil, fmt.Errorf("kernel oracle: cannot start a PID namespace: %w", err)
	}
	return s, nil
}

// Params are the spec parameters that match a fresh scenario namespace on
// this machine: every new PID namespace starts with pid_max 4194304
// (Linux ≥ 6.14), RESERVED_PIDS is 300, and the scenario root sits one
// level below the caller's own namespace, so MAX_PID_NS_LEVEL (32) leaves
// 32 - (that level) levels below it. The smallest pid_max a space accepts
// is this machine's (minPidMax: it depends on the possible CPUs).
func Params() model.Params {
	return model.Params{PidMax: model.KernelPidMax, Floor: model.KernelReserved, MaxLevel: model.KernelMaxLevel - (hostLevel() + 1), MinPidMax: minPidMax()}
}
