package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/cases"
	"github.com/chaintrace/chaintrace/internal/opening"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

// Completion of flag values: the shell asks `chaintrace __complete …` (cobra's
// protocol, which the scripts of `chaintrace completion SHELL` speak) and gets
// the values a flag accepts, so nobody has to remember which chains, policies
// or formats there are.

// valueCompleters name, per flag, the values it takes. The same flag name
// means the same thing on every command that has it; --format differs between
// trace and labels, so it is looked up per command.
func valueCompleters(c *cobra.Command) map[string]func() []string {
	m := map[string]func() []string{
		"chain":      chainNames,
		"policy":     func() []string { return policyNames() },
		"backend":    func() []string { return []string{"esplora", "btcd", "bitcoind"} },
		"history":    func() []string { return []string{"auto", "trace", "explorer", "rpc"} },
		"heuristics": func() []string { return opening.HeuristicNames },
		"stop-at":    func() []string { return opening.StopCategories },
		"color":      func() []string { return colorModes },
		"width":      func() []string { return []string{"auto", "0", "80", "100", "120", "160"} },
		"category":   func() []string { return labels.Categories },
	}
	switch c.CommandPath() {
	case "chaintrace trace":
		m["format"] = func() []string { return formats }
		m["csv-dialect"] = func() []string { return csvDialects }
	case "chaintrace labels list", "chaintrace labels show":
		m["format"] = func() []string { return labelFormats }
	}
	return m
}

// chainNames are what --chain accepts, without placeholders (evm:<chain id>).
func chainNames() []string {
	var out []string
	for _, n := range opening.ChainNames() {
		if !strings.Contains(n, "<") {
			out = append(out, n)
		}
	}
	return out
}

func policyNames() []string {
	out := make([]string, len(trace.Policies))
	for i, p := range trace.Policies {
		out[i] = string(p)
	}
	return out
}

// fileFlags complete to files with these extensions (and directories).
var fileFlags = map[string][]string{
	"labels": {"csv", "yaml", "yml"},
	"junit":  {"xml"},
}

// registerCompletions walks every command and registers value completion for
// the flags it has.
func registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, values := range valueCompleters(c) {
			if c.Flags().Lookup(name) == nil {
				continue
			}
			values := values
			list := c.Flags().Lookup(name).Value.Type() == "stringSlice"
			_ = c.RegisterFlagCompletionFunc(name, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				return matching(values(), toComplete, list), cobra.ShellCompDirectiveNoFileComp
			})
		}
		for name, exts := range fileFlags {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(exts, cobra.ShellCompDirectiveFilterFileExt))
			}
		}
		if c.Flags().Lookup("case") != nil {
			// An embedded demo's name, or a case file.
			_ = c.RegisterFlagCompletionFunc("case", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				return matching(cases.Names(), toComplete, false), cobra.ShellCompDirectiveDefault
			})
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}

// matching keeps the values that start with what was typed; for a
// comma-separated list flag, after the last comma, with the earlier items
// kept in front.
func matching(values []string, typed string, list bool) []string {
	prefix := ""
	if list {
		if i := strings.LastIndex(typed, ","); i >= 0 {
			prefix, typed = typed[:i+1], typed[i+1:]
		}
	}
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, typed) {
			out = append(out, prefix+v)
		}
	}
	return out
}
