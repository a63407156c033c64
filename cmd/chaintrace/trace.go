package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/internal/opening"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/report"
	"github.com/chaintrace/chaintrace/trace"
)

// TraceOptions is everything `chaintrace trace` needs; flags fill it, tests may
// fill it directly (from opening.Defaults()) and call runTrace.
type TraceOptions struct {
	IO *IOStreams

	// Where the data comes from, the tracer's options, recording and cache,
	// mixer candidates: the options every command shares (internal/opening).
	opening.Options

	// Timeout and MaxRequests are the trace's budgets (0: none): the time it
	// may take, and the HTTP requests it may send to the node or API, retries
	// included. When one runs out the trace stops cleanly, the holders it had
	// not finished are endpoints of kind budget, and the exit code is 5.
	Timeout     time.Duration
	MaxRequests int
	budget      *httpx.Budget // set by runTrace: counts every request (progress line), bounds them when MaxRequests > 0

	Format   string
	Out      string
	NodesOut string
	Paths    bool
	Force    bool   // --force: replace an existing --out / --nodes-out file
	Width    int    // text: columns to fit (0: no limit; widthAuto: the terminal's, see outputWidth)
	Color    string // text: auto, always, never
	Quiet    bool   // no progress line on a terminal

	// CSVDialect is --csv-dialect: gephi (the edges CSV, nodes with
	// --nodes-out) or neo4j-admin (a nodes and a relationships file in the
	// header format of neo4j-admin database import; see outputFiles).
	CSVDialect string

	// wrap, when set, wraps the opened source (tests use it to interrupt a trace
	// half-way).
	wrap func(trace.Source) trace.Source

	ReportOptions // --investigator, --case-name, --case-description, --case-source (reportopts.go)

	flags *pflag.FlagSet // to write the command line into a recording
}

var formats = []string{"text", "json", "dot", "csv", "report", "html", "pdf", "graphml"}

// csvDialects are what --csv-dialect accepts; the first is the default.
var csvDialects = []string{"gephi", "neo4j-admin"}

