package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/internal/httpx"
)

// IOStreams are where a command reads and writes; tests pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Getenv reads the environment (os.Getenv in main; a map in tests).
	Getenv func(string) string
}

// envPrefix prefixes the environment variable of every flag: --rpc is
// CHAINTRACE_RPC, --min-amount is CHAINTRACE_MIN_AMOUNT.
const envPrefix = "CHAINTRACE_"

// run executes one command line and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C cancels the trace, which then writes what it has; after
	// that the default handling is back, so a second Ctrl-C ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	// Everything on standard error (warnings, notices, progress, errors)
	// passes the transport's one redaction.
	stderr = httpx.RedactWriter(stderr)
	ios := &IOStreams{In: stdin, Out: stdout, ErrOut: stderr, Getenv: getenv}
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		reportError(stderr, err)
	}
	return exitCode(err)
}

func newRootCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "chaintrace",
		Short: "Follow stolen crypto funds to exchanges, mixers, bridges and wallets",
		Long: `chaintrace follows stolen funds hop by hop across Bitcoin and Ethereum/EVM chains
until they reach exchange deposit addresses, mixers, bridges or wallets where they
still sit. Every amount is exact and traces back to transaction hashes and blocks.

Every flag can also be set through an environment variable named CHAINTRACE_ and
the flag's name in upper case with dashes as underscores (--rpc: CHAINTRACE_RPC,
--min-amount: CHAINTRACE_MIN_AMOUNT); a flag given on the command line wins.
List flags (--labels, --stop-at, --through) take comma-separated values there.`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Bare `chaintrace` prints help; an unknown word is bad input (exit 2).
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return badInput("unknown command %q (commands: %s)", args[0], strings.Join(commandNames(cmd), ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd, ios.Getenv)
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return badInput("%v (see '%s --help')", err, cmd.CommandPath())
	})
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")

	root.AddCommand(
		newTraceCmd(ios),
		newVersionCmd(ios),
		newCheckCmd(ios),
		newCaseCmd(ios),
		newLabelsCmd(ios),
	)
	return root
}

func commandNames(root *cobra.Command) []string {
	var ns []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			ns = append(ns, c.Name())
		}
	}
	sort.Strings(ns)
	return ns
}

// applyEnv sets every flag of cmd that the command line left unset from its
// environment variable, if that is set. It runs once per invocation, over the
// flag set, so a flag added anywhere gets its variable for free.
func applyEnv(cmd *cobra.Command, getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		name := envName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			var items []string
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			if e := sv.Replace(items); e != nil {
				err = badInput("environment variable %s=%q: %v", name, v, e)
			}
		} else if e := f.Value.Set(v); e != nil {
			err = badInput("environment variable %s=%q: %v (want what --%s takes)", name, v, e, f.Name)
		}
		if err == nil {
			f.Changed = true
		}
	})
	return err
}

func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// reportError prints err on stderr where a terminal shows it, so nothing in it
// may act on that terminal: a node's or a label file's text can carry escape
// sequences (clear the screen, set the window title) or a whole HTML error page.
// A runtime failure (exit 1) is one line, capped; a bad-input message keeps its
// lines (a label file's list of errors), each escaped and capped, at most
// errMaxLines of them.
func reportError(w io.Writer, err error) {
	msg := httpx.Redact(err.Error())
	if exitCode(err) != exitInput {
		fmt.Fprintf(w, "chaintrace: %s\n", escape.Line(msg, errMaxLine))
		return
	}
	lines := strings.Split(msg, "\n")
	more := 0
	if len(lines) > errMaxLines {
		more, lines = len(lines)-errMaxLines, lines[:errMaxLines]
	}
	for i, l := range lines {
		l = escape.Truncate(strings.TrimRight(escape.Terminal(l), " "), errMaxLine)
		if i == 0 {
			l = "chaintrace: " + l
		}
		fmt.Fprintln(w, l)
	}
	if more > 0 {
		fmt.Fprintf(w, "  … %d more lines\n", more)
	}
}

// errMaxLine and errMaxLines bound what one error prints.
const (
	errMaxLine  = 2000
	errMaxLines = 100
)
