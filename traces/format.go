package traces

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pidcheck/pidcheck/model"
)

// Header is the first line of a trace that records every decision: such a
// trace is written as v1, so that it reads the same to any pidcheck.
const Header = "pidcheck trace v1"

// HeaderV2 is the first line of a trace with decision runs (Trace.Runs).
const HeaderV2 = "pidcheck trace v2"

// Version is the newest trace format version this package reads and
// writes; it reads every version from 1.
const Version = 2

// Format writes t in the trace format. It writes nothing when t is
// invalid (see Validate) or would not fit the limits Parse enforces.
func Format(w io.Writer, t *Trace) error {
	b, err := Marshal(t)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns t in the trace format, as Format writes it.
func Marshal(t *Trace) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("trace not written: %w", err)
	}
	var p printer
	sc := &t.Scenario
	if len(t.Runs) > 0 {
		p.line("header", HeaderV2)
	} else {
		p.line("header", Header)
	}
	key := func(k, v string) { p.line(k, fmt.Sprintf("%-9s %s", k, v)) }
	key("impl", encodeText(t.Impl))
	key("spec", encodeText(t.Spec))
	key("policy", t.Policy.String())
	key("level", sc.Level.String())
	key("pid_max", strconv.Itoa(sc.Params.PidMax))
	key("floor", strconv.Itoa(sc.Params.Floor))
	key("max_level", strconv.Itoa(sc.Params.MaxLevel))
	key("strategy", encodeText(t.Strategy))
	key("seed", strconv.FormatUint(t.Seed, 10))
	if sc.Params.MinPidMax != 0 {
		key("min_pid_max", strconv.Itoa(sc.Params.MinPidMax)) // written only when set: older traces stay byte-identical
	}
	if t.Reproduce != "" {
		key("reproduce", encodeText(t.Reproduce))
	}

	p.blank()
	p.line("scenario", fmt.Sprintf("scenario threads %d", len(sc.Threads)))
	ops := func(label string, list []model.Op) {
		for i, op := range list {
			p.line(fmt.Sprintf("scenario %s op %d", label, i), fmt.Sprintf("  %-4s  %s", label, op))
		}
	}
	ops("init", sc.Init)
	for i, list := range sc.Threads {
		ops(model.ThreadName(i), list)
	}
	ops("post", sc.Post)

	p.blank()
	p.line("decisions", fmt.Sprintf("decisions hash %016x", t.Hash))
	iw := len(strconv.Itoa(t.Steps() - 1))
	runnable := make([]string, len(t.Decisions))
	rw := 0 // the runnable column's width, so that the chosen threads line up
	for i, d := range t.Decisions {
		runnable[i] = formatRunnable(d.Runnable)
		if n := utf8.RuneCountInString(runnable[i]); n <= maxRunnableWidth {
			rw = max(rw, n)
		}
	}
	step, run := 0, 0
	runs := func(at int) {
		for ; run < len(t.Runs) && t.Runs[run].At == at; run++ {
			r := t.Runs[run]
			p.line(fmt.Sprintf("decision run %d", run), fmt.Sprintf("  %d..%d  %s", step, step+r.N-1, r.Rule))
			step += r.N
		}
	}
	for i, d := range t.Decisions {
		runs(i)
		pad := strings.Repeat(" ", max(0, rw-utf8.RuneCountInString(runnable[i])))
		p.line(fmt.Sprintf("decision %d", i), fmt.Sprintf("  %*d  %s%s  %-4s  %s",
			iw, step, runnable[i], pad, quoteToken(d.Thread), encodeText(d.Action)))
		step++
	}
	runs(len(t.Decisions))

	p.blank()
	p.line("history", "history")
	ticks := make([]string, len(t.History))
	tw := 0
	for i, o := range t.History {
		ret := "-"
		if !o.Pending() {
			ret = strconv.Itoa(o.Return)
		}
		ticks[i] = "[" + strconv.Itoa(o.Call) + "," + ret + "]"
		tw = max(tw, len(ticks[i]))
	}
	for i, o := range t.History {
		s := fmt.Sprintf("  %-4s  %-*s  %s", o.Thread, tw, ticks[i], o.Op)
		if !o.Pending() {
			s += " -> " + o.Result.Format(o.Op.Kind)
		}
		p.line(fmt.Sprintf("history op %d", i), s)
	}

	p.blank()
	p.line("verdict", "verdict "+t.Verdict.String())
	if t.Reason != "" {
		p.blank()
		p.line("reason", "reason")
		for i, l := range strings.Split(t.Reason, "\n") {
			p.line(fmt.Sprintf("reason line %d", i+1), "  |"+encodeReasonLine(l))
		}
	}
	p.line("end", "end")
	if p.err != nil {
		return nil, p.err
	}
	if p.buf.Len() > MaxSize {
		return nil, fmt.Errorf("trace not written: %d bytes, more than the %d a trace file may hold", p.buf.Len(), MaxSize)
	}
	return p.buf.Bytes(), nil
}

// maxRunnableWidth is the widest runnable list the decision column is
// padded to.
const maxRunnableWidth = 32

// printer collects lines and the first one too long to read back.
type printer struct {
	buf bytes.Buffer
	err error
}

func (p *printer) line(where, s string) {
	if len(s) >= MaxLine && p.err == nil {
		p.err = fmt.Errorf("trace not written: %s: line of %d bytes, more than the %d a line may hold", where, len(s), MaxLine-1)
	}
	p.buf.WriteString(s)
	p.buf.WriteByte('\n')
}

func (p *printer) blank() { p.buf.WriteByte('\n') }

// encodeText writes a one-line text value (a name, a strategy, an action)
// as it is when it reads unambiguously, and Go-quoted otherwise: when it is
// empty, starts with a quote, has spaces at either end, or holds anything
// that is not printable UTF-8.
func encodeText(s string) string {
	if plainText(s) {
		return s
	}
	return strconv.Quote(s)
}

func plainText(s string) bool {
	if s == "" || s[0] == '"' || !utf8.ValidString(s) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// quoteToken writes a thread name as it is when it is one plain word
// without brackets, and Go-quoted otherwise.
func quoteToken(s string) string {
	if plainToken(s) {
		return s
	}
	return strconv.Quote(s)
}

func plainToken(s string) bool {
	return plainText(s) && !strings.ContainsAny(s, " []")
}

func formatRunnable(names []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteToken(n))
	}
	b.WriteByte(']')
	return b.String()
}

// encodeReasonLine writes one line of the reason after its "|" marker:
// nothing for an empty line, a space and the text when it is printable
// UTF-8 (tabs allowed) without trailing blanks, and the Go-quoted text
// right after the marker otherwise.
func encodeReasonLine(s string) string {
	if s == "" {
		return ""
	}
	if plainReasonLine(s) {
		return " " + s
	}
	return strconv.Quote(s)
}

func plainReasonLine(s string) bool {
	if !utf8.ValidString(s) || strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\t") {
		return false
	}
	for _, r := range s {
		if r != '\t' && !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
