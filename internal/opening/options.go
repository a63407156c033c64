package opening

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

// Options is what a trace is opened and run with, in the user's vocabulary:
// the flag names, human units, the documented defaults (Defaults). `trace`
// fills it from flags, `check` from a spec's options, `watch` from either.
type Options struct {
	// Where the data comes from.
	Chain    string  // --chain; "" with no --case: eth
	RPC      string  // --rpc
	Case     string  // --case: a recorded case, a JSON case or an embedded demo's name
	Backend  string  // Bitcoin: esplora, btcd, bitcoind ("" auto)
	History  string  // EVM: auto, trace, explorer, rpc
	Explorer string  // EVM: Etherscan-compatible API base URL
	RPS      float64 // request rate limit for public endpoints (0: the adapter's default)
	// RequestTimeout bounds one request to the node or API (0: 60 s).
	RequestTimeout time.Duration

	// Keeping what was fetched.
	Record        string // --record: a new case file
	CacheDir      string // --cache
	NoCache       bool
	Confirmations uint64 // blocks below the tip before data is cached as final
	// UpdateCase lets --case FILE --rpc URL add what it fetches to FILE; without
	// it a recorded case is never changed (--record NEW writes a new one).
	UpdateCase bool

	Seeds []string

	// The trace.
	Policy          string
	Hops            int
	MinAmount       string // human units of each asset
	FromBlock       uint64
	FromTime        time.Time // --from-block given as a date/time (zero: FromBlock)
	ToBlock         uint64
	MaxAddresses    int
	AddressBudget   int
	Labels          []string // label files, later ones winning
	NoBuiltinLabels bool
	StopAt          []string
	Through         []string
	DepositRule     bool
	DepositAlpha    string // human units of the native asset
	DepositTau      uint64
	NoSwaps         bool     // DEX pools and routers are endpoints, as before the swap rule
	Concurrency     int      // parallel requests to the source
	Heuristics      []string // UTXO heuristics to apply: change, coinjoin

	// Multi-chain traces (links.go, docs/crossings.md).
	Links             []string      // --link CHAIN=URL
	MemoChains        []string      // --memo-chain CODE=CHAIN
	CrossingWindow    time.Duration // --crossing-window
	CrossingTolerance string        // --crossing-tolerance, a percentage
	NoCrossings       bool          // --no-crossings

	// Mixer candidates (docs/mixers.md).
	MixerCandidates  bool   // look past mixer endpoints
	MixerWindow      uint64 // blocks after a deposit searched
	FollowCandidates int    // trace on from candidates scoring at least this (0: no)

	// spec is set when the options came from a check spec: messages then name
	// the spec's keys ("options.hops") instead of flags ("--hops").
	spec bool
}

// HeuristicNames are what --heuristics accepts (UTXO chains).
var HeuristicNames = []string{"change", "coinjoin"}

// StopCategories are what --stop-at accepts: every label category, and
// "deposit" for addresses the deposit rule attributes to an exchange.
var StopCategories = slices.Clone(labels.Categories) // "deposit" among them: a labelled deposit, or one the deposit rule finds

// Defaults are the documented defaults, the same for every command.
func Defaults() Options {
	return Options{
		History:           "auto",
		Confirmations:     casestore.DefaultConfirmations,
		Policy:            string(trace.Haircut),
		Hops:              5,
		MaxAddresses:      10000,
		AddressBudget:     1000,
		StopAt:            slices.Clone(trace.DefaultStopAt),
		DepositRule:       true,
		DepositAlpha:      "0.01",
		DepositTau:        3200,
		Concurrency:       4,
		Heuristics:        slices.Clone(HeuristicNames),
		MixerCandidates:   true,
		MixerWindow:       50000,
		FollowCandidates:  0,
		CrossingWindow:    24 * time.Hour,
		CrossingTolerance: "1%",
	}
}

// The flags are registered with o's current values as their defaults: start
// from Defaults().

