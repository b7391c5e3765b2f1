package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildInfo is what this pidcheck was built from: the main module's
// version, and the VCS revision and state when the build recorded them.
type buildInfo struct {
	Module   string `json:"module"`
	Version  string `json:"module_version"` // "(devel)" for a build from a work tree
	Revision string `json:"vcs_revision,omitempty"`
	Time     string `json:"vcs_time,omitempty"`
	Modified bool   `json:"vcs_modified,omitempty"`
	Go       string `json:"go_version"`
}

// readBuildInfo reads runtime/debug.ReadBuildInfo.
func readBuildInfo() buildInfo {
	b := buildInfo{Module: "github.com/pidcheck/pidcheck", Version: "(devel)", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		b.Version = "unknown"
		return b
	}
	if info.Main.Path != "" {
		b.Module = info.Main.Path
	}
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		b.Go = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the version in one word-ish line: "v1.2.0", or "(devel)
// 0123abc… modified". Builds whose strings differ may explore
// differently: merge refuses to join their shards.
func (b buildInfo) String() string {
	v := b.Version
	if b.Revision != "" {
		v += " " + b.Revision
	}
	if b.Modified {
		v += " modified"
	}
	return v
}

// toolVersion is the version every --json output carries.
func toolVersion() string { return readBuildInfo().String() }

// jsonHeader starts every --json output: which schema it follows
// (docs/schema/NAME.schema.json) and which pidcheck wrote it.
type jsonHeader struct {
	Schema  string `json:"schema"`
	Version string `json:"version"`
}

// header is the jsonHeader of output name ("check", "zoo", …).
func header(name string) jsonHeader {
	return jsonHeader{Schema: schemaID(name), Version: toolVersion()}
}

// schemaID is the schema name of output name: "pidcheck/check/v1".
func schemaID(name string) string { return "pidcheck/" + name + "/v1" }

// versionJSON is version's --json output.
type versionJSON struct {
	jsonHeader
	buildInfo
}

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print pidcheck's version (module version, VCS revision, Go version)",
		Long: `version prints what this pidcheck was built from, as the Go toolchain
recorded it (runtime/debug.ReadBuildInfo): the module's version ("(devel)"
when built from a work tree), the VCS revision and whether the tree was
modified, and the Go version. pidcheck --version prints the same.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := readBuildInfo()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), versionJSON{header("version"), b})
			}
			fmt.Fprintln(cmd.OutOrStdout(), versionLine(b))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the version as JSON")
	return cmd
}

// versionLine is version's (and --version's) output.
func versionLine(b buildInfo) string {
	s := fmt.Sprintf("pidcheck %s (%s", b.Version, b.Module)
	if b.Revision != "" {
		s += ", revision " + b.Revision
		if b.Modified {
			s += " modified"
		}
	}
	if b.Time != "" {
		s += ", " + b.Time
	}
	return s + ", " + b.Go + ")"
}
