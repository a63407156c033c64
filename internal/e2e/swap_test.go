package e2e

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/internal/testnode/uniswap"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/trace"
)

// haircut/FIFO/poison ledger of one holder and asset, as ../shared/TRACING.md
// defines them: the test's own arithmetic for the expected taint.
type modelLedger struct {
	policy     trace.Policy
	bal, taint *big.Int
	lots       [][2]*big.Int // FIFO: amount, taint flag (1/0), oldest first
	poisoned   bool
}

func newModel(p trace.Policy, clean *big.Int) *modelLedger {
	m := &modelLedger{policy: p, bal: new(big.Int), taint: new(big.Int)}
	m.credit(clean, new(big.Int))
	return m
}

func (m *modelLedger) credit(amt, taint *big.Int) {
	m.bal.Add(m.bal, amt)
	m.taint.Add(m.taint, taint)
	if taint.Sign() > 0 {
		m.poisoned = true
	}
	if m.policy == trace.Poison && m.poisoned {
		m.taint.Set(m.bal)
	}
	for _, part := range [][2]*big.Int{{taint, big.NewInt(1)}, {new(big.Int).Sub(amt, taint), big.NewInt(0)}} {
		if part[0].Sign() > 0 {
			m.lots = append(m.lots, [2]*big.Int{new(big.Int).Set(part[0]), part[1]})
		}
	}
}

func (m *modelLedger) debit(amt *big.Int) *big.Int {
	t := new(big.Int)
	switch m.policy {
	case trace.Haircut:
		t.Mul(m.taint, amt).Quo(t, m.bal)
	case trace.Poison:
		if m.poisoned {
			t.Set(amt)
		}
	case trace.FIFO:
		need := new(big.Int).Set(amt)
		for need.Sign() > 0 && len(m.lots) > 0 {
			take := new(big.Int).Set(need)
			if take.Cmp(m.lots[0][0]) > 0 {
				take.Set(m.lots[0][0])
			}
			if m.lots[0][1].Sign() > 0 {
				t.Add(t, take)
			}
			m.lots[0][0].Sub(m.lots[0][0], take)
			need.Sub(need, take)
			if m.lots[0][0].Sign() == 0 {
				m.lots = m.lots[1:]
			}
		}
	}
	m.bal.Sub(m.bal, amt)
	if m.policy == trace.Poison {
		if m.poisoned {
			m.taint.Set(m.bal)
		}
	} else {
		m.taint.Sub(m.taint, t)
	}
	return t
}

func mulDiv(a, b, c *big.Int) *big.Int { return new(big.Int).Quo(new(big.Int).Mul(a, b), c) }