// AddSourceFlags registers where the data comes from.
func (o *Options) AddSourceFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Chain, "chain", o.Chain, "chain to trace on (eth, btc, …); default eth, or the case file's chain")
	f.StringVar(&o.RPC, "rpc", o.RPC, "node or API URL; default: the chain's public endpoint")
	f.StringVar(&o.Backend, "backend", o.Backend, "Bitcoin data source: esplora, btcd or bitcoind (default: from --rpc)")
	f.StringVar(&o.History, "history", o.History, "EVM address history: auto, trace (trace_filter), explorer (Etherscan-compatible API), rpc (plain node)")
	f.StringVar(&o.Explorer, "explorer", o.Explorer, "EVM: Etherscan-compatible API base URL for --history explorer (key in CHAINTRACE_EXPLORER_KEY)")
	f.Float64Var(&o.RPS, "rps", o.RPS, "most requests per second to the node or API (0: the adapter's default)")
	f.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "give up on one request to the node or API after this long and retry it (0: 60s)")
	f.StringVar(&o.Case, "case", o.Case, "offline case file, or an embedded demo name (demo, ronin, demo-btc, bitfinex)")
	o.addLinkFlags(f)
}

// AddRecordFlags registers --record and the cache flags.
func (o *Options) AddRecordFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Record, "record", o.Record, "store everything this trace fetches in a new case FILE (SQLite) that replays offline with --case FILE")
	f.StringVar(&o.CacheDir, "cache", o.CacheDir, "cache finalised chain data in DIR across runs (default: the user cache directory/chaintrace; local dev chains are cached only when DIR is given)")
	f.BoolVar(&o.NoCache, "no-cache", o.NoCache, "do not read or write the cache")
	f.Uint64Var(&o.Confirmations, "cache-confirmations", o.Confirmations, "blocks below the tip before data counts as final and is cached")
	f.BoolVar(&o.UpdateCase, "update-case", o.UpdateCase, "with --case FILE --rpc URL: add what the trace fetches to FILE, and make this trace's options and labels the case's (without it a recorded case is never changed; --record NEW writes the extended case to a new file)")
}

// AddLabelFlags registers the label files.
func (o *Options) AddLabelFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.Labels, "labels", o.Labels, "label file (CSV or GraphSense TagPack YAML); repeatable, later files win")
	f.BoolVar(&o.NoBuiltinLabels, "no-builtin-labels", o.NoBuiltinLabels, "do not load the built-in label set (only the case's own and --labels files)")
}

// AddTraceFlags registers the tracer's options: what a check spec's
// "options" may set, under the same names.
func (o *Options) AddTraceFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Policy, "policy", o.Policy, "taint policy: haircut, poison, fifo, lifo, tiho")
	f.IntVar(&o.Hops, "hops", o.Hops, "hops to follow from the seed")
	f.StringVar(&o.MinAmount, "min-amount", o.MinAmount, "do not follow flows carrying less taint than this, in human units of each asset (e.g. 0.1)")
	f.Var(startValue{&o.FromBlock, &o.FromTime}, "from-block", "address seeds: taint starts at this block (0: genesis, the genesis allocation counts), or at the first block at or after a date/time (2024-02-21, 2024-02-21T00:00Z, RFC 3339; UTC unless a zone is given)")
	f.Uint64Var(&o.ToBlock, "to-block", o.ToBlock, "ignore everything after this block (default: the tip)")
	f.IntVar(&o.MaxAddresses, "max-addresses", o.MaxAddresses, "stop following new holders after this many")
	f.IntVar(&o.AddressBudget, "address-budget", o.AddressBudget, "an unlabelled address with more transfers than this is a high-activity endpoint")
	f.StringSliceVar(&o.StopAt, "stop-at", o.StopAt, "label categories that end a trace (exchange, deposit, mixer, bridge, dex, service, …)")
	f.StringSliceVar(&o.Through, "through", o.Through, "addresses or label names to follow through despite --stop-at")
	f.BoolVar(&o.DepositRule, "deposit-rule", o.DepositRule, "attribute unlabelled addresses that sweep into an exchange to that exchange")
	f.StringVar(&o.DepositAlpha, "deposit-alpha", o.DepositAlpha, "deposit rule: most a sweep may fall short of what the deposit received, in native units")
	f.Uint64Var(&o.DepositTau, "deposit-tau", o.DepositTau, "deposit rule: most blocks between a deposit and its sweep")
	f.BoolVar(&o.NoSwaps, "no-swaps", o.NoSwaps, "do not follow taint through DEX swaps (a pool or router that takes it is then an endpoint or holder like any address)")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "most requests to the node or API in flight at once (1: one at a time)")
	f.StringSliceVar(&o.Heuristics, "heuristics", o.Heuristics, "Bitcoin heuristics to apply and report on edges: change (change-output detection), coinjoin (CoinJoin-shaped txs marked low-confidence); \"\" for none")
	f.BoolVar(&o.MixerCandidates, "mixer-candidates", o.MixerCandidates, "EVM: list candidate withdrawals past Tornado Cash-style mixer pools (leads scored by published heuristics, never counted as traced funds)")
	f.Uint64Var(&o.MixerWindow, "mixer-window", o.MixerWindow, "EVM: blocks after a mixer deposit in which withdrawals are examined (0: the default)")
	f.IntVar(&o.FollowCandidates, "follow-candidates", o.FollowCandidates, "trace onward from candidate withdrawals scoring at least SCORE (1–100), in a separate section of the output; 0: do not")
	o.addCrossingFlags(f)
}

