package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pidcheck/pidcheck/oracle"
)

// TestMain lets the testscript files run pidcheck as a command, built into
// the test binary.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// The pidcheck users run (supervised), with the hostile
		// implementations of hostile_test.go besides the registry's.
		"pidcheck": func() {
			os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, config{supervise: true, extra: hostileEntries()}))
		},
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PIDCHECK_REPO", repoRoot(t))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":    cmdStatus,
			"jsonfield": cmdJSONField,
			"divert":    cmdDivert,
			"mkfile":    cmdMkfile,
			"schema":    cmdSchema,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "oracle": // the kernel oracle can run here
				return oracle.Available() == nil, nil
			case "corpus": // the pipeline has written traces/zoo/
				files, err := filepath.Glob(filepath.Join(repoRoot(t), "traces", "zoo", "*.trace"))
				return len(files) > 0, err
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// cmdStatus runs a command and asserts its exact exit status:
//
//	status 2 pidcheck list extra
//
// Its stdout and stderr are kept for the stdout/stderr commands that follow.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd + "/../.."
}
