package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
)

// addCompletions makes cobra's shell completion (pidcheck completion
// bash|zsh|fish|powershell) complete values, not just flag names:
// implementation and variant names (in comma lists too), strategies, and
// trace files for replay and shrink.
func addCompletions(root *cobra.Command) {
	impls := func(zoo bool) []string {
		var names []string
		if !zoo {
			names = append(names, "all")
		}
		for _, e := range alloc.Registry() {
			if !zoo || e.Zoo {
				names = append(names, e.Name)
			}
		}
		return names
	}
	var strategies []string
	for _, s := range checker.Strategies() {
		strategies = append(strategies, string(s))
	}
	traceFiles := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"trace"}, cobra.ShellCompDirectiveFilterFileExt
	}
	flag := func(cmd *cobra.Command, name string, f func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
		if err := cmd.RegisterFlagCompletionFunc(name, f); err != nil {
			panic(err) // a flag of ours renamed: the tests catch it
		}
	}
	for _, cmd := range root.Commands() {
		switch cmd.Name() {
		case "check":
			flag(cmd, "impl", commaList(impls(false)))
			flag(cmd, "strategy", fixed(strategies))
			flag(cmd, "out", dirs)
		case "zoo":
			flag(cmd, "variant", commaList(impls(true)))
			flag(cmd, "strategy", fixed(strategies))
			flag(cmd, "out", dirs)
		case "replay":
			cmd.ValidArgsFunction = oneArg(traceFiles)
			flag(cmd, "html", fileExt("html"))
		case "shrink":
			cmd.ValidArgsFunction = oneArg(traceFiles)
			flag(cmd, "out", fileExt("trace"))
		case "compare":
			cmd.ValidArgsFunction = oneArg(func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return nil, cobra.ShellCompDirectiveDefault // a trace or a list of ops: any file
			})
		case "merge":
			cmd.ValidArgsFunction = fileExt("json")
		default:
			if cmd.ValidArgsFunction == nil && cmd.Args != nil {
				cmd.ValidArgsFunction = cobra.NoFileCompletions
			}
		}
	}
}

// fixed completes one of values.
func fixed(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// commaList completes the last name of a comma-separated list of values,
// each at most once: "idr,pid" → "idr,pidmap", …; no space after it, so
// that a comma and another name can follow.
func commaList(values []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		head, last := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			head, last = toComplete[:i+1], toComplete[i+1:]
		}
		given := map[string]bool{}
		for _, v := range strings.Split(head, ",") {
			given[v] = true
		}
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, last) && !given[v] && (head == "" || v != "all") {
				out = append(out, head+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// fileExt completes files ending in .ext (and directories on the way).
func fileExt(ext string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{ext}, cobra.ShellCompDirectiveFilterFileExt
	}
}

// dirs completes directories.
func dirs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// oneArg is f for a command's first argument, nothing after it.
func oneArg(f func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f(cmd, args, toComplete)
	}
}
