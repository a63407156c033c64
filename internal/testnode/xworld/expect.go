package xworld

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
)

// Expectation is what a haircut trace of the scenario from TheftTx (with
// every crossing followed, hops ≥ 12, the deposit rule on) must conclude. It
// is worked out here by hand from the scenario's amounts and the nodes'
// receipts, never from chaintrace: tests compare chaintrace against it.
type Expectation struct {
	Endpoints []WantEndpoint
	Crossings []WantCrossing
	Totals    map[string]WantTotals // by chain name
	// Decoys are addresses and tx hashes (lower case, no 0x) that must not
	// appear anywhere in the trace's output.
	Decoys []string
}

// WantEndpoint is one endpoint. Outpoint is set on Bitcoin; Address is the
// holder (on Bitcoin, the output's address).
type WantEndpoint struct {
	Chain, Kind, Address, Outpoint, Asset string
	Amount                                *big.Int
	// OnPath are transactions the endpoint's path must contain, in order.
	OnPath []string
	// Inflows are transactions that must be among the endpoint's inflows.
	Inflows []string
	// Bridge endpoints of an unlinked crossing: what the memo names.
	DestChain, DestAddress string
}

// WantCrossing is one crossing with both its transactions.
type WantCrossing struct {
	Rule, Status, FromChain, ToChain string
	InTx, OutTx                      string // OutTx "" when not followed
	InAmount, OutAmount              *big.Int
	DestAddress                      string // as decoded (compare case-insensitively); "" not checked
}

// WantTotals are one chain's totals in its native asset.
type WantTotals struct {
	Asset                             string
	Seed, Fees, CrossedIn, CrossedOut *big.Int
}

// Crossing rule and status names (chaintrace's, see trace/crossing.go).
const (
	RuleMemo        = "thorchain-memo"
	RuleLockTxHash  = "lock-mint-txhash"
	RuleSameAddress = "same-address"
	StatusFollowed  = "followed"
	StatusRefund    = "refund"
	StatusUnlinked  = "unlinked"
)

// conv is the crossing rule's conversion: the taint that arrives is
// ⌊out × taint_in / amount_in⌋.
func conv(out, taintIn, amountIn *big.Int) *big.Int {
	v := new(big.Int).Mul(out, taintIn)
	return v.Quo(v, amountIn)
}

func sub(a *big.Int, bs ...*big.Int) *big.Int {
	r := new(big.Int).Set(a)
	for _, b := range bs {
		r.Sub(r, b)
	}
	return r
}

func add(a *big.Int, bs ...*big.Int) *big.Int {
	r := new(big.Int).Set(a)
	for _, b := range bs {
		r.Add(r, b)
	}
	return r
}

func sat(v int64) *big.Int { return big.NewInt(v) }

