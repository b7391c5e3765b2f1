package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Main runs pidcheck with args and returns its exit status. It never calls
// os.Exit, so tests run it in-process.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (status int) {
	defer func() {
		// A panic is a bug in pidcheck, never the user's fault; it still
		// gets one line, not a stack (PIDCHECK_DEBUG=1 shows the stack).
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "pidcheck: internal error (a bug in pidcheck, please report it): %v\n", v)
			if os.Getenv("PIDCHECK_DEBUG") != "" {
				stderr.Write(debug.Stack())
			}
			status = exitBadInput
		}
	}()
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err != nil {
		if ee, ok := err.(*exitError); !ok || ee.err != nil {
			fmt.Fprintln(stderr, "pidcheck:", err)
		}
	}
	return statusOf(err)
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "pidcheck",
		Short: "A deterministic model checker for PID-allocation concurrency",
		Long: `pidcheck runs concurrent implementations of PID allocators and PID
namespaces under a controlled scheduler, checks every history for
linearizability against a sequential spec of Linux, and turns each failure
into a trace that replays exactly.

Exit status: 0 ok, 1 violation found (or reproduced), 2 bad usage or bad
input, 3 inconclusive (the linearizability check timed out, or check was
interrupted before its budget was spent), 4 replay diverged.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})
	root.AddCommand(
		newListCmd(),
		newCheckCmd(),
		newZooCmd(),
		newReplayCmd(),
		newShrinkCmd(),
		newCompareCmd(),
		newKernelCmd(),
		newMergeCmd(),
	)
	for _, c := range root.Commands() {
		c.SilenceErrors, c.SilenceUsage = true, true
	}
	return root
}

// noArgs is cobra.NoArgs with exit status 2.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
