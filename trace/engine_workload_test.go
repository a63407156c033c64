package trace

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/holiman/uint256"
)

// Synthetic workloads for the engine-at-scale benchmarks (issue 14). Both are
// seeded and deterministic, and both generate their answers lazily from a few
// arrays, so that at 10⁷ transfers the fake chain costs little memory of its own
// and what the benchmark measures is the tracer: the transfers a source hands
// over are allocated per call, as a real adapter allocates them.
//
// Account workload: a theft pays holder 0; every holder receives its tainted
// credit, then wlClean clean credits from unrelated senders, then (if it has
// children) spends in one transaction: a gas fee and wlFanOut payments of 40%,
// 30%, 15% and 10% of what it holds, keeping the rest. Holders form a complete
// wlFanOut-ary tree, so a trace follows every holder and ends at each as unspent.
//
// UTXO workload: the theft transaction's three outputs are each spent by a
// transaction with two inputs (the tainted output and a clean coin, in an order
// that alternates) and three outputs (50%, 30%, change 20% minus the fee), whose
// outputs are spent the same way: a complete ternary tree of transactions.

const (
	wlFanOut = 4
	wlClean  = 2
)

var wlWeights = [wlFanOut]uint64{400, 300, 150, 100}

// mix64 is splitmix64's finaliser: the workloads' seeded randomness.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const hexdigits = "0123456789abcdef"

// wlHex writes "0x"-less hex names: 16 digits that make the name unique (tag,
// index, part) followed by pseudo-random digits up to n.
func wlHex(prefix string, n int, tag byte, i uint64, part byte) string {
	var sb strings.Builder
	sb.Grow(len(prefix) + n)
	sb.WriteString(prefix)
	id := uint64(tag)<<56 | uint64(part)<<48 | i
	for k := 0; k < 16; k++ {
		sb.WriteByte(hexdigits[(id>>(60-4*k))&15])
	}
	r := mix64(id)
	for k := 16; k < n; k++ {
		if k%16 == 0 {
			r = mix64(r)
		}
		sb.WriteByte(hexdigits[(r>>(60-4*(k%16)))&15])
	}
	return sb.String()
}

func wlParse(s string, prefix string, tag byte) (uint64, byte, bool) {
	if len(s) < len(prefix)+16 || s[:len(prefix)] != prefix {
		return 0, 0, false
	}
	id, err := strconv.ParseUint(s[len(prefix):len(prefix)+16], 16, 64)
	if err != nil || byte(id>>56) != tag {
		return 0, 0, false
	}
	return id & (1<<48 - 1), byte(id >> 48), true
}

// ---- account workload ----

type acctWorkload struct {
	holders  int           // 4·internal + 1
	internal int           // holders with children
	credit   []uint256.Int // tainted credit of each holder
	credBlk  []uint64      // block of that credit (the parent's spend block)
	seedAmt  uint256.Int
}

const (
	tagHolder = 1
	tagClean  = 2
	tagVictim = 3
	tagSeedTx = 4
	tagCredTx = 5
	tagSpend  = 6
)

// newAcctWorkload builds a workload of about n replayed transfers.
func newAcctWorkload(n int) *acctWorkload {
	// transfers = seed fee + seed leg + wlClean per holder + (fee + legs) per internal
	internal := (n - 2) / (wlClean*wlFanOut + wlClean + 1 + wlFanOut)
	if internal < 1 {
		internal = 1
	}
	w := &acctWorkload{internal: internal, holders: wlFanOut*internal + 1}
	w.credit = make([]uint256.Int, w.holders)
	w.credBlk = make([]uint64, w.holders)
	w.seedAmt.SetFromDecimal("1000000000000000123456789") // 10⁶ ETH and change: more than 64 bits
	w.credit[0] = w.seedAmt
	w.credBlk[0] = 100
	for i := 0; i < internal; i++ {
		bal := w.balance(i)
		fee := w.fee(i)
		var spendable uint256.Int
		spendable.Sub(&bal, &fee)
		for k := 0; k < wlFanOut; k++ {
			c := wlFanOut*i + 1 + k
			w.credit[c].Mul(&spendable, uint256.NewInt(wlWeights[k]))
			w.credit[c].Div(&w.credit[c], uint256.NewInt(1000))
			w.credBlk[c] = w.spendBlock(i)
		}
	}
	return w
}

