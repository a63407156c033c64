package trace

import (
	"context"
	"math/big"

	"github.com/chaintrace/chaintrace/graph"
)

// Frontier batching (issue 18). A trace advances hop level by hop level, and the
// lookups of one level do not depend on each other: sources that can answer
// many of them in one round trip implement the optional interfaces below, and
// the tracer asks them for a whole frontier at once, keeps the answers in a
// per-run memo, and then takes its decisions exactly as before, one by one in
// chain order, reading through the memo. A source without them is asked one
// lookup at a time, as it always was; a batch answer is used only where it is the
// answer the single call would have given, and an item the batch could not answer
// (its error) is asked again singly, so results never depend on batching.

// SpenderResult is one answer of a SpenderBatcher: what Spender would return.
type SpenderResult struct {
	Tx  *graph.UTXOTx
	Err error
}

// SpenderBatcher is optionally implemented by UTXO sources that can find the
// spenders of many outputs in one round trip.
type SpenderBatcher interface {
	// Spenders returns one result per outpoint, in order.
	Spenders(ctx context.Context, ops []graph.Outpoint) []SpenderResult
}

// HistoryResult is one answer of a HistoryBatcher: what History would return.
type HistoryResult struct {
	History History
	Err     error
}

// HistoryBatcher is optionally implemented by account sources that can fetch
// many histories in one round trip.
type HistoryBatcher interface {
	// Histories returns one result per query, in order.
	Histories(ctx context.Context, qs []HistoryQuery) []HistoryResult
}

// BalanceQuery asks for addr's balance of Asset at the end of Block.
type BalanceQuery struct {
	Address string
	Asset   graph.Asset
	Block   uint64
}

// BalanceResult is one answer of a BalanceBatcher: what Balance would return.
type BalanceResult struct {
	Balance *big.Int
	Err     error
}

// BalanceBatcher is optionally implemented by account sources that can read
// many balances in one round trip.
type BalanceBatcher interface {
	// Balances returns one result per query, in order.
	Balances(ctx context.Context, qs []BalanceQuery) []BalanceResult
}

// ContractResult is one answer of a ContractBatcher: what IsContract would return.
type ContractResult struct {
	IsContract bool
	Err        error
}

// ContractBatcher is optionally implemented by ContractCheckers that can check
// many addresses in one round trip.
type ContractBatcher interface {
	// AreContracts returns one result per address, in order, at block.
	AreContracts(ctx context.Context, addrs []string, block uint64) []ContractResult
}

// FrontierQuery is one hop level's lookups of an account trace: the holders'
// histories, their ledgers' balances and, when Contracts is set, whether they
// are contracts at ContractBlock.
type FrontierQuery struct {
	Histories     []HistoryQuery
	Balances      []BalanceQuery
	Contracts     []string
	ContractBlock uint64
}

// FrontierResult holds one result per query of a FrontierQuery, in order.
type FrontierResult struct {
	Histories []HistoryResult
	Balances  []BalanceResult
	Contracts []ContractResult
}

// FrontierBatcher is optionally implemented by account sources that answer a
// whole hop level in one request where HistoryBatcher, BalanceBatcher and
// ContractBatcher asked side by side would take several (issue 18). Each result
// is what the single method would return.
type FrontierBatcher interface {
	Frontier(ctx context.Context, q FrontierQuery) FrontierResult
}

// TxPreviewer is optionally implemented by account sources that can tell a
// seed transaction's transfers, all but their time, from what they already
// hold (issue 18): after TipWithTxs an EVM node's transaction and receipt are
// in, and only the block header that dates the transfers is missing. When hop
// 1 leaves as one Frontier request, the tracer sends it before TxTransfers and
// the source asks for the header in that request, instead of in a round trip
// of its own before it.
type TxPreviewer interface {
	// TxPreview returns what TxTransfers(txid) would return, with Time left
	// 0, and true; false when it cannot tell without a request.
	TxPreview(txid string) ([]graph.Transfer, bool)
}

// TipSeeder is optionally implemented by sources that can read the tip and
// fetch the seed transactions in the same request (issue 18): Run then asks
// for both at once instead of in two requests of one round trip.
type TipSeeder interface {
	// TipWithTxs returns what Tip returns. The transactions txids are asked in
	// the same request and land in the source's caches, where the trace finds
	// them; their errors are left to the trace's own calls, which ask again.
	TipWithTxs(ctx context.Context, txids []string) (uint64, error)
}

