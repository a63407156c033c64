package bitcoin

import (
	"context"
	"fmt"

	"github.com/chaintrace/chaintrace/trace"
)

var _ trace.BlockTimer = (*Adapter)(nil)

// blockTimer is implemented by the backends that can read a block header's time.
type blockTimer interface {
	blockTime(ctx context.Context, height uint64) (int64, error)
}

// BlockTime returns the header time (Unix seconds) of the block at height.
// Bitcoin header times are set by miners and may be up to two hours out of order.
func (a *Adapter) BlockTime(ctx context.Context, height uint64) (int64, error) {
	bt, ok := a.backend.(blockTimer)
	if !ok {
		return 0, fmt.Errorf("%w: the %s backend cannot read block times", trace.ErrUnsupported, a.backend.name())
	}
	return bt.blockTime(ctx, height)
}

func (b *rpcBackend) blockTime(ctx context.Context, height uint64) (int64, error) {
	var hash string
	if _, err := b.c.call(ctx, &hash, "getblockhash", height); err != nil {
		return 0, err
	}
	var hdr struct {
		Time int64 `json:"time"`
	}
	null, err := b.c.call(ctx, &hdr, "getblockheader", hash, true)
	if err != nil {
		return 0, err
	}
	if null {
		return 0, fmt.Errorf("%w: %s has no header for block %d (%s)", trace.ErrNotFound, b.c.name, height, hash)
	}
	return hdr.Time, nil
}

func (e *esplora) blockTime(ctx context.Context, height uint64) (int64, error) {
	var hash string
	if err := e.get(ctx, fmt.Sprintf("/block-height/%d", height), &hash); err != nil {
		return 0, err
	}
	if _, err := validTxID(hash); err != nil {
		return 0, fmt.Errorf("esplora %s/block-height/%d answered %q, not a block hash", e.ep.base, height, snippet([]byte(hash)))
	}
	var blk struct {
		Timestamp int64 `json:"timestamp"`
	}
	if err := e.get(ctx, "/block/"+hash, &blk); err != nil {
		return 0, err
	}
	return blk.Timestamp, nil
}
