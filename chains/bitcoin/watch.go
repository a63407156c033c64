package bitcoin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Unspent asks the node, now and in one batch, whether each output is unspent
// in the chain (gettxout with the mempool excluded: a spend that is not yet in a
// block has not moved the funds as far as a watch is concerned; over Esplora,
// one /tx/:txid/outspends per transaction, a spend unconfirmed there counting
// as none). It neither
// reads nor fills the adapter's caches: `chaintrace watch` calls it on every new
// block, and an earlier "unspent" is never the current state.
func (a *Adapter) Unspent(ctx context.Context, ops []graph.Outpoint) ([]bool, error) {
	if e, ok := a.backend.(*esplora); ok {
		return e.unspent(ctx, ops)
	}
	b, ok := a.backend.(*rpcBackend)
	if !ok {
		return nil, fmt.Errorf("%w: the %s backend cannot check outputs in a batch (watch needs a btcd or bitcoind JSON-RPC node)", trace.ErrUnsupported, a.backend.name())
	}
	// Each answer is tied to its output by value and script (from the
	// transactions, fetched once and kept: they never change), so the calls
	// share batches and a swapped answer is caught.
	ids := make([]string, 0, len(ops))
	seenID := map[string]bool{}
	for _, op := range ops {
		if !seenID[op.TxID] {
			seenID[op.TxID] = true
			ids = append(ids, op.TxID)
		}
	}
	txs, err := a.load(ctx, ids)
	if err != nil {
		return nil, err
	}
	calls := make([]*rpcCall, len(ops))
	seen := map[string]bool{}
	for i, op := range ops {
		tx := txs[op.TxID]
		if tx == nil || int(op.Vout) >= len(tx.Outputs) {
			return nil, fmt.Errorf("%w: output %s does not exist", trace.ErrNotFound, op)
		}
		var script []byte
		if raw := a.rawTx(op.TxID); raw != nil && int(op.Vout) < len(raw.Outs) {
			script = raw.Outs[op.Vout].Script
		}
		var check func(json.RawMessage) error
		if key := fmt.Sprintf("%s/%x", tx.Outputs[op.Vout].Value, script); !seen[key] {
			seen[key] = true // an output just like another gets no check, so never shares a batch with it
			check = outCheck(tx.Outputs[op.Vout].Value, script)
		}
		calls[i] = &rpcCall{Method: "gettxout", Params: []any{op.TxID, op.Vout, false}, Result: new(json.RawMessage), Check: check}
	}
	if err := b.c.batch(ctx, calls); err != nil {
		return nil, err
	}
	res := make([]bool, len(ops))
	for i, rc := range calls {
		if rc.Err != nil {
			return nil, fmt.Errorf("gettxout %s: %w", ops[i], rc.Err)
		}
		res[i] = !rc.Null
	}
	return res, nil
}

// BlockHashes returns the hash of the block at each height of the chain the
// node follows now, in one batch (getblockhash). A watch compares them with the
// hashes it saw before to notice a reorganisation.
func (a *Adapter) BlockHashes(ctx context.Context, heights []uint64) ([]string, error) {
	if e, ok := a.backend.(*esplora); ok {
		return e.blockHashes(ctx, heights)
	}
	b, ok := a.backend.(*rpcBackend)
	if !ok {
		return nil, fmt.Errorf("%w: the %s backend cannot read block hashes in a batch", trace.ErrUnsupported, a.backend.name())
	}
	hashes := make([]string, len(heights))
	calls := make([]*rpcCall, len(heights))
	for i, h := range heights {
		calls[i] = &rpcCall{Method: "getblockhash", Params: []any{h}, Result: &hashes[i]}
	}
	if err := b.c.batch(ctx, calls); err != nil {
		return nil, err
	}
	for i, rc := range calls {
		if rc.Err != nil {
			return nil, fmt.Errorf("getblockhash %d: %w", heights[i], rc.Err)
		}
		if _, err := validTxID(hashes[i]); err != nil {
			return nil, fmt.Errorf("%s getblockhash %d answered %q, not a block hash", b.c.name, heights[i], hashes[i])
		}
	}
	return hashes, nil
}
