package main

import (
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

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
