package checker

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// explain says why a history is not linearizable, in the spec's words: it
// takes the longest linearizable prefix porcupine found, replays it on the
// spec, and asks the spec about each op that could have come next. It is
// linmodel.Explain's method, made deterministic (ties between prefixes go
// to the earliest calls, so the same run always gets the same reason) and
// naming each op's thread.
func explain(s spec.Spec, ops []porcupine.Operation, timeout time.Duration) string {
	_, info := porcupine.CheckOperationsVerbose(porcupineModel(s), ops, timeout)
	var best []porcupine.Operation
	for _, part := range info.PartialLinearizationsOperations() {
		for _, seq := range part {
			if len(seq) > len(best) || (len(seq) == len(best) && lessByCall(seq, best)) {
				best = seq
			}
		}
	}
	st := s.Init()
	done := map[int64]bool{}
	for _, op := range best {
		_, next, _ := st.Step(op.Input.(model.Op), op.Output.(model.Result))
		st = next
		done[op.Call] = true
	}
	var rest []porcupine.Operation
	for _, op := range ops {
		if !done[op.Call] {
			rest = append(rest, op)
		}
	}
	if len(rest) == 0 {
		return "not linearizable (porcupine found no linearization, but its longest prefix covers every op)"
	}
	minRet := rest[0].Return
	for _, op := range rest {
		minRet = min(minRet, op.Return)
	}
	var why []string
	for _, op := range rest {
		if op.Call > minRet {
			continue // it cannot go before an op that returned before it was called
		}
		in, out := op.Input.(model.Op), op.Output.(model.Result)
		if ok, _, reason := st.Step(in, out); !ok {
			why = append(why, fmt.Sprintf("%s %s → %s: %s", threadOf(op.ClientId), in, out.Format(in.Kind), reason))
		}
	}
	head := fmt.Sprintf("not linearizable: after %d of %d ops linearize, no op can go next", len(best), len(ops))
	if len(why) == 0 {
		return head
	}
	if len(why) > 4 {
		why = append(why[:4], fmt.Sprintf("(and %d more)", len(why)-4))
	}
	return head + ":\n  " + strings.Join(why, "\n  ")
}

func lessByCall(a, b []porcupine.Operation) bool {
	return slices.CompareFunc(a, b, func(x, y porcupine.Operation) int { return int(x.Call - y.Call) }) < 0
}

// threadOf inverts clientID.
func threadOf(id int) string {
	if id == 0 {
		return "main"
	}
	return model.ThreadName(id - 1)
}
