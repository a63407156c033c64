package trace

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// batchAcct answers the frontier batch methods with memAccount's single ones and
// counts batches and the single calls the tracer made outside them.
type batchAcct struct {
	*memAccount
	mu      sync.Mutex
	batches map[string]int
	sizes   map[string][]int
	singles map[string]int
}

func newBatchAcct(m *memAccount) *batchAcct {
	return &batchAcct{memAccount: m, batches: map[string]int{}, sizes: map[string][]int{}, singles: map[string]int{}}
}

func (b *batchAcct) History(ctx context.Context, q HistoryQuery) (History, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.singles["history"]++
	return b.memAccount.History(ctx, q)
}

func (b *batchAcct) Balance(ctx context.Context, addr string, a graph.Asset, block uint64) (*big.Int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.singles["balance"]++
	return b.memAccount.Balance(ctx, addr, a, block)
}

func (b *batchAcct) IsContract(ctx context.Context, addr string, block uint64) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.singles["code"]++
	return b.memAccount.IsContract(ctx, addr, block)
}

func (b *batchAcct) Histories(ctx context.Context, qs []HistoryQuery) []HistoryResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches["history"]++
	b.sizes["history"] = append(b.sizes["history"], len(qs))
	out := make([]HistoryResult, len(qs))
	for i, q := range qs {
		out[i].History, out[i].Err = b.memAccount.History(ctx, q)
	}
	return out
}

func (b *batchAcct) Balances(ctx context.Context, qs []BalanceQuery) []BalanceResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches["balance"]++
	out := make([]BalanceResult, len(qs))
	for i, q := range qs {
		out[i].Balance, out[i].Err = b.memAccount.Balance(ctx, q.Address, q.Asset, q.Block)
	}
	return out
}

func (b *batchAcct) AreContracts(ctx context.Context, addrs []string, block uint64) []ContractResult {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches["code"]++
	out := make([]ContractResult, len(addrs))
	for i, a := range addrs {
		out[i].IsContract, out[i].Err = b.memAccount.IsContract(ctx, a, block)
	}
	return out
}

type batchUTXO struct {
	*memUTXO
	batches, singles int
	sizes            []int
}

func (b *batchUTXO) Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	b.singles++
	return b.memUTXO.Spender(ctx, op)
}

func (b *batchUTXO) Spenders(ctx context.Context, ops []graph.Outpoint) []SpenderResult {
	b.batches++
	b.sizes = append(b.sizes, len(ops))
	out := make([]SpenderResult, len(ops))
	for i, op := range ops {
		out[i].Tx, out[i].Err = b.memUTXO.Spender(ctx, op)
	}
	return out
}

