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
}

func (c *core) stored(kind, key string) bool {
	o, err := c.st.get(c.ns+kind, key)
	return err == nil && o != nil
}

// Histories answers History for many queries.
func (c *core) Histories(ctx context.Context, qs []trace.HistoryQuery) []trace.HistoryResult {
	pre := map[int]trace.HistoryResult{}
	if hb := c.hb; hb != nil && c.acct != nil {
		var idx []int
		var ask []trace.HistoryQuery
		for i, q := range qs {
			if c.stored(KindHistory, historyKey(q)) {
				continue
			}
			if _, ok, err := c.historyFromCover(keyAddr(q.Address), q); ok || err != nil {
				continue
			}
			idx, ask = append(idx, i), append(ask, q)
		}
		if len(ask) > 0 {
			for k, r := range hb.Histories(ctx, ask) {
				pre[idx[k]] = r
			}
		}
	}
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
	pre := map[int]trace.BalanceResult{}
	if bb := c.bb; bb != nil && c.acct != nil {
		var idx []int
		var ask []trace.BalanceQuery
		for i, q := range qs {
			if !c.stored(KindBalance, balanceKey(q.Address, q.Asset, q.Block)) {
				idx, ask = append(idx, i), append(ask, q)
			}
		}
		if len(ask) > 0 {
			for k, r := range bb.Balances(ctx, ask) {
				pre[idx[k]] = r
			}
		}
	}
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
	pre := map[int]trace.ContractResult{}
	if cb := c.cb; cb != nil && c.cc != nil {
		var idx []int
		var ask []string
		for i, a := range addrs {
			if !c.stored(KindIsContract, keyAddr(a)+"|"+u64(block)) {
				idx, ask = append(idx, i), append(ask, a)
			}
		}
		if len(ask) > 0 {
			for k, r := range cb.AreContracts(ctx, ask, block) {
				pre[idx[k]] = r
			}
		}
	}
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
