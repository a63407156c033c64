package trace

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// seedSpec is one parsed seed.
type seedSpec struct {
	raw      string
	tx       string          // a transaction hash (account: the theft tx; UTXO: all its outputs)
	outpoint *graph.Outpoint // UTXO: one output
	address  string          // an address from Options.FromBlock on
	credit   *creditSeed     // a crossing's payout on this chain (crossing.go)
}

// parseSeed recognises a transaction hash (64 hex digits, 0x-prefixed on account
// chains), a "txid:vout" outpoint on UTXO chains, or an address the source accepts.
func parseSeed(src Source, s string) (seedSpec, error) {
	return parseSeedFor(src.Info(), src.NormalizeAddress, s)
}

// CheckSeed checks one seed's syntax for a chain without a source, so that a
// malformed seed is reported before any connection is made: info needs only
// Name and Family, normalize is the chain's offline address check. The error
// wraps ErrBadInput and names the seed and what is expected.
func CheckSeed(info ChainInfo, normalize func(string) (string, error), s string) error {
	_, err := parseSeedFor(info, normalize, s)
	return err
}

func parseSeedFor(info ChainInfo, normalize func(string) (string, error), s string) (seedSpec, error) {
	sp := seedSpec{raw: s}
	in := strings.TrimSpace(s)
	if info.Family == graph.FamilyUTXO && strings.Contains(in, ":") {
		op, err := graph.ParseOutpoint(in)
		if err != nil || !isHex(op.TxID, 64) {
			return sp, fmt.Errorf("%w: seed %q: want txid:vout with a 64-hex-digit txid", ErrBadInput, s)
		}
		sp.outpoint = &op
		return sp, nil
	}
	h := strings.TrimPrefix(strings.TrimPrefix(in, "0x"), "0X")
	if isHex(h, 64) {
		if info.Family == graph.FamilyAccount {
			sp.tx = "0x" + strings.ToLower(h)
		} else {
			sp.tx = strings.ToLower(h)
		}
		return sp, nil
	}
	addr, err := normalize(in)
	if err != nil {
		why := strings.TrimPrefix(err.Error(), ErrBadInput.Error()+": ") // said once, by the outer error
		return sp, fmt.Errorf("%w: seed %q is neither a transaction hash%s nor a valid %s address: %s", ErrBadInput, s,
			map[bool]string{true: ", an outpoint txid:vout", false: ""}[info.Family == graph.FamilyUTXO], info.Name, why)
	}
	sp.address = addr
	return sp, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
