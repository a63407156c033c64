package casestore

import (
	"context"
	"math/big"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Frontier batching through the cache (issue 18): a cache over a source that
// answers whole frontiers at once offers the same batch methods, answers what it
// holds from the store, asks the source for the rest in one batch, and stores each
// answer exactly as the single call would. Cases (record, replay) do not offer
// them: a case holds what the trace asked, one call at a time.

var (
	_ trace.HistoryBatcher  = (*core)(nil)
	_ trace.BalanceBatcher  = (*core)(nil)
	_ trace.ContractBatcher = (*core)(nil)
	_ trace.SpenderBatcher  = (*core)(nil)
	_ trace.TipSeeder       = (*core)(nil)
	_ trace.FrontierBatcher = (*core)(nil)
	_ trace.TxPreviewer     = (*core)(nil)
)

// batchCaps offers, for a cache, each batch method the live source has (the
// contract batch only beside its contract check, as the tracer uses it).
func batchCaps(c *core, caps *trace.Capabilities) {
	if c.hb != nil && c.acct != nil {
		caps.Histories = c
	}
	if c.bb != nil && c.acct != nil {
		caps.Balances = c
	}
	if c.cb != nil && c.cc != nil {
		caps.ContractBatch = c
	}
	if c.sb != nil && c.utxo != nil {
		caps.Spenders = c
	}
	if c.ts != nil {
		caps.TipSeeds = c
	}
	if c.fb != nil && c.hb != nil && c.acct != nil {
		caps.Frontier = c
	}
	if c.pv != nil && c.acct != nil {
		caps.Preview = c
	}
}

func (c *core) stored(kind, key string) bool {
	o, err := c.st.get(c.ns+kind, key)
	return err == nil && o != nil
}

// Histories answers History for many queries.
func (c *core) Histories(ctx context.Context, qs []trace.HistoryQuery) []trace.HistoryResult {
	idx, ask := c.askHistories(qs)
	pre := map[int]trace.HistoryResult{}
	if len(ask) > 0 {
		for k, r := range c.hb.Histories(ctx, ask) {
			pre[idx[k]] = r
		}
	}
	return c.finishHistories(ctx, qs, pre)
}

// askHistories lists the queries the store cannot answer (when the live
// source batches them).
func (c *core) askHistories(qs []trace.HistoryQuery) (idx []int, ask []trace.HistoryQuery) {
	if c.hb == nil || c.acct == nil {
		return nil, nil
	}
	for i, q := range qs {
		if c.stored(KindHistory, historyKey(q)) {
			continue
		}
		if _, ok, err := c.historyFromCover(keyAddr(q.Address), q); ok || err != nil {
			continue
		}
		idx, ask = append(idx, i), append(ask, q)
	}
	return idx, ask
}

// finishHistories answers every query through the store, with the batch's
// answers (pre, by query index) as the live fetches.
func (c *core) finishHistories(ctx context.Context, qs []trace.HistoryQuery, pre map[int]trace.HistoryResult) []trace.HistoryResult {
	out := make([]trace.HistoryResult, len(qs))
	for i, q := range qs {
		fetch := func() (trace.History, error) { return c.acct.History(ctx, q) }
		if r, ok := pre[i]; ok {
			fetch = func() (trace.History, error) { return r.History, r.Err }
		}
		out[i].History, out[i].Err = c.history(ctx, q, fetch)
	}
	return out
}

// Balances answers Balance for many queries.
func (c *core) Balances(ctx context.Context, qs []trace.BalanceQuery) []trace.BalanceResult {
	idx, ask := c.askBalances(qs)
	pre := map[int]trace.BalanceResult{}
	if len(ask) > 0 {
		for k, r := range c.bb.Balances(ctx, ask) {
			pre[idx[k]] = r
		}
	}
	return c.finishBalances(ctx, qs, pre)
}

func (c *core) askBalances(qs []trace.BalanceQuery) (idx []int, ask []trace.BalanceQuery) {
	if c.bb == nil || c.acct == nil {
		return nil, nil
	}
	for i, q := range qs {
		if !c.stored(KindBalance, balanceKey(q.Address, q.Asset, q.Block)) {
			idx, ask = append(idx, i), append(ask, q)
		}
	}
	return idx, ask
}

func (c *core) finishBalances(ctx context.Context, qs []trace.BalanceQuery, pre map[int]trace.BalanceResult) []trace.BalanceResult {
	out := make([]trace.BalanceResult, len(qs))
	for i, q := range qs {
		fetch := func() (*big.Int, error) { return c.acct.Balance(ctx, q.Address, q.Asset, q.Block) }
		if r, ok := pre[i]; ok {
			fetch = func() (*big.Int, error) { return r.Balance, r.Err }
		}
		out[i].Balance, out[i].Err = c.balance(ctx, q.Address, q.Asset, q.Block, fetch)
	}
	return out
}

// AreContracts answers IsContract for many addresses.
func (c *core) AreContracts(ctx context.Context, addrs []string, block uint64) []trace.ContractResult {
	idx, ask := c.askContracts(addrs, block)
	pre := map[int]trace.ContractResult{}
	if len(ask) > 0 {
		for k, r := range c.cb.AreContracts(ctx, ask, block) {
			pre[idx[k]] = r
		}
	}
	return c.finishContracts(ctx, addrs, block, pre)
}

func (c *core) askContracts(addrs []string, block uint64) (idx []int, ask []string) {
	if c.cb == nil || c.cc == nil {
		return nil, nil
	}
	for i, a := range addrs {
		if !c.stored(KindIsContract, keyAddr(a)+"|"+u64(block)) {
			idx, ask = append(idx, i), append(ask, a)
		}
	}
	return idx, ask
}

func (c *core) finishContracts(ctx context.Context, addrs []string, block uint64, pre map[int]trace.ContractResult) []trace.ContractResult {
	out := make([]trace.ContractResult, len(addrs))
	for i, a := range addrs {
		fetch := func() (bool, error) { return c.cc.IsContract(ctx, a, block) }
		if r, ok := pre[i]; ok {
			fetch = func() (bool, error) { return r.IsContract, r.Err }
		}
		out[i].IsContract, out[i].Err = c.isContract(ctx, a, block, fetch)
	}
	return out
}

// Frontier answers a hop level through the store: what it lacks goes to the
// live source's Frontier in one call, each answer stored as the single call's.
func (c *core) Frontier(ctx context.Context, q trace.FrontierQuery) trace.FrontierResult {
	hIdx, hAsk := c.askHistories(q.Histories)
	bIdx, bAsk := c.askBalances(q.Balances)
	cIdx, cAsk := c.askContracts(q.Contracts, q.ContractBlock)
	hPre, bPre, cPre := map[int]trace.HistoryResult{}, map[int]trace.BalanceResult{}, map[int]trace.ContractResult{}
	if len(hAsk)+len(bAsk)+len(cAsk) > 0 {
		fq := trace.FrontierQuery{Histories: hAsk, Balances: bAsk, ContractBlock: q.ContractBlock}
		if len(cAsk) > 0 {
			fq.Contracts = cAsk
		}
		r := c.fb.Frontier(ctx, fq)
		for k, x := range r.Histories {
			if k < len(hIdx) {
				hPre[hIdx[k]] = x
			}
		}
		for k, x := range r.Balances {
			if k < len(bIdx) {
				bPre[bIdx[k]] = x
			}
		}
		for k, x := range r.Contracts {
			if k < len(cIdx) {
				cPre[cIdx[k]] = x
			}
		}
	}
	out := trace.FrontierResult{
		Histories: c.finishHistories(ctx, q.Histories, hPre),
		Balances:  c.finishBalances(ctx, q.Balances, bPre),
	}
	if q.Contracts != nil {
		out.Contracts = c.finishContracts(ctx, q.Contracts, q.ContractBlock, cPre)
	}
	return out
}

// Spenders answers Spender for many outputs.
func (c *core) Spenders(ctx context.Context, ops []graph.Outpoint) []trace.SpenderResult {
	pre := map[int]trace.SpenderResult{}
	if sb := c.sb; sb != nil && c.utxo != nil {
		var idx []int
		var ask []graph.Outpoint
		for i, op := range ops {
			if !c.spenderStored(spenderKey(op)) {
				idx, ask = append(idx, i), append(ask, op)
			}
		}
		if len(ask) > 0 {
			for k, r := range sb.Spenders(ctx, ask) {
				pre[idx[k]] = r
			}
		}
	}
	out := make([]trace.SpenderResult, len(ops))
	for i, op := range ops {
		fetch := func() (*graph.UTXOTx, error) { return c.utxo.Spender(ctx, op) }
		if r, ok := pre[i]; ok {
			fetch = func() (*graph.UTXOTx, error) { return r.Tx, r.Err }
		}
		out[i].Tx, out[i].Err = c.spender(ctx, op, fetch)
	}
	return out
}
