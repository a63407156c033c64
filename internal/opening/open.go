package opening

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/cases"
	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

// Env is what opening needs from the process: where notices go, the
// environment, and what a recording stores about the command that made it.
type Env struct {
	Stderr io.Writer
	// Getenv reads the environment (CHAINTRACE_EXPLORER_KEY); nil: none.
	Getenv func(string) string
	// Policy replaces the transport's retry policy (tests: a fake clock).
	Policy *httpx.Policy
	// Version is the tool version a recording stores ("chaintrace v1.2.3").
	Version string
	// Flags is the command's flag set: a recording stores the command line
	// and every flag's value from it.
	Flags *pflag.FlagSet
	// HTTPClient, when set, is the live adapters' HTTP client (trace's request
	// budget counts through its transport, for --max-requests and the progress
	// line); nil: each adapter its own.
	HTTPClient *http.Client
}

// EnvExplorerKey is the environment variable holding the explorer API key. It
// comes only from the environment, so it never appears in a command line, a
// shell history or a recorded case.
const EnvExplorerKey = "CHAINTRACE_EXPLORER_KEY"

// Opened is a data source ready for the tracer, with what came with it.
type Opened struct {
	Source trace.Source
	// Seeds are the case's own, used when the command line gives none.
	Seeds []string
	// Labels are label files that came with the source (an embedded demo's).
	Labels []LabelData
	// Logs are the live adapter's log queries, when it has them (the mixer
	// candidate search; a cache or recorder does not store them).
	Logs demix.LogSource
	// Info is what a case file says about itself (the report's case header).
	Info CaseInfo
	// Links are the other chains of a multi-chain trace: those a recorded case
	// holds, then --link (links.go).
	Links   []trace.Source
	closers []func() error

	// recordedLabels are the label sets a replayed case recorded, used
	// instead of the built-in and given ones (nil: none recorded or labels given).
	recordedLabels []casestore.LabelSet
	// rec is the new recording (--record); update the case extended in place
	// (--update-case): both get this trace's inputs.
	rec, update *casestore.Store
}

// CaseInfo is the description a case file carries.
type CaseInfo struct {
	Name, Description string
	Sources           []string
}

// LabelData is a label file's content under a display name.
type LabelData struct {
	Name string
	Data []byte
}

// Close releases what the source holds (files, connections), first opened last.
func (s *Opened) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

func badInput(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{trace.ErrBadInput}, a...)...)
}

// ChainConfig is what the live adapters get from the options and the environment.
func (o *Options) ChainConfig(chain string, env Env) chains.Config {
	cfg := chains.Config{
		Chain: chain, RPC: o.RPC, Backend: o.Backend, History: o.History,
		Explorer: o.Explorer, RPS: o.RPS, Stderr: env.Stderr, ToBlock: o.ToBlock,
		RequestTimeout: o.RequestTimeout, Policy: env.Policy, HTTPClient: env.HTTPClient,
	}
	if env.Getenv != nil {
		cfg.ExplorerKey = env.Getenv(EnvExplorerKey)
		httpx.AddSecret(cfg.ExplorerKey) // never printed, in any encoding
	}
	return cfg
}

func (o *Options) liveChain() string {
	if o.Chain == "" {
		return "eth"
	}
	return o.Chain
}

// Precheck rejects contradictory options and malformed seeds before anything
// is opened or fetched, so a typo never waits for a node (or is hidden by one
// that is down) and an option that would be ignored is not ignored silently.
func (o *Options) Precheck(env Env) error {
	if err := o.Check(); err != nil {
		return err
	}
	if o.Case != "" {
		if o.RPC == "" {
			// An offline case is the whole chain: options for a live node have nothing to act on.
			for _, f := range []struct {
				name string
				set  bool
			}{
				{"backend", o.Backend != ""},
				{"history", o.History != "" && o.History != "auto"},
				{"explorer", o.Explorer != ""},
				{"rps", o.RPS != 0},
			} {
				if f.set {
					return badInput("--%s is an option for a live node, but --case %s is read offline: drop --%s (or add --rpc to extend a recorded case from a node)", f.name, o.Case, f.name)
				}
			}
		}
		return nil
	}
	if len(chains.Names()) == 0 {
		return nil // Open explains
	}
	return chains.Precheck(o.ChainConfig(o.liveChain(), env), o.Seeds)
}