// Transfers is how many transfers a trace of the workload replays.
func (w *acctWorkload) Transfers() int {
	return 2 + wlClean*w.holders + (1+wlFanOut)*w.internal
}

func (w *acctWorkload) cleanAmt(i, j int) uint256.Int {
	var v uint256.Int
	v.SetUint64(mix64(uint64(i)<<8|uint64(j)) % 100_000_000_000)
	v.Mul(&v, uint256.NewInt(1_000_000_000)) // up to 100 ETH
	return v
}

func (w *acctWorkload) fee(i int) uint256.Int {
	var v uint256.Int
	v.SetUint64(21000 * (20_000_000_000 + mix64(uint64(i)^0xfee)%1_000_000_000))
	return v
}

func (w *acctWorkload) balance(i int) uint256.Int {
	b := w.credit[i]
	for j := 0; j < wlClean; j++ {
		c := w.cleanAmt(i, j)
		b.Add(&b, &c)
	}
	return b
}

func (w *acctWorkload) spendBlock(i int) uint64 {
	return w.credBlk[i] + 1 + wlClean + mix64(uint64(i))%3
}

func (w *acctWorkload) addr(i int) string { return wlHex("0x", 40, tagHolder, uint64(i), 0) }
func (w *acctWorkload) seedHash() string  { return wlHex("0x", 64, tagSeedTx, 0, 0) }
func (w *acctWorkload) victim() string    { return wlHex("0x", 40, tagVictim, 0, 0) }
func (w *acctWorkload) spendHash(i int) string {
	return wlHex("0x", 64, tagSpend, uint64(i), 0)
}

func wlTime(b uint64) int64 { return 1_600_000_000 + int64(b)*12 }

// creditOf is holder i's tainted credit, exactly as its payer's spend lists it.
func (w *acctWorkload) creditOf(i int) graph.Transfer {
	amt := w.credit[i].ToBig()
	if i == 0 {
		b := w.credBlk[0]
		return graph.Transfer{Chain: "bench", Asset: eth, Kind: graph.KindValue, TxHash: w.seedHash(), TxIndex: 0, Seq: 1,
			Position: "value", Block: b, Time: wlTime(b), From: w.victim(), To: w.addr(0), Amount: amt}
	}
	p, k := (i-1)/wlFanOut, (i-1)%wlFanOut
	return w.leg(p, k, amt)
}

func (w *acctWorkload) leg(p, k int, amt *big.Int) graph.Transfer {
	b := w.spendBlock(p)
	kind, pos := graph.KindValue, "value"
	if k > 0 {
		kind, pos = graph.KindInternal, "call 0."+strconv.Itoa(k-1)
	}
	return graph.Transfer{Chain: "bench", Asset: eth, Kind: kind, TxHash: w.spendHash(p), TxIndex: 4*p + 4, Seq: 1 + k,
		Position: pos, Block: b, Time: wlTime(b), From: w.addr(p), To: w.addr(wlFanOut*p + 1 + k), Amount: amt}
}

