package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestHelpFitsAndGroupsFlags(t *testing.T) {
	for _, w := range []int{80, 100, 60} {
		env := map[string]string{"COLUMNS": itoa(w)}
		r := runCLI(t, env, "trace", "--help")
		if r.code != 0 {
			t.Fatalf("trace --help: exit %d: %s", r.code, r.errOut)
		}
		for _, l := range overWidth(r.out, w) {
			// Examples are commands to copy and are never wrapped.
			if !strings.HasPrefix(l, "  chaintrace ") {
				t.Errorf("COLUMNS=%d: help line wider than %d: %q", w, w, l)
			}
		}
	}
	r := runCLI(t, map[string]string{"COLUMNS": "100"}, "trace", "--help")
	// The groups, in order, then every flag listed exactly once.
	last := -1
	for _, g := range []string{"Source flags", "Policy flags", "Output flags", "Limits", "Examples:"} {
		i := strings.Index(r.out, g)
		if i < 0 {
			t.Errorf("trace --help lacks %q", g)
			continue
		}
		if g != "Examples:" && i < last {
			t.Errorf("%q is out of order", g)
		}
		if g != "Examples:" {
			last = i
		}
	}
	root := newRootCmd(&IOStreams{})
	tc, _, _ := root.Find([]string{"trace"})
	tc.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if n := strings.Count(r.out, "--"+f.Name+" ") + strings.Count(r.out, "--"+f.Name+"\n"); n == 0 {
			t.Errorf("trace --help does not list --%s", f.Name)
		}
	})
	// A terminal's width is used when COLUMNS is not set.
	tr := runTerm(t, tty{out: true, width: 70}, nil, "trace", "--help")
	for _, l := range overWidth(tr.out, 70) {
		if !strings.HasPrefix(l, "  chaintrace ") {
			t.Errorf("70-column terminal: help line wider: %q", l)
		}
	}
	if len(overWidth(runCLI(t, map[string]string{"COLUMNS": "200"}, "trace", "--help").out, 100)) == 0 {
		t.Error("COLUMNS=200 help has no line over 100 columns: the width is not used")
	}
}

func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(&IOStreams{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.Hidden && c.Name() != cobra.ShellCompRequestCmd && c.Name() != cobra.ShellCompNoDescRequestCmd {
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%s has no examples", c.CommandPath())
			}
			r := runCLI(t, nil, append(strings.Fields(c.CommandPath())[1:], "--help")...)
			if r.code != 0 || !strings.Contains(r.out, "Examples:") {
				t.Errorf("%s --help: exit %d, no Examples section", c.CommandPath(), r.code)
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}

// complete asks the command line what cobra's shell scripts ask.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	r := runCLI(t, nil, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, r.code, r.errOut)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			out = append(out, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return out
}

func TestFlagValueCompletion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string // all present
		not  []string // none present
	}{
		{[]string{"trace", "--chain", ""}, []string{"eth", "btc", "bsc", "btc-regtest", "evm"}, []string{"evm:<chain id>"}},
		{[]string{"trace", "--chain", "btc-t"}, []string{"btc-testnet", "btc-testnet4"}, []string{"eth"}},
		{[]string{"trace", "--policy", ""}, []string{"haircut", "poison", "fifo", "lifo", "tiho"}, nil},
		{[]string{"trace", "--format", ""}, []string{"text", "json", "dot", "csv", "report", "html", "graphml"}, nil},
		{[]string{"trace", "-f", "j"}, []string{"json"}, []string{"text"}},
		{[]string{"trace", "--backend", ""}, []string{"esplora", "btcd", "bitcoind"}, nil},
		{[]string{"trace", "--history", ""}, []string{"auto", "trace", "explorer", "rpc"}, nil},
		{[]string{"trace", "--case", ""}, []string{"demo", "demo-btc", "ronin", "bitfinex"}, nil},
		{[]string{"trace", "--format", "p"}, []string{"pdf"}, []string{"text"}},
		{[]string{"labels", "list", "--width", ""}, []string{"auto", "0", "80"}, nil},
		{[]string{"watch", "--chain", "btc-r"}, []string{"btc-regtest"}, nil},
		{[]string{"trace", "--stop-at", "exchange,m"}, []string{"exchange,mixer"}, []string{"mixer"}},
		{[]string{"trace", "--color", ""}, []string{"auto", "always", "never"}, nil},
		{[]string{"labels", "list", "--format", ""}, []string{"text", "csv", "json"}, []string{"dot"}},
		{[]string{"labels", "list", "--category", "ex"}, []string{"exchange"}, nil},
		{[]string{"labels", "show", "--chain", "e"}, []string{"eth"}, nil},
	} {
		got := complete(t, c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("complete %q: no %q in %v", c.args, w, got)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("complete %q: %q should not be offered: %v", c.args, w, got)
			}
		}
	}
	// Label files complete to files of the label formats.
	r := runCLI(t, nil, cobra.ShellCompRequestCmd, "trace", "--labels", "")
	if !strings.Contains(r.out, "csv\nyaml") || !strings.Contains(r.out, ":8") {
		t.Errorf("--labels does not complete to csv/yaml files: %q", r.out)
	}
}
