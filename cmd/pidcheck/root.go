package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/alloc"
)

// Main runs pidcheck with args and returns its exit status. It never calls
// os.Exit, so tests run it in-process; it explores in this process,
// unsupervised (main, the command users run, supervises: see config).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (status int) {
	return run(args, stdin, stdout, stderr, config{})
}

// config is what differs between the pidcheck users run and the one tests
// run in-process.
type config struct {
	// supervise: check and zoo explore in a child process they supervise
	// (supervise.go). Off in-process: there is no executable to re-run.
	supervise bool
	// extra are implementations --impl finds besides the registry's, never
	// listed nor checked by default: the tests' hostile ones live here, in
	// the test binary only.
	extra []alloc.Entry

	args   []string  // the command line, for the supervised child
	report *reporter // set in a supervised child: where it reports to its parent
}

// lookup finds the implementation called name: the registry's, or one of
// extra.
func (c *config) lookup(name string) (alloc.Entry, error) {
	for _, e := range c.extra {
		if e.Name == name {
			return e, nil
		}
	}
	return alloc.Lookup(name)
}

// run is Main with cfg. In a supervised child it reports its exit status
// to the parent as its last act.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, cfg config) (status int) {
	cfg.args = args
	var err error
	if cfg.report, err = childReporter(); err != nil {
		fmt.Fprintln(stderr, "pidcheck:", err)
		return exitBadInput
	}
	if cfg.report != nil {
		defer func() { cfg.report.finish(status) }()
	}
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
	root := newRoot(&cfg)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err = root.Execute()
	if err != nil {
		if ee, ok := err.(*exitError); !ok || ee.err != nil {
			fmt.Fprintln(stderr, "pidcheck:", err)
		}
	}
	return statusOf(err)
}

func newRoot(cfg *config) *cobra.Command {
	root := &cobra.Command{
		Use:   "pidcheck",
		Short: "A deterministic model checker for PID-allocation concurrency",
		Long: `pidcheck runs concurrent implementations of PID allocators and PID
namespaces under a controlled scheduler, checks every history for
linearizability against a sequential spec of Linux, and turns each failure
into a trace that replays exactly.

Exit status: 0 ok, 1 violation found (or reproduced, or the exploration
died: see check --help), 2 bad usage or bad input, 3 inconclusive (the linearizability check timed out, or check was
interrupted before its budget was spent), 4 replay diverged.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionLine(readBuildInfo()),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})
	root.AddCommand(
		newListCmd(),
		newCheckCmd(cfg),
		newZooCmd(cfg),
		newReplayCmd(),
		newShrinkCmd(),
		newCompareCmd(),
		newKernelCmd(),
		newMergeCmd(),
		newVersionCmd(),
	)
	for _, c := range root.Commands() {
		c.SilenceErrors, c.SilenceUsage = true, true
	}
	addCompletions(root)
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
