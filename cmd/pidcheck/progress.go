package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// progress writes a one-line status to stderr, redrawn in place, but only
// when stderr is a terminal: logs and pipes get nothing, and so does a
// terminal with TERM=dumb (it cannot redraw a line). With NO_COLOR set
// (no-color.org) the line is redrawn without escape sequences: a carriage
// return, and spaces over what is left of the line before.
type progress struct {
	w     io.Writer
	on    bool
	plain bool      // no escape sequences (NO_COLOR)
	last  time.Time // when the line was last drawn
	width int       // runes of the line last drawn (plain mode)
}

func newProgress(stderr io.Writer) *progress {
	return progressFor(stderr, isTerminal(stderr), os.Getenv)
}

// progressFor is newProgress on a terminal or not, with the environment
// read by getenv.
func progressFor(stderr io.Writer, terminal bool, getenv func(string) string) *progress {
	on := terminal && getenv("TERM") != "dumb"
	return &progress{w: stderr, on: on, plain: getenv("NO_COLOR") != ""}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// show replaces the status line, at most a few times a second.
func (p *progress) show(format string, args ...any) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf(format, args...)
	if !p.plain {
		fmt.Fprint(p.w, "\r\033[K"+line)
		return
	}
	n := utf8.RuneCountInString(line)
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", max(0, p.width-n)))
	p.width = n
}

// clear erases the status line, before ordinary output.
func (p *progress) clear() {
	switch {
	case !p.on:
	case p.plain:
		if p.width > 0 {
			fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
			p.width = 0
		}
	default:
		fmt.Fprint(p.w, "\r\033[K")
	}
}