func newTraceCmd(ios *IOStreams) *cobra.Command {
	o := &TraceOptions{IO: ios, Options: opening.Defaults()}
	cmd := &cobra.Command{
		Use:   "trace [flags] SEED...",
		Short: "Follow funds from a theft to where they are now",
		Long: `Follow funds from one or more seeds to their endpoints: exchanges, exchange deposit
addresses, mixers, bridges, other services, or wallets where they are still unspent.

A SEED is a theft transaction hash, a Bitcoin output txid:vout, or an address (taint
starts at --from-block). With --case and no SEED, the case file's own seeds are used.

Data comes from a live node or API (--chain, --rpc) or from an offline case file
(--case FILE, or the name of an embedded demo: demo, ronin, demo-btc, bitfinex).`,
		Example: `  chaintrace trace --case demo
  chaintrace trace --case demo --format json --out demo.json
  chaintrace trace --case demo --format dot | dot -Tsvg > demo.svg
  chaintrace trace --chain eth --rpc http://127.0.0.1:8545 0x<theft tx hash>`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Seeds = args
			o.reproduce = reproduceCommand(cmd, args)
			return runTrace(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.flags = f
	o.AddSourceFlags(f)
	f.DurationVar(&o.Timeout, "timeout", 0, "time budget: stop the whole trace after this long (e.g. 10m), write what was traced with the rest as budget endpoints, exit 5 (0: no limit)")
	f.IntVar(&o.MaxRequests, "max-requests", 0, "request budget: send at most N HTTP requests to the node or API (retries included); when the trace needs more it stops, writes what was traced with the rest as budget endpoints, exit 5 (0: no limit)")
	o.AddTraceFlags(f)
	o.AddLabelFlags(f)
	f.StringVarP(&o.Format, "format", "f", "text", "output format: text, json, dot, csv, report (Markdown for a freeze request), html (self-contained report), pdf (the HTML report printed by headless Chromium; needs --out FILE on a terminal), graphml (the graph for Gephi, yEd, Cytoscape)")
	f.StringVarP(&o.Out, "out", "o", "", "write the output to FILE instead of standard output")
	f.StringVar(&o.NodesOut, "nodes-out", "", "also write the graph's nodes as CSV to FILE (with --format csv: Gephi's nodes table, or neo4j-admin's nodes file with --csv-dialect neo4j-admin; \"-\": standard output, when --out is a file)")
	f.StringVar(&o.CSVDialect, "csv-dialect", csvDialects[0], "with --format csv: gephi (edges with Source,Target,… headers for Gephi and LOAD CSV; nodes with --nodes-out) or neo4j-admin (nodes and relationships files with id:ID, :LABEL, :START_ID, :END_ID, :TYPE and typed headers for neo4j-admin database import: --out PREFIX writes PREFIX_nodes.csv and PREFIX_relationships.csv, or give --out RELATIONSHIPS.csv --nodes-out NODES.csv)")
	f.BoolVar(&o.Paths, "paths", false, "text: print each endpoint's transaction path")
	f.BoolVar(&o.Force, "force", false, "replace an existing --out or --nodes-out file (without it chaintrace refuses, so a finished trace's evidence is never overwritten by accident)")
	o.Width = widthAuto
	f.Var(widthFlag{&o.Width}, "width", "text: fit the output into this many columns (0: no limit; auto: $COLUMNS or the terminal's width, no limit in a pipe or file)")
	f.StringVar(&o.Color, "color", "auto", "text: colour endpoint kinds: auto (on a terminal, unless NO_COLOR is set), always, never")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "do not show progress on the terminal")
	o.AddRecordFlags(f)
	addReportFlags(f, &o.ReportOptions)
	return cmd
}

// env is what the opening layer needs from this command.
func (o *TraceOptions) env() opening.Env {
	env := opening.Env{Stderr: o.IO.ErrOut, Getenv: o.IO.Getenv, Policy: newPolicy(),
		Version: "chaintrace " + versionString(), Flags: o.flags}
	if o.budget != nil {
		// Every request counts: against --max-requests, and on the progress line.
		env.HTTPClient = o.budget.HTTPClient()
	}
	return env
}

// newPolicy returns the transport's retry policy for a live source (nil: the
// default). Tests replace it with one on a fake clock.
var newPolicy = func() *httpx.Policy { return nil }

// outputFile is one file the trace writes: the flag that names it and its
// path ("" or "-": standard output).
type outputFile struct{ flag, path string }

// outputFiles are the files write fills: the output first, then the nodes
// CSV when there is one. With --format csv --csv-dialect neo4j-admin the
// output is the relationships file and the nodes file always comes too
// (neo4j-admin database import needs both): --out FILE --nodes-out FILE name
// them, or --out PREFIX alone means PREFIX_relationships.csv and
// PREFIX_nodes.csv. An --out that looks like one CSV file (".csv"), an
// existing directory or device, or standard output without --nodes-out is
// refused: which file would be which is then a guess.
func (o *TraceOptions) outputFiles() ([]outputFile, error) {
	main := outputFile{"out", o.Out}
	if o.Format != "csv" || o.CSVDialect != "neo4j-admin" {
		if o.NodesOut == "" {
			return []outputFile{main}, nil
		}
		return []outputFile{main, {"nodes-out", o.NodesOut}}, nil
	}
	if o.NodesOut != "" {
		return []outputFile{main, {"nodes-out", o.NodesOut}}, nil
	}
	const both = "give --out PREFIX (writes PREFIX_nodes.csv and PREFIX_relationships.csv) or --out RELATIONSHIPS.csv --nodes-out NODES.csv"
	if toStdout(o.Out) {
		return nil, badInput("--csv-dialect neo4j-admin writes two files, nodes and relationships, which standard output cannot carry apart: %s", both)
	}
	if strings.HasSuffix(strings.ToLower(o.Out), ".csv") {
		prefix := o.Out[:len(o.Out)-len(".csv")]
		return nil, badInput("--out %s with --csv-dialect neo4j-admin names one file, but the dialect writes two (nodes and relationships): give --out %s to write %s_nodes.csv and %s_relationships.csv, or add --nodes-out NODES.csv to make %s the relationships file",
			o.Out, prefix, prefix, prefix, o.Out)
	}
	if st, err := os.Stat(o.Out); err == nil && !st.Mode().IsRegular() || strings.HasSuffix(o.Out, string(filepath.Separator)) {
		return nil, badInput("--out %s with --csv-dialect neo4j-admin is a file name prefix, but %s is a directory or device: %s (e.g. --out %s)",
			o.Out, o.Out, both, filepath.Join(o.Out, "trace"))
	}
	return []outputFile{{"out", o.Out + "_relationships.csv"}, {"out", o.Out + "_nodes.csv"}}, nil
}

// checkOutput validates the output flags before any work is done.
func (o *TraceOptions) checkOutput() error {
	if !slices.Contains(formats, o.Format) {
		return badInput("--format %q: want one of %s", o.Format, strings.Join(formats, ", "))
	}
	if o.CSVDialect == "" {
		o.CSVDialect = csvDialects[0]
	}
	if !slices.Contains(csvDialects, o.CSVDialect) {
		return badInput("--csv-dialect %q: want one of %s", o.CSVDialect, strings.Join(csvDialects, ", "))
	}
	if o.CSVDialect != csvDialects[0] && o.Format != "csv" {
		return badInput("--csv-dialect %s shapes --format csv, not --format %s: add --format csv, or leave --csv-dialect out", o.CSVDialect, o.Format)
	}
	if toStdout(o.Out) && o.NodesOut == "-" {
		// Two documents on one stream cannot be told apart by the tool reading it.
		return badInput("--nodes-out - and the %s output would both go to standard output; give --out FILE (or --nodes-out FILE)", o.Format)
	}
	files, err := o.outputFiles()
	if err != nil {
		return err
	}
	for _, p := range files {
		if toStdout(p.path) {
			continue
		}
		if st, err := os.Stat(filepath.Dir(p.path)); err != nil || !st.IsDir() {
			return badInput("--%s %q: directory %q does not exist", p.flag, p.path, filepath.Dir(p.path))
		}
		// Said before the trace runs, not after an hour of it.
		if st, err := os.Stat(p.path); err == nil && st.Mode().IsRegular() && !o.Force {
			return badInput("--%s %s exists; add --force to replace it, or choose another file", p.flag, p.path)
		}
	}
	if o.Format == "pdf" && toStdout(o.Out) && isTerminal(o.IO.Out) {
		return badInput("--format pdf writes a binary file: give --out FILE (or redirect standard output)")
	}
	if o.Width < widthAuto {
		return badInput("--width %d: want 0 or more", o.Width)
	}
	if o.Color != "" && !slices.Contains(colorModes, o.Color) {
		return badInput("--color %q: want one of %s", o.Color, strings.Join(colorModes, ", "))
	}
	return nil
}

// runTrace is `chaintrace trace`: open the source, run the tracer, write the
// result. An interrupted or failed trace still writes what it found, then
// returns the error (exit code 1; 5 when a budget ended it).
func runTrace(ctx context.Context, o *TraceOptions) error {
	if err := o.checkOutput(); err != nil {
		return err
	}
	if o.Timeout < 0 {
		return badInput("--timeout %v: want 0 (no limit) or a positive duration such as 30s", o.Timeout)
	}
	if o.Case == "" && len(o.Seeds) == 0 {
		// Said before any node is contacted: nothing could be traced anyway.
		return badInput("no seed given: pass a theft transaction hash, a txid:vout, or an address with --from-block (or --case FILE to replay a case with its own seeds)")
	}
	if err := o.Precheck(o.env()); err != nil {
		return otherFamilyHint(o.Chain, o.Seeds, err)
	}
	if o.MaxRequests < 0 {
		return badInput("--max-requests %d: want 0 (no limit) or a positive number of requests", o.MaxRequests)
	}
	// Budgets end the trace's context with a trace.BudgetError as the cause:
	// the tracer then reports the holders it had not finished as budget
	// endpoints, and describeRunError says which budget it was.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.Timeout, &trace.BudgetError{Kind: "time", Limit: o.Timeout.String(), Flag: "--timeout"})
		defer cancel()
	}
	// Every request the adapters send is counted (the progress line shows
	// them) and bounded by --max-requests when given (Max 0: no limit).
	o.budget = &httpx.Budget{Max: int64(o.MaxRequests)}
	if o.MaxRequests > 0 {
		be := &trace.BudgetError{Kind: "requests", Limit: strconv.Itoa(o.MaxRequests), Flag: "--max-requests"}
		o.budget.Exhausted = func() { stop(be) }
	}
	defer o.budget.CloseIdle()
	// Progress starts before the source is opened: a slow node's first answer
	// is where an investigator most needs to see that something is happening.
	var requests func() int64
	if o.Case == "" || o.RPC != "" || len(o.Links) > 0 {
		requests = o.budget.Used // a case file alone sends none: no count to show
	}
	progress := newProgress(o.IO, o.Quiet, requests)
	stopProgress := progress.startTicker()
	defer stopProgress()
	if progress != nil {
		// Notices written while the line is shown go above it, not into it.
		ios := *o.IO
		ios.ErrOut = progress.writer(o.IO.ErrOut)
		defer func(orig *IOStreams) { o.IO = orig }(o.IO)
		o.IO = &ios
	}
	src, err := opening.Open(ctx, &o.Options, o.env())
	if err != nil {
		if ctx.Err() != nil && budgetOf(ctx) == nil {
			// Ctrl-C while connecting: nothing was traced, so no output follows.
			return fmt.Errorf("interrupted while connecting, before anything was traced: %w", err)
		}
		if ctx.Err() != nil {
			return describeRunError(ctx, o, err) // a budget ran out while connecting
		}
		if o.Case != "" && exitCode(err) == exitInput {
			if m := caseFileMistake(o.Case); m != nil {
				return m // a result or a check spec given as a case
			}
		}
		return err
	}
	defer src.Close()
	o.caseInfo = src.Info
	if o.wrap != nil {
		src.Source = o.wrap(src.Source)
	}
	topts, err := o.Trace(src.Source.Info().Native)
	if err != nil {
		return err
	}
	if topts.Labels, err = src.LoadLabels(&o.Options); err != nil {
		return err
	}
	seeds := o.Seeds
	if len(seeds) == 0 {
		seeds = src.Seeds
	}
	if len(seeds) == 0 {
		return badInput("no seed given: pass a theft transaction hash, a txid:vout, or an address with --from-block")
	}
	if progress != nil {
		progress.setFamily(src.Source.Info().Family)
		topts.Progress = progress.update
	}
	res, runErr := trace.RunChains(ctx, src.Source, src.Links, seeds, topts)
	stopProgress()
	if res == nil {
		if runErr == nil {
			runErr = errors.New("the tracer returned no result")
		}
		if ctx.Err() == nil && (errors.Is(runErr, trace.ErrNotFound) || errors.Is(runErr, trace.ErrReverted)) {
			// Nothing was traced: the seed itself does not exist or moved nothing.
			return fmt.Errorf("%w: %w", trace.ErrBadInput, runErr)
		}
		return describeRunError(ctx, o, runErr)
	}
	res.Tool = "chaintrace " + versionString()
	if runErr == nil {
		if err := zeroSeedError(res, o.FromBlock); err != nil {
			return err
		}
		opening.Demix(ctx, &o.Options, src, res, topts)
	}
	if runErr != nil {
		runErr = describeRunError(ctx, o, runErr)
		if len(res.Endpoints) == 0 && exitCode(runErr) == exitInput {
			return runErr // nothing traced and the input is at fault: no result to keep
		}
	}
	if err := o.write(res); err != nil {
		return err
	}
	return runErr
}