// Open opens the data source the options name: a recorded case, a JSON case
// or an embedded demo (Case), otherwise the live adapter for Chain, with the
// cache and the recorder around it. Every command opens its source here.
func Open(ctx context.Context, o *Options, env Env) (*Opened, error) {
	src, err := open(ctx, o, env)
	if err != nil {
		return src, err
	}
	if err := openLinks(ctx, o, env, src); err != nil {
		src.Close()
		return nil, err
	}
	return src, nil
}

func open(ctx context.Context, o *Options, env Env) (*Opened, error) {
	if o.Case != "" {
		if src, ok, err := openRecorded(ctx, o, env); ok {
			return src, err
		}
		src, err := openCase(o)
		if err == nil {
			err = wrapRecord(o, env, src)
		}
		return src, err
	}
	chain := o.liveChain()
	if o.RPS < 0 {
		return nil, badInput("--rps %v: want 0 (the default) or a positive rate", o.RPS)
	}
	if len(chains.Names()) == 0 {
		return nil, badInput("--chain %s: this build has no live chain adapters yet; trace an offline case with --case FILE or --case demo", chain)
	}
	src, err := chains.Open(ctx, o.ChainConfig(chain, env))
	if err != nil {
		return nil, fmt.Errorf("--chain %s: %w", chain, err)
	}
	opened := &Opened{Source: src, closers: closerOf(src)}
	opened.Logs, _ = src.(demix.LogSource)
	if err := wrapCache(o, env, opened); err != nil {
		opened.Close()
		return nil, err
	}
	// The recorder outermost, so a case holds every answer the trace saw, cached or not.
	if err := wrapRecord(o, env, opened); err != nil {
		opened.Close()
		return nil, err
	}
	return opened, nil
}

func closerOf(src trace.Source) []func() error {
	if c, ok := src.(io.Closer); ok {
		return []func() error{c.Close}
	}
	return nil
}

