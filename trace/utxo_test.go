package trace

import (
	"github.com/chaintrace/chaintrace/graph"
	"strings"
	"testing"
)

// utxoChain: theft tx S pays 100 to A (and 5 change back to the victim's
// address VC, also part of what the theft moved). T1 spends A's 100 with a clean
// 50 from Z: 90 to B, 50 to C, fee 10. T2 spends B's 90: 85 to exchange X, fee 5.
func utxoChain() (*memUTXO, mapLabels) {
	m := newMemUTXO()
	m.add("f", 1, nil, out{"V", 105, false}, out{"Z", 50, false})
	m.add(hex64("S"), 10, []graph_op{op("f", 0)}, out{"A", 100, false}, out{"VC", 5, false})
	m.add(hex64("T1"), 11, []graph_op{op(hex64("S"), 0), op("f", 1)}, out{"B", 90, false}, out{"C", 50, false})
	m.add(hex64("T2"), 12, []graph_op{op(hex64("T1"), 0)}, out{"X", 85, false})
	return m, mapLabels{"X": {Name: "Exchange X", Category: CatExchange}}
}

func TestUTXOPolicies(t *testing.T) {
	m, lb := utxoChain()
	S, T1 := hex64("S"), hex64("T1")
	seed := S + ":0"
	cases := []struct {
		p    Policy
		ends []want
		fees int64
	}{
		// T1 haircut: T=100 over 150: B ⌊9000/150⌋=60, C ⌊5000/150⌋=33, fee ⌊1000/150⌋=6,
		// remainder 1 → B: 61. T2: 61 over 90: X ⌊61·85/90⌋=57, fee ⌊61·5/90⌋=3, +1 → X 58.
		{Haircut, []want{{"exchange", T2out("X"), 58}, {"unspent", C(T1), 33}}, 6 + 3},
		// FIFO: T1 tainted [0,100): B [0,90) → 90, C [90,140) → 10. T2: X 85, fee 5.
		{FIFO, []want{{"exchange", T2out("X"), 85}, {"unspent", C(T1), 10}}, 5},
		// LIFO: Z's clean 50 first: tainted [50,150): B [0,90) → 40, C → 50, fee 10.
		// T2: B's input [0,90) clean part first: clean 50 then tainted 40 → X [0,85) → 35, fee → 5.
		{LIFO, []want{{"exchange", T2out("X"), 35}, {"unspent", C(T1), 50}}, 10 + 5},
		// TIHO: B (90) first → 90, C → 10. T2: X 85, fee 5.
		{TIHO, []want{{"exchange", T2out("X"), 85}, {"unspent", C(T1), 10}}, 5},
	}
	// B's output is spent straight into the exchange's address, which the deposit
	// rule would call a deposit; switch it off here to test the splits alone.
	noDep := func(o *Options) { o.DepositRule = false }
	for _, c := range cases {
		r := run(t, m, c.p, []string{seed}, lb, noDep)
		checkEndpoints(t, r, "BTC", c.ends, c.fees)
		if r.Totals["BTC"].Seed.Int64() != 100 {
			t.Errorf("%s: seed %s", c.p, r.Totals["BTC"].Seed)
		}
	}
	// Poison: everything downstream of a tainted input, fees included.
	r := run(t, m, Poison, []string{seed}, lb, noDep)
	checkEndpoints(t, r, "BTC", []want{{"exchange", T2out("X"), 85}, {"unspent", C(T1), 50}}, 15)
	if g := r.Totals["BTC"].Growth; g == nil || g.Int64() != 50 {
		t.Errorf("poison growth = %v, want 50", g)
	}
}

type graph_op = graph.Outpoint

func T2out(addr string) string { return addr + hex64("T2") + ":0" }
func C(t1 string) string       { return "C" + t1 + ":1" }