// TestUniswapV2Swaps: a theft of token X traced through real Uniswap V2 swaps
// on geth — X → ETH (router unwraps WETH), X → Y paid to another recipient,
// X → WETH → Y (multi-hop), and ETH → exact Y with a refund (a partial fill) —
// under haircut, FIFO and poison. Every expected taint is computed here from the
// amounts the router quotes before each swap and the fees of the receipts.
func TestUniswapV2Swaps(t *testing.T) {
	n := geth.Start(t)
	u := uniswap.DeployV2(t, n)
	lp, victim, thief, rcpt := geth.NewAccount("uni-lp"), geth.NewAccount("uni-victim"), geth.NewAccount("uni-thief"), geth.NewAccount("uni-recipient")
	n.Fund(geth.Eth(1000, 1), lp)
	n.Fund(geth.Eth(1, 1), victim, thief)
	supply := geth.Eth(1_000_000, 1)
	x := u.Deploy(lp, u.TokenArt, "Token X", "XTK", uint8(18), supply)
	y := u.Deploy(lp, u.TokenArt, "Token Y", "YTK", uint8(6), supply)
	dl := big.NewInt(1 << 40)
	u.Send(lp, x, nil, u.TokenArt, "approve", u.Router, uniswap.MaxUint)
	u.Send(lp, y, nil, u.TokenArt, "approve", u.Router, uniswap.MaxUint)
	// Pools: X/WETH 1,000 X : 100 ETH; Y/WETH 50,000 Y : 100 ETH; X/Y 10,000 X : 30,000 Y.
	u.Send(lp, u.Router, geth.Eth(100, 1), u.RouterArt, "addLiquidityETH", x, geth.Eth(1_000, 1), big.NewInt(0), big.NewInt(0), lp.Address, dl)
	u.Send(lp, u.Router, geth.Eth(100, 1), u.RouterArt, "addLiquidityETH", y, big.NewInt(50_000_000_000), big.NewInt(0), big.NewInt(0), lp.Address, dl)
	u.Send(lp, u.Router, nil, u.RouterArt, "addLiquidity", x, y, geth.Eth(10_000, 1), big.NewInt(30_000_000_000), big.NewInt(0), big.NewInt(0), lp.Address, dl)

	// Clean X at the thief before the theft; the victim's X is what is stolen.
	u.Send(lp, x, nil, u.TokenArt, "transfer", thief.Address, geth.Eth(50, 1))
	u.Send(lp, x, nil, u.TokenArt, "transfer", victim.Address, geth.Eth(300, 1))
	theft := u.Send(victim, x, nil, u.TokenArt, "transfer", thief.Address, geth.Eth(300, 1))
	approve := u.Send(thief, x, nil, u.TokenArt, "approve", u.Router, uniswap.MaxUint)

	in1 := geth.Eth(100, 1)
	e1 := u.Amounts("getAmountsOut", in1, x, u.WETH)[1]
	s1 := u.Send(thief, u.Router, nil, u.RouterArt, "swapExactTokensForETH", in1, big.NewInt(0), []common.Address{x, u.WETH}, thief.Address, dl)
	in2 := geth.Eth(80, 1)
	y2 := u.Amounts("getAmountsOut", in2, x, y)[1]
	s2 := u.Send(thief, u.Router, nil, u.RouterArt, "swapExactTokensForTokens", in2, big.NewInt(0), []common.Address{x, y}, rcpt.Address, dl)
	in3 := geth.Eth(60, 1)
	am3 := u.Amounts("getAmountsOut", in3, x, u.WETH, y)
	y3 := am3[2]
	s3 := u.Send(thief, u.Router, nil, u.RouterArt, "swapExactTokensForTokens", in3, big.NewInt(0), []common.Address{x, u.WETH, y}, thief.Address, dl)
	y4 := big.NewInt(1_000_000_000) // 1,000 Y exactly
	a4 := u.Amounts("getAmountsIn", y4, u.WETH, y)[0]
	v4 := new(big.Int).Add(a4, geth.Eth(1, 2)) // 0.5 ETH too much: refunded
	s4 := u.Send(thief, u.Router, v4, u.RouterArt, "swapETHForExactTokens", y4, []common.Address{u.WETH, y}, thief.Address, dl)
	if got := n.TokenBalance(y, rcpt.Address); got.Cmp(y2) != 0 {
		t.Fatalf("recipient got %s Y, router quoted %s", got, y2)
	}

	ctx := context.Background()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: n.URL(), History: evm.HistoryRPC, WETH: []string{u.WETH.Hex()},
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })

	for _, p := range []trace.Policy{trace.Haircut, trace.FIFO, trace.Poison} {
		t.Run(string(p), func(t *testing.T) {
			// The thief's ledgers as the rule and the policy move them.
			xl := newModel(p, geth.Eth(50, 1))
			el := newModel(p, geth.Eth(1, 1))
			yl := newModel(p, new(big.Int))
			xl.credit(geth.Eth(300, 1), geth.Eth(300, 1))
			el.debit(n.Fee(approve))
			// swap 1: X → ETH back to the thief.
			el.debit(n.Fee(s1))
			t1 := xl.debit(in1)
			te1 := mulDiv(e1, t1, in1)
			el.credit(e1, te1)
			// swap 2: X → Y paid to the recipient.
			el.debit(n.Fee(s2))
			t2 := xl.debit(in2)
			ty2 := mulDiv(y2, t2, in2)
			// swap 3: X → WETH → Y back to the thief.
			el.debit(n.Fee(s3))
			t3 := xl.debit(in3)
			ty3 := mulDiv(y3, t3, in3)
			yl.credit(y3, ty3)
			// swap 4: ETH → exactly y4 Y; v4 − a4 refunded stays ETH.
			el.debit(n.Fee(s4))
			t4 := el.debit(v4)
			refund := new(big.Int).Sub(v4, a4)
			back := mulDiv(t4, refund, v4)
			el.credit(refund, back)
			tNet4 := new(big.Int).Sub(t4, back)
			ty4 := mulDiv(y4, tNet4, a4)
			yl.credit(y4, ty4)

			res, err := trace.Run(ctx, a, []string{theft.Hex()}, trace.Options{Policy: p})
			if err != nil {
				t.Fatal(err)
			}
			X, Y := x.Hex(), y.Hex()
			want := []wantEP{
				{kind: "unspent", addr: thief.Hex(), asset: X, amount: xl.taint},
				{kind: "unspent", addr: thief.Hex(), asset: "ETH", amount: el.taint},
				{kind: "unspent", addr: thief.Hex(), asset: Y, amount: yl.taint},
				{kind: "unspent", addr: rcpt.Hex(), asset: Y, amount: ty2},
			}
			checkEndpoints(t, res, want)
			if len(res.Conversions) != 4 {
				t.Fatalf("conversions = %d, want 4: %+v", len(res.Conversions), res.Conversions)
			}
			cv := map[string]*graph.Conversion{}
			for _, c := range res.Conversions {
				cv[c.Tx] = c
			}
			check := func(name string, h common.Hash, from string, fromAmt, fromTaint *big.Int, to string, toAmt, toTaint *big.Int, venues int) {
				c := cv[h.Hex()]
				if c == nil {
					t.Errorf("%s: no conversion for %s", name, h.Hex())
					return
				}
				if c.FromAsset != from || c.FromAmount.Cmp(fromAmt) != 0 || c.FromTaint.Cmp(fromTaint) != 0 ||
					c.ToAsset != to || c.ToAmount.Cmp(toAmt) != 0 || c.ToTaint.Cmp(toTaint) != 0 || len(c.Venues) != venues {
					t.Errorf("%s: conversion %s %s (%s tainted) → %s %s (%s tainted) via %v; want %s %s (%s) → %s %s (%s) via %d venues",
						name, c.FromAmount, c.FromAsset, c.FromTaint, c.ToAmount, c.ToAsset, c.ToTaint, c.Venues,
						fromAmt, from, fromTaint, toAmt, to, toTaint, venues)
				}
			}
			// venues: X→ETH = pair, router, WETH (the router's unwrap); X→Y = pair;
			// X→WETH→Y = two pairs; ETH→Y = router, WETH, pair.
			check("X→ETH", s1, X, in1, t1, "ETH", e1, te1, 3)
			check("X→Y other recipient", s2, X, in2, t2, Y, y2, ty2, 1)
			check("X→WETH→Y", s3, X, in3, t3, Y, y3, ty3, 2)
			check("ETH→exact Y, refund", s4, "ETH", a4, tNet4, Y, y4, ty4, 3)
			if c := cv[s4.Hex()]; c != nil && (c.Refunded == nil || c.Refunded.Cmp(refund) != 0) {
				t.Errorf("refund = %v, want %s", c.Refunded, refund)
			}
			for _, e := range res.Endpoints {
				if e.Address != thief.Hex() && e.Address != rcpt.Hex() {
					t.Errorf("endpoint at a pool or router: %s %s %s", e.Kind, e.Address, e.Amount)
				}
			}
			balanced(t, res)
			if testing.Verbose() {
				var b strings.Builder
				_ = render.WriteText(&b, res, render.TextOptions{})
				t.Log("\n" + b.String())
			}
		})
	}

	t.Run("no-swaps", func(t *testing.T) {
		res, err := trace.Run(ctx, a, []string{theft.Hex()}, trace.Options{Policy: trace.Haircut, NoSwaps: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Conversions) != 0 {
			t.Errorf("conversions with NoSwaps: %d", len(res.Conversions))
		}
		for _, e := range res.Endpoints {
			if e.Asset == y.Hex() && e.Address == rcpt.Hex() {
				t.Errorf("the recipient's Y is tainted without the swap rule: %s", e.Amount)
			}
		}
	})
}

