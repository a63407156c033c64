package bitcoin

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

type mapLabels map[string]trace.Label

func (m mapLabels) Lookup(chain, addr string) (trace.Label, bool) {
	l, ok := m[addr]
	return l, ok
}

func exchangeLabels(s *btcd.Theft) mapLabels {
	m := mapLabels{}
	for _, k := range []*btcd.Key{s.E1, s.E2, s.H} {
		m[k.Address] = trace.Label{Chain: "btc-regtest", Address: k.Address, Name: "ExampleEx", Category: trace.CatExchange,
			Source: "test", Confidence: 100}
	}
	return m
}

type wantEnd struct {
	kind   string
	amount int64
}

// expectedEndpoints is the hand computation for the theft seed (all of T's
// outputs but the OP_RETURN: 999,990,000 sat) under each policy, by outpoint.
//
// Single-input transactions (peel hops, C1→D, the mixed-type spend) carry a
// fully tainted input, so every policy taints each output with its full value
// and the fee with the rest. Policies differ only where clean inputs join:
//
//	consolidation: inputs E1 50,000,000 (clean), D 199,990,000 (tainted),
//	  E2 30,000,000 (clean) → H 279,980,000, fee 10,000.
//	  haircut: H = ⌊199,990,000·279,980,000 / 279,990,000⌋ = 199,982,857,
//	    fee ⌊199,990,000·10,000 / 279,990,000⌋ = 7,142, remainder 1 → H: 199,982,858.
//	  fifo: taint range [50M, 249.99M) lies inside H's [0, 279.98M): 199,990,000.
//	  lifo: order E2, D, E1: taint [30M, 229.99M) inside H: 199,990,000.
//	  tiho: H is the only output: 199,990,000.
//	  poison: H = 279,980,000 (growth 80,000,000).
//	coinjoin: inputs K1, X(tainted), K2, K3, K4 of 150,000,000 → five 100,000,000
//	  then five 49,998,000, fee 10,000 (total 750,000,000).
//	  haircut: 150M·100M/750M = 20,000,000 each; 150M·49,998,000/750M = 9,999,600
//	    each; fee 150M·10,000/750M = 2,000.
//	  fifo: taint [150M, 300M): out1 [100M,200M) gets 50M, out2 [200M,300M) 100M.
//	  lifo: order K4,K3,K2,X,K1: taint [450M, 600M): out4 [400M,500M) 50M,
//	    change0 [500M,549.998M) 49,998,000, change1 [549.998M,599.996M) 49,998,000,
//	    change2 [599.996M,649.994M) 4,000.
//	  tiho: largest first, ties to the lower index: out0 100M, out1 50M.
//	  poison: every output in full (growth 600,000,000).
func expectedEndpoints(s *btcd.Theft, p trace.Policy) (map[string]wantEnd, int64) {
	w := map[string]wantEnd{}
	for _, c := range s.PeelPay {
		w[c.String()] = wantEnd{graph.EndUnspent, 1_000_000}
	}
	w[s.PeelChange[btcd.PeelHops-1].String()] = wantEnd{graph.EndUnspent, 369_962_980} // 400,000,000 − 30·1,001,234
	w[id(s.Theft)+":3"] = wantEnd{graph.EndUnspent, 100_000_000}
	for j, v := range []int64{40_000_000, 30_000_000, 30_000_000, 20_000_000, 29_980_000} {
		w[fmt.Sprintf("%s:%d", id(s.Mixed), j)] = wantEnd{graph.EndUnspent, v}
	}
	h := id(s.Consolidate) + ":0"
	cj := func(j int, v int64) { w[fmt.Sprintf("%s:%d", id(s.CoinJoin), j)] = wantEnd{graph.EndUnspent, v} }
	// Fees common to all policies: 30 peel hops × 1,234 + C1→D 10,000 + mixed 10,000.
	fees := int64(30*1_234 + 10_000 + 10_000)
	switch p {
	case trace.Haircut:
		w[h] = wantEnd{graph.EndExchange, 199_982_858}
		for j := 0; j < 5; j++ {
			cj(j, 20_000_000)
			cj(5+j, 9_999_600)
		}
		fees += 7_142 + 2_000
	case trace.FIFO:
		w[h] = wantEnd{graph.EndExchange, 199_990_000}
		cj(1, 50_000_000)
		cj(2, 100_000_000)
	case trace.LIFO:
		w[h] = wantEnd{graph.EndExchange, 199_990_000}
		cj(4, 50_000_000)
		cj(5, 49_998_000)
		cj(6, 49_998_000)
		cj(7, 4_000)
	case trace.TIHO:
		w[h] = wantEnd{graph.EndExchange, 199_990_000}
		cj(0, 100_000_000)
		cj(1, 50_000_000)
	case trace.Poison:
		w[h] = wantEnd{graph.EndExchange, 279_980_000}
		for j := 0; j < 5; j++ {
			cj(j, 100_000_000)
			cj(5+j, 49_998_000)
		}
		fees += 10_000 + 10_000 // consolidation and coinjoin fees in full
	}
	return w, fees
}

