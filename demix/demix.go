package demix

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Options steer the candidate search. The zero value is completed by Defaults.
type Options struct {
	// Window is how many blocks after a deposit withdrawals are examined
	// (--mixer-window); the pool's events are fetched for that span only.
	Window uint64
	// Timing heuristic: a withdrawal at most TimingBlocks after the deposit with
	// at most TimingMaxBetween other deposits into the pool in between.
	TimingBlocks     uint64
	TimingMaxBetween int
	// HistoryLimit bounds a depositor's history read for the linked-address
	// heuristic (the tracer's address budget); a busier depositor is skipped.
	HistoryLimit int
	// Labels name pools and tell Tornado Cash's own pools (built-in labels).
	Labels trace.Labels
}

// Defaults fills unset options: a window of 50,000 blocks (about a week on
// Ethereum), timing within 300 blocks (an hour) with at most 2 deposits between.
func (o *Options) Defaults() {
	if o.Window == 0 {
		o.Window = 50_000
	}
	if o.TimingBlocks == 0 {
		o.TimingBlocks = 300
	}
	if o.TimingMaxBetween == 0 {
		o.TimingMaxBetween = 2
	}
	if o.HistoryLimit == 0 {
		o.HistoryLimit = 1000
	}
	if o.Labels == nil {
		o.Labels = trace.NoLabels{}
	}
}

// Weights of the heuristics in the score (0–100 each); a candidate's score is
// 100·(1 − Π(1 − wᵢ/100)) over the heuristics it matched, rounded down, so two
// weak hints never outrank one strong link. The order follows how often each
// heuristic is wrong (docs/mixers.md).
var Weights = map[string]int{
	graph.HeurAddressMatch:  90,
	graph.HeurLinkedAddress: 60,
	graph.HeurUniqueGas:     70,
	graph.HeurMultiDenom:    50,
	graph.HeurTiming:        20,
	graph.HeurRelayer:       70,
}

// Score combines matched heuristics.
func Score(heurs []string) int {
	miss := int64(1) // Π(100 − wᵢ), scaled by 100^n
	scale := int64(1)
	for _, h := range heurs {
		miss *= int64(100 - Weights[h])
		scale *= 100
	}
	return int((scale - miss) * 100 / scale) // rounded down
}

// deposit is one Deposit event of a pool.
type deposit struct {
	pool       string
	tx         string
	block      uint64
	txIndex    int
	index      int
	commitment string
	time       int64
	from       string // sender of the transaction
	tainted    bool
}

// withdrawal is one Withdrawal event of a pool.
type withdrawal struct {
	pool      string
	tx        string
	block     uint64
	txIndex   int
	index     int
	to        string
	nullifier string
	relayer   string // "" for the zero address
	fee       *big.Int
	sender    string
}

func before(b1 uint64, i1, l1 int, b2 uint64, i2, l2 int) bool {
	if b1 != b2 {
		return b1 < b2
	}
	if i1 != i2 {
		return i1 < i2
	}
	return l1 < l2
}

type pool struct {
	info  graph.MixerPool
	deps  []*deposit // all deposits in the window, chain order
	wds   []*withdrawal
	mine  []*deposit // the tainted ones
	label string
}

// Find lists candidate withdrawals for every mixer endpoint of res whose pool
// is Tornado Cash-style. It never touches res's endpoints or totals. Without a
// LogSource it returns a Demix with a note and no candidates.
func Find(ctx context.Context, src trace.AccountSource, res *graph.Result, o Options) (*graph.Demix, error) {
	o.Defaults()
	d := &graph.Demix{Window: o.Window, Pools: []graph.MixerPool{}, Candidates: []*graph.Candidate{}, Notes: []string{}}
	var ends []*graph.Endpoint
	for _, e := range res.Endpoints {
		if e.Kind == graph.EndMixer && e.Address != "" {
			ends = append(ends, e)
		}
	}
	if len(ends) == 0 {
		return d, nil
	}
	ls, ok := src.(LogSource)
	if !ok {
		d.Notes = append(d.Notes, "mixer candidates need a live EVM node (eth_getLogs); this source cannot run log queries")
		return d, nil
	}
	f := &finder{ctx: ctx, src: src, ls: ls, res: res, o: &o, d: d, pools: map[string]*pool{}}
	if err := f.run(ends); err != nil {
		return d, err
	}
	d.SortCandidates()
	return d, nil
}