// budgetOf is the budget that ended ctx, nil when none did.
func budgetOf(ctx context.Context) *trace.BudgetError {
	var be *trace.BudgetError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &be) {
		return be
	}
	return nil
}

func describeRunError(ctx context.Context, o *TraceOptions, err error) error {
	if be := budgetOf(ctx); be != nil {
		more := "a longer " + be.Flag
		if be.Kind == "requests" {
			more = "a larger " + be.Flag
		}
		return fmt.Errorf("%w: the output holds what was traced so far, with the untraced remainder as endpoints of kind budget, and what was fetched is cached: rerun with %s to finish", be, more)
	}
	if ctx.Err() != nil {
		again := ""
		if o.Case == "" && !o.NoCache {
			again = " (what was fetched is cached: the same command again finishes sooner)"
		}
		return fmt.Errorf("interrupted; the output holds what was traced so far%s: %w", again, err)
	}
	if errors.Is(err, trace.ErrBadInput) {
		return err
	}
	if errors.Is(err, casestore.ErrNotRecorded) {
		// The case file lacks data this trace needs: the input, not the machine, is at fault.
		return fmt.Errorf("%w: the case cannot answer this trace: %w", trace.ErrBadInput, err)
	}
	return fmt.Errorf("trace stopped early: %w", err)
}

