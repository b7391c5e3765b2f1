package model

import (
	"math"
	"testing"
)

// TestParamsValidateRejectsExtremes: parameters a trace file may carry are
// refused before any implementation sizes a bitmap by them; pid_max stops
// at PID_MAX_LIMIT (kernel/pid.c pid_max_max), as the kernel's does.
func TestParamsValidateRejectsExtremes(t *testing.T) {
	bad := []Params{
		{PidMax: KernelPidMax + 1, Floor: 300, MaxLevel: 32},
		{PidMax: 1 << 30, Floor: 300, MaxLevel: 32},
		{PidMax: math.MaxInt, Floor: 300, MaxLevel: 32},
		{PidMax: 16, Floor: math.MinInt, MaxLevel: 32},
		{PidMax: math.MinInt, Floor: 4, MaxLevel: 32},
		{PidMax: 16, Floor: 4, MaxLevel: math.MaxInt},
		{PidMax: 16, Floor: 4, MaxLevel: -1},
	}
	for _, p := range bad {
		if p.Validate() == nil {
			t.Errorf("%+v: accepted", p)
		}
	}
	for _, p := range []Params{KernelParams(), SmallParams(), {PidMax: 2, Floor: 1}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// TestParamsMinPidMax: the smallest pid_max defaults to RESERVED_PIDS + 1
// and may be raised to the machine's max(RESERVED_PIDS + 1,
// PIDS_PER_CPU_MIN × possible CPUs) (kernel/pid.c pid_idr_init), never
// to or below the floor nor past pid_max.
func TestParamsMinPidMax(t *testing.T) {
	if got := KernelParams().MinMax(); got != KernelMinMax {
		t.Errorf("kernel default min pid_max %d, want %d", got, KernelMinMax)
	}
	p := KernelParams()
	p.MinPidMax = PidsPerCPUMin * 64 // a 64-CPU machine
	if err := p.Validate(); err != nil || p.MinMax() != 512 {
		t.Errorf("%+v: MinMax %d, %v", p, p.MinMax(), err)
	}
	for _, m := range []int{-1, 300, KernelPidMax + 1} {
		q := KernelParams()
		q.MinPidMax = m
		if q.Validate() == nil {
			t.Errorf("min pid_max %d accepted", m)
		}
	}
}
