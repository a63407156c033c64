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
// block has not moved the funds as far as a watch is concerned). It neither
// reads nor fills the adapter's caches: `chaintrace watch` calls it on every new
// block, and an earlier "unspent" is never the current state.
func (a *Adapter) Unspent(ctx context.Context, ops []graph.Outpoint) ([]bool, error) {
	b, ok := a.backend.(*rpcBackend)
	if !ok {
		return nil, fmt.Errorf("%w: the %s backend cannot check outputs in a batch (watch needs a btcd or bitcoind JSON-RPC node)", trace.ErrUnsupported, a.backend.name())
	}
	calls := make([]*rpcCall, len(ops))
	for i, op := range ops {
		calls[i] = &rpcCall{Method: "gettxout", Params: []any{op.TxID, op.Vout, false}, Result: new(json.RawMessage)}
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
