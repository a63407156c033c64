package evm

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// BlockHashes returns the hashes of the blocks at heights in the chain the node
// follows now (for a watch noticing reorganisations), one batch.
func (a *Adapter) BlockHashes(ctx context.Context, heights []uint64) ([]string, error) {
	type head struct {
		Hash   *common.Hash    `json:"hash"`
		Number *hexutil.Uint64 `json:"number"`
	}
	res := make([]head, len(heights))
	elems := make([]rpc.BatchElem, len(heights))
	for i, h := range heights {
		elems[i] = rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{hexutil.Uint64(h), false}, Result: &res[i]}
	}
	if err := a.batchAll(ctx, elems); err != nil {
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
	return out, nil
}
