package trace

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

var (
	hSeed = "0x" + hex64("seed")
	hAB   = "0x" + hex64("a->b")
	hAX   = "0x" + hex64("a->x")
	hBC   = "0x" + hex64("b->c")
)

// baseChain: A held 50 clean; the theft moves 100 from V to A (block 10); A pays
// 60 to B with a fee of 1 (block 11), then 89 to exchange X (block 12); B pays 30
// to C (block 13).
func baseChain() (*memAccount, mapLabels) {
	m := newMem()
	m.opening["A"] = 50
	m.opening["V"] = 1000
	m.tx(hSeed, 10, "V", 1, leg("A", 100))
	m.tx(hAB, 11, "A", 1, leg("B", 60))
	m.tx(hAX, 12, "A", 0, leg("X", 89))
	m.tx(hBC, 13, "B", 0, leg("C", 30))
	return m, mapLabels{"X": {Name: "Exchange X", Category: CatExchange}}
}

type want struct {
	kind, addr string
	amount     int64
}

func run(t *testing.T, src Source, p Policy, seeds []string, lb Labels, mod func(*Options)) *graph.Result {
	t.Helper()
	o := Options{Policy: p, Labels: lb, DepositRule: true}
	if mod != nil {
		mod(&o)
	}
	r, err := Run(context.Background(), src, seeds, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func checkEndpoints(t *testing.T, r *graph.Result, asset string, ws []want, fees int64) {
	t.Helper()
	got := map[[2]string]int64{}
	for _, e := range r.Endpoints {
		if e.Asset == asset {
			got[[2]string{e.Kind, e.Address + e.Outpoint}] += e.Amount.Int64()
		}
	}
	for _, w := range ws {
		k := [2]string{w.kind, w.addr}
		if got[k] != w.amount {
			t.Errorf("%s endpoint %s at %s = %d, want %d (all: %v)", r.Policy, w.kind, w.addr, got[k], w.amount, got)
		}
		delete(got, k)
	}
	for k, v := range got {
		t.Errorf("%s: unexpected endpoint %s at %s = %d", r.Policy, k[0], k[1], v)
	}
	tot := r.Totals[asset]
	if tot == nil {
		t.Fatalf("no totals for %s", asset)
	}
	if tot.Fees.Int64() != fees {
		t.Errorf("%s: fees = %s, want %d", r.Policy, tot.Fees, fees)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w, "mismatch") {
			t.Errorf("%s: %s", r.Policy, w)
		}
	}
}

func TestAccountPolicies(t *testing.T) {
	m, lb := baseChain()
	cases := []struct {
		p     Policy
		ends  []want
		fees  int64
		grows int64
	}{
		// haircut: A 150 (100 tainted). fee 1 → ⌊100·1/150⌋ = 0. A→B 60 of 149 →
		// ⌊100·60/149⌋ = 40; A has 89 with 60 tainted → all to X. B: 60 (40 tainted),
		// B→C 30 → ⌊40·30/60⌋ = 20; 20 left at B.
		{Haircut, []want{{"exchange", "X", 60}, {"unspent", "B", 20}, {"unspent", "C", 20}}, 0, 0},
		// FIFO: A lots [clean 50][taint 100]. fee 1 clean; A→B 60 = clean 49 + taint
		// 11; A→X 89 all taint. B [taint 11][clean 49]; B→C 30 = taint 11 + clean 19.
		{FIFO, []want{{"exchange", "X", 89}, {"unspent", "C", 11}}, 0, 0},
		// LIFO: newest first. fee 1 from taint; A→B 60 taint; A→X 89 = taint 39 +
		// clean 50. B [taint 60]; B→C 30 taint; 30 left at B.
		{LIFO, []want{{"exchange", "X", 39}, {"unspent", "B", 30}, {"unspent", "C", 30}}, 1, 0},
		// TIHO: tx a->b debits 60 and fee 1: 60 takes 60, fee takes 1; A→X 89 takes
		// the last 39. B→C 30 takes 30 of B's 60 taint.
		{TIHO, []want{{"exchange", "X", 39}, {"unspent", "B", 30}, {"unspent", "C", 30}}, 1, 0},
		// poison: every later debit of A and B is fully tainted; taint grows by
		// 1+60+89+30+30 − 100 = 110.
		{Poison, []want{{"exchange", "X", 89}, {"unspent", "B", 30}, {"unspent", "C", 30}}, 1, 50},
	}
	for _, c := range cases {
		t.Run(string(c.p), func(t *testing.T) {
			r := run(t, m, c.p, []string{hSeed}, lb, nil)
			checkEndpoints(t, r, "ETH", c.ends, c.fees)
			tot := r.Totals["ETH"]
			if tot.Seed.Int64() != 100 {
				t.Errorf("seed = %s, want 100", tot.Seed)
			}
			if c.p == Poison {
				if tot.Growth == nil || tot.Growth.Int64() != c.grows {
					t.Errorf("growth = %v, want %d", tot.Growth, c.grows)
				}
				return
			}
			// Invariant: endpoints + fees = seed, exactly.
			sum := new(big.Int).Set(tot.Fees)
			for _, e := range r.Endpoints {
				sum.Add(sum, e.Amount)
			}
			if sum.Cmp(tot.Seed) != 0 {
				t.Errorf("Σ endpoints + fees = %s, want seed %s", sum, tot.Seed)
			}
		})
	}
}

func TestAccountEvidence(t *testing.T) {
	m, lb := baseChain()
	r := run(t, m, Haircut, []string{hSeed}, lb, nil)
	for _, e := range r.Endpoints {
		switch e.Address {
		case "X":
			if got := strings.Join(e.Path, ","); got != hSeed+","+hAX {
				t.Errorf("path to X = %s", got)
			}
			if len(e.Inflows) != 1 || e.Inflows[0].Tx != hAX || e.Inflows[0].Block != 12 || e.Inflows[0].Amount.Int64() != 60 {
				t.Errorf("inflows of X = %+v", e.Inflows)
			}
			if e.Hops != 2 || e.Label != "Exchange X" {
				t.Errorf("X hops %d label %q", e.Hops, e.Label)
			}
		case "C":
			if got := strings.Join(e.Path, ","); got != hSeed+","+hAB+","+hBC {
				t.Errorf("path to C = %s", got)
			}
		}
	}
	// Every tainted transfer is an edge with its block.
	var n int
	for _, e := range r.Flow.Edges() {
		if e.Taint.Sign() > 0 {
			n++
		}
	}
	if n != 4 { // V→A, A→B, A→X, B→C
		t.Errorf("%d tainted edges, want 4", n)
	}
}

func TestAccountCleanFundsShieldFIFO(t *testing.T) {
	// A held 200 clean: FIFO lets A's first 150 out clean, so only the last 50 of
	// the 100 stolen leave in A→X, and 50 stay.
	m := newMem()
	m.opening["A"] = 200
	m.tx(hSeed, 10, "V", 0, leg("A", 100))
	m.tx(hAB, 11, "A", 0, leg("B", 150))
	m.tx(hAX, 12, "A", 0, leg("X", 100))
	lb := mapLabels{"X": {Name: "X", Category: CatExchange}}
	r := run(t, m, FIFO, []string{hSeed}, lb, nil)
	checkEndpoints(t, r, "ETH", []want{{"exchange", "X", 50}, {"unspent", "A", 50}}, 0)
	// Haircut: ratio 100/300; A→B 150 → 50; A 150 left with 50 tainted; A→X 100 → ⌊50·100/150⌋ = 33; 17 stay.
	r = run(t, m, Haircut, []string{hSeed}, lb, nil)
	checkEndpoints(t, r, "ETH", []want{{"exchange", "X", 33}, {"unspent", "A", 17}, {"unspent", "B", 50}}, 0)
}

func TestAccountCycleAndConsolidation(t *testing.T) {
	// A splits to B and C; both send back to A (a cycle), A consolidates to X.
	m := newMem()
	m.tx(hSeed, 10, "V", 0, leg("A", 100))
	m.tx("0x"+hex64("1"), 11, "A", 0, leg("B", 40), leg("C", 60))
	m.tx("0x"+hex64("2"), 12, "B", 0, leg("A", 40))
	m.tx("0x"+hex64("3"), 13, "C", 0, leg("A", 60))
	m.tx("0x"+hex64("4"), 14, "A", 0, leg("X", 100))
	lb := mapLabels{"X": {Name: "X", Category: CatExchange}}
	for _, p := range []Policy{Haircut, FIFO, LIFO, TIHO} {
		r := run(t, m, p, []string{hSeed}, lb, nil)
		checkEndpoints(t, r, "ETH", []want{{"exchange", "X", 100}}, 0)
	}
}

func TestAccountHopLimitThresholdBudget(t *testing.T) {
	// A chain V→A→B→C→D→E.
	m := newMem()
	m.tx(hSeed, 10, "V", 0, leg("A", 100))
	m.tx("0x"+hex64("ab"), 11, "A", 0, leg("B", 99), leg("dust", 1))
	m.tx("0x"+hex64("bc"), 12, "B", 0, leg("C", 99))
	m.tx("0x"+hex64("cd"), 13, "C", 0, leg("D", 99))
	m.tx("0x"+hex64("de"), 14, "D", 0, leg("E", 99))
	r := run(t, m, Haircut, []string{hSeed}, nil, func(o *Options) { o.MaxHops = 3 })
	// hop 1 = A, hop 2 = B and dust, hop 3 = C: C is not followed.
	checkEndpoints(t, r, "ETH", []want{{"hop-limit", "C", 99}, {"unspent", "dust", 1}}, 0)

	// --min-amount 2 (in whole ETH units here the asset has 18 decimals; use a
	// rational so the threshold is 2 base units).
	r = run(t, m, Haircut, []string{hSeed}, nil, func(o *Options) {
		o.MinAmount = new(big.Rat).SetFrac64(2, 1000000000000000000)
	})
	// E is hop 5 of 5: looked at only for the deposit rule, it never moved the funds.
	checkEndpoints(t, r, "ETH", []want{{"below-threshold", "dust", 1}, {"unspent", "E", 99}}, 0)

	// A busy address: C has more transfers than the budget.
	for i := 0; i < 5; i++ {
		m.tx("0x"+hex64("busy"+string(rune('a'+i))), 20+uint64(i), "Z", 0, leg("C", 1))
	}
	r = run(t, m, Haircut, []string{hSeed}, nil, func(o *Options) { o.AddressBudget = 4 })
	checkEndpoints(t, r, "ETH", []want{{"high-activity", "C", 99}, {"unspent", "dust", 1}}, 0)

	// The global address limit: only A and B may be followed.
	r = run(t, m, Haircut, []string{hSeed}, nil, func(o *Options) { o.MaxAddresses = 2 })
	checkEndpoints(t, r, "ETH", []want{{"address-limit", "C", 99}, {"address-limit", "dust", 1}}, 0)
}

func TestAccountDepositRule(t *testing.T) {
	// Scaled units: ether = 1000, α = 10 (0.01 ether), so int64 holds every amount.
	const ether = 1000
	alpha := func(o *Options) { o.DepositAlpha = big.NewInt(10) }
	m := newMem()
	m.tx(hSeed, 10, "V", 0, leg("A", 40*ether))
	m.tx("0x"+hex64("fan"), 11, "A", 0, leg("D1", 10*ether), leg("D2", 10*ether), leg("D3", 10*ether), leg("D4", 10*ether))
	// D1: 2 ETH clean from a customer, then sweeps 12 ETH − 0.005 to the exchange 100 blocks later: a deposit.
	m.tx("0x"+hex64("c1"), 50, "U", 0, leg("D1", 2*ether))
	m.tx("0x"+hex64("s1"), 150, "D1", ether/200, leg("HOT", 12*ether-ether/200))
	// D2: sweeps after 4,000 blocks (> τ = 3,200): not a deposit by the rule; it is
	// followed and its payment reaches the exchange directly.
	m.tx("0x"+hex64("s2"), 4011, "D2", 0, leg("HOT", 10*ether))
	// D3: forwards 9 ETH (differs by 1 ETH > α): followed; 1 ETH stays.
	m.tx("0x"+hex64("s3"), 20, "D3", 0, leg("HOT", 9*ether))
	// D4 is itself the labelled exchange's other wallet: never a deposit.
	m.tx("0x"+hex64("s4"), 20, "D4", 0, leg("HOT", 10*ether))
	lb := mapLabels{"HOT": {Name: "Binance", Category: CatExchange}, "D4": {Name: "Binance 2", Category: CatExchange}}
	r := run(t, m, Haircut, []string{hSeed}, lb, alpha)
	checkEndpoints(t, r, "ETH", []want{
		{"exchange-deposit", "D1", 10 * ether},
		{"exchange", "HOT", 19 * ether},
		{"unspent", "D3", 1 * ether},
		{"exchange", "D4", 10 * ether},
	}, 0)
	for _, e := range r.Endpoints {
		if e.Kind == "exchange-deposit" {
			// κ = 1 − (½·0.005/0.01 + ½·100/3200) = 1 − 0.25 − 0.015625 = 0.734375 → 734‰.
			if e.Exchange != "Binance" || e.SweepTx != "0x"+hex64("s1") || e.Confidence != 734 {
				t.Errorf("deposit evidence = %q %q %d", e.Exchange, e.SweepTx, e.Confidence)
			}
		}
	}
	// At the hop limit the tracer still looks one step further for the rule: with
	// --hops 2, D1 (hop 2) is still a deposit; D2 and D3 moved funds on, so they
	// are hop-limit; D4 is labelled.
	r = run(t, m, Haircut, []string{hSeed}, lb, func(o *Options) { alpha(o); o.MaxHops = 2 })
	checkEndpoints(t, r, "ETH", []want{
		{"exchange-deposit", "D1", 10 * ether},
		{"hop-limit", "D2", 10 * ether},
		{"hop-limit", "D3", 10 * ether},
		{"exchange", "D4", 10 * ether},
	}, 0)
	// With τ = 10,000 D2 qualifies too.
	r = run(t, m, Haircut, []string{hSeed}, lb, func(o *Options) { alpha(o); o.DepositTau = 10000 })
	checkEndpoints(t, r, "ETH", []want{
		{"exchange-deposit", "D1", 10 * ether},
		{"exchange-deposit", "D2", 10 * ether},
		{"exchange", "HOT", 9 * ether},
		{"unspent", "D3", 1 * ether},
		{"exchange", "D4", 10 * ether},
	}, 0)
}

func TestAccountTokensAndWrap(t *testing.T) {
	weth := graph.Asset{ID: "0xWETH", Symbol: "WETH", Decimals: 18, Contract: "0xWETH"}
	m := newMem()
	m.tx(hSeed, 10, "V", 0, graph.Transfer{To: "A", Asset: usdt, Amount: big.NewInt(5000)}, leg("A", 100))
	m.tx("0x"+hex64("t1"), 11, "A", 3, graph.Transfer{To: "B", Asset: usdt, Amount: big.NewInt(5000)})
	// A wraps 60 ETH into WETH (a wrap leg on A itself), then sends the WETH to B.
	m.tx("0x"+hex64("w"), 12, "A", 0, graph.Transfer{To: "A", Asset: weth, SrcAsset: &eth, Kind: graph.KindWrap, Amount: big.NewInt(60)})
	m.tx("0x"+hex64("t2"), 13, "A", 0, graph.Transfer{To: "B", Asset: weth, Amount: big.NewInt(60)})
	r := run(t, m, Haircut, []string{hSeed}, nil, nil)
	checkEndpoints(t, r, "0xUSDT", []want{{"unspent", "B", 5000}}, 0)
	// ETH: fee 3 of A's 100 (all tainted) → 3; wrap 60; 37 stay at A.
	checkEndpoints(t, r, "ETH", []want{{"unspent", "A", 37}}, 3)
	checkEndpoints(t, r, "0xWETH", []want{{"unspent", "B", 60}}, 0)
	if tot := r.Totals["ETH"]; tot.WrappedOut == nil || tot.WrappedOut.Int64() != 60 {
		t.Errorf("ETH wrapped out = %v, want 60", tot.WrappedOut)
	}
	if tot := r.Totals["0xWETH"]; tot.WrappedIn == nil || tot.WrappedIn.Int64() != 60 || tot.Seed.Sign() != 0 {
		t.Errorf("WETH wrapped in = %v seed %v, want 60 and 0", tot.WrappedIn, tot.Seed)
	}
}

func TestAccountAddressSeedAndContract(t *testing.T) {
	m := newMem()
	m.opening["H"] = 70 // the hacker's address held 70 before block 10
	m.tx("0x"+hex64("in"), 12, "V", 0, leg("H", 30))
	m.tx("0x"+hex64("out"), 13, "H", 0, leg("K", 80))
	m.contract["K"] = true
	r := run(t, m, Haircut, []string{"H"}, nil, func(o *Options) { o.FromBlock = 10 })
	// Seed = 70 held + 30 received; 80 sit in contract K, 20 at H.
	checkEndpoints(t, r, "ETH", []want{{"contract", "K", 80}, {"unspent", "H", 20}}, 0)
	if s := r.Totals["ETH"].Seed.Int64(); s != 100 {
		t.Errorf("seed = %d, want 100", s)
	}
}

func TestAccountErrors(t *testing.T) {
	m, lb := baseChain()
	ctx := context.Background()
	if _, err := Run(ctx, m, []string{"bad-seed"}, Options{}); !errors.Is(err, ErrBadInput) {
		t.Errorf("malformed seed: err = %v, want ErrBadInput", err)
	}
	if _, err := Run(ctx, m, []string{"0x" + hex64("nope")}, Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown tx: err = %v, want ErrNotFound", err)
	}
	if _, err := Run(ctx, m, nil, Options{}); !errors.Is(err, ErrBadInput) {
		t.Errorf("no seed: err = %v", err)
	}
	if _, err := Run(ctx, m, []string{hSeed}, Options{ToBlock: 5}); !errors.Is(err, ErrBadInput) {
		t.Errorf("seed after --to-block: err = %v", err)
	}
	// A node failing mid-trace: B's history cannot be fetched. The trace returns
	// what it has, B's taint as incomplete, and the error.
	m.failHist["B"] = true
	r, err := Run(ctx, m, []string{hSeed}, Options{Policy: Haircut, Labels: lb})
	if err == nil || r == nil {
		t.Fatalf("want partial result and error, got %v, %v", r, err)
	}
	checkEndpoints(t, r, "ETH", []want{{"exchange", "X", 60}, {"incomplete", "B", 40}}, 0)
	if r.Error == "" {
		t.Error("result does not say it is incomplete")
	}
}

func TestAccountToBlock(t *testing.T) {
	m, lb := baseChain()
	// Up to block 11 only: A→X and B→C have not happened yet.
	r := run(t, m, Haircut, []string{hSeed}, lb, func(o *Options) { o.ToBlock = 11 })
	checkEndpoints(t, r, "ETH", []want{{"unspent", "A", 60}, {"unspent", "B", 40}}, 0)
	if r.Tip != 11 {
		t.Errorf("tip = %d, want 11", r.Tip)
	}
}

func TestAccountDeterministicAndNoRefetch(t *testing.T) {
	m, lb := baseChain()
	a := run(t, m, Haircut, []string{hSeed}, lb, nil)
	before := m.calls["history"]
	b := run(t, m, Haircut, []string{hSeed}, lb, nil)
	if len(a.Endpoints) != len(b.Endpoints) {
		t.Fatal("two runs differ")
	}
	for i := range a.Endpoints {
		if a.Endpoints[i].Address != b.Endpoints[i].Address || a.Endpoints[i].Amount.Cmp(b.Endpoints[i].Amount) != 0 {
			t.Fatalf("endpoint %d differs", i)
		}
	}
	// One history request per followed holder (A, B, C), none repeated.
	if n := m.calls["history"] - before; n != 3 {
		t.Errorf("%d history requests, want 3", n)
	}
}

// A concurrent, prefetching run gives the same endpoints as a sequential one.
func TestAccountConcurrencySameResult(t *testing.T) {
	m, lb := baseChain()
	for _, p := range Policies {
		a := run(t, m, p, []string{hSeed}, lb, nil)
		b := run(t, &lockedMem{m: m}, p, []string{hSeed}, lb, func(o *Options) { o.Concurrency = 8 })
		if len(a.Endpoints) != len(b.Endpoints) {
			t.Fatalf("%s: %d vs %d endpoints", p, len(a.Endpoints), len(b.Endpoints))
		}
		for i := range a.Endpoints {
			x, y := a.Endpoints[i], b.Endpoints[i]
			if x.Kind != y.Kind || x.Address != y.Address || x.Amount.Cmp(y.Amount) != 0 {
				t.Errorf("%s: endpoint %d: %+v vs %+v", p, i, x, y)
			}
		}
	}
}

func TestAccountPathsPerAsset(t *testing.T) {
	// ETH reaches B first through A; USDT reaches B later through a different tx:
	// B's USDT endpoint must show the USDT path.
	m := newMem()
	tokTheft, ethHop, tokHop := "0x"+hex64("tok"), "0x"+hex64("eh"), "0x"+hex64("th")
	m.tx(hSeed, 10, "V", 0, leg("A", 100))
	m.tx(tokTheft, 10, "V", 0, graph.Transfer{To: "A", Asset: usdt, Amount: big.NewInt(7)})
	m.tx(ethHop, 11, "A", 0, leg("B", 100))
	m.tx(tokHop, 12, "A", 0, graph.Transfer{To: "B", Asset: usdt, Amount: big.NewInt(7)})
	r := run(t, m, Haircut, []string{hSeed, tokTheft}, nil, nil)
	for _, e := range r.Endpoints {
		want := hSeed + "," + ethHop
		if e.Asset == usdt.ID {
			want = tokTheft + "," + tokHop
		}
		if got := strings.Join(e.Path, ","); got != want {
			t.Errorf("%s at %s: path %s, want %s", e.Asset, e.Address, got, want)
		}
	}
}

// A followed holder labelled as a business keeps the funds as that business
// (issue 15 item 3): a contract labelled dex is a service endpoint with its
// category, not an unlabelled contract; a wallet labelled hacker still holds
// unspent funds.
func TestHeldByLabelledHolder(t *testing.T) {
	m := newMem()
	m.opening["H"] = 70
	m.tx("0x"+hex64("in"), 12, "V", 0, leg("H", 30))
	m.tx("0x"+hex64("out"), 13, "H", 0, leg("K", 60), leg("W", 20))
	m.contract["K"] = true
	lb := mapLabels{"K": {Name: "Some DEX", Category: CatDEX}, "W": {Name: "the hacker", Category: CatHacker}}
	// --stop-at without dex: K is followed, and keeps what it got.
	r := run(t, m, Haircut, []string{"H"}, lb, func(o *Options) { o.FromBlock = 10; o.StopAt = []string{CatExchange} })
	checkEndpoints(t, r, "ETH", []want{{"service", "K", 60}, {"unspent", "W", 20}, {"unspent", "H", 20}}, 0)
	for _, e := range r.Endpoints {
		if e.Address == "K" && e.Category != CatDEX {
			t.Errorf("K category %q, want dex", e.Category)
		}
	}
	if got := r.Totals["ETH"].ByKind["service"]; got == nil || got.Int64() != 60 {
		t.Errorf("totals service = %v, want 60", got)
	}
	if got := r.Totals["ETH"].ByKind["contract"]; got != nil && got.Sign() != 0 {
		t.Errorf("totals contract = %v, want 0", got)
	}
	if n, ok := r.Flow.Lookup("K"); !ok || n.Role != "service" {
		t.Errorf("graph node K = %+v, want role service", n)
	}
}

func TestHeldKind(t *testing.T) {
	for _, c := range []struct {
		kind, cat, want string
	}{
		{"unspent", "", "unspent"},
		{"unspent", CatService, "service"},
		{"unspent", CatHacker, "unspent"},
		{"contract", CatDEX, "service"},
		{"contract", CatScam, "contract"},
		{"unspent", CatMixer, "mixer"},
		{"unspent", CatExchange, "exchange"},
		{"hop-limit", CatService, "hop-limit"},
	} {
		lb := &Label{Name: "x", Category: c.cat}
		if c.cat == "" {
			lb = nil
		}
		if got := heldKind(c.kind, lb); got != c.want {
			t.Errorf("heldKind(%s, %q) = %s, want %s", c.kind, c.cat, got, c.want)
		}
	}
}

// SeedAssets limits what an address seed counts as stolen: with only USDT,
// the address's ETH (held and received) is its own, and no ETH taint appears.
func TestAccountAddressSeedAssets(t *testing.T) {
	m := newMem()
	m.opening["H"] = 70
	m.tx("0x"+hex64("in"), 12, "V", 0, leg("H", 30), graph.Transfer{To: "H", Asset: usdt, Amount: big.NewInt(500)})
	m.tx("0x"+hex64("out"), 13, "H", 0, leg("K", 80), graph.Transfer{To: "B", Asset: usdt, Amount: big.NewInt(200)})
	all := run(t, m, Haircut, []string{"H"}, nil, func(o *Options) { o.FromBlock = 10 })
	checkEndpoints(t, all, "ETH", []want{{"unspent", "K", 80}, {"unspent", "H", 20}}, 0)
	checkEndpoints(t, all, "0xUSDT", []want{{"unspent", "B", 200}, {"unspent", "H", 300}}, 0)
	only := run(t, m, Haircut, []string{"H"}, nil, func(o *Options) { o.FromBlock = 10; o.SeedAssets = []string{"0xUSDT"} })
	checkEndpoints(t, only, "0xUSDT", []want{{"unspent", "B", 200}, {"unspent", "H", 300}}, 0)
	for _, e := range only.Endpoints {
		if e.Asset == "ETH" && e.Amount.Sign() != 0 {
			t.Errorf("ETH taint with SeedAssets [0xUSDT]: %s %s %s", e.Kind, e.Address, e.Amount)
		}
	}
	if tot := only.Totals["ETH"]; tot != nil && tot.Seed != nil && tot.Seed.Sign() != 0 {
		t.Errorf("ETH seed %s with SeedAssets [0xUSDT], want 0", tot.Seed)
	}
	if only.Params["seed_assets"] != "0xUSDT" {
		t.Errorf("params seed_assets = %q", only.Params["seed_assets"])
	}
}
