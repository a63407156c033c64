package trace

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
)

// THORChain-style memos (thornode docs "Transaction Memos"; CROSSCHAIN.md):
//
//	SWAP:ASSET:DEST[/REFUND]:LIMIT[/INTERVAL/QUANTITY]:AFFILIATE:FEE   (also "=:" and "s:")
//	OUT:<inbound hash>    REFUND:<inbound hash>
//
// ASSET is CHAIN.SYMBOL[-CONTRACT] or one of the single-letter short forms.
// THORChain writes inbound hashes in upper-case hex without 0x; any case, with
// or without 0x, is accepted here.

// Memo operations.
const (
	MemoSwap   = "swap"
	MemoOut    = "out"
	MemoRefund = "refund"
	MemoOther  = "other" // add/withdraw liquidity, bond, consolidate, migrate, …: no crossing
)

// Memo is a parsed memo.
type Memo struct {
	Op     string
	Chain  string // swap: the destination chain code ("BTC", "ETH"), upper-case
	Asset  string // swap: the destination asset as written, short forms expanded ("BTC.BTC")
	Dest   string // swap: destination address ("" when the memo leaves it out: it is the sender)
	Refund string // swap: refund address after '/', when given
	Limit  string // swap: the limit field as written
	InHash string // out/refund: the inbound hash, lower-case hex without 0x
	Raw    string
}

// shortAssets are the single-letter asset forms THORChain accepts in memos.
var shortAssets = map[string]string{
	"a": "AVAX.AVAX", "b": "BTC.BTC", "c": "BCH.BCH", "n": "BNB.BNB", "s": "BSC.BNB",
	"d": "DOGE.DOGE", "e": "ETH.ETH", "g": "GAIA.ATOM", "l": "LTC.LTC", "r": "THOR.RUNE",
	"f": "BASE.ETH",
}

// ParseMemo parses a THORChain-style memo. A memo that is not a swap, outbound or
// refund parses with Op MemoOther; a swap or outbound memo that is malformed is
// an error (wrapping ErrBadInput) saying which field is wrong.
func ParseMemo(s string) (Memo, error) {
	m := Memo{Raw: s}
	in := strings.TrimSpace(strings.TrimRight(s, "\x00"))
	if in == "" {
		return m, fmt.Errorf("%w: empty memo", ErrBadInput)
	}
	parts := strings.Split(in, ":")
	switch op := strings.ToLower(parts[0]); op {
	case "swap", "=", "s":
		m.Op = MemoSwap
		if len(parts) < 2 || parts[1] == "" {
			return m, fmt.Errorf("%w: swap memo %q names no asset", ErrBadInput, s)
		}
		asset := parts[1]
		if full, ok := shortAssets[strings.ToLower(asset)]; ok {
			asset = full
		}
		sep := strings.IndexAny(asset, "./~")
		if sep <= 0 || sep == len(asset)-1 {
			return m, fmt.Errorf("%w: swap memo %q: asset %q is not CHAIN.SYMBOL", ErrBadInput, s, parts[1])
		}
		m.Chain = strings.ToUpper(asset[:sep])
		if asset[sep] != '.' {
			// Synthetic (BTC/BTC) and trade (BTC~BTC) assets stay on THORChain.
			m.Chain = "THOR"
		}
		m.Asset = strings.ToUpper(asset[:sep]) + asset[sep:]
		if len(parts) > 2 {
			d := parts[2]
			if i := strings.IndexByte(d, '/'); i >= 0 {
				d, m.Refund = d[:i], d[i+1:]
			}
			m.Dest = d
		}
		if len(parts) > 3 {
			m.Limit = parts[3]
		}
	case "out", "refund":
		m.Op = MemoOut
		if op == "refund" {
			m.Op = MemoRefund
		}
		if len(parts) != 2 {
			return m, fmt.Errorf("%w: %s memo %q: want %s:<inbound tx hash>", ErrBadInput, strings.ToUpper(op), s, strings.ToUpper(op))
		}
		h, err := normHash(parts[1])
		if err != nil {
			return m, fmt.Errorf("%w: %s memo %q: %w", ErrBadInput, strings.ToUpper(op), s, err)
		}
		m.InHash = h
	default:
		m.Op = MemoOther
	}
	return m, nil
}

// normHash returns a 32-byte hash as lower-case hex without 0x.
func normHash(s string) (string, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(h) != 64 {
		return "", fmt.Errorf("hash %q: want 64 hex digits", s)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("hash %q is not hex", s)
	}
	return strings.ToLower(h), nil
}

// SameHash reports whether two transaction hashes are the same, whatever their
// case and 0x prefix.
func SameHash(a, b string) bool {
	x, err1 := normHash(a)
	y, err2 := normHash(b)
	return err1 == nil && err2 == nil && x == y
}

// memoChainNames maps THORChain chain codes to --chain names. Codes without an
// adapter map to a readable name only (the crossing then ends as a bridge
// endpoint naming it).
var memoChainNames = map[string]string{
	"BTC": "btc", "ETH": "eth", "BSC": "bsc", "AVAX": "avalanche", "BASE": "base",
	"ARB": "arbitrum", "LTC": "litecoin", "BCH": "bitcoin-cash", "DOGE": "dogecoin",
	"GAIA": "cosmoshub", "THOR": "thorchain", "BNB": "bnb-beacon-chain", "XRP": "xrp",
	"TRON": "tron", "SOL": "solana",
}

// MemoChain resolves a memo chain code to the chain name a trace uses: an
// override (--memo-chain CODE=CHAIN) first; then the built-in name, when that
// chain is traced; otherwise the one traced chain of the code's kind (a Bitcoin
// network for BTC, an EVM chain whose coin is the code's for ETH and the other
// EVM codes), so regtest and dev chains resolve without configuration. With no
// traced chain of that kind it returns the built-in name (the crossing is then
// unlinked); with several it returns an error naming them.
func MemoChain(code string, traced []ChainInfo, overrides map[string]string) (string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if n, ok := overrides[code]; ok {
		return chainid.Canonical(n), nil
	}
	name, known := memoChainNames[code]
	if !known {
		name = strings.ToLower(code)
	}
	for _, c := range traced {
		if c.Name == name {
			return name, nil
		}
	}
	var cands []string
	for _, c := range traced {
		switch {
		case code == "BTC" && chainid.IsBitcoin(c.Name):
			cands = append(cands, c.Name)
		case c.Family == graph.FamilyAccount && c.ChainID != 0:
			if want, ok := chainid.Lookup(name); ok && want.ChainID != 0 {
				if cc, ok := chainid.ByChainID(c.ChainID); ok && cc.Name == name {
					cands = append(cands, c.Name)
				} else if c.ChainID != want.ChainID && devNet(c) && strings.EqualFold(c.Native.Symbol, want.Symbol) {
					cands = append(cands, c.Name)
				}
			}
		}
	}
	sort.Strings(cands)
	switch len(cands) {
	case 0:
		return name, nil
	case 1:
		return cands[0], nil
	}
	return "", fmt.Errorf("%w: memo chain %s could be any of %s: say which with --memo-chain %s=CHAIN", ErrBadInput, code, strings.Join(cands, ", "), code)
}

// devNet reports whether c is a local/test chain (no entry in the chain table).
func devNet(c ChainInfo) bool {
	if cc, ok := chainid.ByChainID(c.ChainID); ok {
		return cc.Dev
	}
	return true
}
