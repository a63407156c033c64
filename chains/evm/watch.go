package evm

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// BlockHashes returns the hashes of the blocks at heights in the chain the node
// follows now (for a watch noticing reorganisations), one batch. Unlike every
// other read, an answer from another fork than the one read before is no
// fault here but what the caller asks to see: the answers are checked against
// their calls only, and a height whose hash changed makes the adapter forget
// what it learnt at and above it (ForgetBlocks) and take the new hash.
func (a *Adapter) BlockHashes(ctx context.Context, heights []uint64) ([]string, error) {
	type head struct {
		Hash       *common.Hash    `json:"hash"`
		ParentHash *common.Hash    `json:"parentHash"`
		Number     *hexutil.Uint64 `json:"number"`
	}
	res := make([]head, len(heights))
	elems := make([]rpc.BatchElem, len(heights))
	for i, h := range heights {
		elems[i] = rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.Uint64(h), false}, Result: &res[i]}
	}
	fresh := *a.cl
	fresh.view = nil // the chain as it is now, not as it was read before
	if err := batchAllOn(ctx, &fresh, elems, nil, nil); err != nil {
		return nil, err
	}
	out := make([]string, len(heights))
	for i, e := range elems {
		if e.Error != nil {
			return nil, fmt.Errorf("block %d: %w", heights[i], e.Error)
		}
		if res[i].Hash == nil || res[i].Number == nil || uint64(*res[i].Number) != heights[i] {
			return nil, fmt.Errorf("block %d: the node returned no block of that height", heights[i])
		}
		out[i] = res[i].Hash.Hex()
	}
	if v := a.cl.view; v != nil {
		for i, h := range heights {
			parent := ""
			if res[i].ParentHash != nil {
				parent = res[i].ParentHash.Hex()
			}
			if v.Observe(h, out[i], parent) != nil {
				// a reorganisation: this part of the chain is read afresh, from
				// the block below (the parent named may replace it too)
				v.Forget(max(h, 1) - 1)
				_ = v.Observe(h, out[i], parent)
			}
		}
	}
	return out, nil
}
