package btcd

import (
	"fmt"

	"github.com/btcsuite/btcd/wire"
)

// FanOut is a laundering tree for round-trip benchmarks: the theft transaction
// pays Branch fresh addresses (hop 1), and every output of hop h < Depth is
// spent by its own transaction paying Branch fresh addresses (hop h+1). Each
// hop level is mined in its own block, so a tracer's work splits into Depth
// frontiers. With Branch 3 and Depth 6 it holds 3+9+…+729 = 1,092 addresses.
// Outputs of the last level are left unspent.
type FanOut struct {
	Branch, Depth int
	Theft         *wire.MsgTx
	Levels        [][]*wire.MsgTx // Levels[h-1]: the transactions spending hop-h outputs (h = 1 … Depth-1)
	Addresses     int             // outputs created, theft included
	TheftBlock    int32
	Tip           int32
}

// FanOutFee is the fee every transaction of a FanOut pays (satoshis).
const FanOutFee = 1_000

// BuildFanOut mines a FanOut on a fresh node (tip 0).
func BuildFanOut(n *Node, branch, depth int) (*FanOut, error) {
	if branch < 1 || depth < 1 {
		return nil, fmt.Errorf("fan-out %d×%d: want positive sizes", branch, depth)
	}
	p := n.Params
	if err := n.MineTo(440); err != nil {
		return nil, err
	}
	root := NewKey("fanout/victim", P2WPKH, p)
	fund, coins, err := n.Fund(FundFee, Output{Key: root, Value: 4_000_000_000})
	if err != nil {
		return nil, err
	}
	if _, err := n.Mine(fund); err != nil {
		return nil, err
	}
	f := &FanOut{Branch: branch, Depth: depth}
	split := func(in Coin, hop, idx int) (*wire.MsgTx, []Coin, error) {
		v := (in.Value - FanOutFee) / int64(branch)
		var outs []Output
		for j := 0; j < branch; j++ {
			outs = append(outs, Output{Key: NewKey(fmt.Sprintf("fanout/%d/%d", hop, idx*branch+j), P2WPKH, p), Value: v})
		}
		return n.Spend([]Coin{in}, outs)
	}
	tx, level, err := split(coins[0], 1, 0)
	if err != nil {
		return nil, err
	}
	f.Theft, f.Addresses = tx, len(level)
	if _, err := n.Mine(tx); err != nil {
		return nil, err
	}
	f.TheftBlock = n.Height()
	for hop := 1; hop < depth; hop++ {
		var txs []*wire.MsgTx
		var next []Coin
		for i, c := range level {
			tx, cs, err := split(c, hop+1, i)
			if err != nil {
				return nil, err
			}
			txs = append(txs, tx)
			next = append(next, cs...)
		}
		if _, err := n.Mine(txs...); err != nil {
			return nil, err
		}
		f.Levels = append(f.Levels, txs)
		f.Addresses += len(next)
		level = next
	}
	if _, err := n.Mine(); err != nil {
		return nil, err
	}
	f.Tip = n.Height()
	return f, nil
}
