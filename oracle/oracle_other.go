//go:build !linux || !(amd64 || arm64)

package oracle

import (
	"errors"

	"github.com/pidcheck/pidcheck/model"
)

var errNeedLinux = errors.New("kernel oracle needs Linux on amd64 or arm64 (PID namespaces, clone3, pidfds)")

func available() error { return errNeedLinux }

func openKernel() (kernel, error) { return nil, errNeedLinux }

// Params are the kernel's defaults; the oracle cannot run here.
func Params() model.Params {
	return model.Params{PidMax: model.KernelPidMax, Floor: model.KernelReserved, MaxLevel: model.KernelMaxLevel - 1}
}

func openConcKernel() (concKernel, error) { return nil, errNeedLinux }