// history is every transfer of holder i, in chain order.
func (w *acctWorkload) history(i int, from, to uint64) []graph.Transfer {
	n := 1 + wlClean
	if i < w.internal {
		n += 1 + wlFanOut
	}
	out := make([]graph.Transfer, 0, n)
	add := func(t graph.Transfer) {
		if t.Block >= from && t.Block <= to {
			out = append(out, t)
		}
	}
	add(w.creditOf(i))
	for j := 0; j < wlClean; j++ {
		b := w.credBlk[i] + 1 + uint64(j)
		c := w.cleanAmt(i, j)
		add(graph.Transfer{Chain: "bench", Asset: eth, Kind: graph.KindValue, TxHash: wlHex("0x", 64, tagCredTx, uint64(i), byte(j)),
			TxIndex: 4*i + 5 + j, Seq: 1, Position: "value", Block: b, Time: wlTime(b),
			From: wlHex("0x", 40, tagClean, uint64(i), byte(j)), To: w.addr(i), Amount: c.ToBig()})
	}
	if i < w.internal {
		b := w.spendBlock(i)
		f := w.fee(i)
		add(graph.Transfer{Chain: "bench", Asset: eth, Kind: graph.KindFee, TxHash: w.spendHash(i), TxIndex: 4*i + 4, Seq: 0,
			Position: "fee", Block: b, Time: wlTime(b), From: w.addr(i), Amount: f.ToBig()})
		for k := 0; k < wlFanOut; k++ {
			add(w.leg(i, k, w.credit[wlFanOut*i+1+k].ToBig()))
		}
	}
	return out
}

// acctWorkloadSource serves the workload as an AccountSource.
type acctWorkloadSource struct{ w *acctWorkload }

func (s acctWorkloadSource) Info() ChainInfo {
	return ChainInfo{Name: "bench", Family: graph.FamilyAccount, Native: eth}
}
func (s acctWorkloadSource) Tip(context.Context) (uint64, error)       { return 1 << 40, nil }
func (s acctWorkloadSource) NormalizeAddress(a string) (string, error) { return a, nil }
func (s acctWorkloadSource) TxTransfers(_ context.Context, h string) ([]graph.Transfer, error) {
	if h != s.w.seedHash() {
		return nil, fmt.Errorf("tx %s: %w", h, ErrNotFound)
	}
	b := s.w.credBlk[0]
	fee := graph.Transfer{Chain: "bench", Asset: eth, Kind: graph.KindFee, TxHash: h, Seq: 0, Position: "fee",
		Block: b, Time: wlTime(b), From: s.w.victim(), Amount: big.NewInt(21000 * 30_000_000_000)}
	return []graph.Transfer{fee, s.w.creditOf(0)}, nil
}
func (s acctWorkloadSource) History(_ context.Context, q HistoryQuery) (History, error) {
	i, _, ok := wlParse(q.Address, "0x", tagHolder)
	if !ok || int(i) >= s.w.holders {
		return History{}, nil
	}
	return History{Transfers: s.w.history(int(i), q.FromBlock, q.ToBlock)}, nil
}

// Balance is what the workload's own transfers leave at addr after block (the
// tracer checks every followed holder against it at the end of the window),
// computed from the workload's arrays: the fake's share of a trace stays small.
func (s acctWorkloadSource) Balance(_ context.Context, addr string, a graph.Asset, block uint64) (*big.Int, error) {
	i, _, ok := wlParse(addr, "0x", tagHolder)
	if !ok || int(i) >= s.w.holders || !a.Native() {
		return new(big.Int), nil
	}
	w, h := s.w, int(i)
	var bal uint256.Int
	if w.credBlk[h] <= block {
		bal = w.credit[h]
	}
	for j := 0; j < wlClean; j++ {
		if w.credBlk[h]+1+uint64(j) <= block {
			c := w.cleanAmt(h, j)
			bal.Add(&bal, &c)
		}
	}
	if h < w.internal && w.spendBlock(h) <= block {
		f := w.fee(h)
		bal.Sub(&bal, &f)
		for k := 0; k < wlFanOut; k++ {
			bal.Sub(&bal, &w.credit[wlFanOut*h+1+k])
		}
	}
	return bal.ToBig(), nil
}

// ---- UTXO workload ----

const utxoFanOut = 3

type utxoWorkload struct {
	txs      int // utxoFanOut·internal + 1; tx 0 is the theft
	internal int
	outVal   [][utxoFanOut]int64
	block    []uint64
}

const (
	tagUTx    = 7
	tagUClean = 8
	tagUAddr  = 9
	tagUCAddr = 10
)