// openCase opens a JSON case file or an embedded demo.
func openCase(o *Options) (*Opened, error) {
	if o.RPC != "" {
		return nil, badInput("--rpc and --case exclude each other: a case file is the whole chain")
	}
	var c *jsoncase.Case
	var err error
	var lab []LabelData
	name := filepath.Base(o.Case)
	if _, statErr := os.Stat(o.Case); statErr == nil || strings.ContainsAny(o.Case, `/\.`) {
		c, err = jsoncase.Load(o.Case)
	} else if d, ok := cases.Lookup(o.Case); ok {
		c, err = jsoncase.Parse(d.JSON)
		if err != nil {
			err = fmt.Errorf("embedded case %s (a bug in chaintrace): %w", d.File, err)
		}
		lab = append(lab, LabelData{Name: "demo:" + d.Name, Data: d.Labels})
		name = d.Name + " (embedded demo)"
	} else {
		return nil, badInput("--case %q: no such file and no embedded demo of that name (demos: %s)", o.Case, strings.Join(cases.Names(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("--case: %w", err)
	}
	if o.Chain != "" && !strings.EqualFold(o.Chain, c.Chain) {
		return nil, badInput("--chain %s does not match the case file's chain %s", o.Chain, c.Chain)
	}
	info := CaseInfo{Name: name, Description: strings.TrimSpace(c.Description)}
	if n := strings.TrimSpace(c.SourceNote); n != "" {
		info.Sources = []string{n}
	}
	return &Opened{Source: c.Source(), Seeds: c.Seeds, Labels: lab, Info: info}, nil
}

// openRecorded opens Case when it is a recorded (SQLite) case; ok is false for
// anything else (a JSON case, an embedded demo).
//
// A command line (env.Flags) replaying a case gets the options and label sets
// the case recorded for every option it does not give, so `--case FILE` alone
// reproduces the recorded result. With RPC what the case lacks is fetched from
// the node: added to the case only with UpdateCase, else kept in the new
// recording (Record); a recorded case is never changed otherwise.
func openRecorded(ctx context.Context, o *Options, env Env) (src *Opened, ok bool, err error) {
	isDB, err := casestore.IsSQLite(o.Case)
	if err != nil || !isDB {
		return nil, false, nil
	}
	if o.RPC != "" && !o.UpdateCase && o.Record == "" {
		return nil, true, badInput("--case %s --rpc: the answers the case lacks would be fetched from the node, and a recorded case is evidence that is not changed silently: add --update-case to add them to %s, or --record NEW.case to write the extended case to a new file", o.Case, o.Case)
	}
	var live trace.Source
	if o.RPC != "" {
		chain := o.Chain
		if chain == "" {
			sum, err := casestore.Verify(o.Case)
			if err != nil {
				return nil, true, CaseErr(err)
			}
			chain = sum.Chain
		}
		if live, err = chains.Open(ctx, o.ChainConfig(chain, env)); err != nil {
			return nil, true, fmt.Errorf("--chain %s: %w", chain, err)
		}
	}
	out := &Opened{closers: closerOf(live), Info: CaseInfo{Name: filepath.Base(o.Case)}}
	fail := func(err error) (*Opened, bool, error) {
		out.Close()
		return nil, true, err
	}
	st, err := casestore.Open(o.Case, o.UpdateCase)
	if err != nil {
		return fail(fmt.Errorf("--case %s: %w", o.Case, CaseErr(err)))
	}
	out.closers = append(out.closers, st.Close)
	if out.Source, err = casestore.ReplayLive(st, live); err != nil {
		return fail(fmt.Errorf("--case %s: %w", o.Case, CaseErr(err)))
	}
	out.Seeds = st.Seeds()
	if out.Links, err = casestore.ReplayLinks(st); err != nil {
		return fail(fmt.Errorf("--case %s: %w", o.Case, CaseErr(err)))
	}
	if o.Chain != "" && !strings.EqualFold(o.Chain, out.Source.Info().Name) {
		return fail(badInput("--chain %s does not match the recorded case's chain %s", o.Chain, out.Source.Info().Name))
	}
	if live != nil {
		out.Logs, _ = live.(demix.LogSource)
	}
	var differ []string
	recorded := false
	if env.Flags != nil {
		in, has, err := st.RecordedInputs()
		if err != nil {
			return fail(fmt.Errorf("--case %s: %w", o.Case, CaseErr(err)))
		}
		if has {
			recorded = true
			given := func(name string) bool { return env.Flags.Changed(name) }
			if differ, err = o.applyValues(in.Options, given); err != nil {
				return fail(badInput("--case %s: %v", o.Case, err))
			}
			if !given("labels") && !given("no-builtin-labels") {
				out.recordedLabels = in.Labels
				if out.recordedLabels == nil {
					out.recordedLabels = []casestore.LabelSet{}
				}
			}
		} else {
			noteNoInputs(env.Stderr, o.Case, st)
		}
	}
	if o.UpdateCase {
		out.update = st
	}
	if live != nil {
		out.closers = append(out.closers, func() error {
			reportFetched(env.Stderr, o, st, recorded, differ)
			return nil
		})
	}
	if err := wrapRecord(o, env, out); err != nil {
		return fail(err)
	}
	return out, true, nil
}

// noteNoInputs warns that a recorded case holds no options or label sets
// (recorded before chaintrace stored them): replayed alone it runs with the
// defaults and the built-in labels, so its result can differ from the
// recording's (other stops, other endpoints) without anything failing. The
// command line it was recorded with says what to give again.
func noteNoInputs(w io.Writer, path string, st *casestore.Store) {
	if w == nil {
		return
	}
	var cmd []string
	_ = json.Unmarshal([]byte(st.Meta()[casestore.MetaCommand]), &cmd)
	was := ""
	if len(cmd) > 0 {
		was = "; it was recorded with: " + escape.Display(strings.Join(cmd, " "), escape.LineMax)
	}
	fmt.Fprintf(w, "chaintrace: note: case %s does not hold the options and label sets it was recorded with (an older chaintrace made it), so this replay uses the options given here, the defaults and the built-in labels, and may not give the recorded result: give the recorded options and label files again (a check spec names them)%s\n",
		escape.Terminal(path), was)
}

// reportFetched says what a replay with --rpc fetched from the node, why, and
// where it went.
func reportFetched(w io.Writer, o *Options, st *casestore.Store, recorded bool, differ []string) {
	if w == nil {
		return
	}
	got := st.Fetched()
	kinds := make([]string, 0, len(got))
	n := 0
	for k, c := range got {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
		n += c
	}
	slices.Sort(kinds)
	if n == 0 {
		fmt.Fprintf(w, "chaintrace: case %s held every answer this trace needed: nothing was fetched from --rpc, and the case is unchanged\n", o.Case)
		return
	}
	why := "the trace asked for data the recording did not"
	switch {
	case len(differ) > 0:
		why += " (options differ from the recording: " + strings.Join(differ, ", ") + ")"
	case !recorded:
		why += " (the case does not record the options it was made with)"
	}
	where := fmt.Sprintf("added to %s (--update-case)", o.Case)
	if o.Record != "" {
		where = fmt.Sprintf("written with the rest to %s; %s is unchanged", o.Record, o.Case)
	}
	fmt.Fprintf(w, "chaintrace: case %s lacked %d answer(s) (%s): %s; fetched from --rpc and %s\n", o.Case, n, strings.Join(kinds, ", "), why, where)
}

// CaseErr names a corrupted or incomplete case as bad input in the message
// (the CLI gives both exit code 2 on their own).
func CaseErr(err error) error {
	if errors.Is(err, casestore.ErrCorrupt) || errors.Is(err, casestore.ErrNotRecorded) {
		if !errors.Is(err, trace.ErrBadInput) {
			return fmt.Errorf("%w: %w", trace.ErrBadInput, err)
		}
	}
	return err
}

func wrapCache(o *Options, env Env, src *Opened) error {
	if o.NoCache {
		return nil
	}
	info := src.Source.Info()
	dev := chainid.DevChain(info.Name, info.ChainID)
	dir := o.CacheDir
	if dir == "" {
		if dev {
			// a local node's chain is rebuilt at will: never cache it unasked
			return nil
		}
		d, err := casestore.DefaultCacheDir()
		if err != nil {
			if env.Stderr != nil {
				fmt.Fprintf(env.Stderr, "chaintrace: warning: %v; running without a cache\n", err)
			}
			return nil
		}
		dir = d
	}
	scope := ""
	if dev {
		scope = casestore.RedactURL(o.RPC)
	}
	st, err := casestore.OpenCache(dir, info, scope)
	if err != nil {
		return fmt.Errorf("--cache: %w (or pass --no-cache)", err)
	}
	co := casestore.CacheOptions{Confirmations: o.Confirmations}
	if o.FromTime.IsZero() {
		// a date start searches the blocks up to the live tip; otherwise the
		// trace reads nothing above --to-block
		co.ToBlock = o.ToBlock
	}
	src.Source = casestore.Cache(src.Source, st, co)
	src.closers = append(src.closers, st.Close)
	return nil
}

func wrapRecord(o *Options, env Env, src *Opened) error {
	if o.Record == "" {
		return nil
	}
	if o.Record == o.Case {
		return badInput("--record %s: the case being replayed cannot be its own recording; with --rpc it is extended in place", o.Record)
	}
	st, err := casestore.Create(o.Record, casestore.Meta{
		ToolVersion: env.Version,
		Command:     o.commandLine(env.Flags),
		Options:     o.recordedOptions(env.Flags, src.Seeds),
	})
	if err != nil {
		return badInput("--record: %v", err)
	}
	src.Source = casestore.Record(src.Source, st)
	src.rec = st
	src.closers = append(src.closers, func() error {
		if err := st.Close(); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		if env.Stderr != nil {
			fmt.Fprintf(env.Stderr, "chaintrace: recorded case %s (check it with: chaintrace case verify %s)\n", o.Record, o.Record)
		}
		return nil
	})
	return nil
}

// commandLine rebuilds the command line from the flags given (secrets are
// removed when it is stored).
func (o *Options) commandLine(flags *pflag.FlagSet) []string {
	args := []string{"chaintrace", "trace"}
	if flags != nil {
		flags.Visit(func(f *pflag.Flag) {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				for _, v := range sv.GetSlice() {
					args = append(args, "--"+f.Name+"="+v)
				}
				return
			}
			args = append(args, "--"+f.Name+"="+f.Value.String())
		})
	}
	return append(args, o.Seeds...)
}

// recordedOptions are the resolved options, flag names as keys; the seeds are
// those of the command line, else the source's own, so a replay needs none.
func (o *Options) recordedOptions(flags *pflag.FlagSet, defaultSeeds []string) map[string]string {
	seeds := o.Seeds
	if len(seeds) == 0 {
		seeds = defaultSeeds
	}
	m := map[string]string{
		casestore.MetaSeeds: strings.Join(seeds, ","),
		"chain":             o.Chain,
		"rpc":               o.RPC,
		"case":              o.Case,
		"policy":            o.Policy,
		"hops":              strconv.Itoa(o.Hops),
		"min-amount":        o.MinAmount,
		"from-block":        startValue{&o.FromBlock, &o.FromTime}.String(),
		"to-block":          strconv.FormatUint(o.ToBlock, 10),
		"max-addresses":     strconv.Itoa(o.MaxAddresses),
		"address-budget":    strconv.Itoa(o.AddressBudget),
		"labels":            strings.Join(o.Labels, ","),
		"stop-at":           strings.Join(o.StopAt, ","),
		"through":           strings.Join(o.Through, ","),
		"deposit-rule":      strconv.FormatBool(o.DepositRule),
		"deposit-alpha":     o.DepositAlpha,
		"deposit-tau":       strconv.FormatUint(o.DepositTau, 10),
	}
	if flags != nil {
		// every other flag of the command is recorded too
		flags.VisitAll(func(f *pflag.Flag) {
			if _, ok := m[f.Name]; !ok && f.Name != "help" && f.Name != "record" {
				m[f.Name] = f.Value.String()
			}
		})
	}
	return m
}

// LoadLabels builds the label set: the built-in labels (unless
// NoBuiltinLabels), then the source's own (an embedded demo's), then each
// label file in order, later ones winning — or, replaying a case that
// recorded its label sets with no label option given, exactly those. A
// recording (and a case extended in place) stores the sets used.
func (s *Opened) LoadLabels(o *Options) (trace.Labels, error) {
	var sets []casestore.LabelSet
	if s.recordedLabels != nil {
		sets = s.recordedLabels
	} else {
		if !o.NoBuiltinLabels {
			b, err := labels.BuiltinSets()
			if err != nil {
				return nil, err
			}
			for _, l := range b {
				sets = append(sets, casestore.NewLabelSet(l.Name, l.Data))
			}
		}
		for _, l := range s.Labels {
			sets = append(sets, casestore.NewLabelSet(l.Name, l.Data))
		}
		for _, f := range o.Labels {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w: label file: %w", o.name("labels"), f, trace.ErrBadInput, err)
			}
			sets = append(sets, casestore.NewLabelSet(f, data))
		}
	}
	st := labels.New()
	for _, l := range sets {
		if err := st.AddData(l.Name, l.Data); err != nil {
			if slices.Contains(o.Labels, l.Name) {
				return nil, fmt.Errorf("%s %s: %w", o.name("labels"), l.Name, err)
			}
			if strings.HasPrefix(l.Name, "builtin:") && s.recordedLabels == nil {
				return nil, fmt.Errorf("built-in labels are broken (a bug in chaintrace): %w", err)
			}
			return nil, err
		}
	}
	in := casestore.Inputs{Options: o.traceValues(), Labels: sets}
	for _, c := range []*casestore.Store{s.rec, s.update} {
		if c != nil {
			if err := c.PutInputs(in); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// HeadFeed is a new-heads subscription (chains.HeadFeed).
type HeadFeed = chains.HeadFeed

// SubscribeHeads subscribes to the new heads of chain at a WebSocket URL
// (EVM nodes: eth_subscribe newHeads); trace.ErrUnsupported where the
// chain's nodes offer none.
func SubscribeHeads(ctx context.Context, chain, url string) (HeadFeed, error) {
	return chains.SubscribeHeads(ctx, chain, url)
}
