package oracle

import (
	"context"
	"fmt"
	"strings"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// OpReport is one op of a compared scenario: what the kernel answered and
// what the spec expected.
type OpReport struct {
	Op     model.Op
	Kernel model.Result
	Spec   model.Result // spec.State.Expect's answer
	// Note is non-empty when the answer was given by the oracle itself,
	// not by the kernel (see the package doc, "Answers the oracle gives
	// itself"); such ops are still checked against the spec.
	Note string
}

// Report is the outcome of one scenario.
type Report struct {
	Ops    []OpReport // every op run, up to and including the first difference
	Diff   int        // index in Ops of the first difference, -1 when none
	Reason string     // the spec's reason for rejecting the kernel's answer
}

// Differs reports whether the kernel and the spec disagreed.
func (r Report) Differs() bool { return r.Diff >= 0 }

// String prints the scenario as "op -> kernel (spec: …)" lines, marking the
// first difference.
func (r Report) String() string {
	var b strings.Builder
	for i, o := range r.Ops {
		fmt.Fprintf(&b, "%-28s -> %s", o.Op, o.Kernel.Format(o.Op.Kind))
		if i == r.Diff {
			fmt.Fprintf(&b, "   <<< DIFFERS: spec says %s: %s", o.Spec.Format(o.Op.Kind), r.Reason)
		}
		if o.Note != "" {
			fmt.Fprintf(&b, "   (%s)", o.Note)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// kernel is one scenario's real PID system.
type kernel interface {
	applyNote(op model.Op) (model.Result, string, error)
	close()
}

// Available says why the kernel oracle cannot run on this machine (not
// Linux, not root, PID namespaces refused), or nil when it can.
func Available() error { return available() }

// Compare runs ops, a sequential process-level scenario, in a fresh PID
// namespace of the running kernel and in spec.Linux(p, model.Cyclic), op by
// op, and stops at the first op whose kernel answer the spec does not
// allow. p should be the kernel's own parameters (Params). An error means
// the oracle itself failed (an agent did not answer, an op it cannot run),
// not that the kernel and the spec differ.
func Compare(ctx context.Context, ops []model.Op, p model.Params) (Report, error) {
	rep := Report{Diff: -1}
	if err := p.Validate(); err != nil {
		return rep, err
	}
	for i, op := range ops {
		if op.Kind.Level() != model.ProcessLevel {
			return rep, fmt.Errorf("op %d %q: the kernel oracle runs process-level ops only", i, op)
		}
	}
	k, err := openKernel()
	if err != nil {
		return rep, err
	}
	defer k.close()
	st := spec.Linux(p, model.Cyclic).Init()
	for i, op := range ops {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		want, _ := st.Expect(op)
		got, note, err := k.applyNote(op)
		if err != nil {
			return rep, fmt.Errorf("op %d %q: %w", i, op, err)
		}
		rep.Ops = append(rep.Ops, OpReport{Op: op, Kernel: got, Spec: want, Note: note})
		ok, next, why := st.Step(op, got)
		if !ok {
			rep.Diff, rep.Reason = i, why
			return rep, nil
		}
		st = next
	}
	return rep, nil
}

// ScenarioDiff is a random scenario on which the kernel and the spec differ.
type ScenarioDiff struct {
	Seed   uint64
	Report Report
}

// BatchResult sums up a Batch.
type BatchResult struct {
	Scenarios int            // scenarios run
	Ops       int            // ops compared
	Self      int            // of those, answered by the oracle itself (OpReport.Note)
	Diffs     []ScenarioDiff // scenarios that differ, in seed order
	ByKind    Counts         // the ops compared, by kind: sent to the kernel or answered by the oracle
}

// Batch runs n random scenarios of length ops, with seeds seed, seed+1, …,
// through Compare. It stops at the first oracle error (with the seed in the
// message); differences do not stop it.
func Batch(ctx context.Context, n int, seed uint64, length int, p model.Params) (BatchResult, error) {
	var out BatchResult
	for i := 0; i < n; i++ {
		s := seed + uint64(i)
		rep, err := Compare(ctx, RandomScenario(s, length, p), p)
		out.Ops += len(rep.Ops)
		out.ByKind.Add(rep)
		for _, o := range rep.Ops {
			if o.Note != "" {
				out.Self++
			}
		}
		if err != nil {
			return out, fmt.Errorf("scenario with seed %d: %w", s, err)
		}
		out.Scenarios++
		if rep.Differs() {
			out.Diffs = append(out.Diffs, ScenarioDiff{Seed: s, Report: rep})
		}
	}
	return out, nil
}