func resultJSON(t *testing.T, r *graph.Result) string {
	t.Helper()
	b, err := json.Marshal(struct {
		E any
		T any
		W any
	}{r.Endpoints, r.Totals, r.Warnings})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fanOutAcct: V → F0..F3 (block 10), each Fi → 3 payees (11), each of those → 2 (12).
func fanOutAcct() *memAccount {
	m := newMem()
	var legs []graph.Transfer
	for i := 0; i < 4; i++ {
		legs = append(legs, leg(fmt.Sprint("F", i), 1000))
	}
	m.tx(hSeed, 10, "V", 0, legs...)
	for i := 0; i < 4; i++ {
		var l2 []graph.Transfer
		for j := 0; j < 3; j++ {
			l2 = append(l2, leg(fmt.Sprintf("G%d_%d", i, j), 300))
		}
		m.tx("0x"+hex64(fmt.Sprint("g", i)), 11, fmt.Sprint("F", i), 1, l2...)
		for j := 0; j < 3; j++ {
			m.tx("0x"+hex64(fmt.Sprintf("h%d_%d", i, j)), 12, fmt.Sprintf("G%d_%d", i, j), 1, leg(fmt.Sprintf("H%d_%d_a", i, j), 100), leg(fmt.Sprintf("H%d_%d_b", i, j), 150))
		}
	}
	m.opening["G0_1"] = 77 // clean funds already held: the batched balance must be used
	m.contract["H1_1_a"] = true
	return m
}

// Frontier batching gives byte-identical results, and every lookup of a hop level
// leaves in one batch: no single History, Balance or IsContract call remains.
func TestAccountFrontierBatching(t *testing.T) {
	for _, p := range Policies {
		for _, conc := range []int{1, 4} {
			mod := func(o *Options) { o.MaxHops, o.Concurrency, o.DepositRule = 3, conc, false }
			plain := run(t, fanOutAcct(), p, []string{hSeed}, nil, func(o *Options) { o.MaxHops, o.DepositRule = 3, false })
			b := newBatchAcct(fanOutAcct())
			got := run(t, b, p, []string{hSeed}, nil, mod)
			if x, y := resultJSON(t, plain), resultJSON(t, got); x != y {
				t.Fatalf("%s c%d: batched result differs:\n%s\n%s", p, conc, x, y)
			}
			if len(b.singles) != 0 {
				t.Errorf("%s c%d: single calls outside the batches: %v", p, conc, b.singles)
			}
			// levels: F (4), G (12), H (24 at the hop limit: not fetched without the deposit rule)
			if want := []int{4, 12}; fmt.Sprint(b.sizes["history"]) != fmt.Sprint(want) {
				t.Errorf("%s c%d: history batches %v, want %v", p, conc, b.sizes["history"], want)
			}
			if b.batches["code"] != 2 { // with the two frontiers of followed holders, none at the end
				t.Errorf("%s c%d: %d contract-check batches, want 2", p, conc, b.batches["code"])
			}
		}
	}
	// with the deposit rule the hop-limit level is looked up too, in one more batch
	b := newBatchAcct(fanOutAcct())
	mod := func(o *Options) { o.MaxHops, o.DepositRule = 3, true }
	plain := run(t, fanOutAcct(), Haircut, []string{hSeed}, nil, mod)
	if x, y := resultJSON(t, plain), resultJSON(t, run(t, b, Haircut, []string{hSeed}, nil, mod)); x != y {
		t.Fatalf("deposit rule: batched result differs:\n%s\n%s", x, y)
	}
	if want := []int{4, 12, 24}; fmt.Sprint(b.sizes["history"]) != fmt.Sprint(want) || len(b.singles) != 0 {
		t.Errorf("deposit rule: history batches %v (want %v), singles %v", b.sizes["history"], want, b.singles)
	}
}

// UTXO: a 3-way fan-out over 4 levels; each level's spenders leave in one batch.
func TestUTXOFrontierBatching(t *testing.T) {
	build := func() *memUTXO {
		m := newMemUTXO()
		m.add(hex64("fund"), 1, nil, out{"V", 1_000_000, false})
		m.add(hex64("theft"), 2, []graph_op{op(hex64("fund"), 0)}, out{"A0", 300_000, false}, out{"A1", 300_000, false}, out{"A2", 300_000, false}, out{"", 0, true})
		level := []graph.Outpoint{op(hex64("theft"), 0), op(hex64("theft"), 1), op(hex64("theft"), 2)}
		for h := 1; h <= 3; h++ {
			var next []graph.Outpoint
			for i, o := range level {
				id := hex64(fmt.Sprintf("l%d_%d", h, i))
				v := m.txs[o.TxID].Outputs[o.Vout].Value.Int64()
				m.add(id, uint64(2+h), []graph_op{o}, out{fmt.Sprintf("B%d_%d_0", h, i), v/3 - 10, false}, out{fmt.Sprintf("B%d_%d_1", h, i), v / 3, false}, out{fmt.Sprintf("B%d_%d_2", h, i), v / 3, false})
				next = append(next, op(id, 0), op(id, 1), op(id, 2))
			}
			level = next
		}
		return m
	}
	for _, p := range Policies {
		for _, conc := range []int{1, 4} {
			opts := Options{Policy: p, MaxHops: 5, Concurrency: conc, DepositRule: true}
			plain, err := Run(context.Background(), build(), []string{hex64("theft")}, opts)
			if err != nil {
				t.Fatal(err)
			}
			b := &batchUTXO{memUTXO: build()}
			got, err := Run(context.Background(), b, []string{hex64("theft")}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if x, y := resultJSON(t, plain), resultJSON(t, got); x != y {
				t.Fatalf("%s c%d: batched result differs:\n%s\n%s", p, conc, x, y)
			}
			if b.singles != 0 {
				t.Errorf("%s c%d: %d single Spender calls outside the batches", p, conc, b.singles)
			}
			// hop 1: 3 outputs, hop 2: 9, hop 3: 27, hop 4: 81 (unspent)
			if want := []int{3, 9, 27, 81}; fmt.Sprint(b.sizes) != fmt.Sprint(want) {
				t.Errorf("%s c%d: spender batches %v, want %v", p, conc, b.sizes, want)
			}
		}
	}
}

// frontierAcct is batchAcct with a FrontierBatcher: a whole level in one call.
type frontierAcct struct {
	*batchAcct
	levels []int // histories per Frontier call
}

func (f *frontierAcct) Frontier(ctx context.Context, q FrontierQuery) FrontierResult {
	f.mu.Lock()
	f.levels = append(f.levels, len(q.Histories))
	f.mu.Unlock()
	r := FrontierResult{Histories: f.Histories(ctx, q.Histories), Balances: f.Balances(ctx, q.Balances)}
	if q.Contracts != nil {
		r.Contracts = f.AreContracts(ctx, q.Contracts, q.ContractBlock)
	}
	return r
}

// With a FrontierBatcher a level is one Frontier call at concurrency > 1 (and
// the three batch methods side by side at 1), results byte-identical.
func TestAccountFrontierCall(t *testing.T) {
	for _, p := range Policies {
		for _, conc := range []int{1, 4} {
			mod := func(o *Options) { o.MaxHops, o.Concurrency, o.DepositRule = 3, conc, true }
			plain := run(t, fanOutAcct(), p, []string{hSeed}, nil, func(o *Options) { o.MaxHops, o.DepositRule = 3, true })
			f := &frontierAcct{batchAcct: newBatchAcct(fanOutAcct())}
			got := run(t, f, p, []string{hSeed}, nil, mod)
			if x, y := resultJSON(t, plain), resultJSON(t, got); x != y {
				t.Fatalf("%s c%d: result with Frontier differs:\n%s\n%s", p, conc, x, y)
			}
			want := "[4 12 24]"
			if conc == 1 {
				want = "[]"
			}
			if fmt.Sprint(f.levels) != want || len(f.singles) != 0 {
				t.Errorf("%s c%d: Frontier calls of %v histories (want %s), singles %v", p, conc, f.levels, want, f.singles)
			}
			if conc > 1 && f.batches["code"] != 2 {
				t.Errorf("%s c%d: %d contract checks in the frontiers, want 2", p, conc, f.batches["code"])
			}
		}
	}
}
