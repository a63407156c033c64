package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/trace"
)

// RecordOptions are the flags of `chaintrace trace` that keep what a trace
// fetched: --record (a case file) and --cache/--no-cache (a cache across runs).
type RecordOptions struct {
	Record   string
	CacheDir string
	NoCache  bool
	// Confirmations: blocks below the tip before data is cached as final.
	Confirmations uint64

	flags *pflag.FlagSet // to write the command line into a recording
}

func addRecordFlags(f *pflag.FlagSet, o *RecordOptions) {
	o.flags = f
	f.StringVar(&o.Record, "record", "", "store everything this trace fetches in a new case FILE (SQLite) that replays offline with --case FILE")
	f.StringVar(&o.CacheDir, "cache", "", "cache finalised chain data in DIR across runs (default: the user cache directory/chaintrace; local dev chains are cached only when DIR is given)")
	f.BoolVar(&o.NoCache, "no-cache", false, "do not read or write the cache")
	f.Uint64Var(&o.Confirmations, "cache-confirmations", casestore.DefaultConfirmations, "blocks below the tip before data counts as final and is cached")
}

// openRecordedCase opens --case FILE when FILE is a recorded (SQLite) case; ok is
// false for anything else (a JSON case, an embedded demo). With --rpc the case is
// extended: what it lacks is fetched from the node and added.
func openRecordedCase(ctx context.Context, o *TraceOptions) (src *openedSource, ok bool, err error) {
	isDB, err := casestore.IsSQLite(o.Case)
	if err != nil || !isDB {
		return nil, false, nil
	}
	var live trace.Source
	if o.RPC != "" {
		chain := o.Chain
		if chain == "" {
			sum, err := casestore.Verify(o.Case)
			if err != nil {
				return nil, true, caseErr(err)
			}
			chain = sum.Chain
		}
		if live, err = chains.Open(ctx, o.chainConfig(chain)); err != nil {
			return nil, true, fmt.Errorf("--chain %s: %w", chain, err)
		}
	}
	cf, err := casestore.OpenCase(o.Case, live)
	if err != nil {
		return nil, true, fmt.Errorf("--case %s: %w", o.Case, caseErr(err))
	}
	if o.Chain != "" && !strings.EqualFold(o.Chain, cf.Source.Info().Name) {
		cf.Close()
		return nil, true, badInput("--chain %s does not match the recorded case's chain %s", o.Chain, cf.Source.Info().Name)
	}
	out := &openedSource{Source: cf.Source, Seeds: cf.Seeds, closers: []func() error{cf.Close}, Info: caseInfo{Name: caseName(o.Case)}}
	if err := wrapRecord(o, out); err != nil {
		out.Close()
		return nil, true, err
	}
	return out, true, nil
}

// caseErr names a corrupted or incomplete case as bad input in the message
// (errors.go gives both exit code 2 on their own).
func caseErr(err error) error {
	if errors.Is(err, casestore.ErrCorrupt) || errors.Is(err, casestore.ErrNotRecorded) {
		if !errors.Is(err, trace.ErrBadInput) {
			return fmt.Errorf("%w: %w", trace.ErrBadInput, err)
		}
	}
	return err
}

// wrapSource puts the cache and the recorder around a source opened from --chain:
// the recorder outermost, so a case holds every answer the trace saw, cached or not.
func wrapSource(o *TraceOptions, src *openedSource) error {
	if err := wrapCache(o, src); err != nil {
		return err
	}
	return wrapRecord(o, src)
}

func wrapCache(o *TraceOptions, src *openedSource) error {
	if o.NoCache {
		return nil
	}
	info := src.Source.Info()
	dev := devChain(info)
	dir := o.CacheDir
	if dir == "" {
		if dev {
			// a local node's chain is rebuilt at will: never cache it unasked
			return nil
		}
		d, err := casestore.DefaultCacheDir()
		if err != nil {
			fmt.Fprintf(o.IO.ErrOut, "chaintrace: warning: %v; running without a cache\n", err)
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
	src.Source = casestore.Cache(src.Source, st, casestore.CacheOptions{Confirmations: o.Confirmations})
	src.closers = append(src.closers, st.Close)
	return nil
}

// devChain: chains whose data a restart replaces (regtest, simnet, dev chain
// ids, chains named by id); package chainid decides.
func devChain(info trace.ChainInfo) bool { return chainid.DevChain(info.Name, info.ChainID) }

func wrapRecord(o *TraceOptions, src *openedSource) error {
	if o.Record == "" {
		return nil
	}
	if o.Record == o.Case {
		return badInput("--record %s: the case being replayed cannot be its own recording; with --rpc it is extended in place", o.Record)
	}
	st, err := casestore.Create(o.Record, casestore.Meta{
		ToolVersion: "chaintrace " + versionString(),
		Command:     o.commandLine(),
		Options:     o.recordedOptions(src.Seeds),
	})
	if err != nil {
		return badInput("--record: %v", err)
	}
	src.Source = casestore.Record(src.Source, st)
	src.closers = append(src.closers, func() error {
		if err := st.Close(); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		fmt.Fprintf(o.IO.ErrOut, "chaintrace: recorded case %s (check it with: chaintrace case verify %s)\n", o.Record, o.Record)
		return nil
	})
	return nil
}

// commandLine rebuilds the command line from the flags given (secrets are
// removed when it is stored).
func (o *TraceOptions) commandLine() []string {
	args := []string{"chaintrace", "trace"}
	if o.flags != nil {
		o.flags.Visit(func(f *pflag.Flag) {
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
func (o *TraceOptions) recordedOptions(defaultSeeds []string) map[string]string {
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
		"from-block":        startFlag{&o.FromBlock, &o.FromTime}.String(),
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
	if o.flags != nil {
		// flags added after this file was written are recorded too
		o.flags.VisitAll(func(f *pflag.Flag) {
			if _, ok := m[f.Name]; !ok && f.Name != "help" && f.Name != "record" {
				m[f.Name] = f.Value.String()
			}
		})
	}
	return m
}
