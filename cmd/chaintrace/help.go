package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Help for a terminal: wrapped to its width (help goes to standard output, so
// $COLUMNS or the terminal's width, else 80), the many flags of trace in
// groups, examples on every command.

// flagGroups sorts a command's flags into the groups its help shows, in
// order. A flag in no group (one added later) is listed under "Other flags",
// so nothing is ever left out.
var flagGroups = []struct {
	title string
	flags []string
}{
	{"Source flags (where the chain data comes from)", []string{
		"chain", "rpc", "case", "backend", "history", "explorer",
		"record", "cache", "no-cache", "cache-confirmations", "update-case", "link"}},
	{"Policy flags (how taint is followed and where it stops)", []string{
		"policy", "hops", "min-amount", "from-block", "to-block", "labels", "no-builtin-labels", "stop-at", "through",
		"deposit-rule", "deposit-alpha", "deposit-tau", "no-swaps", "heuristics",
		"mixer-candidates", "mixer-window", "follow-candidates"}},
	{"Output flags", []string{
		"format", "out", "force", "nodes-out", "paths", "width", "color", "quiet",
		"csv-dialect"}},
	{"Report flags (the freeze request's case header)", []string{
		"investigator", "case-name", "case-description", "case-source"}},
	{"Limits (budgets for slow or rate-limited nodes)", []string{
		"max-addresses", "address-budget", "max-requests", "timeout", "request-timeout", "rps", "concurrency"}},
}

// groupFlagsFrom is the number of flags from which a command's help groups them.
const groupFlagsFrom = 12

func (ios *IOStreams) helpWidth() int {
	if n := envColumns(ios.Getenv); n > 0 {
		return n
	}
	if ios.OutWidth > 0 {
		return ios.OutWidth
	}
	return 80
}

// installHelp makes root and every command below it print help this way.
func installHelp(root *cobra.Command, ios *IOStreams) {
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		writeHelp(c.OutOrStdout(), c, ios.helpWidth())
	})
	root.SetUsageFunc(func(c *cobra.Command) error {
		writeUsage(c.OutOrStderr(), c, ios.helpWidth())
		return nil
	})
}

func writeHelp(w io.Writer, c *cobra.Command, width int) {
	text := c.Long
	if text == "" {
		text = c.Short
	}
	if text != "" {
		fmt.Fprintln(w, reflow(strings.TrimSpace(text), width))
		fmt.Fprintln(w)
	}
	writeUsage(w, c, width)
}

func writeUsage(w io.Writer, c *cobra.Command, width int) {
	fmt.Fprintln(w, "Usage:")
	if c.Runnable() {
		fmt.Fprintf(w, "  %s\n", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "  %s [command]\n", c.CommandPath())
	}
	if len(c.Aliases) > 0 {
		fmt.Fprintf(w, "\nAliases:\n  %s\n", strings.Join(append([]string{c.Name()}, c.Aliases...), ", "))
	}
	if c.HasExample() {
		// Examples are commands to copy: never wrapped.
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintln(w, "\nCommands:")
		pad := 0
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() || s.Name() == "help" {
				pad = max(pad, len(s.Name()))
			}
		}
		for _, s := range c.Commands() {
			if !(s.IsAvailableCommand() || s.Name() == "help") {
				continue
			}
			short := strings.ReplaceAll(hangWrap(s.Short, width-(pad+4), 0), "\n", "\n"+strings.Repeat(" ", pad+4))
			fmt.Fprintf(w, "  %-*s  %s\n", pad, s.Name(), short)
		}
	}
	local := c.LocalFlags()
	if local.HasAvailableFlags() {
		n := 0
		local.VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				n++
			}
		})
		if n >= groupFlagsFrom {
			writeGroupedFlags(w, local, width)
		} else {
			fmt.Fprintf(w, "\nFlags:\n%s", flagUsages(local, width))
		}
	}
	if inh := c.InheritedFlags(); inh.HasAvailableFlags() {
		fmt.Fprintf(w, "\nGlobal flags:\n%s", flagUsages(inh, width))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nUse \"%s [command] --help\" for more about a command.\n", c.CommandPath())
	}
}