func runTrace(t *testing.T, src trace.Source, s *btcd.Theft, p trace.Policy, deposit bool) *graph.Result {
	t.Helper()
	res, err := trace.Run(ctx, src, []string{id(s.Theft)}, trace.Options{
		Policy: p, MaxHops: 40, Labels: exchangeLabels(s), CoinJoinHeuristic: true, ChangeHeuristic: true,
		DepositRule: deposit, Concurrency: 4,
	})
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return res
}

func TestTraceTheftEveryPolicy(t *testing.T) {
	_, s := scenario(t)
	r := newReplay(t)
	for _, p := range []trace.Policy{trace.Poison, trace.Haircut, trace.FIFO, trace.LIFO, trace.TIHO} {
		t.Run(string(p), func(t *testing.T) {
			bt := openBtcd(t, "btcd")
			res := runTrace(t, bt, s, p, false)
			want, fees := expectedEndpoints(s, p)
			got := map[string]wantEnd{}
			var sum int64
			for _, e := range res.Endpoints {
				if e.Asset != "BTC" {
					t.Errorf("asset %s", e.Asset)
				}
				if _, dup := got[e.Outpoint]; dup {
					t.Errorf("two endpoints at %s", e.Outpoint)
				}
				got[e.Outpoint] = wantEnd{e.Kind, e.Amount.Int64()}
				sum += e.Amount.Int64()
				cjOut := strings.HasPrefix(e.Outpoint, id(s.CoinJoin)+":")
				if e.LowConfidence != cjOut {
					t.Errorf("%s low_confidence = %v", e.Outpoint, e.LowConfidence)
				}
			}
			for op, w := range want {
				if g, ok := got[op]; !ok || g != w {
					t.Errorf("endpoint %s = %+v, want %+v", op, g, w)
				}
			}
			for op, g := range got {
				if _, ok := want[op]; !ok {
					t.Errorf("unexpected endpoint %s %+v", op, g)
				}
			}
			tot := res.Totals["BTC"]
			if tot == nil || tot.Seed.Int64() != 999_990_000 || tot.Fees.Int64() != fees {
				t.Fatalf("totals %+v, want seed 999,990,000 fees %d", tot, fees)
			}
			growth := int64(0)
			if p == trace.Poison {
				growth = 680_000_000 // clean inputs swallowed: E1 + E2 + 4 × 150,000,000
				if tot.Growth == nil || tot.Growth.Int64() != growth {
					t.Errorf("growth %v, want %d", tot.Growth, growth)
				}
			}
			if sum+fees != 999_990_000+growth {
				t.Errorf("endpoints %d + fees %d ≠ seed 999,990,000 + growth %d", sum, fees, growth)
			}
			var byKind int64
			for _, v := range tot.ByKind {
				byKind += v.Int64()
			}
			if byKind != sum {
				t.Errorf("by_kind sums to %d, endpoints to %d", byKind, sum)
			}
			// The same trace over the synthesised Esplora answers gives the same endpoints and totals.
			ea, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
			if err != nil {
				t.Fatal(err)
			}
			eres := runTrace(t, ea, s, p, false)
			if a, b := endpointsJSON(t, res), endpointsJSON(t, eres); a != b {
				t.Errorf("btcd and Esplora endpoints differ:\n%s\n%s", a, b)
			}
		})
	}
}

