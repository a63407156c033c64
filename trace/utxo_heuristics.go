package trace

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// UTXO heuristics. Both are pure functions of one transaction: the tracer calls
// them per transaction and never needs another request. Rules that need an
// address's history (the one-time change address of Androulaki et al. /
// Meiklejohn et al. 2013: an output address never seen before while the others
// were) are out of reach from a single transaction and are not applied.

// Change-detection reason names, reported on the edge of the change output.
const (
	ChangeAddressReuse = "change:address-reuse" // the output pays back to an input's address
	ChangeScriptType   = "change:script-type"   // only this output matches the inputs' script type
	ChangeRoundAmount  = "change:non-round"     // only this output's amount is not round
)

// RoundUnit is the granularity below which an amount is "not round": 100,000 sat
// (0.001 BTC). Payments are usually chosen by a person in BTC with few decimals;
// change is what is left over and rarely lands on such a multiple. (Payments
// fixed in fiat are not round in BTC: then the rule simply does not fire.)
var RoundUnit = big.NewInt(100_000)

// DetectChange finds the change output of tx, if the transaction itself shows
// it. It returns the output index, the names of the rules that point at it,
// and ok. Each rule proposes at most one output; a rule that cannot tell stays
// silent; when the rules that spoke disagree, there is no answer (ok false).
//
// Rules (each over the "candidate" outputs: spendable, with an address):
//   - address reuse: exactly one candidate pays to an address that also funds
//     an input (wallets without fresh change addresses).
//   - script type: all inputs share one script type and exactly one candidate
//     has it (a P2WPKH wallet paying a P2PKH merchant gets P2WPKH change).
//     P2PK inputs and outputs count as P2PKH (same address form).
//   - non-round amount: exactly one candidate is not a multiple of RoundUnit
//     and at least one other candidate is.
//
// Coinbase transactions, transactions with fewer than two candidates, and
// CoinJoin-shaped transactions (IsCoinJoin) have no detectable change.
func DetectChange(tx *graph.UTXOTx) (vout int, reasons []string, ok bool) {
	if tx == nil || tx.Coinbase || len(tx.Inputs) == 0 || IsCoinJoin(tx) {
		return -1, nil, false
	}
	var cand []int
	for j, o := range tx.Outputs {
		if o.OpReturn() || o.Address == "" || o.Value == nil || o.Value.Sign() <= 0 {
			continue
		}
		cand = append(cand, j)
	}
	if len(cand) < 2 {
		return -1, nil, false
	}
	type vote struct {
		rule string
		j    int
	}
	var votes []vote

	inAddr := map[string]bool{}
	for _, in := range tx.Inputs {
		if in.Address != "" {
			inAddr[in.Address] = true
		}
	}
	if j, one := only(cand, func(j int) bool { return inAddr[tx.Outputs[j].Address] }); one {
		votes = append(votes, vote{ChangeAddressReuse, j})
	}

	inType := ""
	same := true
	for _, in := range tx.Inputs {
		k := AddressKind(in.Address)
		if k == "" || (inType != "" && k != inType) {
			same = false
			break
		}
		inType = k
	}
	if same && inType != "" {
		if j, one := only(cand, func(j int) bool { return outKind(tx.Outputs[j]) == inType }); one {
			votes = append(votes, vote{ChangeScriptType, j})
		}
	}

	round := func(j int) bool { return new(big.Int).Mod(tx.Outputs[j].Value, RoundUnit).Sign() == 0 }
	if j, one := only(cand, func(j int) bool { return !round(j) }); one {
		votes = append(votes, vote{ChangeRoundAmount, j})
	}

	if len(votes) == 0 {
		return -1, nil, false
	}
	for _, v := range votes[1:] {
		if v.j != votes[0].j {
			return -1, nil, false
		}
	}
	for _, v := range votes {
		reasons = append(reasons, v.rule)
	}
	return votes[0].j, reasons, true
}

// only returns the single candidate satisfying f, if exactly one does and at
// least one does not (otherwise the rule cannot tell outputs apart).
func only(cand []int, f func(int) bool) (int, bool) {
	hit, n := -1, 0
	for _, j := range cand {
		if f(j) {
			hit, n = j, n+1
		}
	}
	return hit, n == 1 && len(cand) > 1
}

func outKind(o graph.TxOut) string {
	switch o.ScriptType {
	case "p2pk":
		return "p2pkh"
	case "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr":
		return o.ScriptType
	}
	return AddressKind(o.Address)
}

// AddressKind infers the script type from the spelling of a Bitcoin address
// (mainnet, testnet, signet, regtest): p2pkh, p2sh, p2wpkh, p2wsh, p2tr, or ""
// when it cannot tell. Inputs carry only the spent output's address, so this is
// how the script-type rule sees them. It does not validate checksums: the
// adapter already did.
func AddressKind(addr string) string {
	if addr == "" {
		return ""
	}
	low := strings.ToLower(addr)
	for _, hrp := range []string{"bc1", "tb1", "bcrt1", "sb1"} {
		if strings.HasPrefix(low, hrp) && len(low) > len(hrp)+7 {
			data := low[len(hrp):]
			switch data[0] {
			case 'q': // witness v0: 20-byte program → 32 chars, 32-byte → 52; plus version and 6 checksum
				switch len(data) {
				case 39:
					return "p2wpkh"
				case 59:
					return "p2wsh"
				}
			case 'p':
				if len(data) == 59 {
					return "p2tr"
				}
			}
			return ""
		}
	}
	switch addr[0] {
	case '1', 'm', 'n', 'S': // S: simnet P2PKH
		return "p2pkh"
	case '3', '2', 'r': // r: simnet P2SH
		return "p2sh"
	}
	return ""
}

// CoinJoin thresholds.
const (
	// CoinJoinMinEqual is the least number of outputs of one value that make a
	// CoinJoin: JoinMarket needs ≥ 3 participants to be worth it, Whirlpool
	// uses 5, Wasabi dozens. Two equal outputs are common in ordinary payments.
	CoinJoinMinEqual = 3
)

// IsCoinJoin reports whether tx has the shape of a CoinJoin: at least
// CoinJoinMinEqual spendable outputs of the same non-zero value, paid to that
// many distinct addresses, funded by at least as many inputs from at least two
// distinct addresses. The input conditions exclude a single wallet's batch
// payout of equal amounts (one or few inputs, one owner).
func IsCoinJoin(tx *graph.UTXOTx) bool {
	if tx == nil || tx.Coinbase || len(tx.Inputs) < CoinJoinMinEqual {
		return false
	}
	byValue := map[string]map[string]bool{} // value → distinct addresses
	best := 0
	for _, o := range tx.Outputs {
		if o.OpReturn() || o.Value == nil || o.Value.Sign() <= 0 {
			continue
		}
		k := o.Value.String()
		if byValue[k] == nil {
			byValue[k] = map[string]bool{}
		}
		a := o.Address
		if a == "" {
			a = "#" + strconv.Itoa(int(o.Index)) // no address: count each output apart
		}
		byValue[k][a] = true
		best = max(best, len(byValue[k]))
	}
	if best < CoinJoinMinEqual || len(tx.Inputs) < best {
		return false
	}
	owners := map[string]bool{}
	for _, in := range tx.Inputs {
		owners[in.Address] = true
	}
	return len(owners) >= 2
}
