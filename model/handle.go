package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Handle names a task in a scenario: t0, t1, … . Handles are assigned by the
// scenario, never by the system under test, so they mean the same thing
// under every interleaving. Task t0 is the root space's init.
type Handle int

// NoTask is the zero-information handle: "no task".
const NoTask Handle = -1

// Root is the task every system starts with: PID 1 of the root space.
const Root Handle = 0

// String returns "t3", or "none" for NoTask. Other negative handles name
// no task and print as "invalid(-5)", which does not parse.
func (h Handle) String() string {
	switch {
	case h == NoTask:
		return "none"
	case h < 0:
		return "invalid(" + strconv.Itoa(int(h)) + ")"
	}
	return "t" + strconv.Itoa(int(h))
}

// ParseHandle parses "t3" (or "none").
func ParseHandle(s string) (Handle, error) {
	if s == "none" {
		return NoTask, nil
	}
	if !strings.HasPrefix(s, "t") {
		return 0, fmt.Errorf("task handle %q: want t<number>", s)
	}
	n, err := strconv.Atoi(s[1:])
	if err == nil && n > maxNumber || errors.Is(err, strconv.ErrRange) && looksLikeHandle(s) {
		return 0, fmt.Errorf("task handle %s is out of range: handles go from t0 to t%d", s, maxNumber)
	}
	if err != nil || n < 0 || s[1:] != strconv.Itoa(n) {
		return 0, fmt.Errorf("task handle %q: want t<number>", s)
	}
	return Handle(n), nil
}
