package openvz

import (
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// Name is the spec's name, as implementations declare it.
const Name = "openvz"

// New returns the OpenVZ VPID spec with parameters p (PidMax bounds the one
// global space, Floor is its RESERVED_PIDS; MaxLevel 0 forbids containers,
// anything else allows the one level OpenVZ has) and allocation policy pol.
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