// Expect works out the trace's conclusions. Every tainted holder holds only
// stolen coin, so each crossing carries all it receives (taint_in = amount_in).
func (s *Scenario) Expect() Expectation {
	w := s.W
	a, b := w.A, w.B
	fan := FanAmounts
	swapOut := conv(sat(SwapOutSat), SwapInAmount, SwapInAmount)
	refund := conv(RefundAmount, RefundInAmount, RefundInAmount)
	back := conv(BTCSwapOutETH, sat(BTCSwapInSat), sat(BTCSwapInSat))
	lockIn := conv(LockPayout, LockAmount, LockAmount)
	sameIn := conv(SamePayout, SameAmount, SameAmount)
	op := func(tx fmt.Stringer, i int) string { return fmt.Sprintf("%s:%d", tx, i) }
	peel := func(i int) string { return s.Peel[i].TxHash().String() }

	// Gas paid by tainted senders before their taint reached an endpoint or a
	// crossing (an exchange deposit's sweep is past its endpoint).
	feesA := Fees(a, append(append([]common.Hash{}, s.Fan...), s.SwapIn, s.LockOut, s.SameOut, s.NoLinkIn, s.RefundIn, s.ToDepA)...)
	feesB := b.Fee(s.ToDepB)
	feesBTC := sat(4 * PeelFee)

	e := Expectation{}
	e.Endpoints = []WantEndpoint{
		{Chain: ChainA, Kind: "unspent", Address: s.Hacker.Hex(), Asset: "ETH",
			Amount: sub(TheftAmount, append(append([]*big.Int{}, fan...), Fees(a, s.Fan...))...)},
		{Chain: ChainA, Kind: "unspent", Address: s.H1.Hex(), Asset: "ETH", Amount: sub(fan[0], SwapInAmount, a.Fee(s.SwapIn))},
		{Chain: ChainA, Kind: "unspent", Address: s.H2.Hex(), Asset: "ETH", Amount: sub(fan[1], LockAmount, a.Fee(s.LockOut))},
		{Chain: ChainA, Kind: "unspent", Address: s.H3.Hex(), Asset: "ETH", Amount: sub(fan[2], SameAmount, a.Fee(s.SameOut))},
		{Chain: ChainA, Kind: "unspent", Address: s.H4.Hex(), Asset: "ETH", Amount: sub(fan[3], NoLinkAmount, a.Fee(s.NoLinkIn))},
		{Chain: ChainA, Kind: "unspent", Address: s.H5.Hex(), Asset: "ETH", Amount: add(sub(fan[4], RefundInAmount, a.Fee(s.RefundIn)), refund),
			Inflows: []string{s.Fan[4].Hex(), s.Refund.Hex()}},
		{Chain: ChainA, Kind: "unspent", Address: s.H6.Hex(), Asset: "ETH", Amount: sub(back, ToDepAAmount, a.Fee(s.ToDepA))},
		{Chain: ChainA, Kind: "exchange-deposit", Address: s.DepA.Hex(), Asset: "ETH", Amount: ToDepAAmount,
			OnPath: []string{s.TheftTx.Hex(), s.Fan[0].Hex(), s.SwapIn.Hex(), s.SwapOut.TxHash().String(), peel(0),
				s.BTCSwapIn.TxHash().String(), s.BTCSwapOut.Hex(), s.ToDepA.Hex()}},
		{Chain: ChainA, Kind: "bridge", Address: w.Router.Hex(), Asset: "ETH", Amount: NoLinkAmount,
			DestChain: ChainNoLink, DestAddress: s.H4.Hex(), Inflows: []string{s.NoLinkIn.Hex()}},
		{Chain: ChainBTC, Kind: "unspent", Address: s.Pay1.Address, Outpoint: op(s.Peel[0].TxHash(), 0), Asset: "BTC", Amount: sat(Pay1Sat)},
		{Chain: ChainBTC, Kind: "unspent", Address: s.Pay4.Address, Outpoint: op(s.Peel[3].TxHash(), 0), Asset: "BTC", Amount: sat(Pay4Sat)},
		{Chain: ChainBTC, Kind: "unspent", Address: s.Thief[4].Address, Outpoint: op(s.Peel[3].TxHash(), 1), Asset: "BTC",
			Amount: sub(swapOut, sat(Pay1Sat), sat(BTCSwapInSat), sat(DepSat), sat(Pay4Sat), feesBTC)},
		{Chain: ChainBTC, Kind: "exchange-deposit", Address: s.Dep.Address, Outpoint: op(s.Peel[2].TxHash(), 0), Asset: "BTC", Amount: sat(DepSat),
			OnPath: []string{s.TheftTx.Hex(), s.SwapIn.Hex(), s.SwapOut.TxHash().String(), peel(0), peel(1), peel(2)}},
		{Chain: ChainB, Kind: "unspent", Address: s.H2B.Hex(), Asset: "ETH", Amount: sub(lockIn, ToDepBAmount, b.Fee(s.ToDepB))},
		{Chain: ChainB, Kind: "exchange-deposit", Address: s.DepB.Hex(), Asset: "ETH", Amount: ToDepBAmount,
			OnPath: []string{s.TheftTx.Hex(), s.Fan[1].Hex(), s.LockOut.Hex(), s.LockIn.Hex(), s.ToDepB.Hex()}},
		{Chain: ChainB, Kind: "unspent", Address: s.H3.Hex(), Asset: "ETH", Amount: sameIn,
			OnPath: []string{s.TheftTx.Hex(), s.Fan[2].Hex(), s.SameOut.Hex(), s.SameIn.Hex()}},
	}
	e.Crossings = []WantCrossing{
		{RuleMemo, StatusFollowed, ChainA, ChainBTC, s.SwapIn.Hex(), s.SwapOut.TxHash().String(), SwapInAmount, swapOut, s.Thief[0].Address},
		{RuleMemo, StatusRefund, ChainA, ChainA, s.RefundIn.Hex(), s.Refund.Hex(), RefundInAmount, refund, ""},
		{RuleMemo, StatusFollowed, ChainBTC, ChainA, s.BTCSwapIn.TxHash().String(), s.BTCSwapOut.Hex(), sat(BTCSwapInSat), back, s.H6.Hex()},
		{RuleLockTxHash, StatusFollowed, ChainA, ChainB, s.LockOut.Hex(), s.LockIn.Hex(), LockAmount, lockIn, s.H2B.Hex()},
		{RuleSameAddress, StatusFollowed, ChainA, ChainB, s.SameOut.Hex(), s.SameIn.Hex(), SameAmount, sameIn, s.H3.Hex()},
		{RuleMemo, StatusUnlinked, ChainA, ChainNoLink, s.NoLinkIn.Hex(), "", NoLinkAmount, nil, s.H4.Hex()},
	}
	e.Totals = map[string]WantTotals{
		ChainA: {Asset: "ETH", Seed: TheftAmount, Fees: feesA, CrossedIn: add(back, refund),
			CrossedOut: add(SwapInAmount, LockAmount, SameAmount, RefundInAmount)},
		ChainBTC: {Asset: "BTC", Seed: new(big.Int), Fees: feesBTC, CrossedIn: swapOut, CrossedOut: sat(BTCSwapInSat)},
		ChainB:   {Asset: "ETH", Seed: new(big.Int), Fees: feesB, CrossedIn: add(lockIn, sameIn), CrossedOut: new(big.Int)},
	}
	for _, d := range []string{s.Decoy.Address, s.Inn2B.Hex(), s.Innocent3.Hex(), s.Inn4.Hex(), s.Clean.Hex(), s.Innocent2.Hex(),
		s.DecoySwapIn.Hex(), s.DecoySwapOut.TxHash().String(), s.DecoyLockOut.Hex(), s.DecoyLockIn.Hex(),
		s.DecoySameOut.Hex(), s.DecoySameIn.Hex(), s.DecoyBTCSwapIn.TxHash().String(), s.DecoyBTCSwapOut.Hex()} {
		e.Decoys = append(e.Decoys, strings.ToLower(strings.TrimPrefix(d, "0x")))
	}
	return e
}