type finder struct {
	ctx   context.Context
	src   trace.AccountSource
	ls    LogSource
	res   *graph.Result
	o     *Options
	d     *graph.Demix
	pools map[string]*pool
	metas map[string]TxMeta
}

func (f *finder) note(format string, args ...any) {
	f.d.Notes = append(f.d.Notes, fmt.Sprintf(format, args...))
}

func (f *finder) run(ends []*graph.Endpoint) error {
	// 1. The tainted deposit transactions, and the Deposit events in them: one
	// log query per distinct block, for any emitter, since a deposit through a
	// router (itself labelled a mixer) is logged by the pool it calls.
	type depTx struct {
		tx    string
		block uint64
		end   *graph.Endpoint
	}
	var txs []depTx
	seen := map[string]bool{}
	blocks := map[uint64]bool{}
	for _, e := range ends {
		for _, in := range e.Inflows {
			if seen[in.Tx] {
				continue
			}
			seen[in.Tx] = true
			txs = append(txs, depTx{in.Tx, in.Block, e})
			blocks[in.Block] = true
		}
	}
	var bs []uint64
	for b := range blocks {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
	qs := make([]LogQuery, len(bs))
	for i, b := range bs {
		qs[i] = LogQuery{Topics: []string{TopicDeposit}, FromBlock: b, ToBlock: b}
	}
	got, err := f.ls.Logs(f.ctx, qs)
	if err != nil {
		return fmt.Errorf("mixer candidates: Deposit events of the tainted deposits: %w", err)
	}
	byTx := map[string][]Log{}
	for _, ls := range got {
		for _, l := range ls {
			byTx[strings.ToLower(l.TxHash)] = append(byTx[strings.ToLower(l.TxHash)], l)
		}
	}
	for _, t := range txs {
		logs := byTx[strings.ToLower(t.tx)]
		if len(logs) == 0 {
			f.note("%s (%s): deposit tx %s emitted no Tornado Cash Deposit event: not a Tornado-style pool, no candidates", t.end.Address, t.end.Label, t.tx)
			continue
		}
		for _, l := range logs {
			dep, err := decodeDeposit(l)
			if err != nil {
				f.note("%s", err)
				continue
			}
			dep.tainted = true
			p := f.pool(l.Address, t.end)
			p.mine = append(p.mine, dep)
		}
	}
	if len(f.pools) == 0 {
		return nil
	}
	// 2. Each pool's denomination from the deposit transaction's credit to it.
	names := f.poolNames()
	for _, a := range names {
		p := f.pools[a]
		if err := f.denomination(p); err != nil {
			return err
		}
	}
	// 3. Every Deposit and Withdrawal of each pool in its window, one query per
	// pool (the source batches them and splits big ranges).
	tip := f.res.Tip
	qs = qs[:0]
	for _, a := range names {
		p := f.pools[a]
		lo, hi := p.mine[0].block, p.mine[0].block
		for _, m := range p.mine {
			lo, hi = min(lo, m.block), max(hi, m.block)
		}
		p.info.FromBlock, p.info.ToBlock = lo, min(tip, hi+f.o.Window)
		qs = append(qs, LogQuery{Addresses: []string{a}, Topics: []string{TopicDeposit, TopicWithdrawal}, FromBlock: p.info.FromBlock, ToBlock: p.info.ToBlock})
	}
	got, err = f.ls.Logs(f.ctx, qs)
	if err != nil {
		return fmt.Errorf("mixer candidates: pool events: %w", err)
	}
	var hashes []string
	hs := map[string]bool{}
	addHash := func(h string) {
		if !hs[h] {
			hs[h] = true
			hashes = append(hashes, h)
		}
	}
	for i, a := range names {
		p := f.pools[a]
		mine := map[string]*deposit{}
		for _, m := range p.mine {
			mine[m.commitment] = m
		}
		for _, l := range got[i] {
			if len(l.Topics) == 0 {
				continue
			}
			switch strings.ToLower(l.Topics[0]) {
			case TopicDeposit:
				dep, err := decodeDeposit(l)
				if err != nil {
					f.note("%s", err)
					continue
				}
				if m := mine[dep.commitment]; m != nil {
					dep = m
				}
				p.deps = append(p.deps, dep)
				addHash(dep.tx)
			case TopicWithdrawal:
				w, err := decodeWithdrawal(l)
				if err != nil {
					f.note("%s", err)
					continue
				}
				p.wds = append(p.wds, w)
				addHash(w.tx)
			}
		}
		p.info.Events = len(got[i])
		p.info.Deposits = len(p.mine)
	}
	for _, a := range names {
		for _, m := range f.pools[a].mine {
			addHash(m.tx)
		}
	}
	// 4. Senders and fee choices of every event transaction, batched.
	if f.metas, err = f.ls.TxMetas(f.ctx, hashes); err != nil {
		return fmt.Errorf("mixer candidates: pool transactions: %w", err)
	}
	for _, a := range names {
		p := f.pools[a]
		for _, dep := range p.deps {
			dep.from = f.metas[dep.tx].From
		}
		for _, m := range p.mine {
			m.from = f.metas[m.tx].From
		}
		for _, w := range p.wds {
			w.sender = f.metas[w.tx].From
		}
	}
	for _, a := range names {
		f.d.Pools = append(f.d.Pools, f.pools[a].info)
	}
	return f.match(names)
}

func (f *finder) poolNames() []string {
	var names []string
	for a := range f.pools {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

func (f *finder) pool(addr string, end *graph.Endpoint) *pool {
	if p := f.pools[addr]; p != nil {
		return p
	}
	label := end.Label
	if !strings.EqualFold(addr, end.Address) {
		label = ""
		if l, ok := f.o.Labels.Lookup(f.res.Chain, addr); ok {
			label = l.Name
		}
		if label == "" {
			label = "pool called by " + end.Label
		}
	}
	p := &pool{info: graph.MixerPool{Address: addr, Label: label}, label: label}
	f.pools[addr] = p
	return p
}

// denomination reads the pool's fixed amount from the first tainted deposit
// transaction's credits to the pool (native value or token).
func (f *finder) denomination(p *pool) error {
	m := p.mine[0]
	ts, err := f.src.TxTransfers(f.ctx, m.tx)
	if err != nil {
		return fmt.Errorf("mixer candidates: deposit tx %s: %w", m.tx, err)
	}
	sum := map[string]*big.Int{}
	for _, t := range ts {
		if t.Kind == graph.KindFee || !strings.EqualFold(t.To, p.info.Address) {
			continue
		}
		if sum[t.Asset.ID] == nil {
			sum[t.Asset.ID] = new(big.Int)
		}
		sum[t.Asset.ID].Add(sum[t.Asset.ID], t.Amount)
	}
	n := 0
	for _, dep := range p.mine {
		if dep.tx == m.tx {
			n++
		}
	}
	for id, v := range sum {
		if p.info.Denomination == nil || id < p.info.Asset {
			p.info.Asset, p.info.Denomination = id, new(big.Int).Div(v, big.NewInt(int64(n)))
		}
	}
	if p.info.Denomination == nil {
		p.info.Denomination = new(big.Int)
		f.note("%s: deposit tx %s credits the pool nothing the adapter sees; its denomination is unknown", p.info.Address, m.tx)
	}
	return nil
}

var errShort = errors.New("short log")

func decodeDeposit(l Log) (*deposit, error) {
	if len(l.Topics) < 2 || len(l.Data) < 64 {
		return nil, fmt.Errorf("%s: Deposit event in tx %s is malformed (%d topics, %d data bytes): %w", l.Address, l.TxHash, len(l.Topics), len(l.Data), errShort)
	}
	ts := new(big.Int).SetBytes(l.Data[32:64])
	return &deposit{
		pool: l.Address, tx: strings.ToLower(l.TxHash), block: l.Block, txIndex: l.TxIndex, index: l.Index,
		commitment: strings.ToLower(l.Topics[1]), time: ts.Int64(),
	}, nil
}

func decodeWithdrawal(l Log) (*withdrawal, error) {
	if len(l.Topics) < 2 || len(l.Data) < 96 {
		return nil, fmt.Errorf("%s: Withdrawal event in tx %s is malformed (%d topics, %d data bytes): %w", l.Address, l.TxHash, len(l.Topics), len(l.Data), errShort)
	}
	rel := addrOf(hexToBytes(l.Topics[1]))
	if rel == zeroAddr {
		rel = ""
	}
	return &withdrawal{
		pool: l.Address, tx: strings.ToLower(l.TxHash), block: l.Block, txIndex: l.TxIndex, index: l.Index,
		to: addrOf(l.Data[:32]), nullifier: "0x" + fmt.Sprintf("%x", l.Data[32:64]), relayer: rel,
		fee: new(big.Int).SetBytes(l.Data[64:96]),
	}, nil
}
