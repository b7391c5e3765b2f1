package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/oracle"
	"github.com/pidcheck/pidcheck/traces"
)

// huntJSON is kernel --hunt's --json output.
type huntJSON struct {
	jsonHeader
	Hunt       string `json:"hunt"`
	Depth      int    `json:"depth"`
	Seed       uint64 `json:"seed"`
	Iterations int    `json:"iterations"`
	// Observed counts iterations where the kernel showed the predicted
	// outcome (inflight-visible: a fork answered EEXIST for the number
	// only a failing fork ever held; pidmax-window: the fork got 350
	// after a probe had found 350 free following the pid_max write), and
	// the judge found the history not linearizable.
	Observed        int     `json:"observed"`
	RatePer1e5      float64 `json:"rate_per_1e5"`
	Pattern         int     `json:"pattern_without_violation"` // the outcome seen, yet the history linearizable (should be 0)
	Violations      int     `json:"violations"`                // all non-linearizable histories, the predicted ones included
	Unknown         int     `json:"unknown"`
	OracleErrors    int     `json:"oracle_errors"` // of the unknown: iterations the oracle failed on
	LastOracleError string  `json:"last_oracle_error,omitempty"`
	Witness         string  `json:"witness,omitempty"`
	WitnessError    string  `json:"witness_error,omitempty"`
	FirstAt         int     `json:"first_iteration,omitempty"`
	Reason          string  `json:"reason,omitempty"`
	Overlapping     int     `json:"overlapping_pairs"`
	Seconds         float64 `json:"elapsed_seconds"`
	Interrupted     bool    `json:"interrupted,omitempty"`
	Error           string  `json:"error,omitempty"`
}

// huntPattern reports whether a run shows the hunt's predicted outcome.
func huntPattern(kind string, run *oracle.ConcRun) bool {
	switch kind {
	case "inflight-visible":
		for _, o := range run.History {
			if o.Thread >= 1 && o.Op.Kind == model.ForkWithTid && o.Result.Err == model.EEXIST {
				return true
			}
		}
	case "pidmax-window":
		var write int64 = -1
		probeFree := false
		got := false
		for _, o := range run.History {
			switch {
			case o.Thread == 1 && o.Op.Kind == model.SetPidMax && o.Result.Err == model.OK:
				write = o.Return
			case o.Thread == 0 && o.Op.Kind == model.Fork && o.Result.Err == model.OK:
				got = o.Result.NSpid[len(o.Result.NSpid)-1] == oracle.HuntNumber
			}
		}
		for _, o := range run.History {
			if o.Thread == 1 && o.Op.Kind == model.Kill && o.Result.Err == model.ESRCH && write >= 0 && o.Call > write {
				probeFree = true
			}
		}
		return got && probeFree
	}
	return false
}

func runKernelHunt(ctx context.Context, stdout, stderr io.Writer, f concFlags) error {
	pr := newProgress(stderr)
	p := oracle.Params()
	out := huntJSON{jsonHeader: header("kernel-hunt"), Hunt: f.hunt, Depth: f.depth, Seed: f.seed}
	start := time.Now()
	var failure error
	for i := 0; i < f.scenarios; i++ {
		if f.budget > 0 && time.Since(start) > f.budget {
			break
		}
		if ctx.Err() != nil {
			out.Interrupted = true
			break
		}
		s := f.seed + uint64(i)
		pr.show("kernel --hunt %s: iteration %d/%d, observed %d, %d violation(s)", f.hunt, i+1, f.scenarios, out.Observed, out.Violations)
		sc, err := oracle.HuntScenario(f.hunt, s, f.depth, p)
		if err != nil {
			return usageErrorf("%v", err)
		}
		run, err := oracle.RunConcurrent(ctx, sc)
		if err != nil {
			if ctx.Err() != nil {
				out.Interrupted = true
				break
			}
			out.Iterations++
			out.Unknown++
			out.OracleErrors++
			out.LastOracleError = fmt.Sprintf("iteration %d (seed %d): %v", i, s, err)
			if out.OracleErrors > maxOracleErrors {
				failure = fmt.Errorf("%d oracle failures, the last: %s", out.OracleErrors, out.LastOracleError)
				break
			}
			continue
		}
		out.Iterations++
		out.Overlapping += run.Overlaps
		j := judgeRun(run, p, f.checkTimeout)
		pattern := huntPattern(f.hunt, run)
		switch j.verdict.Outcome {
		case traces.Unknown:
			out.Unknown++
		case traces.Violation:
			out.Violations++
			if !pattern {
				break
			}
			out.Observed++
			if out.Witness == "" {
				out.FirstAt, out.Reason = i, j.reason
				strategy := fmt.Sprintf("kernel hunt %s depth=%d", f.hunt, f.depth)
				full := kernelTrace(run, j.h, strategy, s, j.verdict, j.reason)
				if _, err := saveKernelTrace(f.out, fmt.Sprintf("kernel-hunt-%s-%d-full.trace", f.hunt, s), full); err != nil {
					out.WitnessError = err.Error()
				}
				path, err := saveKernelTrace(f.out, fmt.Sprintf("kernel-hunt-%s-%d.trace", f.hunt, s), shrunkTrace(run, j, p, f.checkTimeout, strategy, s))
				out.Witness = path
				if err != nil {
					out.WitnessError = err.Error()
				}
			}
		default:
			if pattern {
				out.Pattern++
			}
		}
	}
	pr.clear()
	out.Seconds = time.Since(start).Seconds()
	if out.Iterations > 0 {
		out.RatePer1e5 = float64(out.Observed) * 1e5 / float64(out.Iterations)
	}
	if failure != nil {
		out.Error = failure.Error()
	}
	if f.json {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "hunt %s (depth %d): %d iteration(s), predicted outcome observed in %d (%.0f per 10^5), %d violation(s) in all, %d unknown, %.1fs\n",
			out.Hunt, out.Depth, out.Iterations, out.Observed, out.RatePer1e5, out.Violations, out.Unknown, out.Seconds)
		if out.Witness != "" {
			fmt.Fprintf(stdout, "first at iteration %d: %s\n  witness: %s\n  show it: pidcheck replay %s\n", out.FirstAt, out.Reason, out.Witness, out.Witness)
			if out.WitnessError != "" {
				fmt.Fprintf(stdout, "  (a trace was not written: %s)\n", out.WitnessError)
			}
		}
	}
	switch {
	case failure != nil:
		return &exitError{code: exitUnknown, err: fmt.Errorf("kernel oracle failed, inconclusive: %w", failure)}
	case out.Interrupted:
		return &exitError{code: exitUnknown, err: errors.New("interrupted: inconclusive")}
	case out.Observed > 0:
		return withStatus(exitViolation)
	}
	return nil
}
