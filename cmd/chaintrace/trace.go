package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/report"
	"github.com/chaintrace/chaintrace/trace"
)

// TraceOptions is everything `chaintrace trace` needs; flags fill it, tests may
// fill it directly and call runTrace.
type TraceOptions struct {
	IO *IOStreams

	// Where the data comes from (see openSource).
	Chain    string
	RPC      string
	Case     string
	Backend  string  // Bitcoin: esplora, btcd, bitcoind ("" auto)
	History  string  // EVM: auto, trace, explorer, rpc
	Explorer string  // EVM: Etherscan-compatible API base URL
	RPS      float64 // request rate limit for public endpoints (0: the adapter's default)
	// Timeout bounds the whole trace (0: none); RequestTimeout one request
	// to the node or API (0: 60 s).
	Timeout        time.Duration
	RequestTimeout time.Duration

	Seeds []string

	Policy        string
	Hops          int
	MinAmount     string // human units of each asset
	FromBlock     uint64
	FromTime      time.Time // --from-block given as a date/time (zero: FromBlock)
	ToBlock       uint64
	MaxAddresses  int
	AddressBudget int
	Labels        []string
	StopAt        []string
	Through       []string
	DepositRule   bool
	DepositAlpha  string // human units of the native asset
	DepositTau    uint64
	NoSwaps       bool // --no-swaps: DEX pools and routers are endpoints, as before the swap rule

	Format   string
	Out      string
	NodesOut string
	Paths    bool
	Width    int
	Quiet    bool // no progress line on a terminal

	Concurrency int      // parallel requests to the source
	Heuristics  []string // UTXO heuristics to apply: change, coinjoin

	// wrap, when set, wraps the opened source (tests use it to interrupt a trace
	// half-way).
	wrap func(trace.Source) trace.Source

	RecordOptions // --record, --cache, --no-cache (record.go)
	MixerOptions  // --mixer-candidates, --mixer-window, --follow-candidates (mixer.go)
	ReportOptions // --investigator, --case-name, --case-description, --case-source (reportopts.go)
}

var formats = []string{"text", "json", "dot", "csv", "report", "html"}

// heuristicNames are what --heuristics accepts (UTXO chains).
var heuristicNames = []string{"change", "coinjoin"}

