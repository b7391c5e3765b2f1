package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/checker"
)

// schemaDir is where the JSON Schemas of every --json output live.
func schemaDir(t testing.TB) string { return filepath.Join(repoRoot(t.(*testing.T)), "docs", "schema") }

// compileSchema compiles docs/schema/NAME.schema.json.
func compileSchema(dir, name string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	return c.Compile(filepath.Join(dir, name+".schema.json"))
}

// cmdSchema validates the last command's stdout against a committed
// schema, with a JSON Schema library (not by hand):
//
//	schema check
//
// validates it against docs/schema/check.schema.json, and also that its
// "schema" key names that schema. "! schema NAME" asserts it does not
// validate.
func cmdSchema(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: schema NAME")
	}
	sch, err := compileSchema(filepath.Join(ts.Getenv("PIDCHECK_REPO"), "docs", "schema"), args[0])
	if err != nil {
		ts.Fatalf("schema %s: %v", args[0], err)
	}
	out := ts.ReadFile("stdout")
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		ts.Fatalf("schema %s: stdout is not JSON: %v", args[0], err)
	}
	err = sch.Validate(inst)
	switch {
	case neg && err == nil:
		ts.Fatalf("stdout validates against schema %s, want it not to", args[0])
	case !neg && err != nil:
		ts.Fatalf("stdout does not validate against schema %s:\n%v", args[0], err)
	}
}

// validateJSON holds data, a command's --json output, to the committed
// schema name.
func validateJSON(t *testing.T, name string, data []byte) {
	t.Helper()
	sch, err := compileSchema(schemaDir(t), name)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("does not validate against schema %s:\n%v\n%s", name, err, data)
	}
}

// TestSchemaForEveryJSONFlag: every command with --json has a committed
// schema, every schema compiles and names itself pidcheck/NAME/v1, and no
// schema is left over without its command (merge's output is always JSON).
func TestSchemaForEveryJSONFlag(t *testing.T) {
	dir := schemaDir(t)
	var want []string
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("json") != nil {
			want = append(want, c.Name())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&config{}))
	// merge prints JSON always; kernel --concurrent and --hunt print
	// results of their own shapes.
	want = append(want, "merge", "kernel-concurrent", "kernel-hunt")
	sort.Strings(want)
	files, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, strings.TrimSuffix(filepath.Base(f), ".schema.json"))
	}
	sort.Strings(got) // "kernel-hunt.schema.json" sorts before "kernel.schema.json"
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("schemas in docs/schema: %v\ncommands with --json: %v", got, want)
	}
	for _, name := range got {
		sch, err := compileSchema(dir, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, name+".schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`"const": "`+schemaID(name)+`"`)) {
			t.Fatalf("%s: no const %q for the schema key", name, schemaID(name))
		}
		// Not a hollow schema: an object with only the header fails it.
		if err := sch.Validate(map[string]any{"schema": schemaID(name), "version": "v1.0.0"}); err == nil {
			t.Fatalf("%s: an object with only schema and version validates: nothing else is required", name)
		}
	}
}

// TestListHasEveryStrategy: list names exactly the strategies check
// accepts, in the engine's order or not.
func TestListHasEveryStrategy(t *testing.T) {
	var got, want []string
	for _, s := range strategies {
		got = append(got, s.name)
	}
	for _, s := range checker.Strategies() {
		want = append(want, string(s))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("list's strategies %v, check's %v", got, want)
	}
}