// newUTXOWorkload builds a workload of about n inputs and outputs split.
func newUTXOWorkload(n int) *utxoWorkload {
	// each spending tx: 2 inputs + 3 outputs; the theft's 3 outputs are seeded
	internal := (n - 3) / (5 * utxoFanOut)
	if internal < 1 {
		internal = 1
	}
	w := &utxoWorkload{internal: internal, txs: utxoFanOut*internal + 1}
	w.outVal = make([][utxoFanOut]int64, w.txs)
	w.block = make([]uint64, w.txs)
	w.block[0] = 100
	w.outVal[0] = [utxoFanOut]int64{200_000_000_000, 150_000_000_000, 150_000_000_000}
	for i := 1; i < w.txs; i++ {
		p, k := (i-1)/utxoFanOut, (i-1)%utxoFanOut
		w.block[i] = w.block[p] + 1 + mix64(uint64(i))%3
		in := w.outVal[p][k] + w.cleanVal(i)
		spend := in - w.fee(i)
		a, b := spend*5/10, spend*3/10
		w.outVal[i] = [utxoFanOut]int64{a, b, spend - a - b}
	}
	return w
}

// Transfers is how many inputs and outputs a trace of the workload splits.
func (w *utxoWorkload) Transfers() int { return utxoFanOut + (w.txs-1)*(2+utxoFanOut) }

func (w *utxoWorkload) cleanVal(i int) int64 {
	return int64(mix64(uint64(i)^0xc1ea)%100_000_000) + 1000
}
func (w *utxoWorkload) fee(i int) int64      { return 200 + int64(mix64(uint64(i)^0xfee)%800) }
func (w *utxoWorkload) txid(i int) string    { return wlHex("", 64, tagUTx, uint64(i), 0) }
func (w *utxoWorkload) addr(i, k int) string { return wlHex("bc1q", 38, tagUAddr, uint64(i), byte(k)) }

func (w *utxoWorkload) tx(i int) *graph.UTXOTx {
	b := w.block[i]
	tx := &graph.UTXOTx{Chain: "btc-bench", TxID: w.txid(i), Block: b, BlockHash: "h", Time: 1_600_000_000 + int64(b)*600}
	tx.Outputs = make([]graph.TxOut, utxoFanOut)
	for k := range tx.Outputs {
		tx.Outputs[k] = graph.TxOut{Index: uint32(k), Address: w.addr(i, k), Value: big.NewInt(w.outVal[i][k]), ScriptType: "p2wpkh"}
	}
	if i == 0 {
		tx.Inputs = []graph.TxIn{{Prev: graph.Outpoint{TxID: wlHex("", 64, tagUClean, 0, 1)}, Address: "bc1qvictim",
			Value: big.NewInt(w.outVal[0][0] + w.outVal[0][1] + w.outVal[0][2] + 1000)}}
		return tx
	}
	p, k := (i-1)/utxoFanOut, (i-1)%utxoFanOut
	tainted := graph.TxIn{Prev: graph.Outpoint{TxID: w.txid(p), Vout: uint32(k)}, Address: w.addr(p, k), Value: big.NewInt(w.outVal[p][k])}
	clean := graph.TxIn{Prev: graph.Outpoint{TxID: wlHex("", 64, tagUClean, uint64(i), 0)}, Address: wlHex("bc1q", 38, tagUCAddr, uint64(i), 0),
		Value: big.NewInt(w.cleanVal(i))}
	if i%2 == 0 {
		tx.Inputs = []graph.TxIn{tainted, clean}
	} else {
		tx.Inputs = []graph.TxIn{clean, tainted}
	}
	return tx
}

type utxoWorkloadSource struct{ w *utxoWorkload }