// flush sends the queued history prefetches (and the opening balances of their
// ledgers) as one batch each.
func (t *acctTracer) flush() {
	fs := t.pending
	t.pending = nil
	if len(fs) == 0 {
		return
	}
	hb := t.caps.Histories
	qs := make([]HistoryQuery, len(fs))
	var bqs []BalanceQuery
	for i, f := range fs {
		f.queued = false
		qs[i] = HistoryQuery{Address: f.addr, FromBlock: f.from, ToBlock: t.toBlock, Limit: t.o.AddressBudget}
		if f.follow {
			// The ledger opens with the state before block from (ledger in account.go).
			before := uint64(0)
			if f.from > 0 {
				before = f.from - 1
			}
			// … and is reconciled with the state at the end of the window.
			for _, blk := range []uint64{before, t.toBlock} {
				bqs = append(bqs, BalanceQuery{Address: f.addr, Asset: t.info.Native, Block: blk})
				if f.asset.ID != t.info.Native.ID {
					bqs = append(bqs, BalanceQuery{Address: f.addr, Asset: f.asset, Block: blk})
				}
			}
		}
	}
	var bres []BalanceResult
	var hres []HistoryResult
	if fb := t.caps.Frontier; fb != nil && t.o.Concurrency > 1 {
		// the whole level in one call (at concurrency 1 the lookups go one
		// after the other, below)
		fq := FrontierQuery{Histories: qs, Balances: bqs, ContractBlock: t.toBlock}
		if t.caps.ContractBatch != nil && t.caps.Contracts != nil {
			for _, f := range fs {
				if f.follow {
					fq.Contracts = append(fq.Contracts, f.addr)
				}
			}
		}
		r := fb.Frontier(t.ctx, fq)
		hres, bres = r.Histories, r.Balances
		for i, c := range r.Contracts {
			if i < len(fq.Contracts) && c.Err == nil {
				t.code[fq.Contracts[i]] = c.IsContract
			}
		}
		t.flushed(fs, hres, bqs, bres)
		return
	}
	bb := t.caps.Balances
	balances := func() {
		if bb != nil && len(bqs) > 0 {
			bres = bb.Balances(t.ctx, bqs)
		}
	}
	// Whether a followed holder is a contract is asked at the end of the window
	// (finish): known now, so it rides with the frontier.
	if cb := t.caps.ContractBatch; cb != nil {
		if t.caps.Contracts != nil {
			var addrs []string
			for _, f := range fs {
				if f.follow {
					addrs = append(addrs, f.addr)
				}
			}
			inner := balances
			contracts := func() {
				if len(addrs) > 0 {
					for i, r := range cb.AreContracts(t.ctx, addrs, t.toBlock) {
						if i < len(addrs) && r.Err == nil {
							t.code[addrs[i]] = r.IsContract
						}
					}
				}
			}
			balances = func() {
				if t.o.Concurrency <= 1 {
					inner()
					contracts()
					return
				}
				// independent of the balances: the same round trip
				done := make(chan struct{})
				go func() { defer close(done); contracts() }()
				inner()
				<-done
			}
		}
	}
	if t.o.Concurrency > 1 {
		done := make(chan struct{})
		go func() { defer close(done); balances() }()
		hres = hb.Histories(t.ctx, qs)
		<-done
	} else {
		hres = hb.Histories(t.ctx, qs)
		balances()
	}
	t.flushed(fs, hres, bqs, bres)
}

// flushed hands a frontier's answers to its futures and the balance memo.
func (t *acctTracer) flushed(fs []*histFuture, hres []HistoryResult, bqs []BalanceQuery, bres []BalanceResult) {
	for i, f := range fs {
		if i < len(hres) {
			f.h, f.err = hres[i].History, hres[i].Err
		} else {
			f.err = ErrUnsupported
		}
		close(f.done)
	}
	for i, r := range bres {
		if i < len(bqs) && r.Err == nil && r.Balance != nil {
			q := bqs[i]
			t.bal[balKey{q.Address, q.Asset.ID, q.Block}] = r.Balance
		}
	}
}