// name is how a message refers to one option: the flag, or the spec's key.
func (o *Options) name(flag string) string {
	if o.spec {
		return "options." + flag
	}
	return "--" + flag
}

func (o *Options) bad(flag, format string, a ...any) error {
	return fmt.Errorf("%w: %s "+format, append([]any{trace.ErrBadInput, o.name(flag)}, a...)...)
}

var plainDecimal = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// human parses a human amount ("0.5") exactly.
func (o *Options) human(flag, s string) (*big.Rat, error) {
	if !plainDecimal.MatchString(s) {
		return nil, o.bad(flag, "%q: want a plain non-negative decimal number such as 0.5", s)
	}
	r, _ := new(big.Rat).SetString(s)
	return r, nil
}

// Check validates what can be validated before a source is open: the
// tracer's options and the combinations of flags.
func (o *Options) Check() error {
	_, err := o.trace(graph.Asset{Decimals: 255})
	if err != nil {
		return err
	}
	if o.UpdateCase && (o.Case == "" || o.RPC == "") {
		return fmt.Errorf("%w: --update-case extends a recorded case from a node: it needs --case FILE and --rpc URL", trace.ErrBadInput)
	}
	if o.UpdateCase && o.Record != "" {
		return fmt.Errorf("%w: --update-case and --record exclude each other: extend the case in place (--update-case) or write the extended case to a new file (--record NEW)", trace.ErrBadInput)
	}
	if o.NoCache && o.CacheDir != "" {
		return fmt.Errorf("%w: --no-cache and --cache %s exclude each other: keep one (--no-cache: neither read nor write a cache)", trace.ErrBadInput, o.CacheDir)
	}
	if o.ToBlock != 0 && o.FromBlock > o.ToBlock {
		return fmt.Errorf("%w: %s %d is after %s %d: want from ≤ to", trace.ErrBadInput, o.name("from-block"), o.FromBlock, o.name("to-block"), o.ToBlock)
	}
	if o.RPS < 0 {
		return o.bad("rps", "%v: want 0 (the default) or a positive rate", o.RPS)
	}
	if o.RequestTimeout < 0 {
		return o.bad("request-timeout", "%v: want 0 (the default) or a positive duration such as 30s", o.RequestTimeout)
	}
	if o.FollowCandidates < 0 || o.FollowCandidates > 100 {
		return o.bad("follow-candidates", "%d: want a score from 1 to 100 (0: do not follow)", o.FollowCandidates)
	}
	if o.FollowCandidates > 0 && !o.MixerCandidates {
		return fmt.Errorf("%w: %s needs the candidate search: drop %s=false", trace.ErrBadInput, o.name("follow-candidates"), o.name("mixer-candidates"))
	}
	return nil
}

// Trace turns the options into the tracer's, for a chain whose native asset
// is native (the deposit α is given in its human units).
func (o *Options) Trace(native graph.Asset) (trace.Options, error) { return o.trace(native) }

