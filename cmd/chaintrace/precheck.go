package main

import (
	"strings"

	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/graph"
)

// precheck rejects contradictory flags and malformed seeds before anything is
// opened or fetched, so a typo never waits for a node (or is hidden by one that
// is down) and a flag that would be ignored is not ignored silently.
func (o *TraceOptions) precheck() error {
	if o.NoCache && o.CacheDir != "" {
		return badInput("--no-cache and --cache %s exclude each other: keep one (--no-cache: neither read nor write a cache)", o.CacheDir)
	}
	if o.ToBlock != 0 && o.FromBlock > o.ToBlock {
		return badInput("--from-block %d is after --to-block %d: want from ≤ to", o.FromBlock, o.ToBlock)
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
	chain := o.Chain
	if chain == "" {
		chain = "eth"
	}
	if len(chains.Names()) == 0 {
		return nil // openSource explains
	}
	return chains.Precheck(o.chainConfig(chain), o.Seeds)
}

// zeroSeedError explains a trace whose seeds carried nothing: every asset's
// seed amount is zero (a 0-value transaction such as an approval or an
// address-poisoning transfer, or an address that received nothing in the
// window). There is nothing to follow, which is an input problem, not an empty
// success.
func zeroSeedError(res *graph.Result, fromBlock uint64) error {
	for _, t := range res.Totals {
		if t != nil && t.Seed != nil && t.Seed.Sign() != 0 {
			return nil
		}
	}
	var txs, addrs []string
	for _, s := range res.Seeds {
		h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		if len(h) == 64 || strings.Contains(s, ":") {
			txs = append(txs, s)
		} else {
			addrs = append(addrs, s)
		}
	}
	switch {
	case len(addrs) == 0:
		return badInput("seed %s moved no value (0 of the native coin, no token or internal transfers): nothing to trace; pass the transaction that moved the funds, or the receiving address with --from-block",
			strings.Join(txs, ", "))
	default:
		return badInput("seed %s holds nothing to trace from block %d (no balance and no incoming transfers in the window): check the address, or give an earlier --from-block",
			strings.Join(res.Seeds, ", "), fromBlock)
	}
}