// balance is Source.Balance read through the frontier's memo.
func (t *acctTracer) balance(addr string, a graph.Asset, block uint64) (*big.Int, error) {
	if v, ok := t.bal[balKey{addr, a.ID, block}]; ok {
		return new(big.Int).Set(v), nil
	}
	return t.src.Balance(t.ctx, addr, a, block)
}

// contracts checks, in one batch, every followed holder that still holds taint
// at the end; only successful answers are returned (the rest are asked singly).
func (t *acctTracer) contracts(cb ContractBatcher, addrs []string) map[string]bool {
	var ask []string
	m := map[string]bool{}
	for _, a := range addrs {
		if v, ok := t.code[a]; ok {
			m[a] = v
			continue
		}
		for _, as := range t.holders[a].assets {
			if as.l != nil && as.l.remaining().Sign() != 0 {
				ask = append(ask, a)
				break
			}
		}
	}
	if len(ask) == 0 {
		return m
	}
	res := cb.AreContracts(t.ctx, ask, t.toBlock)
	for i, r := range res {
		if i < len(ask) && r.Err == nil {
			m[ask[i]] = r.IsContract
		}
	}
	return m
}

// previewSeeds queues hop 1 from the source's previews of the seed
// transactions and sends it now, before TxTransfers asks for what dates them
// (TxPreviewer). Only when hop 1 goes as one Frontier request (concurrency >
// 1), every seed is a transaction the source can preview and none lies after
// the window; otherwise the seeds go as before. The
// futures are the ones prefetchSeed would queue from TxTransfers' answer (it
// differs only in the time, which prefetchSeed does not read), so the trace's
// lookups, and so its result, are the same; they only leave earlier.
func (t *acctTracer) previewSeeds(seeds []seedSpec) {
	p := t.caps.Preview
	if p == nil || t.caps.Histories == nil || t.caps.Frontier == nil || t.o.Concurrency <= 1 || len(seeds) == 0 {
		return // hop 1 would not leave as one request the header can ride in
	}
	all := make([][]graph.Transfer, 0, len(seeds))
	for _, s := range seeds {
		if s.tx == "" {
			return
		}
		trs, ok := p.TxPreview(s.tx)
		if !ok {
			return
		}
		for i := range trs {
			if trs[i].Block > t.toBlock {
				return
			}
		}
		all = append(all, trs)
	}
	for _, trs := range all {
		t.prefetchSeed(trs)
	}
	t.flush()
}

// prefetchSeed queues the histories of a theft transaction's recipients (hop 1)
// for a HistoryBatcher, as prefetch does for a followed holder's payees.
func (t *acctTracer) prefetchSeed(trs []graph.Transfer) {
	if t.caps.Histories == nil {
		return
	}
	for i := range trs {
		tr := &trs[i]
		r := tr.To
		if tr.Kind == graph.KindFee || r == "" || t.holders[r] != nil || t.pre[r] != nil || t.followed+len(t.pre) >= t.o.MaxAddresses {
			continue
		}
		if lb, ok := t.o.Labels.Lookup(t.info.Name, r); ok && t.stop.stops(lb) {
			continue
		}
		f := &histFuture{from: tr.Block, done: make(chan struct{}), addr: r, asset: tr.Asset, queued: true, follow: 1 < t.o.MaxHops}
		if t.o.MaxHops == 1 && !t.o.DepositRule {
			continue
		}
		t.pre[r] = f
		t.pending = append(t.pending, f)
	}
}

// prefetchBalances asks a BalanceBatcher, in one batch, for the end-of-window
// balances reconcile needs and the frontiers did not bring.
func (t *acctTracer) prefetchBalances(checks []*balanceCheck) {
	bb := t.caps.Balances
	if bb == nil {
		return
	}
	var qs []BalanceQuery
	for _, c := range checks {
		if _, ok := t.bal[balKey{c.h.addr, c.a.ID, t.toBlock}]; !ok {
			qs = append(qs, BalanceQuery{Address: c.h.addr, Asset: c.a, Block: t.toBlock})
		}
	}
	if len(qs) == 0 {
		return
	}
	for i, r := range bb.Balances(t.ctx, qs) {
		if i < len(qs) && r.Err == nil && r.Balance != nil {
			t.bal[balKey{qs[i].Address, qs[i].Asset.ID, qs[i].Block}] = r.Balance
		}
	}
}