func (o *Options) trace(native graph.Asset) (trace.Options, error) {
	var to trace.Options
	p, err := trace.ParsePolicy(o.Policy)
	if err != nil {
		return to, o.bad("policy", "%q: unknown policy, want one of poison, haircut, fifo, lifo, tiho", o.Policy)
	}
	to.Policy = p
	if o.Hops < 1 {
		return to, o.bad("hops", "%d: want 1 or more", o.Hops)
	}
	to.MaxHops = o.Hops
	if o.MinAmount != "" {
		if to.MinAmount, err = o.human("min-amount", o.MinAmount); err != nil {
			return to, err
		}
	}
	if o.MaxAddresses < 1 {
		return to, o.bad("max-addresses", "%d: want 1 or more", o.MaxAddresses)
	}
	if o.AddressBudget < 1 {
		return to, o.bad("address-budget", "%d: want 1 or more", o.AddressBudget)
	}
	to.FromBlock, to.ToBlock, to.FromTime = o.FromBlock, o.ToBlock, o.FromTime
	to.MaxAddresses, to.AddressBudget = o.MaxAddresses, o.AddressBudget
	to.StopAt = nonEmpty(o.StopAt)
	if to.StopAt == nil {
		to.StopAt = []string{} // --stop-at "" means: stop nowhere; nil would mean the defaults
	}
	for _, s := range to.StopAt {
		if !slices.Contains(StopCategories, s) {
			return to, o.bad("stop-at", "%q: want one of %s", s, strings.Join(StopCategories, ", "))
		}
	}
	to.Through = nonEmpty(o.Through)
	to.DepositRule = o.DepositRule
	to.NoSwaps = o.NoSwaps
	alpha, err := o.human("deposit-alpha", o.DepositAlpha)
	if err != nil {
		return to, err
	}
	a, exact := graph.RatToUnits(alpha, native.Decimals)
	if !exact {
		return to, o.bad("deposit-alpha", "%s has more decimal places than %s has (%d)", o.DepositAlpha, native.Symbol, native.Decimals)
	}
	to.DepositAlpha = a
	if o.DepositTau == 0 {
		return to, o.bad("deposit-tau", "0: want 1 or more blocks")
	}
	to.DepositTau = o.DepositTau
	if o.Concurrency < 1 {
		return to, o.bad("concurrency", "%d: want 1 or more", o.Concurrency)
	}
	to.Concurrency = o.Concurrency
	if to.Crossing, err = o.crossOptions(); err != nil {
		return to, err
	}
	for _, h := range nonEmpty(o.Heuristics) {
		switch strings.ToLower(h) {
		case "change":
			to.ChangeHeuristic = true
		case "coinjoin":
			to.CoinJoinHeuristic = true
		default:
			return to, o.bad("heuristics", "%q: want any of %s", h, strings.Join(HeuristicNames, ", "))
		}
	}
	return to, nil
}

// traceValues are the trace options by flag name with their values, as a
// recorded case stores them (casestore.Inputs).
func (o *Options) traceValues() map[string][]string {
	c := *o // registering flags must not touch o
	fs := pflag.NewFlagSet("values", pflag.ContinueOnError)
	c.AddTraceFlags(fs)
	m := map[string][]string{}
	fs.VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			m[f.Name] = append([]string{}, sv.GetSlice()...)
			return
		}
		m[f.Name] = []string{f.Value.String()}
	})
	return m
}

// applyValues sets the trace options named in vals (as traceValues gives
// them) that given says were not given on the command line; it returns the
// options whose recorded value differs from the one in force, for messages.
func (o *Options) applyValues(vals map[string][]string, given func(string) bool) (differ []string, err error) {
	fs := pflag.NewFlagSet("recorded", pflag.ContinueOnError)
	o.AddTraceFlags(fs)
	now := o.traceValues()
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		v := vals[name]
		f := fs.Lookup(name)
		if f == nil {
			continue // an option this version does not have
		}
		if given(name) {
			if !slices.Equal(now[name], v) {
				differ = append(differ, fmt.Sprintf("--%s %s (recorded: %s)", name, strings.Join(now[name], ","), strings.Join(v, ",")))
			}
			continue
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			err = sv.Replace(v)
		} else if len(v) == 1 {
			err = f.Value.Set(v[0])
		} else {
			err = fmt.Errorf("%d values", len(v))
		}
		if err != nil {
			return differ, fmt.Errorf("the recorded option --%s %q does not apply: %w", name, strings.Join(v, ","), err)
		}
	}
	return differ, nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// NonDefault lists the recorded trace options (casestore.Inputs.Options) that
// differ from Defaults(), as flags ("--hops 2"), in name order.
func NonDefault(vals map[string][]string) []string {
	d := Defaults()
	def := d.traceValues()
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		if !slices.Equal(def[k], vals[k]) {
			out = append(out, "--"+k+" "+strings.Join(vals[k], ","))
		}
	}
	return out
}
