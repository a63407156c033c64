package evm

import (
	"context"
	"fmt"

	"github.com/chaintrace/chaintrace/trace"
)

var _ trace.BlockTimer = (*Adapter)(nil)

// BlockTime returns a block's timestamp (Unix seconds), from the header cache
// when the block was seen before.
func (a *Adapter) BlockTime(ctx context.Context, block uint64) (int64, error) {
	a.cache.mu.Lock()
	h := a.cache.headers[block]
	a.cache.mu.Unlock()
	if h != nil {
		return int64(h.Timestamp), nil
	}
	var hdr *rpcHeader
	if err := a.cl.call(ctx, &hdr, "eth_getBlockByNumber", blockTag(block), false); err != nil {
		return 0, err
	}
	if hdr == nil {
		return 0, fmt.Errorf("%w: block %d not returned by %s", trace.ErrNotFound, block, a.cfg.RPC)
	}
	a.cache.mu.Lock()
	a.cache.headers[block] = hdr
	a.cache.mu.Unlock()
	return int64(hdr.Timestamp), nil
}
