package opening

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/trace"
)

// Multi-chain traces (docs/crossings.md): --link CHAIN=URL opens the other
// chains' sources, the crossing flags say how payouts are matched.

// addLinkFlags registers --link (with the source flags).
func (o *Options) addLinkFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.Links, "link", o.Links, "follow crossings (THORChain swaps, bridges) into another chain: CHAIN=URL of its node or API, e.g. btc=http://user:pass@127.0.0.1:8334; repeatable")
}

// addCrossingFlags registers how crossings are matched (with the trace flags).
func (o *Options) addCrossingFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.MemoChains, "memo-chain", o.MemoChains, "THORChain memo chain code to chain name, e.g. ETH=evm:1337, when the default (BTC=btc, ETH=eth, or the one traced chain of that kind) is not it; repeatable")
	f.DurationVar(&o.CrossingWindow, "crossing-window", o.CrossingWindow, "most time between a crossing's inbound and its payout on the other chain")
	f.StringVar(&o.CrossingTolerance, "crossing-tolerance", o.CrossingTolerance, "bridges matched by amount: most a payout may fall short of what was sent in (bridge fee), in percent")
	f.BoolVar(&o.NoCrossings, "no-crossings", o.NoCrossings, "do not decode crossings: bridges, vaults and routers are plain endpoints")
}

// crossOptions turns the crossing options into the tracer's.
func (o *Options) crossOptions() (trace.CrossOptions, error) {
	co := trace.CrossOptions{Off: o.NoCrossings, Window: o.CrossingWindow, MemoChains: map[string]string{}}
	if o.CrossingWindow < 0 {
		return co, o.bad("crossing-window", "%v: want a positive duration such as 24h", o.CrossingWindow)
	}
	if o.CrossingTolerance != "" {
		tol := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(o.CrossingTolerance), "%"))
		r, ok := new(big.Rat).SetString(tol)
		if !ok || !plainDecimal.MatchString(tol) || r.Cmp(big.NewRat(100, 1)) >= 0 {
			return co, o.bad("crossing-tolerance", "%q: want a percentage below 100 such as 1%% or 0.5", o.CrossingTolerance)
		}
		ppm := new(big.Rat).Mul(r, big.NewRat(10000, 1))
		if !ppm.IsInt() {
			return co, o.bad("crossing-tolerance", "%q: at most 4 decimal places", o.CrossingTolerance)
		}
		co.TolerancePPM = ppm.Num().Int64()
		if co.TolerancePPM == 0 {
			co.TolerancePPM = -1 // exact amounts only (0 would mean the default)
		}
	}
	for _, m := range o.MemoChains {
		code, chain, ok := strings.Cut(m, "=")
		code, chain = strings.ToUpper(strings.TrimSpace(code)), chainid.Canonical(chain)
		if !ok || code == "" || chain == "" {
			return co, o.bad("memo-chain", "%q: want CODE=CHAIN, e.g. ETH=evm:1337", m)
		}
		if _, known := chainid.Lookup(chain); !known {
			return co, o.bad("memo-chain", "%q: unknown chain %q", m, chain)
		}
		co.MemoChains[code] = chain
	}
	return co, nil
}

// link is one parsed --link.
type link struct{ chain, url string }

func (o *Options) parseLinks() ([]link, error) {
	var out []link
	seen := map[string]bool{}
	for _, l := range o.Links {
		chain, url, ok := strings.Cut(l, "=")
		chain, url = chainid.Canonical(chain), strings.TrimSpace(url)
		if !ok || chain == "" || url == "" {
			return nil, o.bad("link", "%q: want CHAIN=URL, e.g. btc=http://user:pass@127.0.0.1:8334", casestore.RedactURL(url))
		}
		if _, known := chainid.Lookup(chain); !known {
			return nil, o.bad("link", "%q: unknown chain %q (chains: %s)", chain, chain, strings.Join(chains.Names(), ", "))
		}
		if seen[chain] {
			return nil, o.bad("link", "%s is given twice", chain)
		}
		seen[chain] = true
		out = append(out, link{chain, url})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].chain < out[j].chain })
	return out, nil
}

// openLinks opens the sources of --link next to the primary (the chains a
// recorded case holds are already there), with the same transport options,
// and records them into the case being recorded.
func openLinks(ctx context.Context, o *Options, env Env, primary *Opened) error {
	ls, err := o.parseLinks()
	if err != nil {
		return err
	}
	pname := chainid.Canonical(primary.Source.Info().Name)
	recorded := map[string]bool{}
	for _, l := range primary.Links {
		recorded[l.Info().Name] = true
	}
	for _, l := range ls {
		if recorded[l.chain] {
			return badInput("--link %s: the case already holds chain %s and replays it; drop --link %s", l.chain, l.chain, l.chain)
		}
		if l.chain == pname {
			return badInput("--link %s: that is the chain being traced (--chain); link other chains only", l.chain)
		}
		cfg := o.ChainConfig(l.chain, env)
		cfg.RPC, cfg.ToBlock, cfg.Backend, cfg.History, cfg.Explorer = l.url, 0, "", "auto", ""
		src, err := chains.Open(ctx, cfg)
		if err != nil {
			return fmt.Errorf("--link %s: %w", l.chain, err)
		}
		primary.closers = append(primary.closers, closerOf(src)...)
		if got := chainid.Canonical(src.Info().Name); got != l.chain {
			return badInput("--link %s=%s serves chain %s", l.chain, casestore.RedactURL(l.url), got)
		}
		primary.Links = append(primary.Links, src)
	}
	if primary.rec != nil {
		for i, l := range primary.Links {
			primary.Links[i] = casestore.RecordLink(l, primary.rec)
		}
	}
	return nil
}

// ChainNames lists every chain name --chain accepts, for the commands
// (completion, help), which open nothing themselves and so do not import chains.
func ChainNames() []string { return chains.Names() }