func TestUTXOSeedTxAndPath(t *testing.T) {
	m, lb := utxoChain()
	S := hex64("S")
	// The whole theft tx: 100 to A and 5 to VC (unspent). With the deposit rule, B
	// (spent straight into the exchange's labelled address) is its deposit address.
	r := run(t, m, Haircut, []string{S}, lb, nil)
	checkEndpoints(t, r, "BTC", []want{{"exchange-deposit", "B" + hex64("T1") + ":0", 61}, {"unspent", C(hex64("T1")), 33}, {"unspent", "VC" + S + ":1", 5}}, 6)
	r = run(t, m, Haircut, []string{S}, lb, func(o *Options) { o.DepositRule = false })
	checkEndpoints(t, r, "BTC", []want{{"exchange", T2out("X"), 58}, {"unspent", C(hex64("T1")), 33}, {"unspent", "VC" + S + ":1", 5}}, 9)
	for _, e := range r.Endpoints {
		if e.Address == "X" {
			if got := strings.Join(e.Path, ","); got != S+","+hex64("T1")+","+hex64("T2") {
				t.Errorf("path = %s", got)
			}
			if e.Hops != 3 {
				t.Errorf("hops = %d, want 3", e.Hops)
			}
		}
	}
}

func TestUTXODepositAndConsolidation(t *testing.T) {
	// Two tainted outputs at D1, D2 are consolidated together with an exchange
	// hot-wallet input: D1 and D2 are deposit addresses of that exchange.
	m := newMemUTXO()
	m.add("f", 1, nil, out{"V", 100, false}, out{"HOT", 500, false})
	m.add(hex64("S"), 10, []graph_op{op("f", 0)}, out{"D1", 60, false}, out{"D2", 40, false})
	m.add(hex64("sweep"), 12, []graph_op{op(hex64("S"), 0), op(hex64("S"), 1), op("f", 1)}, out{"COLD", 599, false})
	lb := mapLabels{"HOT": {Name: "Kraken", Category: CatExchange}}
	r := run(t, m, Haircut, []string{hex64("S")}, lb, nil)
	checkEndpoints(t, r, "BTC", []want{{"exchange-deposit", "D1" + hex64("S") + ":0", 60}, {"exchange-deposit", "D2" + hex64("S") + ":1", 40}}, 0)
	for _, e := range r.Endpoints {
		// κ = 1 − ½·2/3200 → 999‰.
		if e.Exchange != "Kraken" || e.SweepTx != hex64("sweep") || e.Confidence != 999 {
			t.Errorf("deposit evidence %q %q %d", e.Exchange, e.SweepTx, e.Confidence)
		}
	}
	// At the hop limit (the deposit outputs are hop 1 of 1) the rule still applies.
	r = run(t, m, Haircut, []string{hex64("S")}, lb, func(o *Options) { o.MaxHops = 1 })
	checkEndpoints(t, r, "BTC", []want{{"exchange-deposit", "D1" + hex64("S") + ":0", 60}, {"exchange-deposit", "D2" + hex64("S") + ":1", 40}}, 0)
	// Without the deposit rule the consolidation is followed: COLD holds it all.
	r = run(t, m, Haircut, []string{hex64("S")}, lb, func(o *Options) { o.DepositRule = false })
	// haircut: T=100 over 600 in, 599 out, fee 1: COLD ⌊100·599/600⌋=99, fee 0, +1 → 100.
	checkEndpoints(t, r, "BTC", []want{{"unspent", "COLD" + hex64("sweep") + ":0", 100}}, 0)
}

