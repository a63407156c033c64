package trace

import (
	"math/big"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// Swap rule tests on the in-memory source. Every expected figure is worked out
// in the comments from the amounts the scenario moves.

var (
	dai  = graph.Asset{ID: "0xDAI", Symbol: "DAI", Decimals: 18, Contract: "0xDAI"}
	wAst = graph.Asset{ID: "0xW", Symbol: "W", Decimals: 18, Contract: "0xW"}
	weth = graph.Asset{ID: "0xWETH", Symbol: "WETH", Decimals: 18, Contract: "0xWETH"}
)

func tok(a graph.Asset, from, to string, n int64) graph.Transfer {
	return graph.Transfer{From: from, To: to, Asset: a, Kind: graph.KindToken, Amount: big.NewInt(n)}
}

func internal(from, to string, n int64) graph.Transfer {
	return graph.Transfer{From: from, To: to, Asset: eth, Kind: graph.KindInternal, Amount: big.NewInt(n)}
}

// checkBalanced asserts seed + wrapped_in + swapped_in = Σ endpoints + fees +
// wrapped_out + swapped_out (+ growth under poison) for every asset.
func checkBalanced(t *testing.T, r *graph.Result) {
	t.Helper()
	for id, tot := range r.Totals {
		in := new(big.Int).Set(tot.Seed)
		out := new(big.Int).Set(tot.Fees)
		for _, v := range []*big.Int{tot.WrappedIn, tot.SwappedIn} {
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
		if tot.Growth != nil {
			in.Add(in, tot.Growth)
		}
		if in.Cmp(out) != 0 {
			t.Errorf("%s %s: seed+in %s != endpoints+fees+out %s", r.Policy, id, in, out)
		}
	}
	for _, w := range r.Warnings {
		t.Logf("warning: %s", w)
	}
}

// noEndpoints asserts no taint of asset ended anywhere (a route's middle asset).
func noEndpoints(t *testing.T, r *graph.Result, asset string) {
	t.Helper()
	for _, e := range r.Endpoints {
		if e.Asset == asset {
			t.Errorf("%s endpoint %s %s = %s, want none", asset, e.Kind, e.Address, e.Amount)
		}
	}
}

func swapped(r *graph.Result, asset string) (in, out int64) {
	tot := r.Totals[asset]
	if tot == nil {
		return -1, -1
	}
	if tot.SwappedIn != nil {
		in = tot.SwappedIn.Int64()
	}
	if tot.SwappedOut != nil {
		out = tot.SwappedOut.Int64()
	}
	return in, out
}

// directSwap: H holds 50 clean USDT and 10 clean ETH, receives 100 stolen USDT
// (block 10), swaps 120 USDT for 60 ETH at pool P (block 11; the pool's ETH
// payment comes first in the transaction, as internal calls precede logs), then
// pays 30 ETH to exchange X (block 12).
func directSwap() *memAccount {
	m := newMem()
	m.opening["H"] = 10
	m.opening["V"] = 0
	m.tx("0x"+hex64("clean"), 5, "Z", 0, tok(usdt, "Z", "H", 50))
	m.tx(hSeed, 10, "V", 0, tok(usdt, "V", "H", 100))
	m.tx("0x"+hex64("swap"), 11, "H", 1, internal("P", "H", 60), tok(usdt, "H", "P", 120))
	m.tx("0x"+hex64("pay"), 12, "H", 0, leg("X", 30))
	m.contract["P"] = true
	return m
}

func TestSwapDirect(t *testing.T) {
	lb := mapLabels{"X": {Name: "Exchange X", Category: CatExchange}, "P": {Name: "DEX pool", Category: CatDEX}}
	cases := []struct {
		p                 Policy
		usdt, eth         []want
		ethIn, usdtOut    int64
		convFrom, convTo  int64
		fees              int64
		ethGrowth, usGrow int64
	}{
		// haircut: USDT 150 (100 tainted); 120 out carry ⌊100·120/150⌋ = 80, 20
		// stay. ETH taint = ⌊60·80/120⌋ = 40. H's ETH: 10 clean − fee 1 (taint 0)
		// + 60 (40 tainted) = 69; pays 30 → ⌊40·30/69⌋ = 17 to X, 23 stay.
		{Haircut, []want{{"unspent", "H", 20}}, []want{{"exchange", "X", 17}, {"unspent", "H", 23}}, 40, 80, 80, 40, 0, 0, 0},
		// FIFO: USDT lots [clean 50][taint 100]; 120 = 50 clean + 70 taint; 30
		// taint stay. ETH taint = ⌊60·70/120⌋ = 35; ETH lots [clean 9][taint
		// 35][clean 25]: 30 to X = 9 clean + 21 taint; 14 stay.
		{FIFO, []want{{"unspent", "H", 30}}, []want{{"exchange", "X", 21}, {"unspent", "H", 14}}, 35, 70, 70, 35, 0, 0, 0},
		// poison: H is poisoned in USDT, so all 120 are tainted and so are all 60
		// ETH; H's ETH ledger is poisoned too: 30 to X, the other 39 of its 69
		// stay. ETH grows by 69 − 60 = 9, USDT by 150 − 100 = 50.
		{Poison, []want{{"unspent", "H", 30}}, []want{{"exchange", "X", 30}, {"unspent", "H", 39}}, 60, 120, 120, 60, 0, 9, 50},
		// LIFO: 120 = taint 100 + clean 20; ETH ⌊60·100/120⌋ = 50. ETH lots [clean
		// 9][taint 50][clean 10]: 30 to X = clean 10 + taint 20; 30 stay.
		{LIFO, nil, []want{{"exchange", "X", 20}, {"unspent", "H", 30}}, 50, 100, 100, 50, 0, 0, 0},
		// TIHO: the one USDT debit takes min(120, 100) = 100 → ETH 50; the fee
		// takes none (H's ETH was clean); 30 to X takes 30 of the 50; 20 stay.
		{TIHO, nil, []want{{"exchange", "X", 30}, {"unspent", "H", 20}}, 50, 100, 100, 50, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(string(c.p), func(t *testing.T) {
			r := run(t, directSwap(), c.p, []string{hSeed}, lb, nil)
			if c.usdt != nil {
				checkEndpoints(t, r, "0xUSDT", c.usdt, 0)
			} else {
				noEndpoints(t, r, "0xUSDT")
			}
			checkEndpoints(t, r, "ETH", c.eth, c.fees)
			checkBalanced(t, r)
			if in, _ := swapped(r, "ETH"); in != c.ethIn {
				t.Errorf("ETH swapped in = %d, want %d", in, c.ethIn)
			}
			if _, out := swapped(r, "0xUSDT"); out != c.usdtOut {
				t.Errorf("USDT swapped out = %d, want %d", out, c.usdtOut)
			}
			if len(r.Conversions) != 1 {
				t.Fatalf("conversions = %d, want 1", len(r.Conversions))
			}
			cv := r.Conversions[0]
			if cv.Tx != "0x"+hex64("swap") || cv.Holder != "H" || len(cv.Venues) != 1 || cv.Venues[0] != "P" ||
				cv.FromAsset != "0xUSDT" || cv.FromAmount.Int64() != 120 || cv.FromTaint.Int64() != c.convFrom ||
				cv.ToAsset != "ETH" || cv.ToAmount.Int64() != 60 || cv.ToTaint.Int64() != c.convTo ||
				len(cv.Outputs) != 1 || cv.Outputs[0].To != "H" || cv.Outputs[0].Taint.Int64() != c.convTo {
				t.Errorf("conversion = %+v", cv)
			}
			if g := r.Totals["ETH"].Growth; c.ethGrowth != 0 && (g == nil || g.Int64() != c.ethGrowth) {
				t.Errorf("ETH growth = %v, want %d", g, c.ethGrowth)
			}
			n, ok := r.Flow.Lookup("P")
			if !ok || n.Role != graph.RoleSwap {
				t.Errorf("pool node = %+v, want role swap", n)
			}
		})
	}
}

// --no-swaps: the pool keeps the USDT (a contract endpoint), and the ETH that
// came back is clean.
func TestSwapOff(t *testing.T) {
	r := run(t, directSwap(), Haircut, []string{hSeed}, nil, func(o *Options) { o.NoSwaps = true })
	checkEndpoints(t, r, "0xUSDT", []want{{"contract", "P", 80}, {"unspent", "H", 20}}, 0)
	if tot := r.Totals["ETH"]; tot != nil && len(r.Endpoints) != 2 {
		t.Errorf("ETH was tainted without the swap rule: %+v", r.Endpoints)
	}
	if len(r.Conversions) != 0 {
		t.Errorf("conversions = %d with NoSwaps", len(r.Conversions))
	}
	checkBalanced(t, r)
}

// routed: H (50 clean USDT) swaps its 100 stolen + 50 clean USDT... only 100 of
// them: through pool P1 (USDT → W) and pool P2 (W → DAI), and P2 pays two
// recipients named by the call, R1 30 DAI and R2 60 DAI. H itself gets nothing
// back, so the rule is found from P1 paying on in the same transaction.
func routed() *memAccount {
	m := newMem()
	m.tx("0x"+hex64("clean"), 5, "Z", 0, tok(usdt, "Z", "H", 50))
	m.tx(hSeed, 10, "V", 0, tok(usdt, "V", "H", 100))
	m.tx("0x"+hex64("route"), 11, "H", 0,
		tok(usdt, "H", "P1", 100), tok(wAst, "P1", "P2", 50), tok(dai, "P2", "R1", 30), tok(dai, "P2", "R2", 60))
	return m
}

func TestSwapMultiHopOtherRecipients(t *testing.T) {
	cases := []struct {
		p              Policy
		h, r1, r2, tin int64
	}{
		// haircut: 100 of 150 USDT carry ⌊100·100/150⌋ = 66; 34 stay at H. DAI
		// taint ⌊90·66/100⌋ = 59, split by amount: ⌊59·30/90⌋ = 19 and
		// ⌊59·60/90⌋ = 39, the remaining unit to the first output: R1 20, R2 39.
		{Haircut, 34, 20, 39, 66},
		// FIFO: 100 = 50 clean + 50 taint; 50 stay. DAI ⌊90·50/100⌋ = 45: 15, 30.
		{FIFO, 50, 15, 30, 50},
		// poison: all 100 tainted → all 90 DAI; H's other 50 USDT are poisoned.
		{Poison, 50, 30, 60, 100},
	}
	for _, c := range cases {
		t.Run(string(c.p), func(t *testing.T) {
			r := run(t, routed(), c.p, []string{hSeed}, nil, nil)
			checkEndpoints(t, r, "0xUSDT", []want{{"unspent", "H", c.h}}, 0)
			checkEndpoints(t, r, "0xDAI", []want{{"unspent", "R1", c.r1}, {"unspent", "R2", c.r2}}, 0)
			noEndpoints(t, r, "0xW")
			checkBalanced(t, r)
			if len(r.Conversions) != 1 {
				t.Fatalf("conversions = %+v", r.Conversions)
			}
			cv := r.Conversions[0]
			if len(cv.Venues) != 2 || cv.Venues[0] != "P1" || cv.Venues[1] != "P2" || cv.FromTaint.Int64() != c.tin ||
				cv.ToAmount.Int64() != 90 || cv.ToTaint.Int64() != c.r1+c.r2 || len(cv.Outputs) != 2 {
				t.Errorf("conversion = %+v", cv)
			}
			for _, e := range r.Endpoints {
				if e.Address == "P1" || e.Address == "P2" {
					t.Errorf("intermediate pool is an endpoint: %+v", e)
				}
				if e.Address == "R1" && e.Hops != 2 {
					t.Errorf("R1 hops = %d, want 2 (seed → H, H → swap → R1)", e.Hops)
				}
			}
		})
	}
}

// refund: H (25 clean ETH) sends 100 ETH to a router that wraps 80, swaps the
// WETH for 400 USDT at a pool paying H, and refunds 20 ETH: a partial fill.
func refund() *memAccount {
	m := newMem()
	m.opening["H"] = 25
	m.opening["V"] = 1000
	m.tx(hSeed, 10, "V", 0, leg("H", 100))
	m.tx("0x"+hex64("fill"), 11, "H", 0,
		leg("Router", 100),
		graph.Transfer{From: "Router", To: "Router", Asset: weth, SrcAsset: &eth, Kind: graph.KindWrap, Amount: big.NewInt(80)},
		internal("Router", "H", 20),
		tok(weth, "Router", "Pool", 80), tok(usdt, "Pool", "H", 400))
	return m
}

func TestSwapPartialFillRefund(t *testing.T) {
	cases := []struct {
		p              Policy
		ethH, usdtH    int64
		fromTaint, out int64
	}{
		// haircut: 125 ETH (100 tainted); 100 out carry 80. The 20 refunded keep
		// ⌊80·20/100⌋ = 16 as ETH; 64 of 80 net convert: USDT ⌊400·64/80⌋ = 320.
		// H's ETH: 25 left with 20 tainted + refund 16 = 36.
		{Haircut, 36, 320, 64, 320},
		// FIFO: [clean 25][taint 100]: 100 out = 25 clean + 75 taint; refund keeps
		// ⌊75·20/100⌋ = 15, 60 convert: ⌊400·60/80⌋ = 300. H: 25 taint left + 15.
		{FIFO, 40, 300, 60, 300},
	}
	for _, c := range cases {
		t.Run(string(c.p), func(t *testing.T) {
			r := run(t, refund(), c.p, []string{hSeed}, nil, nil)
			checkEndpoints(t, r, "ETH", []want{{"unspent", "H", c.ethH}}, 0)
			checkEndpoints(t, r, "0xUSDT", []want{{"unspent", "H", c.usdtH}}, 0)
			noEndpoints(t, r, "0xWETH")
			checkBalanced(t, r)
			if len(r.Conversions) != 1 {
				t.Fatalf("conversions = %+v", r.Conversions)
			}
			cv := r.Conversions[0]
			if cv.FromAsset != "ETH" || cv.FromAmount.Int64() != 80 || cv.Refunded == nil || cv.Refunded.Int64() != 20 ||
				cv.FromTaint.Int64() != c.fromTaint || cv.ToTaint.Int64() != c.out || len(cv.Venues) != 3 {
				t.Errorf("conversion = %+v (venues %v)", cv, cv.Venues)
			}
			if _, out := swapped(r, "ETH"); out != c.fromTaint {
				t.Errorf("ETH swapped out = %d, want %d", out, c.fromTaint)
			}
		})
	}
}

// A liquidity add sends two assets and gets nothing back: no conversion, the
// pool keeps both as a contract endpoint and says why.
func TestSwapLiquidityAddStays(t *testing.T) {
	m := newMem()
	m.opening["V"] = 1000
	m.tx(hSeed, 10, "V", 0, tok(usdt, "V", "H", 100), leg("H", 10))
	m.tx("0x"+hex64("add"), 11, "H", 0, tok(usdt, "H", "P", 100), leg("P", 10), tok(dai, "0x0000000000000000000000000000000000000000", "H", 7))
	m.contract["P"] = true
	r := run(t, m, Haircut, []string{hSeed}, nil, nil)
	checkEndpoints(t, r, "0xUSDT", []want{{"contract", "P", 100}}, 0)
	checkEndpoints(t, r, "ETH", []want{{"contract", "P", 10}}, 0)
	if len(r.Conversions) != 0 {
		t.Errorf("conversions = %+v", r.Conversions)
	}
	for _, e := range r.Endpoints {
		if e.Note == "" {
			t.Errorf("pool endpoint %s %s has no note", e.Asset, e.Address)
		}
	}
	checkBalanced(t, r)
}

// A payment through a forwarder (same asset out) is not a swap.
func TestSwapForwarderIsNotASwap(t *testing.T) {
	m := newMem()
	m.opening["V"] = 1000
	m.tx(hSeed, 10, "V", 0, leg("H", 100))
	m.tx("0x"+hex64("fwd"), 11, "H", 0, leg("F", 100), internal("F", "R1", 40), internal("F", "R2", 60))
	r := run(t, m, Haircut, []string{hSeed}, nil, nil)
	checkEndpoints(t, r, "ETH", []want{{"unspent", "R1", 40}, {"unspent", "R2", 60}}, 0)
	if len(r.Conversions) != 0 {
		t.Errorf("conversions = %+v", r.Conversions)
	}
}

// A venue the user stops at (a labelled exchange converting in one
// transaction) keeps the rule out: the exchange is the endpoint.
func TestSwapStopsAtLabelledVenue(t *testing.T) {
	m := directSwap()
	lb := mapLabels{"P": {Name: "Exchange P", Category: CatExchange}}
	r := run(t, m, Haircut, []string{hSeed}, lb, nil)
	checkEndpoints(t, r, "0xUSDT", []want{{"exchange", "P", 80}, {"unspent", "H", 20}}, 0)
	if len(r.Conversions) != 0 {
		t.Errorf("conversions = %+v", r.Conversions)
	}
}

// An address seed that swaps: everything it held or received counts as stolen,
// and so does what its swap brings back (no clean part to add to the seed).
func TestSwapAddressSeed(t *testing.T) {
	m := newMem()
	m.opening["H"] = 10
	m.tx("0x"+hex64("in"), 10, "Z", 0, tok(usdt, "Z", "H", 100))
	m.tx("0x"+hex64("swap"), 11, "H", 1, internal("P", "H", 60), tok(usdt, "H", "P", 100))
	r := run(t, m, Haircut, []string{"H"}, nil, func(o *Options) { o.FromBlock = 10 })
	// ETH: 10 held (seed) − fee 1 + 60 from the swap, all tainted: 69 unspent.
	checkEndpoints(t, r, "ETH", []want{{"unspent", "H", 69}}, 1)
	noEndpoints(t, r, "0xUSDT")
	if s := r.Totals["ETH"].Seed.Int64(); s != 10 {
		t.Errorf("ETH seed = %d, want 10 (the swap's ETH is swapped in, not seed)", s)
	}
	if in, _ := swapped(r, "ETH"); in != 60 {
		t.Errorf("ETH swapped in = %d, want 60", in)
	}
	if s, out := r.Totals["0xUSDT"].Seed.Int64(), r.Totals["0xUSDT"].SwappedOut; s != 100 || out == nil || out.Int64() != 100 {
		t.Errorf("USDT seed %d swapped out %v, want 100 and 100", s, out)
	}
	checkBalanced(t, r)
}
