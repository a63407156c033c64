package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Parse errors in plain words: which flag, which value, where the value came
// from (the command line or the environment) and what the flag wants; an
// unknown command or flag gets the nearest real ones.

// flagError is the root's FlagErrorFunc: cobra hands it pflag's parse errors.
func flagError(cmd *cobra.Command, err error) error {
	see := fmt.Sprintf("see '%s --help'", cmd.CommandPath())
	var notExist *pflag.NotExistError
	var invalid *pflag.InvalidValueError
	var needs *pflag.ValueRequiredError
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return badInput("--%s %q: %s (%s)", f.Name, invalid.GetValue(), valueProblem(f, invalid.Unwrap()), see)
	case errors.As(err, &needs):
		f := needs.GetFlag()
		return badInput("--%s needs a value: %s (%s)", f.Name, f.Usage, see)
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		if sh := notExist.GetSpecifiedShortnames(); sh != "" {
			return badInput("%v (%s)", err, see)
		}
		msg := fmt.Sprintf("unknown flag: --%s", name)
		if s := flagSuggestions(cmd, name); len(s) > 0 {
			msg += "; did you mean " + orList(s) + "?"
		} else if other := commandsWithFlag(cmd.Root(), name); len(other) > 0 {
			msg += fmt.Sprintf("; --%s is a flag of %s", name, orList(other))
		}
		return badInput("%s (%s)", msg, see)
	}
	return badInput("%v (%s)", err, see)
}

// valueProblem says in plain words what a flag wants, for a value it refused:
// the flag's own complaint when it has one (startFlag, widthFlag), else what
// its type takes, instead of strconv's "parsing "abc": invalid syntax".
func valueProblem(f *pflag.Flag, cause error) string {
	var w errWant
	if errors.As(cause, &w) {
		return w.Error()
	}
	switch f.Value.Type() {
	case "int", "int64", "int32":
		return "want a whole number such as " + exampleValue(f, "5")
	case "uint", "uint64", "uint32":
		return "want a whole number, 0 or more, such as " + exampleValue(f, "3200")
	case "float64", "float32":
		return "want a number such as " + exampleValue(f, "2.5")
	case "duration":
		return "want a duration such as 30s, 10m or 1h30m"
	case "bool":
		return "want true or false"
	}
	if cause == nil {
		return "not a value --" + f.Name + " takes"
	}
	return strings.TrimPrefix(cause.Error(), "bad input: ")
}

// exampleValue is the flag's default when it makes a good example, else def.
func exampleValue(f *pflag.Flag, def string) string {
	if f.DefValue != "" && f.DefValue != "0" {
		return f.DefValue
	}
	return def
}

// unknownCommand catches an unknown word where a command belongs before cobra
// parses the flags after it: `chaintrace trce --case demo` would otherwise
// complain about --case, which the root command does not have.
func unknownCommand(root *cobra.Command, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return nil
	}
	switch args[0] {
	case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return nil
	}
	c, rest, err := root.Find(args)
	if err != nil || c != root || len(rest) == 0 {
		return nil
	}
	return unknownSubcommand(root, args[0])
}

// unknownSubcommand is the error for a word that is not one of cmd's
// subcommands, with the nearest ones.
func unknownSubcommand(cmd *cobra.Command, word string) error {
	names := commandNames(cmd)
	what := "command"
	if cmd.HasParent() {
		what = cmd.Name() + " command"
	}
	msg := fmt.Sprintf("unknown %s %q", what, word)
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		quoted := make([]string, len(s))
		for i, x := range s {
			quoted[i] = fmt.Sprintf("%q", x)
		}
		msg += "; did you mean " + orList(quoted) + "?"
	}
	return badInput("%s (commands: %s; see '%s --help')", msg, strings.Join(names, ", "), cmd.CommandPath())
}

// flagSuggestions are cmd's flags that start with name (--cas → --case) or
// are one edit from it, else two edits, nearest first.
func flagSuggestions(cmd *cobra.Command, name string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	seen := map[string]bool{}
	visit := func(f *pflag.Flag) {
		if f.Hidden || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		d := editDistance(strings.ToLower(name), f.Name)
		if d <= 2 || (len(name) >= 3 && strings.HasPrefix(f.Name, strings.ToLower(name))) {
			cs = append(cs, cand{f.Name, d})
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	// Two edits only when nothing nearer: --cas is --case, not also --rps.
	near := slices.ContainsFunc(cs, func(c cand) bool { return c.d <= 1 || c.d > 2 })
	if near {
		cs = slices.DeleteFunc(cs, func(c cand) bool { return c.d == 2 })
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for i, c := range cs {
		if i == 3 {
			break
		}
		out = append(out, "--"+c.name)
	}
	return out
}

// commandsWithFlag lists the commands (by path) that have a flag of this name.
func commandsWithFlag(root *cobra.Command, name string) []string {
	var out []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup(name) != nil && c.Runnable() {
			out = append(out, c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	return out
}

func orList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// editDistance is the optimal-string-alignment distance between a and b:
// Levenshtein with a swap of two neighbours counted as one edit (--hosp is
// one typo from --hops).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// flagMention finds "--name" as a whole flag name in a message.
func flagMention(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^-\w])--` + regexp.QuoteMeta(name) + `($|[^-\w])`)
}

// blameEnvironment adds where a value came from to a bad-input error about a
// flag the environment set (CHAINTRACE_POLICY=bogus reads as --policy on the
// command line otherwise, and the user looks for it in the wrong place).
func blameEnvironment(ios *IOStreams, err error) error {
	if exitCode(err) != exitInput || len(ios.fromEnv) == 0 {
		return err
	}
	msg := err.Error()
	names := make([]string, 0, len(ios.fromEnv))
	for n := range ios.fromEnv {
		names = append(names, n)
	}
	sort.Strings(names)
	var from []string
	for _, n := range names {
		env := ios.fromEnv[n]
		if flagMention(n).MatchString(msg) && !strings.Contains(msg, strings.SplitN(env, "=", 2)[0]) {
			from = append(from, fmt.Sprintf("--%s was set by the environment variable %s", n, env))
		}
	}
	if len(from) == 0 {
		return err
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(from, "; "))
}
