package btcd

import (
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
)

// Reorg invalidates the blocks above height (btcd's invalidateblock on the
// first of them) and makes Mine build on the block at height from then on, so
// the next blocks mined form a competing branch that btcd follows once it is
// longer. Coins created above height are forgotten.
func (n *Node) Reorg(height int32) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.chain
	if height >= c.height {
		return fmt.Errorf("reorg to %d: the tip is %d", height, c.height)
	}
	above, err := n.Client.GetBlockHash(int64(height + 1))
	if err != nil {
		return err
	}
	raw, err := json.Marshal(above.String())
	if err != nil {
		return err
	}
	if _, err := n.Client.RawRequest("invalidateblock", []json.RawMessage{raw}); err != nil {
		return fmt.Errorf("invalidateblock %d: %w", height+1, err)
	}
	hash, err := n.Client.GetBlockHash(int64(height))
	if err != nil {
		return err
	}
	msg, err := n.Client.GetBlock(hash)
	if err != nil {
		return err
	}
	b := btcutil.NewBlock(msg)
	b.SetHeight(height)
	c.prev, c.height = b, height
	keep := c.coins[:0]
	for _, coin := range c.coins {
		if coin.Height <= height {
			keep = append(keep, coin)
		}
	}
	c.coins = keep
	return nil
}
