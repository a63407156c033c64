package trace

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"

	"github.com/chaintrace/chaintrace/graph"
)

// memAccount is a tiny in-memory account chain for the tracer's unit tests: every
// answer is computed from a list of transfers, so each test states its chain in a
// few lines and computes its expected splits by hand. (Adapters are tested against
// real nodes in their own packages.)
type memAccount struct {
	trs      []graph.Transfer
	opening  map[string]int64 // balance of native asset before block 1
	tip      uint64
	calls    map[string]int
	contract map[string]bool
	failHist map[string]bool
}

var eth = graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}
var usdt = graph.Asset{ID: "0xUSDT", Symbol: "USDT", Decimals: 6, Contract: "0xUSDT"}

func newMem() *memAccount {
	return &memAccount{opening: map[string]int64{}, tip: 100000, calls: map[string]int{}, contract: map[string]bool{}, failHist: map[string]bool{}}
}

// tx appends a transaction at block b from `from`: fee first, then the given legs.
func (m *memAccount) tx(hash string, b uint64, from string, fee int64, legs ...graph.Transfer) {
	seq := 0
	idx := 0
	for _, t := range m.trs {
		if t.Block == b && t.TxHash != hash {
			idx = max(idx, t.TxIndex+1)
		}
	}
	add := func(t graph.Transfer) {
		t.TxHash, t.Block, t.TxIndex, t.Seq, t.Time = hash, b, idx, seq, int64(1600000000+b*12)
		t.Chain = "test"
		if t.Position == "" {
			t.Position = fmt.Sprint(t.Kind, " ", seq)
		}
		seq++
		m.trs = append(m.trs, t)
	}
	if fee > 0 {
		add(graph.Transfer{Asset: eth, Kind: graph.KindFee, From: from, Amount: big.NewInt(fee)})
	}
	for _, l := range legs {
		if l.From == "" {
			l.From = from
		}
		if l.Kind == "" {
			l.Kind = graph.KindValue
			if !l.Asset.Native() {
				l.Kind = graph.KindToken
			}
		}
		if l.Asset.ID == "" {
			l.Asset = eth
		}
		add(l)
	}
}

func leg(to string, amount int64) graph.Transfer {
	return graph.Transfer{To: to, Amount: big.NewInt(amount)}
}

func (m *memAccount) Info() ChainInfo {
	return ChainInfo{Name: "test", Family: graph.FamilyAccount, Native: eth}
}
func (m *memAccount) Tip(context.Context) (uint64, error) { return m.tip, nil }
func (m *memAccount) NormalizeAddress(a string) (string, error) {
	if strings.HasPrefix(a, "bad") {
		return "", fmt.Errorf("%w: %q", ErrBadInput, a)
	}
	return a, nil
}

func (m *memAccount) TxTransfers(_ context.Context, h string) ([]graph.Transfer, error) {
	m.calls["tx"]++
	var out []graph.Transfer
	for _, t := range m.trs {
		if t.TxHash == h {
			out = append(out, t)
		}
	}
	if out == nil {
		return nil, fmt.Errorf("tx %s: %w", h, ErrNotFound)
	}
	return out, nil
}

func (m *memAccount) History(_ context.Context, q HistoryQuery) (History, error) {
	m.calls["history"]++
	m.calls["history:"+q.Address]++
	if m.failHist[q.Address] {
		return History{}, fmt.Errorf("node down")
	}
	var h History
	for _, t := range m.trs {
		if (t.From == q.Address || t.To == q.Address) && t.Block >= q.FromBlock && t.Block <= q.ToBlock {
			h.Transfers = append(h.Transfers, t)
		}
	}
	sort.Slice(h.Transfers, func(i, j int) bool { return h.Transfers[i].Key().Less(h.Transfers[j].Key()) })
	if q.Limit > 0 && len(h.Transfers) > q.Limit {
		h.Transfers = h.Transfers[:q.Limit+1]
		h.Truncated = true
	}
	return h, nil
}

func (m *memAccount) Balance(_ context.Context, addr string, a graph.Asset, block uint64) (*big.Int, error) {
	m.calls["balance"]++
	b := new(big.Int)
	if a.Native() {
		b.SetInt64(m.opening[addr])
	}
	for _, t := range m.trs {
		if t.Block > block {
			continue
		}
		src := t.Asset
		if t.SrcAsset != nil {
			src = *t.SrcAsset
		}
		if t.To == addr && t.Asset.ID == a.ID {
			b.Add(b, t.Amount)
		}
		if t.From == addr && src.ID == a.ID {
			b.Sub(b, t.Amount)
		}
	}
	return b, nil
}

func (m *memAccount) IsContract(_ context.Context, addr string, _ uint64) (bool, error) {
	return m.contract[addr], nil
}

type mapLabels map[string]Label

func (l mapLabels) Lookup(_, a string) (Label, bool) {
	lb, ok := l[a]
	if ok {
		lb.Address = a
	}
	return lb, ok
}

// memUTXO is the UTXO counterpart.
type memUTXO struct {
	txs   map[string]*graph.UTXOTx
	order []string
	tip   uint64
}

func newMemUTXO() *memUTXO { return &memUTXO{txs: map[string]*graph.UTXOTx{}, tip: 1000} }

type out struct {
	addr  string
	value int64
	burn  bool
}

