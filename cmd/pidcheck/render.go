package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// printHeader says what a trace ran: the implementation, its spec and
// parameters, the scenario.
func printHeader(w io.Writer, t *traces.Trace) {
	p := t.Scenario.Params
	fmt.Fprintf(w, "%s: spec %s, policy %s, %s level, pid_max %d, floor %d (from %s, seed %d)\n",
		t.Impl, t.Spec, t.Policy, t.Scenario.Level, p.PidMax, p.Floor, t.Strategy, t.Seed)
	fmt.Fprintf(w, "scenario: %d op(s), %d thread(s)\n", checker.Undrained(t.Scenario).Ops(), len(t.Scenario.Threads))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, op := range t.Scenario.Init {
		fmt.Fprintf(tw, "  init\t%s\n", op)
	}
	for i, ops := range t.Scenario.Threads {
		for _, op := range ops {
			fmt.Fprintf(tw, "  %s\t%s\n", model.ThreadName(i), op)
		}
	}
	drained := 0
	for _, op := range t.Scenario.Post {
		if checker.IsDrainOp(op) {
			drained++
			continue
		}
		fmt.Fprintf(tw, "  post\t%s\n", op)
	}
	if drained > 0 {
		fmt.Fprintf(tw, "  drain\t%d op(s) that reap (or allocate) what is left\n", drained)
	}
	tw.Flush()
}

// printInterleaving prints every scheduling decision of a run: which
// thread ran, what it did to which object and with what result, during
// which op of the history (with its call and return ticks), and who else
// could have run. A * marks a preemption: a switch away from a thread that
// could have gone on. spans (checker.Result.Spans) may be nil: then the op column
// is left out.
func printInterleaving(w io.Writer, t *traces.Trace, spans [][2]int) {
	ds := t.Decisions
	fmt.Fprintf(w, "interleaving: %d decision(s), %d preemption(s) (* marks one)\n", len(ds), preemptions(ds))
	printDecisions(w, t, spans, 0, len(ds))
}

// printDecisions prints decisions [from, to) of t as a table.
func printDecisions(w io.Writer, t *traces.Trace, spans [][2]int, from, to int) {
	ds := t.Decisions
	from, to = max(from, 0), min(to, len(ds))
	during := make([]string, len(ds))
	for i, sp := range spans {
		h := t.History[i]
		ret := "-"
		if !h.Pending() {
			ret = strconv.Itoa(h.Return)
		}
		for k := max(sp[0], 0); k < min(sp[1], len(ds)); k++ {
			if ds[k].Thread == h.Thread {
				during[k] = fmt.Sprintf("%s [%d–%s]", h.Op, h.Call, ret)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if spans != nil {
		fmt.Fprintln(tw, "  #\tTHREAD\tACTION\tOBJECT\tRESULT\tDURING OP [TICKS]\tRUNNABLE")
	} else {
		fmt.Fprintln(tw, "  #\tTHREAD\tACTION\tOBJECT\tRESULT\tRUNNABLE")
	}
	for k := from; k < to; k++ {
		d := ds[k]
		verb, obj, res := splitAction(d.Thread, d.Action)
		mark := " "
		if k > 0 && d.Thread != ds[k-1].Thread && slices.Contains(d.Runnable, ds[k-1].Thread) {
			mark = "*"
		}
		op := ""
		if spans != nil {
			op = during[k] + "\t"
		}
		fmt.Fprintf(tw, "%s%d\t%s\t%s\t%s\t%s\t%s%s\n", mark, k, d.Thread, verb, obj, res, op, strings.Join(d.Runnable, " "))
	}
	tw.Flush()
}

// printHistory prints the history the run recorded, in call order, with
// the logical ticks of each call and return.
func printHistory(w io.Writer, h []traces.Operation) {
	fmt.Fprintf(w, "history: %d op(s); every call and return has its own tick\n", len(h))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TICKS\tTHREAD\tOP\tRESULT")
	for _, o := range h {
		ret, res := strconv.Itoa(o.Return), o.Result.Format(o.Op.Kind)
		if o.Pending() {
			ret, res = "-", "(never returned)"
		}
		fmt.Fprintf(tw, "  %d–%s\t%s\t%s\t%s\n", o.Call, ret, o.Thread, o.Op, res)
	}
	tw.Flush()
}

// printVerdict prints a verdict and the spec's (or scheduler's) reason.
func printVerdict(w io.Writer, v traces.Verdict, reason string) {
	fmt.Fprintf(w, "verdict: %s\n", v)
	if reason != "" {
		fmt.Fprintf(w, "reason:\n  %s\n", strings.ReplaceAll(strings.TrimRight(reason, "\n"), "\n", "\n  "))
	}
}

// splitAction splits a decision's action, "A CAS cursor 5→6 ok", into
// what was done (CAS), to what (cursor) and how it came out (5→6 ok).
// A quoted object ("threads done") stays one field.
func splitAction(thread, action string) (verb, obj, res string) {
	rest := strings.TrimPrefix(action, thread+" ")
	if rest == action && thread != "" && action == thread {
		rest = ""
	}
	verb, rest, _ = strings.Cut(rest, " ")
	if strings.HasPrefix(rest, `"`) {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			return verb, q, strings.TrimSpace(rest[len(q):])
		}
	}
	obj, res, _ = strings.Cut(rest, " ")
	if o, ok := strings.CutSuffix(obj, ":"); ok {
		obj = o // "lock tasklist: blocked"
	}
	return verb, obj, res
}