func TestUTXOPeelChainHopLimitAndSameBlockOrder(t *testing.T) {
	// A 30-hop peel chain: each hop pays 1 away and passes the rest on, all in the
	// same block, so the tracer must split them in dependency order.
	m := newMemUTXO()
	f := hex64("f")
	m.add(f, 1, nil, out{"V", 1000, false})
	prev := f
	for i := 0; i < 30; i++ {
		id := hex64("peel" + string(rune('A'+i)))
		m.add(id, 5, []graph_op{op(prev, 0)}, out{"P" + string(rune('A'+i)), int64(1000 - 2*(i+1)), false}, out{"pay" + string(rune('A'+i)), 1, false})
		prev = id
	}
	r := run(t, m, FIFO, []string{f + ":0"}, nil, func(o *Options) { o.MaxHops = 40 })
	tot := r.Totals["BTC"]
	// 30 payments of 1, 30 fees of 1, and 1000 − 60 = 940 at the last peel output.
	if tot.Fees.Int64() != 30 || tot.ByKind["unspent"].Int64() != 970 {
		t.Fatalf("fees %s unspent %s, want 30 and 970", tot.Fees, tot.ByKind["unspent"])
	}
	r = run(t, m, FIFO, []string{f + ":0"}, nil, func(o *Options) { o.MaxHops = 3 })
	tot = r.Totals["BTC"]
	if tot.ByKind["hop-limit"] == nil || tot.ByKind["hop-limit"].Int64()+tot.ByKind["unspent"].Int64()+tot.Fees.Int64() != 1000 {
		t.Fatalf("hop-limited totals do not balance: %+v", tot)
	}
}

func TestUTXOErrors(t *testing.T) {
	m, _ := utxoChain()
	for _, s := range []string{hex64("S") + ":7", "zz:1", hex64("S") + ":x"} {
		if _, err := Run(t.Context(), m, []string{s}, Options{}); err == nil {
			t.Errorf("seed %q: no error", s)
		}
	}
}

func TestUTXOConcurrentSpenders(t *testing.T) {
	m, lb := utxoChain()
	for _, p := range Policies {
		a := run(t, m, p, []string{hex64("S")}, lb, nil)
		b := run(t, m, p, []string{hex64("S")}, lb, func(o *Options) { o.Concurrency = 8 })
		if len(a.Endpoints) != len(b.Endpoints) {
			t.Fatalf("%s: endpoints differ", p)
		}
		for i := range a.Endpoints {
			if a.Endpoints[i].Outpoint != b.Endpoints[i].Outpoint || a.Endpoints[i].Amount.Cmp(b.Endpoints[i].Amount) != 0 {
				t.Errorf("%s: endpoint %d differs", p, i)
			}
		}
	}
}

func TestUTXOPeelPayingExchangeIsNotDeposit(t *testing.T) {
	// A peel step spends the thief's output P, pays 30 to the exchange's labelled
	// address and 69 change to P2 (fee 1): P is not a deposit address; the 30 is an
	// exchange endpoint and the change goes on (unspent at P2).
	m := newMemUTXO()
	f := hex64("f")
	m.add(f, 1, nil, out{"V", 100, false})
	m.add(hex64("S"), 2, []graph_op{op(f, 0)}, out{"P", 100, false})
	m.add(hex64("peel"), 3, []graph_op{op(hex64("S"), 0)}, out{"HOT", 30, false}, out{"P2", 69, false})
	lb := mapLabels{"HOT": {Name: "Bitstamp", Category: CatExchange}}
	r := run(t, m, Haircut, []string{hex64("S")}, lb, nil)
	checkEndpoints(t, r, "BTC", []want{{"exchange", "HOT" + hex64("peel") + ":0", 30}, {"unspent", "P2" + hex64("peel") + ":1", 69}}, 1)
	// The same output swept alone into the exchange is a deposit.
	m.add(hex64("sweep"), 4, []graph_op{op(hex64("peel"), 1)}, out{"HOT", 68, false})
	r = run(t, m, Haircut, []string{hex64("S")}, lb, nil)
	checkEndpoints(t, r, "BTC", []want{{"exchange", "HOT" + hex64("peel") + ":0", 30}, {"exchange-deposit", "P2" + hex64("peel") + ":1", 69}}, 1)
}
