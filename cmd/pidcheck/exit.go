package main

import (
	"errors"
	"fmt"
)

// Exit statuses, the same for every command.
const (
	exitOK        = 0
	exitViolation = 1
	exitBadInput  = 2
	exitUnknown   = 3
	exitDiverged  = 4
)

// exitError carries an exit status and, optionally, a message for stderr.
type exitError struct {
	code int
	err  error // nil: nothing more to print
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports bad usage or bad input: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitBadInput, err: fmt.Errorf(format, args...)}
}

// badInput wraps an input error (a trace that does not parse, …): status 2.
func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// withStatus ends the command with code and no further message.
func withStatus(code int) error { return &exitError{code: code} }

// statusOf maps an error returned by a command to its exit status.
func statusOf(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitBadInput
}
