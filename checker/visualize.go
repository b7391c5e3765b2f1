package checker

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/spec/linmodel"
)

// Visualize writes porcupine's visualization of r's history — one
// self-contained HTML page, with the longest linearizations found — with
// the scheduler's decisions as annotations: under each op, what its thread
// did while the op was in flight ("A CAS cursor 5→6 ok"). r must come from
// a run (Run, Explore, Replay), not only from a trace file, and its
// history must be complete (a run the scheduler stopped has none to show).
// The page names the history's rows by thread, as the scheduler's rows
// are named, and opens at the first failing op (see pageFixes).
func Visualize(w io.Writer, r *Result) error {
	s, err := SpecFor(r.Spec, r.Scenario.Params, r.Policy)
	if err != nil {
		return err
	}
	markAlone(s, r.History)
	ops, err := porcupineHistory(r.History)
	if err != nil {
		return fmt.Errorf("visualize: %v (a run stopped with %s has ops without returns)", err, r.Verdict)
	}
	m := linmodel.Unpartitioned(s)
	_, info := porcupine.CheckOperationsVerbose(m, ops, 30*time.Second)
	var notes []porcupine.Annotation
	spans := r.Spans()
	for i, h := range r.History {
		if i >= len(spans) {
			break
		}
		from, to := spans[i][0], spans[i][1]
		var lines []string
		for k := from; k < to; k++ {
			if d := r.Decisions[k]; d.Thread == h.Thread {
				lines = append(lines, fmt.Sprintf("#%d %s", k, d.Action))
			}
		}
		if len(lines) == 0 {
			continue
		}
		notes = append(notes, porcupine.Annotation{
			ClientId: clientID(h.Thread), Tag: "sched " + h.Thread,
			Start: int64(h.Call), End: int64(h.Return),
			Description: fmt.Sprintf("%d decisions", len(lines)),
			Details:     strings.Join(lines, "\n"),
		})
	}
	info.AddAnnotations(notes)
	var page bytes.Buffer
	if err := porcupine.Visualize(m, info, &page); err != nil {
		return err
	}
	most := 0
	for _, h := range r.History {
		most = max(most, clientID(h.Thread))
	}
	threads := make([]string, most+1)
	for id := range threads {
		threads[id] = threadOf(id)
	}
	return writePage(w, page.Bytes(), threads)
}
