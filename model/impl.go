package model

import "fmt"

// Impl is an implementation under test, at either level. Apply performs one
// op and returns what it observed; it must be safe to call from several
// threads at once (the scheduler decides how they interleave). A
// process-level Impl starts with task t0 as PID 1 of the root space; an
// allocator-level Impl starts with every number free.
type Impl interface {
	Apply(op Op) Result
}

// Validator is implemented by Impls that can check their own internal
// invariants. The checker calls Validate only at quiescent points (no op in
// flight); a non-nil error is a violation.
type Validator interface {
	Validate() error
}

// Params are the knobs every implementation and spec is built with.
type Params struct {
	PidMax   int // pid_max of every new space: numbers are < PidMax
	Floor    int // RESERVED_PIDS: after the cursor passes it, allocation wraps to it, not to 1
	MaxLevel int // the deepest level a space may have (root is level 0)
	// MinPidMax is the smallest pid_max a space accepts (pid_max_min). The
	// kernel computes it at boot as max(RESERVED_PIDS + 1, PIDS_PER_CPU_MIN
	// × possible CPUs) (kernel/pid.c pid_idr_init), so it depends on the
	// machine; 0 means Floor + 1, today's value on a machine with at most
	// 37 possible CPUs (PIDS_PER_CPU_MIN is 8).
	MinPidMax int
}

// MinMax is the smallest pid_max a space accepts: MinPidMax, or Floor + 1
// when it is 0.
func (p Params) MinMax() int {
	if p.MinPidMax == 0 {
		return p.Floor + 1
	}
	return p.MinPidMax
}

// Kernel's defaults: kernel/pid.c, include/linux/pid_namespace.h.
const (
	KernelPidMax   = 4194304 // PID_MAX_LIMIT on 64-bit; a new space starts here
	KernelReserved = 300     // RESERVED_PIDS
	KernelMaxLevel = 32      // MAX_PID_NS_LEVEL
	KernelMinMax   = 301     // the smallest pid_max a space accepts on ≤ 37 possible CPUs (RESERVED_PIDS + 1; see Params.MinPidMax)
	PidsPerCPUMin  = 8       // PIDS_PER_CPU_MIN: pid_max_min is at least this × possible CPUs
)

// KernelParams are today's Linux defaults.
func KernelParams() Params {
	return Params{PidMax: KernelPidMax, Floor: KernelReserved, MaxLevel: KernelMaxLevel}
}

// SmallParams make spaces small enough to wrap within a few forks; the
// default for exploration.
func SmallParams() Params {
	return Params{PidMax: 16, Floor: 4, MaxLevel: KernelMaxLevel}
}

// Validate says what is wrong with p, if anything.
func (p Params) Validate() error {
	switch {
	case p.Floor < 1:
		return fmt.Errorf("floor %d: must be at least 1", p.Floor)
	case p.PidMax <= p.Floor:
		return fmt.Errorf("pid_max %d: must be above the floor %d", p.PidMax, p.Floor)
	case p.PidMax > KernelPidMax:
		// pid_max_max: the kernel refuses more, and the bitmap
		// implementations size their maps by it.
		return fmt.Errorf("pid_max %d: must be at most %d (PID_MAX_LIMIT)", p.PidMax, KernelPidMax)
	case p.MaxLevel < 0 || p.MaxLevel > 64:
		return fmt.Errorf("max level %d: must be in [0, 64]", p.MaxLevel)
	case p.MinPidMax != 0 && (p.MinPidMax <= p.Floor || p.MinPidMax > p.PidMax):
		return fmt.Errorf("min pid_max %d: must be 0 (floor + 1) or in [%d, %d]", p.MinPidMax, p.Floor+1, p.PidMax)
	}
	return nil
}

// Policy is the allocation order an implementation claims and a spec checks.
type Policy uint8

// The policies, strongest first.
const (
	Cyclic Policy = iota + 1 // exactly idr_alloc_cyclic: first free at or after the cursor, one wrap to the floor
	Lowest                   // the lowest free number in range
	Unique                   // any free number in range; EAGAIN once [floor, pid_max) is full, even with lower numbers free
	// CyclicAlone is Cyclic for every op that ran alone (Op.Alone) in a
	// space whose cursor is known, and Unique otherwise: a fork that
	// overlapped another op leaves every cursor unknown, until a fork or
	// an ns_last_pid write alone sets it again. It is what
	// Linux promises under concurrency: alloc_pid drops pidmap_lock
	// between levels, so two racing forks may take their numbers in
	// opposite orders at two levels, and an ns_last_pid write can be lost
	// to a fork in flight (pid_ns_ctl_handler stores the cursor outside
	// pidmap_lock), yet a fork nothing overlaps takes exactly the cyclic
	// number. The linux and alloc specs judge it (at the alloc level,
	// alloc and alloc_at are the ops that leave the cursor unknown, and
	// set_cursor the write).
	CyclicAlone
)

// String returns "cyclic", "lowest", "unique" or "cyclic-alone".
func (p Policy) String() string {
	switch p {
	case Cyclic:
		return "cyclic"
	case Lowest:
		return "lowest"
	case Unique:
		return "unique"
	case CyclicAlone:
		return "cyclic-alone"
	}
	return fmt.Sprintf("policy(%d)", uint8(p))
}

// ParsePolicy parses a policy name.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range []Policy{Cyclic, Lowest, Unique, CyclicAlone} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("policy %q: want cyclic, lowest, unique or cyclic-alone", s)
}