// write renders res in the chosen format to --out (or standard output) and the
// nodes CSV to --nodes-out. Files are written whole or not at all.
func (o *TraceOptions) write(res *graph.Result) error {
	var buf bytes.Buffer
	var err error
	switch o.Format {
	case "json":
		err = render.WriteJSON(&buf, res)
	case "dot":
		err = render.WriteDOT(&buf, res)
	case "csv":
		if o.CSVDialect == "neo4j-admin" {
			err = render.WriteNeo4jRelationships(&buf, res)
		} else {
			err = render.WriteCSV(&buf, res)
		}
	case "graphml":
		err = render.WriteGraphML(&buf, res)
	case "report", "html", "pdf":
		var ro report.Options
		if ro, err = o.reportOptions(res); err != nil {
			return err
		}
		switch o.Format {
		case "report":
			err = report.Markdown(&buf, res, ro)
		case "html":
			err = report.HTML(&buf, res, ro)
		default:
			err = report.PDF(&buf, res, ro)
		}
	default:
		toFile := !toStdout(o.Out)
		err = render.WriteText(&buf, res, render.TextOptions{
			Width: o.IO.outputWidth(o.Width, toFile), Paths: o.Paths,
			Color: o.IO.colour(o.Color, toFile),
			Hints: traceHints(res, o, o.IO.Argv),
		})
	}
	if err != nil {
		return fmt.Errorf("writing %s output: %w", o.Format, err)
	}
	files, err := o.outputFiles()
	if err != nil {
		return err
	}
	if err := writeTo(o.IO.Out, files[0].path, buf.Bytes()); err != nil {
		return err
	}
	if len(files) > 1 {
		var nb bytes.Buffer
		writeNodes := render.WriteNodesCSV
		if o.Format == "csv" && o.CSVDialect == "neo4j-admin" {
			writeNodes = render.WriteNeo4jNodes
		}
		if err := writeNodes(&nb, res); err != nil {
			return fmt.Errorf("writing the nodes CSV: %w", err)
		}
		return writeTo(o.IO.Out, files[1].path, nb.Bytes())
	}
	return nil
}

// toStdout reports whether an output flag's value means standard output.
func toStdout(path string) bool { return path == "" || path == "-" }

// writeTo writes data to path, or to w when path means standard output.
func writeTo(w io.Writer, path string, data []byte) error {
	if toStdout(path) {
		if w == nil {
			return errors.New("internal error: no writer for standard output")
		}
		_, err := w.Write(data)
		return err
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		// A device or named pipe (-o /dev/null, a FIFO a script reads): written
		// into, never replaced by the temporary file's rename.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		// CreateTemp makes the file 0600; an output is for sharing (rw-r--r--),
		// and a file replaced keeps the mode it had.
		mode := os.FileMode(0o644)
		if st, serr := os.Stat(path); serr == nil && st.Mode().IsRegular() {
			mode = st.Mode().Perm()
		}
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
