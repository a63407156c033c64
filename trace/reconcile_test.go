package trace

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// unseenSource is a memAccount whose node balance at the end (block ≥ 50, after
// every transaction) differs from its transfers by extra: value moved without a
// transfer its history returns.
type unseenSource struct {
	*memAccount
	extra map[string]int64
}

func (u unseenSource) Balance(ctx context.Context, addr string, a graph.Asset, block uint64) (*big.Int, error) {
	b, err := u.memAccount.Balance(ctx, addr, a, block)
	if err == nil && block >= 50 && a.Native() {
		b.Add(b, big.NewInt(u.extra[addr]))
	}
	return b, err
}

func discrepancies(r *graph.Result) map[string]int64 {
	out := map[string]int64{}
	for _, d := range r.Discrepancies {
		out[d.Address+" "+d.Asset] = d.Unexplained.Int64()
	}
	return out
}

// TestReconcileHopHolders works baseChain under haircut by hand (see
// TestAccountPolicies): A ends with 0 of 0 taint, B holds 30 with 20 taint, C 20.
// B's node balance is 10 lower (it sent 10 unseen) and A's 5 higher (a credit
// nobody reported).
func TestReconcileHopHolders(t *testing.T) {
	m, lb := baseChain()
	src := unseenSource{m, map[string]int64{"A": 5, "B": -10}}
	r := run(t, src, Haircut, []string{hSeed}, lb, nil)
	// B: the unseen 10 carry 20·10/30 = 6 of its taint → incomplete; 14 stay.
	checkEndpoints(t, r, "ETH", []want{
		{graph.EndExchange, "X", 60}, {graph.EndUnspent, "B", 14}, {graph.EndIncomplete, "B", 6}, {graph.EndUnspent, "C", 20},
	}, 0)
	if got := discrepancies(r); len(got) != 2 || got["A ETH"] != 5 || got["B ETH"] != -10 {
		t.Errorf("discrepancies %v, want A +5 and B −10", got)
	}
	for _, e := range r.Endpoints {
		if e.Address == "B" && (e.Unexplained == nil || e.Unexplained.Int64() != -10) {
			t.Errorf("endpoint %s at B: unexplained %v, want -10", e.Kind, e.Unexplained)
		}
		if e.Address != "B" && e.Unexplained != nil {
			t.Errorf("endpoint %s at %s carries unexplained %v", e.Kind, e.Address, e.Unexplained)
		}
	}
	n := 0
	for _, w := range r.Warnings {
		if strings.Contains(w, "unexplained") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d warnings name an unexplained amount, want 2: %q", n, r.Warnings)
	}
	// Reconciled holders are quiet.
	r = run(t, m, Haircut, []string{hSeed}, lb, nil)
	if len(r.Discrepancies) != 0 {
		t.Errorf("consistent source: discrepancies %v", discrepancies(r))
	}
}

// TestReconcileAddressSeed: an unexplained credit to an address seed counts as
// stolen (the seed grows); under FIFO a clean credit at a hop holder changes no
// tainted amount.
func TestReconcileAddressSeed(t *testing.T) {
	m, lb := baseChain()
	src := unseenSource{m, map[string]int64{"C": 7}}
	// Seed C from block 1: it receives 30 from B in block 13, holds them, and the
	// node says 37.
	r := run(t, src, FIFO, []string{"C"}, lb, func(o *Options) { o.FromBlock = 1 })
	checkEndpoints(t, r, "ETH", []want{{graph.EndUnspent, "C", 37}}, 0)
	if r.Totals["ETH"].Seed.Int64() != 37 {
		t.Errorf("seed %s, want 37 (30 received + 7 unexplained)", r.Totals["ETH"].Seed)
	}
	// From the theft: C is a hop holder with 30 of which FIFO taints… B's FIFO
	// lots: 100 taint arrived at A after 50 clean, so A→B 60 takes 49 clean + 11
	// taint (fee 1 first, clean); B→C 30 takes B's oldest: 11 taint then 19 clean.
	r = run(t, src, FIFO, []string{hSeed}, lb, nil)
	var cTaint int64
	for _, e := range r.Endpoints {
		if e.Address == "C" {
			cTaint += e.Amount.Int64()
			if e.Unexplained == nil || e.Unexplained.Int64() != 7 {
				t.Errorf("C's endpoint: unexplained %v, want 7", e.Unexplained)
			}
		}
	}
	if cTaint != 11 {
		t.Errorf("C holds %d taint, want 11 (the clean 7 must not add any)", cTaint)
	}
}