func (s utxoWorkloadSource) Info() ChainInfo {
	return ChainInfo{Name: "btc-bench", Family: graph.FamilyUTXO, Native: graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}}
}
func (s utxoWorkloadSource) Tip(context.Context) (uint64, error)       { return 1 << 40, nil }
func (s utxoWorkloadSource) NormalizeAddress(a string) (string, error) { return a, nil }
func (s utxoWorkloadSource) Tx(_ context.Context, id string) (*graph.UTXOTx, error) {
	i, _, ok := wlParse(id, "", tagUTx)
	if !ok || int(i) >= s.w.txs {
		return nil, fmt.Errorf("tx %s: %w", id, ErrNotFound)
	}
	return s.w.tx(int(i)), nil
}
func (s utxoWorkloadSource) Spender(_ context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	i, _, ok := wlParse(op.TxID, "", tagUTx)
	if !ok || int(i) >= s.w.txs || op.Vout >= utxoFanOut {
		return nil, fmt.Errorf("outpoint %s: %w", op, ErrNotFound)
	}
	c := utxoFanOut*int(i) + 1 + int(op.Vout)
	if c >= s.w.txs {
		return nil, nil
	}
	return s.w.tx(c), nil
}
func (s utxoWorkloadSource) AddressTxs(context.Context, string, uint64) ([]*graph.UTXOTx, error) {
	return nil, ErrUnsupported
}

// engineWorkload is one sized workload of either family.
type engineWorkload struct {
	family    string
	src       Source
	seed      string
	transfers int
	holders   int // endpoints a complete trace ends at (before rounding dust)
	outputs   int // UTXO: tainted outputs a complete trace follows
}

func newEngineWorkload(family string, n int) engineWorkload {
	if family == graph.FamilyUTXO {
		w := newUTXOWorkload(n)
		return engineWorkload{family: family, src: utxoWorkloadSource{w}, seed: w.txid(0), transfers: w.Transfers(),
			holders: utxoFanOut * (w.txs - w.internal), outputs: utxoFanOut * w.txs}
	}
	w := newAcctWorkload(n)
	return engineWorkload{family: family, src: acctWorkloadSource{w}, seed: w.seedHash(), transfers: w.Transfers(), holders: w.holders, outputs: 1 << 62}
}

func (wl engineWorkload) options(p Policy) Options {
	return Options{Policy: p, MaxHops: 64, MaxAddresses: 1 << 30}
}

// countingAcct and countingUTXO count what a trace is handed: the distinct
// transfers (account) or the inputs and outputs of the distinct spending
// transactions plus the seed's outputs (UTXO). Under haircut a workload's every
// holder is followed; under the other policies taint reaches only part of the
// tree, so throughput is computed from what was actually replayed.
type countingAcct struct {
	acctWorkloadSource
	seen map[[2]string]bool
}

func (c *countingAcct) note(ts []graph.Transfer) {
	for _, t := range ts {
		c.seen[[2]string{t.TxHash, strconv.Itoa(t.Seq)}] = true
	}
}
func (c *countingAcct) TxTransfers(ctx context.Context, h string) ([]graph.Transfer, error) {
	ts, err := c.acctWorkloadSource.TxTransfers(ctx, h)
	c.note(ts)
	return ts, err
}
func (c *countingAcct) History(ctx context.Context, q HistoryQuery) (History, error) {
	h, err := c.acctWorkloadSource.History(ctx, q)
	c.note(h.Transfers)
	return h, err
}

type countingUTXO struct {
	utxoWorkloadSource
	seen map[string]int
}

func (c *countingUTXO) Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	tx, err := c.utxoWorkloadSource.Spender(ctx, op)
	if tx != nil {
		c.seen[tx.TxID] = len(tx.Inputs) + len(tx.Outputs)
	}
	return tx, err
}

// replayed traces wl once under p and returns how many transfers the trace handled.
func (wl engineWorkload) replayed(p Policy) (int, error) {
	var src Source
	var count func() int
	switch s := wl.src.(type) {
	case acctWorkloadSource:
		c := &countingAcct{acctWorkloadSource: s, seen: map[[2]string]bool{}}
		src, count = c, func() int { return len(c.seen) }
	case utxoWorkloadSource:
		c := &countingUTXO{utxoWorkloadSource: s, seen: map[string]int{}}
		src = c
		count = func() int {
			n := utxoFanOut // the seed's outputs
			for _, k := range c.seen {
				n += k
			}
			return n
		}
	}
	if _, err := Run(context.Background(), src, []string{wl.seed}, wl.options(p)); err != nil {
		return 0, err
	}
	return count(), nil
}
