package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

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

	// What the streams are (term.go): run finds out from the real files;
	// tests set them to run a command "on a terminal" with buffers.
	OutTTY   bool // standard output is a terminal
	ErrTTY   bool // standard error is a terminal
	OutWidth int  // standard output's terminal width in columns (0: unknown)
	ErrWidth int  // standard error's terminal width (0: unknown)
	// Now is the clock (time.Now; tests drive progress with a fake one).
	Now func() time.Time
	// Argv is the command line as given (without the program name), for the
	// next commands the text output suggests.
	Argv []string

	fromEnv map[string]string // flag name → the environment variable that set it
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
	ios := &IOStreams{In: stdin, Out: stdout, ErrOut: stderr, Getenv: getenv,
		OutTTY: isTerminal(stdout), ErrTTY: isTerminal(stderr), OutWidth: terminalWidth(stdout), ErrWidth: terminalWidth(stderr),
		Argv: args}
	return runIO(ctx, args, ios)
}

// runIO is run with the streams decided: tests call it with buffers that claim
// to be a terminal of some width.
func runIO(ctx context.Context, args []string, ios *IOStreams) int {
	// Everything on standard error (warnings, notices, progress, errors)
	// passes the transport's one redaction.
	ios.ErrOut = httpx.RedactWriter(ios.ErrOut)
	if ios.Argv == nil {
		ios.Argv = args
	}
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := unknownCommand(root, args)
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	if err != nil {
		err = blameEnvironment(ios, err)
		reportError(ios.ErrOut, err)
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
		Example: `  chaintrace trace --case demo
  chaintrace trace --chain eth --rpc http://127.0.0.1:8545 0x<theft tx hash>
  chaintrace trace --chain btc <txid>:<vout> --format report --out freeze-request.md
  chaintrace check testdata/cases/*.yaml`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Bare `chaintrace` prints help; an unknown word is bad input (exit 2).
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(cmd, args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd, ios)
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")

	root.AddCommand(
		newTraceCmd(ios),
		newVersionCmd(ios),
		newCheckCmd(ios),
		newCaseCmd(ios),
		newLabelsCmd(ios),
		newWatchCmd(ios),
	)
	finishRoot(root, ios)
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
// flag set, so a flag added anywhere gets its variable for free. It remembers
// which flags the environment set, so an error about one of them can say so.
func applyEnv(cmd *cobra.Command, ios *IOStreams) error {
	if ios.Getenv == nil {
		return nil
	}
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		name := envName(f.Name)
		v := ios.Getenv(name)
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
				err = badInput("environment variable %s=%q (for --%s): %s", name, v, f.Name, valueProblem(f, e))
			}
		} else if e := f.Value.Set(v); e != nil {
			err = badInput("environment variable %s=%q (for --%s): %s", name, v, f.Name, valueProblem(f, e))
		}
		if err == nil {
			f.Changed = true
			if ios.fromEnv == nil {
				ios.fromEnv = map[string]string{}
			}
			ios.fromEnv[f.Name] = name + "=" + strconv.Quote(v)
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