func writeGroupedFlags(w io.Writer, fs *pflag.FlagSet, width int) {
	placed := map[string]bool{}
	for _, g := range flagGroups {
		set := pflag.NewFlagSet(g.title, pflag.ContinueOnError)
		set.SortFlags = false
		for _, name := range g.flags {
			if f := fs.Lookup(name); f != nil && !f.Hidden {
				set.AddFlag(f)
				placed[name] = true
			}
		}
		if set.HasAvailableFlags() {
			fmt.Fprintf(w, "\n%s:\n%s", g.title, flagUsages(set, width))
		}
	}
	rest := pflag.NewFlagSet("other", pflag.ContinueOnError)
	fs.VisitAll(func(f *pflag.Flag) {
		if !placed[f.Name] && !f.Hidden {
			rest.AddFlag(f)
		}
	})
	if rest.HasAvailableFlags() {
		fmt.Fprintf(w, "\nOther flags:\n%s", flagUsages(rest, width))
	}
}

// reflow wraps prose to width: a paragraph whose lines start at the margin is
// joined and refilled; an indented block (a list, an example) keeps its line
// breaks, each line wrapped under its own indentation.
func reflow(text string, width int) string {
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		lines := strings.Split(p, "\n")
		indented := false
		for _, l := range lines {
			if strings.HasPrefix(l, " ") {
				indented = true
			}
		}
		if !indented {
			paras[i] = hangWrap(strings.Join(lines, " "), width, 0)
			continue
		}
		for j, l := range lines {
			ind := len(l) - len(strings.TrimLeft(l, " "))
			lines[j] = hangWrap(l, width, ind+2)
		}
		paras[i] = strings.Join(lines, "\n")
	}
	return strings.Join(paras, "\n\n")
}

// hangWrap fills line to width at spaces, continuing at column hang. A word
// longer than the room is kept whole.
func hangWrap(line string, width, hang int) string {
	if width <= 0 || len([]rune(line)) <= width {
		return line
	}
	ind := len(line) - len(strings.TrimLeft(line, " "))
	words := strings.Fields(line)
	var b strings.Builder
	col := 0
	b.WriteString(line[:ind])
	col = ind
	first := true
	for _, wd := range words {
		n := len([]rune(wd))
		switch {
		case first:
			first = false
		case col+1+n > width:
			b.WriteString("\n" + strings.Repeat(" ", hang))
			col = hang
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(wd)
		col += n
	}
	return b.String()
}

// finishRoot adds what every command gets: help wrapped and grouped, cobra's
// help and completion commands with examples, and flag value completion.
func finishRoot(root *cobra.Command, ios *IOStreams) {
	installHelp(root, ios)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  chaintrace help trace\n  chaintrace help labels list"
		case "completion":
			c.Example = "  source <(chaintrace completion bash)\n  chaintrace completion zsh > \"${fpath[1]}/_chaintrace\"\n  chaintrace completion fish > ~/.config/fish/completions/chaintrace.fish"
			for _, sh := range c.Commands() {
				sh.Example = shellExamples[sh.Name()]
			}
		}
	}
	registerCompletions(root)
}

// shellExamples load the completion script in each shell cobra supports.
var shellExamples = map[string]string{
	"bash":       "  source <(chaintrace completion bash)",
	"zsh":        "  chaintrace completion zsh > \"${fpath[1]}/_chaintrace\"",
	"fish":       "  chaintrace completion fish | source",
	"powershell": "  chaintrace completion powershell | Out-String | Invoke-Expression",
}

// flagUsages is pflag's two-column flag list when the usage column keeps at
// least 36 columns; narrower, each flag's usage goes on the lines below it.
func flagUsages(fs *pflag.FlagSet, width int) string {
	type row struct{ left, usage string }
	var rows []row
	left := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		l := "      --" + f.Name
		if f.Shorthand != "" {
			l = "  -" + f.Shorthand + ", --" + f.Name
		}
		if name != "" {
			l += " " + name
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" && f.NoOptDefVal == "" {
			if f.Value.Type() == "string" {
				d = fmt.Sprintf("%q", d)
			}
			usage += " (default " + d + ")"
		}
		rows = append(rows, row{l, usage})
		left = max(left, len([]rune(l)))
	})
	if width-left-3 >= 36 {
		return fs.FlagUsagesWrapped(width)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.left + "\n")
		b.WriteString(hangWrap("          "+r.usage, width, 10) + "\n")
	}
	return b.String()
}