func newTraceCmd(ios *IOStreams) *cobra.Command {
	o := &TraceOptions{IO: ios}
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
	f.StringVar(&o.Chain, "chain", "", "chain to trace on (eth, btc, …); default eth, or the case file's chain")
	f.StringVar(&o.RPC, "rpc", "", "node or API URL; default: the chain's public endpoint")
	f.StringVar(&o.Backend, "backend", "", "Bitcoin data source: esplora, btcd or bitcoind (default: from --rpc)")
	f.StringVar(&o.History, "history", "auto", "EVM address history: auto, trace (trace_filter), explorer (Etherscan-compatible API), rpc (plain node)")
	f.StringVar(&o.Explorer, "explorer", "", "EVM: Etherscan-compatible API base URL for --history explorer (key in CHAINTRACE_EXPLORER_KEY)")
	f.Float64Var(&o.RPS, "rps", 0, "most requests per second to the node or API (0: the adapter's default)")
	f.DurationVar(&o.Timeout, "timeout", 0, "stop the whole trace after this long (e.g. 10m) and write what was traced so far (0: no limit)")
	f.DurationVar(&o.RequestTimeout, "request-timeout", 0, "give up on one request to the node or API after this long and retry it (0: 60s)")
	f.StringVar(&o.Case, "case", "", "offline case file, or an embedded demo name (demo, ronin, demo-btc, bitfinex)")
	f.StringVar(&o.Policy, "policy", string(trace.Haircut), "taint policy: haircut, poison, fifo, lifo, tiho")
	f.IntVar(&o.Hops, "hops", 5, "hops to follow from the seed")
	f.StringVar(&o.MinAmount, "min-amount", "", "do not follow flows carrying less taint than this, in human units of each asset (e.g. 0.1)")
	f.Var(startFlag{&o.FromBlock, &o.FromTime}, "from-block", "address seeds: taint starts at this block (0: genesis, the genesis allocation counts), or at the first block at or after a date/time (2024-02-21, 2024-02-21T00:00Z, RFC 3339; UTC unless a zone is given)")
	f.Uint64Var(&o.ToBlock, "to-block", 0, "ignore everything after this block (default: the tip)")
	f.IntVar(&o.MaxAddresses, "max-addresses", 10000, "stop following new holders after this many")
	f.IntVar(&o.AddressBudget, "address-budget", 1000, "an unlabelled address with more transfers than this is a high-activity endpoint")
	f.StringArrayVar(&o.Labels, "labels", nil, "label file (CSV or GraphSense TagPack YAML); repeatable, later files win")
	f.StringSliceVar(&o.StopAt, "stop-at", trace.DefaultStopAt, "label categories that end a trace (exchange, deposit, mixer, bridge, dex, service, …)")
	f.StringSliceVar(&o.Through, "through", nil, "addresses or label names to follow through despite --stop-at")
	f.BoolVar(&o.DepositRule, "deposit-rule", true, "attribute unlabelled addresses that sweep into an exchange to that exchange")
	f.StringVar(&o.DepositAlpha, "deposit-alpha", "0.01", "deposit rule: most a sweep may fall short of what the deposit received, in native units")
	f.Uint64Var(&o.DepositTau, "deposit-tau", 3200, "deposit rule: most blocks between a deposit and its sweep")
	f.BoolVar(&o.NoSwaps, "no-swaps", false, "do not follow taint through DEX swaps (a pool or router that takes it is then an endpoint or holder like any address)")
	f.StringVarP(&o.Format, "format", "f", "text", "output format: text, json, dot, csv, report (Markdown for a freeze request), html (self-contained report)")
	f.IntVar(&o.Concurrency, "concurrency", 4, "most requests to the node or API in flight at once (1: one at a time)")
	f.StringSliceVar(&o.Heuristics, "heuristics", heuristicNames, "Bitcoin heuristics to apply and report on edges: change (change-output detection), coinjoin (CoinJoin-shaped txs marked low-confidence); \"\" for none")
	f.StringVarP(&o.Out, "out", "o", "", "write the output to FILE instead of standard output")
	f.StringVar(&o.NodesOut, "nodes-out", "", "also write the graph's nodes as CSV to FILE (with --format csv, for Gephi/Neo4j; \"-\": standard output, when --out is a file)")
	f.BoolVar(&o.Paths, "paths", false, "text: print each endpoint's transaction path")
	f.IntVar(&o.Width, "width", 0, "text: fit the endpoint table into this many columns (0: no limit)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "do not show progress on the terminal")
	addRecordFlags(f, &o.RecordOptions)
	addMixerFlags(f, &o.MixerOptions)
	addReportFlags(f, &o.ReportOptions)
	return cmd
}

var plainDecimal = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// parseHuman parses a human amount ("0.5") exactly; flag names the flag for messages.
func parseHuman(flag, s string) (*big.Rat, error) {
	if !plainDecimal.MatchString(s) {
		return nil, badInput("--%s %q: want a plain non-negative decimal number such as 0.5", flag, s)
	}
	r, _ := new(big.Rat).SetString(s)
	return r, nil
}

// options turns the flags into trace options; what needs the chain's native
// asset (the deposit α in base units) is completed once the source is open.
func (o *TraceOptions) options(native graph.Asset) (trace.Options, error) {
	var to trace.Options
	p, err := trace.ParsePolicy(o.Policy)
	if err != nil {
		return to, fmt.Errorf("--policy: %w", err)
	}
	to.Policy = p
	if o.Hops < 1 {
		return to, badInput("--hops %d: want 1 or more", o.Hops)
	}
	to.MaxHops = o.Hops
	if o.MinAmount != "" {
		if to.MinAmount, err = parseHuman("min-amount", o.MinAmount); err != nil {
			return to, err
		}
	}
	if o.MaxAddresses < 1 {
		return to, badInput("--max-addresses %d: want 1 or more", o.MaxAddresses)
	}
	if o.AddressBudget < 1 {
		return to, badInput("--address-budget %d: want 1 or more", o.AddressBudget)
	}
	to.FromBlock, to.ToBlock, to.FromTime = o.FromBlock, o.ToBlock, o.FromTime
	to.MaxAddresses, to.AddressBudget = o.MaxAddresses, o.AddressBudget
	to.StopAt = nonEmpty(o.StopAt)
	if to.StopAt == nil {
		to.StopAt = []string{} // --stop-at "" means: stop nowhere; nil would mean the defaults
	}
	for _, s := range to.StopAt {
		if !slices.Contains(stopCategories, s) {
			return to, badInput("--stop-at %q: want one of %s", s, strings.Join(stopCategories, ", "))
		}
	}
	to.Through = nonEmpty(o.Through)
	to.DepositRule = o.DepositRule
	to.NoSwaps = o.NoSwaps
	alpha, err := parseHuman("deposit-alpha", o.DepositAlpha)
	if err != nil {
		return to, err
	}
	a, exact := graph.RatToUnits(alpha, native.Decimals)
	if !exact {
		return to, badInput("--deposit-alpha %s has more decimal places than %s has (%d)", o.DepositAlpha, native.Symbol, native.Decimals)
	}
	to.DepositAlpha = a
	if o.DepositTau == 0 {
		return to, badInput("--deposit-tau 0: want 1 or more blocks")
	}
	to.DepositTau = o.DepositTau
	if o.Concurrency < 1 {
		return to, badInput("--concurrency %d: want 1 or more", o.Concurrency)
	}
	to.Concurrency = o.Concurrency
	for _, h := range nonEmpty(o.Heuristics) {
		switch strings.ToLower(h) {
		case "change":
			to.ChangeHeuristic = true
		case "coinjoin":
			to.CoinJoinHeuristic = true
		default:
			return to, badInput("--heuristics %q: want any of %s", h, strings.Join(heuristicNames, ", "))
		}
	}
	return to, nil
}

// stopCategories are what --stop-at accepts: every label category, and
// "deposit" for addresses the deposit rule attributes to an exchange.
var stopCategories = append([]string{trace.StopDeposit}, labels.Categories...)

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkOutput validates the output flags before any work is done.
func (o *TraceOptions) checkOutput() error {
	if !slices.Contains(formats, o.Format) {
		return badInput("--format %q: want one of %s", o.Format, strings.Join(formats, ", "))
	}
	if toStdout(o.Out) && o.NodesOut == "-" {
		// Two documents on one stream cannot be told apart by the tool reading it.
		return badInput("--nodes-out - and the %s output would both go to standard output; give --out FILE (or --nodes-out FILE)", o.Format)
	}
	for _, p := range []struct{ flag, path string }{{"out", o.Out}, {"nodes-out", o.NodesOut}} {
		if toStdout(p.path) {
			continue
		}
		if st, err := os.Stat(filepath.Dir(p.path)); err != nil || !st.IsDir() {
			return badInput("--%s %q: directory %q does not exist", p.flag, p.path, filepath.Dir(p.path))
		}
	}
	if o.Width < 0 {
		return badInput("--width %d: want 0 or more", o.Width)
	}
	return o.MixerOptions.check()
}

// runTrace is `chaintrace trace`: open the source, run the tracer, write the
// result. An interrupted or failed trace still writes what it found, then
// returns the error (exit code 1).
func runTrace(ctx context.Context, o *TraceOptions) error {
	if err := o.checkOutput(); err != nil {
		return err
	}
	if err := o.precheck(); err != nil {
		return err
	}
	if o.Timeout < 0 || o.RequestTimeout < 0 {
		return badInput("--timeout %v / --request-timeout %v: want 0 (no limit / the default) or a positive duration such as 30s", o.Timeout, o.RequestTimeout)
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.Timeout, errTimeout)
		defer cancel()
	}
	src, err := openSource(ctx, o)
	if err != nil {
		return err
	}
	defer src.Close()
	o.caseInfo = src.Info
	if o.wrap != nil {
		src.Source = o.wrap(src.Source)
	}
	topts, err := o.options(src.Source.Info().Native)
	if err != nil {
		return err
	}
	if topts.Labels, err = loadLabels(src, o.Labels); err != nil {
		return err
	}
	seeds := o.Seeds
	if len(seeds) == 0 {
		seeds = src.Seeds
	}
	if len(seeds) == 0 {
		return badInput("no seed given: pass a theft transaction hash, a txid:vout, or an address with --from-block")
	}
	progress, clearProgress := newProgress(o.IO, o.Quiet)
	topts.Progress = progress
	res, runErr := trace.Run(ctx, src.Source, seeds, topts)
	clearProgress()
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
		runDemix(ctx, o, src, res, topts)
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

// errTimeout is the cause of a context ended by --timeout.
var errTimeout = errors.New("--timeout reached")

func describeRunError(ctx context.Context, o *TraceOptions, err error) error {
	if errors.Is(context.Cause(ctx), errTimeout) {
		return fmt.Errorf("--timeout %v reached; the output holds what was traced so far, and what was fetched is cached: rerun with a longer --timeout to finish: %w", o.Timeout, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted; the output holds what was traced so far: %w", err)
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
		err = render.WriteCSV(&buf, res)
	case "report", "html":
		var ro report.Options
		if ro, err = o.reportOptions(res); err != nil {
			return err
		}
		if o.Format == "report" {
			err = report.Markdown(&buf, res, ro)
		} else {
			err = report.HTML(&buf, res, ro)
		}
	default:
		err = render.WriteText(&buf, res, render.TextOptions{Width: o.Width, Paths: o.Paths})
	}
	if err != nil {
		return fmt.Errorf("writing %s output: %w", o.Format, err)
	}
	if err := writeTo(o.IO.Out, o.Out, buf.Bytes()); err != nil {
		return err
	}
	if o.NodesOut != "" {
		var nb bytes.Buffer
		if err := render.WriteNodesCSV(&nb, res); err != nil {
			return fmt.Errorf("writing the nodes CSV: %w", err)
		}
		return writeTo(o.IO.Out, o.NodesOut, nb.Bytes())
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
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = tmp.Write(data)
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
