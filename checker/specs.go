package checker

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/openvz"
	"github.com/pidcheck/pidcheck/spec/pspace2006"
)

// SpecNames lists the specs an implementation may claim, in order.
func SpecNames() []string { return []string{"alloc", "linux", "openvz", "pspace2006"} }

// SpecFor builds the spec named name ("alloc", "linux", "openvz",
// "pspace2006") with the given parameters and policy.
func SpecFor(name string, p model.Params, pol model.Policy) (spec.Spec, error) {
	if err := p.Validate(); err != nil {
		return spec.Spec{}, fmt.Errorf("spec %s: %v", name, err)
	}
	switch name {
	case "alloc":
		return spec.Allocator(p, pol), nil
	case "linux":
		return spec.Linux(p, pol), nil
	case "openvz":
		return openvz.New(p, pol), nil
	case "pspace2006":
		return pspace2006.New(p, pol), nil
	}
	return spec.Spec{}, fmt.Errorf("no spec named %q: want one of alloc, linux, openvz, pspace2006", name)
}

// LevelOf is the level of the spec named name: the allocator level for
// "alloc", the process level for the others.
func LevelOf(specName string) model.Level {
	if specName == "alloc" {
		return model.AllocLevel
	}
	return model.ProcessLevel
}
