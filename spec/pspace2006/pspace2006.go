package pspace2006

import (
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// Name is the spec's name, as implementations declare it.
const Name = "pspace2006"

// New returns the pspace spec with parameters p (every pspace starts with
// pid_max p.PidMax; p.MaxLevel is the nesting limit) and allocation policy
// pol, applied per pspace.
func New(p model.Params, pol model.Policy) spec.Spec {
	return spec.Spec{
		Name:   Name,
		Level:  model.ProcessLevel,
		Policy: pol,
		Params: p,
		Init:   func() spec.State { return newState(p, pol) },
		Rules:  rules,
	}
}