func endpointsJSON(t *testing.T, r *graph.Result) string {
	t.Helper()
	eps := append([]*graph.Endpoint(nil), r.Endpoints...)
	sort.SliceStable(eps, func(i, j int) bool { return eps[i].Outpoint < eps[j].Outpoint })
	b, err := json.Marshal(struct {
		E []*graph.Endpoint
		T map[string]*graph.Totals
	}{eps, r.Totals})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// With the deposit rule, D (spent together with the exchange's E1 and E2 within
// τ blocks) is an exchange deposit: 199,990,000 sat under every policy, with
// κ = 1 − ½·(473 − 443)/3200 = 0.9953… → 995‰, the sweep being the consolidation.
func TestTraceDepositRule(t *testing.T) {
	_, s := scenario(t)
	bt := openBtcd(t, "btcd")
	res := runTrace(t, bt, s, trace.Haircut, true)
	var dep *graph.Endpoint
	for _, e := range res.Endpoints {
		if e.Kind == graph.EndExchangeDeposit {
			dep = e
		}
	}
	if dep == nil {
		t.Fatal("no exchange-deposit endpoint")
	}
	if dep.Address != s.D.Address || dep.Outpoint != id(s.ToDeposit)+":0" || dep.Amount.Cmp(big.NewInt(199_990_000)) != 0 ||
		dep.Exchange != "ExampleEx" || dep.SweepTx != id(s.Consolidate) || dep.Confidence != 995 {
		t.Errorf("deposit endpoint = %+v", dep)
	}
}

// A txid:vout seed follows one output only: theft:2 (150,000,000 into the
// CoinJoin) under FIFO ends in coinjoin:1 (50,000,000) and coinjoin:2
// (100,000,000), both low-confidence, nothing in fees.
func TestTraceOutpointSeed(t *testing.T) {
	_, s := scenario(t)
	bt := openBtcd(t, "btcd")
	res, err := trace.Run(ctx, bt, []string{id(s.Theft) + ":2"}, trace.Options{Policy: trace.FIFO, MaxHops: 10, CoinJoinHeuristic: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, e := range res.Endpoints {
		got[e.Outpoint] = e.Amount.Int64()
		if !e.LowConfidence || e.Kind != graph.EndUnspent {
			t.Errorf("%s: %+v", e.Outpoint, e)
		}
	}
	want := map[string]int64{id(s.CoinJoin) + ":1": 50_000_000, id(s.CoinJoin) + ":2": 100_000_000}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("endpoints %v, want %v", got, want)
	}
	if tot := res.Totals["BTC"]; tot.Seed.Int64() != 150_000_000 || tot.Fees.Sign() != 0 {
		t.Errorf("totals %+v", tot)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "CoinJoin") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// An address seed: the deposit address D received 199,990,000 at block 443 and
// swept it with the exchange's coins into H. Haircut: H gets
// ⌊199,990,000·279,980,000/279,990,000⌋ + 1 (remainder) = 199,982,858 and the fee
// 7,142 — through btcd and through the synthesised Esplora answers alike.
func TestTraceAddressSeed(t *testing.T) {
	_, s := scenario(t)
	r := newReplay(t)
	ea, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
	if err != nil {
		t.Fatal(err)
	}
	var prev string
	for _, src := range []*Adapter{openBtcd(t, "btcd"), ea} {
		res, err := trace.Run(ctx, src, []string{s.D.Address}, trace.Options{Policy: trace.Haircut, MaxHops: 5,
			Labels: exchangeLabels(s), FromBlock: 442})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Endpoints) != 1 {
			t.Fatalf("%s: %d endpoints", src.Backend(), len(res.Endpoints))
		}
		e, tot := res.Endpoints[0], res.Totals["BTC"]
		if e.Kind != graph.EndExchange || e.Outpoint != id(s.Consolidate)+":0" || e.Amount.Int64() != 199_982_858 ||
			tot.Seed.Int64() != 199_990_000 || tot.Fees.Int64() != 7_142 {
			t.Errorf("%s: endpoint %+v totals %+v", src.Backend(), e, tot)
		}
		j := endpointsJSON(t, res)
		if prev != "" && j != prev {
			t.Errorf("btcd and Esplora differ:\n%s\n%s", prev, j)
		}
		prev = j
	}
}

// A coinbase as the seed: block 475's reward (regtest era 3: 50/8 BTC =
// 625,000,000 sat) was never spent, so it all ends unspent in its own output.
func TestTraceCoinbaseSeed(t *testing.T) {
	n, _ := scenario(t)
	h, err := n.Client.GetBlockHash(475)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := n.Client.GetBlock(h)
	if err != nil {
		t.Fatal(err)
	}
	cb := blk.Transactions[0].TxHash().String()
	res, err := trace.Run(ctx, openBtcd(t, "btcd"), []string{cb}, trace.Options{Policy: trace.FIFO})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Endpoints) != 1 || res.Endpoints[0].Outpoint != cb+":0" || res.Endpoints[0].Amount.Int64() != 625_000_000 ||
		res.Endpoints[0].Kind != graph.EndUnspent || res.Totals["BTC"].Seed.Int64() != 625_000_000 {
		t.Errorf("coinbase seed: %+v", res.Endpoints)
	}
}