// add creates tx id at block b spending the given outpoints with outputs outs.
func (m *memUTXO) add(id string, b uint64, spends []graph.Outpoint, outs ...out) {
	tx := &graph.UTXOTx{Chain: "btc-test", TxID: id, Block: b, BlockHash: fmt.Sprint("h", b), Time: int64(1600000000 + b*600)}
	if b == 0 {
		tx.BlockHash = ""
	}
	for _, op := range spends {
		prev := m.txs[op.TxID].Outputs[op.Vout]
		tx.Inputs = append(tx.Inputs, graph.TxIn{Prev: op, Address: prev.Address, Value: prev.Value})
	}
	if len(spends) == 0 {
		tx.Coinbase = true
	}
	for j, o := range outs {
		st := "p2wpkh"
		if o.burn {
			st = "op_return"
		}
		tx.Outputs = append(tx.Outputs, graph.TxOut{Index: uint32(j), Address: o.addr, Value: big.NewInt(o.value), ScriptType: st})
	}
	m.txs[id] = tx
	m.order = append(m.order, id)
}

func op(id string, n uint32) graph.Outpoint { return graph.Outpoint{TxID: id, Vout: n} }

func (m *memUTXO) Info() ChainInfo {
	return ChainInfo{Name: "btc-test", Family: graph.FamilyUTXO, Native: graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}}
}
func (m *memUTXO) Tip(context.Context) (uint64, error)       { return m.tip, nil }
func (m *memUTXO) NormalizeAddress(a string) (string, error) { return a, nil }
func (m *memUTXO) Tx(_ context.Context, id string) (*graph.UTXOTx, error) {
	if tx, ok := m.txs[id]; ok {
		return tx, nil
	}
	return nil, fmt.Errorf("tx %s: %w", id, ErrNotFound)
}
func (m *memUTXO) Spender(_ context.Context, o graph.Outpoint) (*graph.UTXOTx, error) {
	for _, id := range m.order {
		for _, in := range m.txs[id].Inputs {
			if in.Prev == o {
				return m.txs[id], nil
			}
		}
	}
	return nil, nil
}
func (m *memUTXO) AddressTxs(_ context.Context, addr string, to uint64) ([]*graph.UTXOTx, error) {
	var r []*graph.UTXOTx
	for _, id := range m.order {
		tx := m.txs[id]
		hit := false
		for _, o := range tx.Outputs {
			hit = hit || o.Address == addr
		}
		for _, in := range tx.Inputs {
			hit = hit || in.Address == addr
		}
		if hit && tx.Block <= to {
			r = append(r, tx)
		}
	}
	return r, nil
}

// hex64 makes a 64-hex-digit hash from a short name, so seeds parse as tx hashes.
func hex64(s string) string {
	return fmt.Sprintf("%064x", new(big.Int).SetBytes([]byte(s)))
}

// lockedMem makes memAccount safe for the tracer's concurrent prefetching (its
// call counters are the only shared writes).
type lockedMem struct {
	mu sync.Mutex
	m  *memAccount
}

func (l *lockedMem) Info() ChainInfo                           { return l.m.Info() }
func (l *lockedMem) Tip(ctx context.Context) (uint64, error)   { return l.m.Tip(ctx) }
func (l *lockedMem) NormalizeAddress(a string) (string, error) { return l.m.NormalizeAddress(a) }
func (l *lockedMem) TxTransfers(ctx context.Context, h string) ([]graph.Transfer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.TxTransfers(ctx, h)
}
func (l *lockedMem) History(ctx context.Context, q HistoryQuery) (History, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.History(ctx, q)
}
func (l *lockedMem) Balance(ctx context.Context, a string, as graph.Asset, b uint64) (*big.Int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.Balance(ctx, a, as, b)
}

// Transfer is a short name for tests.
type Transfer = graph.Transfer

// indexedMem answers History from a per-address index (benchmarks).
type indexedMem struct {
	*memAccount
	by map[string][]graph.Transfer
}

func indexMem(m *memAccount) *indexedMem {
	x := &indexedMem{memAccount: m, by: map[string][]graph.Transfer{}}
	sort.Slice(m.trs, func(i, j int) bool { return m.trs[i].Key().Less(m.trs[j].Key()) })
	for _, t := range m.trs {
		x.by[t.From] = append(x.by[t.From], t)
		if t.To != t.From && t.To != "" {
			x.by[t.To] = append(x.by[t.To], t)
		}
	}
	return x
}

func (x *indexedMem) History(_ context.Context, q HistoryQuery) (History, error) {
	var h History
	for _, t := range x.by[q.Address] {
		if t.Block >= q.FromBlock && t.Block <= q.ToBlock {
			h.Transfers = append(h.Transfers, t)
		}
	}
	return h, nil
}

func (x *indexedMem) Balance(context.Context, string, graph.Asset, uint64) (*big.Int, error) {
	return new(big.Int), nil
}

type indexedUTXO struct {
	*memUTXO
	spender map[graph.Outpoint]*graph.UTXOTx
}

func indexUTXO(m *memUTXO) *indexedUTXO {
	x := &indexedUTXO{memUTXO: m, spender: map[graph.Outpoint]*graph.UTXOTx{}}
	for _, id := range m.order {
		for _, in := range m.txs[id].Inputs {
			x.spender[in.Prev] = m.txs[id]
		}
	}
	return x
}

func (x *indexedUTXO) Spender(_ context.Context, o graph.Outpoint) (*graph.UTXOTx, error) {
	return x.spender[o], nil
}
