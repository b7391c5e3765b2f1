package checker

import (
	"hash/fnv"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// porcupineModel adapts s to porcupine without partitioning: the judge
// uses linmodel.Model (partitioned where sound); explain and Visualize use
// this one, so that a failure has one story (one partition) to tell.
func porcupineModel(s spec.Spec) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return s.Init() },
		Step: func(state, input, output any) (bool, any) {
			ok, next, _ := state.(spec.State).Step(input.(model.Op), output.(model.Result))
			return ok, next
		},
		Equal: func(a, b any) bool { return a.(spec.State).Key() == b.(spec.State).Key() },
		Hash: func(st any) uint64 {
			h := fnv.New64a()
			h.Write([]byte(st.(spec.State).Key()))
			return h.Sum64()
		},
		DescribeOperation: func(input, output any) string {
			op := input.(model.Op)
			return op.String() + " -> " + output.(model.Result).Format(op.Kind)
		},
		DescribeState: func(st any) string { return st.(spec.State).String() },
	}
}