// balanced asserts seed + swapped/wrapped in = endpoints + fees + out (+ growth).
func balanced(t *testing.T, r *graph.Result) {
	t.Helper()
	for id, tot := range r.Totals {
		in, out := new(big.Int).Set(tot.Seed), new(big.Int).Set(tot.Fees)
		for _, v := range []*big.Int{tot.WrappedIn, tot.SwappedIn, tot.Growth} {
			if v != nil {
				in.Add(in, v)
			}
		}
		for _, v := range []*big.Int{tot.WrappedOut, tot.SwappedOut} {
			if v != nil {
				out.Add(out, v)
			}
		}
		for _, e := range r.Endpoints {
			if e.Asset == id {
				out.Add(out, e.Amount)
			}
		}
		if in.Cmp(out) != 0 {
			t.Errorf("%s %s: in %s != out %s", r.Policy, id, in, out)
		}
	}
	for _, w := range r.Warnings {
		if strings.Contains(w, "mismatch") || strings.Contains(w, "swap rule") {
			t.Errorf("warning: %s", w)
		}
	}
}

// TestUniswapV3Swaps: the same rule on Uniswap V3 — X → ETH (router multicall:
// swap to itself, unwrap WETH to the thief), X → Y paid to another recipient,
// X → WETH → Y (exactInput path) and ETH → exact Y with the excess refunded
// (refundETH). V3 pools pay out before they collect (callback), so the output
// precedes the input in the transaction; expected figures come from the
// balances the swaps left and the receipts' fees.
func TestUniswapV3Swaps(t *testing.T) {
	n := geth.Start(t)
	u := uniswap.DeployV2(t, n)
	v := uniswap.DeployV3(t, u)
	lp, victim, thief, rcpt := geth.NewAccount("v3-lp"), geth.NewAccount("v3-victim"), geth.NewAccount("v3-thief"), geth.NewAccount("v3-recipient")
	n.Fund(geth.Eth(5000, 1), lp)
	n.Fund(geth.Eth(1, 1), victim, thief)
	supply := geth.Eth(1_000_000, 1)
	x := u.Deploy(lp, u.TokenArt, "Token X", "XTK", uint8(18), supply)
	y := u.Deploy(lp, u.TokenArt, "Token Y", "YTK", uint8(18), supply)
	u.Send(lp, u.WETH, geth.Eth(2000, 1), u.WETHArt, "deposit")
	for _, tk := range []common.Address{x, y, u.WETH} {
		u.Send(lp, tk, nil, u.TokenArt, "approve", v.PositionManager, uniswap.MaxUint)
	}
	v.Pool(lp, x, u.WETH, geth.Eth(1000, 1))
	v.Pool(lp, u.WETH, y, geth.Eth(1000, 1))
	v.Pool(lp, x, y, geth.Eth(1000, 1))

	u.Send(lp, x, nil, u.TokenArt, "transfer", thief.Address, geth.Eth(50, 1))
	u.Send(lp, x, nil, u.TokenArt, "transfer", victim.Address, geth.Eth(300, 1))
	theft := u.Send(victim, x, nil, u.TokenArt, "transfer", thief.Address, geth.Eth(300, 1))
	approve := u.Send(thief, x, nil, u.TokenArt, "approve", v.Router3, uniswap.MaxUint)
	dl := big.NewInt(1 << 40)
	zero := big.NewInt(0)

	// 1: X → ETH: the pool pays WETH to the router, which unwraps it to the thief.
	in1 := geth.Eth(100, 1)
	swap1, _ := v.RouterArt3.Pack("exactInputSingle", uniswap.ExactInputSingle{TokenIn: x, TokenOut: u.WETH, Fee: big.NewInt(uniswap.V3Fee),
		Recipient: v.Router3, Deadline: dl, AmountIn: in1, AmountOutMinimum: zero, SqrtPriceLimitX96: zero})
	unwrap, _ := v.RouterArt3.Pack("unwrapWETH9", zero, thief.Address)
	before := n.Balance(thief.Address)
	s1 := u.Send(thief, v.Router3, nil, v.RouterArt3, "multicall", [][]byte{swap1, unwrap})
	e1 := new(big.Int).Sub(n.Balance(thief.Address), before)
	e1.Add(e1, n.Fee(s1))
	// 2: X → Y to another recipient.
	in2 := geth.Eth(80, 1)
	s2 := u.Send(thief, v.Router3, nil, v.RouterArt3, "exactInputSingle", uniswap.ExactInputSingle{TokenIn: x, TokenOut: y, Fee: big.NewInt(uniswap.V3Fee),
		Recipient: rcpt.Address, Deadline: dl, AmountIn: in2, AmountOutMinimum: zero, SqrtPriceLimitX96: zero})
	y2 := n.TokenBalance(y, rcpt.Address)
	// 3: X → WETH → Y back to the thief.
	in3 := geth.Eth(60, 1)
	s3 := u.Send(thief, v.Router3, nil, v.RouterArt3, "exactInput", uniswap.ExactInput{Path: uniswap.V3Path(x, u.WETH, y), Recipient: thief.Address,
		Deadline: dl, AmountIn: in3, AmountOutMinimum: zero})
	y3 := n.TokenBalance(y, thief.Address)
	// 4: ETH → exactly 2 Y, 1 ETH too much sent and refunded.
	y4 := geth.Eth(2, 1)
	v4 := geth.Eth(3, 1)
	out4, _ := v.RouterArt3.Pack("exactOutputSingle", uniswap.ExactOutputSingle{TokenIn: u.WETH, TokenOut: y, Fee: big.NewInt(uniswap.V3Fee),
		Recipient: thief.Address, Deadline: dl, AmountOut: y4, AmountInMaximum: v4, SqrtPriceLimitX96: zero})
	refundCall, _ := v.RouterArt3.Pack("refundETH")
	before = n.Balance(thief.Address)
	s4 := u.Send(thief, v.Router3, v4, v.RouterArt3, "multicall", [][]byte{out4, refundCall})
	a4 := new(big.Int).Sub(before, n.Balance(thief.Address))
	a4.Sub(a4, n.Fee(s4))
	if got := new(big.Int).Sub(n.TokenBalance(y, thief.Address), y3); got.Cmp(y4) != 0 {
		t.Fatalf("exact output swap paid %s Y, want %s", got, y4)
	}

	ctx := context.Background()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: n.URL(), History: evm.HistoryRPC, WETH: []string{u.WETH.Hex()},
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })

	for _, p := range []trace.Policy{trace.Haircut, trace.FIFO, trace.Poison} {
		t.Run(string(p), func(t *testing.T) {
			xl := newModel(p, geth.Eth(50, 1))
			el := newModel(p, geth.Eth(1, 1))
			yl := newModel(p, new(big.Int))
			xl.credit(geth.Eth(300, 1), geth.Eth(300, 1))
			el.debit(n.Fee(approve))
			el.debit(n.Fee(s1))
			t1 := xl.debit(in1)
			te1 := mulDiv(e1, t1, in1)
			el.credit(e1, te1)
			el.debit(n.Fee(s2))
			t2 := xl.debit(in2)
			ty2 := mulDiv(y2, t2, in2)
			el.debit(n.Fee(s3))
			t3 := xl.debit(in3)
			ty3 := mulDiv(y3, t3, in3)
			yl.credit(y3, ty3)
			el.debit(n.Fee(s4))
			t4 := el.debit(v4)
			refund := new(big.Int).Sub(v4, a4)
			back := mulDiv(t4, refund, v4)
			el.credit(refund, back)
			tNet4 := new(big.Int).Sub(t4, back)
			ty4 := mulDiv(y4, tNet4, a4)
			yl.credit(y4, ty4)

			res, err := trace.Run(ctx, a, []string{theft.Hex()}, trace.Options{Policy: p})
			if err != nil {
				t.Fatal(err)
			}
			X, Y := x.Hex(), y.Hex()
			checkEndpoints(t, res, []wantEP{
				{kind: "unspent", addr: thief.Hex(), asset: X, amount: xl.taint},
				{kind: "unspent", addr: thief.Hex(), asset: "ETH", amount: el.taint},
				{kind: "unspent", addr: thief.Hex(), asset: Y, amount: yl.taint},
				{kind: "unspent", addr: rcpt.Hex(), asset: Y, amount: ty2},
			})
			if len(res.Conversions) != 4 {
				t.Fatalf("conversions = %d, want 4: %+v", len(res.Conversions), res.Conversions)
			}
			cv := map[string]*graph.Conversion{}
			for _, c := range res.Conversions {
				cv[c.Tx] = c
			}
			for _, c := range []struct {
				name        string
				h           common.Hash
				from        string
				fromAmt, fT *big.Int
				to          string
				toAmt, toT  *big.Int
			}{
				{"X→ETH", s1, X, in1, t1, "ETH", e1, te1},
				{"X→Y other recipient", s2, X, in2, t2, Y, y2, ty2},
				{"X→WETH→Y", s3, X, in3, t3, Y, y3, ty3},
				{"ETH→exact Y, refund", s4, "ETH", a4, tNet4, Y, y4, ty4},
			} {
				got := cv[c.h.Hex()]
				if got == nil || got.FromAsset != c.from || got.FromAmount.Cmp(c.fromAmt) != 0 || got.FromTaint.Cmp(c.fT) != 0 ||
					got.ToAsset != c.to || got.ToAmount.Cmp(c.toAmt) != 0 || got.ToTaint.Cmp(c.toT) != 0 {
					t.Errorf("%s: conversion %+v; want %s %s (%s) → %s %s (%s)", c.name, got, c.fromAmt, c.from, c.fT, c.toAmt, c.to, c.toT)
				}
			}
			for _, e := range res.Endpoints {
				if e.Address != thief.Hex() && e.Address != rcpt.Hex() {
					t.Errorf("endpoint at a pool or router: %s %s %s", e.Kind, e.Address, e.Amount)
				}
			}
			balanced(t, res)
		})
	}
}
