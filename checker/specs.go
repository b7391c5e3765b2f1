package checker

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/openvz"
	"github.com/pidcheck/pidcheck/spec/pspace2006"
)

// SpecFor builds the spec named name with the given parameters and policy.
func SpecFor(name model.SpecName, p model.Params, pol model.Policy) (spec.Spec, error) {
	if err := p.Validate(); err != nil {
		return spec.Spec{}, fmt.Errorf("spec %s: %v", name, err)
	}
	if pol == model.CyclicAlone && name != model.SpecLinux && name != model.SpecAlloc {
		return spec.Spec{}, fmt.Errorf("spec %s: policy %s is judged by the linux and alloc specs only", name, pol)
	}
	switch name {
	case model.SpecAlloc:
		return spec.Allocator(p, pol), nil
	case model.SpecLinux:
		return spec.Linux(p, pol), nil
	case model.SpecOpenVZ:
		return openvz.New(p, pol), nil
	case model.SpecPspace2006:
		return pspace2006.New(p, pol), nil
	}
	_, err := model.ParseSpecName(string(name))
	return spec.Spec{}, err
}

// SpecFits reports, as an error, a spec name that is not one of
// model.SpecNames or whose level is not level (the linux spec cannot judge
// an allocator-level scenario).
func SpecFits(name string, level model.Level) error {
	n, err := model.ParseSpecName(name)
	if err != nil {
		return err
	}
	if l := n.Level(); l != level {
		return fmt.Errorf("spec %s judges %s-level scenarios, this one is at the %s level", n, l, level)
	}
	return nil
}
