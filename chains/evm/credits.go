package evm

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// Credits that no transaction makes: the fee recipient's priority fees and a
// beacon-chain withdrawal raise a balance without any transfer, log or call
// trace. Left out, an address seed misses them and a holder's clean funds are
// understated, so where the adapter has the full blocks (the rpc history scan)
// it reports them as transfers of their own kinds, at the end of their block.

type rpcWithdrawal struct {
	Index     hexutil.Uint64 `json:"index"`
	Validator hexutil.Uint64 `json:"validatorIndex"`
	Address   common.Address `json:"address"`
	Amount    hexutil.Uint64 `json:"amount"` // gwei
}

var gwei = big.NewInt(1_000_000_000)

// blockCredits returns addr's reward and withdrawal credits in the cached full
// blocks from..to (blocks not cached are skipped: the caller scanned them).
// Priority fees need the receipts of every transaction of a block addr built.
//
// Proof-of-work block and uncle rewards (before the Merge) are not computed
// here: trace_filter reports them (rewardTransfers); with the rpc history the
// tracer's balance reconciliation reports them as unexplained.
func (a *Adapter) blockCredits(ctx context.Context, addr common.Address, from, to uint64) ([]graph.Transfer, error) {
	var built []*rpcBlock
	var out []graph.Transfer
	a.cache.mu.Lock()
	for b := from; b <= to; b++ {
		blk := a.cache.blocks[b]
		if blk == nil {
			continue
		}
		if blk.Miner == addr && len(blk.Transactions) > 0 {
			built = append(built, blk)
		}
		for i, w := range blk.Withdrawals {
			if w.Address != addr || w.Amount == 0 {
				continue
			}
			t := creditBase(a, blk)
			t.Kind, t.From, t.To = graph.KindWithdrawal, graph.FromBeaconWithdrawals, addr.Hex()
			t.TxIndex, t.Seq = len(blk.Transactions)+1, i
			t.Position = fmt.Sprintf("withdrawal %d", uint64(w.Index))
			t.Amount = new(big.Int).Mul(new(big.Int).SetUint64(uint64(w.Amount)), gwei)
			out = append(out, t)
		}
	}
	a.cache.mu.Unlock()
	if len(built) == 0 {
		return out, nil
	}
	if err := a.fetchReceipts(ctx, built); err != nil {
		return nil, err
	}
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	for _, blk := range built {
		sum := new(big.Int)
		for _, tx := range blk.Transactions {
			r := a.cache.receipts[tx.Hash]
			if r == nil {
				return nil, fmt.Errorf("no receipt for transaction %s of block %d from %s", tx.Hash.Hex(), uint64(blk.Number), a.cfg.RPC)
			}
			price := r.EffectiveGasPrice
			if price == nil {
				price = tx.GasPrice
			}
			if price == nil {
				continue
			}
			tip := new(big.Int).Set((*big.Int)(price))
			if blk.BaseFee != nil {
				tip.Sub(tip, (*big.Int)(blk.BaseFee)) // the base fee is burnt (EIP-1559)
			}
			if tip.Sign() > 0 {
				sum.Add(sum, tip.Mul(tip, new(big.Int).SetUint64(uint64(r.GasUsed))))
			}
		}
		if sum.Sign() == 0 {
			continue
		}
		t := creditBase(a, blk)
		t.Kind, t.From, t.To, t.Position = graph.KindReward, graph.FromBlockReward, addr.Hex(), "reward"
		t.TxIndex, t.Amount = len(blk.Transactions), sum
		out = append(out, t)
	}
	return out, nil
}

func creditBase(a *Adapter, blk *rpcBlock) graph.Transfer {
	return graph.Transfer{
		Chain: a.info.Name, Asset: a.info.Native, Block: uint64(blk.Number),
		BlockHash: strings.ToLower(blk.Hash.Hex()), Time: int64(blk.Timestamp),
	}
}

// fetchReceipts loads, in one batch, the receipts of the blocks' transactions
// that are not cached yet.
func (a *Adapter) fetchReceipts(ctx context.Context, blocks []*rpcBlock) error {
	var need []common.Hash
	a.cache.mu.Lock()
	for _, blk := range blocks {
		for _, tx := range blk.Transactions {
			if a.cache.receipts[tx.Hash] == nil {
				need = append(need, tx.Hash)
			}
		}
	}
	a.cache.mu.Unlock()
	if len(need) == 0 {
		return nil
	}
	rs := make([]*rpcReceipt, len(need))
	elems := make([]rpc.BatchElem, len(need))
	for i, h := range need {
		elems[i] = rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{h}, Result: &rs[i]}
	}
	if err := a.cl.batch(ctx, elems); err != nil {
		return err
	}
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	for i, e := range elems {
		if e.Error != nil {
			return e.Error
		}
		if rs[i] != nil {
			a.cache.receipts[need[i]] = rs[i]
		}
	}
	return nil
}

// rewardTxIndex places a reward from a trace after every transaction of its
// block (the trace does not say how many the block has).
const rewardTxIndex = 1 << 30

// rewardTransfers turns trace_filter reward traces (block and uncle rewards of
// proof-of-work blocks) into reward transfers to addr, in the order given.
func (a *Adapter) rewardTransfers(ctx context.Context, addr common.Address, ts []flatTrace) ([]graph.Transfer, error) {
	var out []graph.Transfer
	seq := map[uint64]int{}
	for _, tr := range ts {
		tm, err := a.BlockTime(ctx, tr.BlockNumber)
		if err != nil {
			return nil, fmt.Errorf("time of block %d (a reward to %s): %w", tr.BlockNumber, addr.Hex(), err)
		}
		t := graph.Transfer{
			Chain: a.info.Name, Asset: a.info.Native, Kind: graph.KindReward, Block: tr.BlockNumber, Time: tm,
			From: graph.FromBlockReward, To: addr.Hex(), Amount: new(big.Int).Set((*big.Int)(tr.Action.Value)),
			TxIndex: rewardTxIndex, Seq: seq[tr.BlockNumber], Position: "reward",
		}
		if tr.Action.RewardType != "" {
			t.Position = "reward " + strings.ToLower(tr.Action.RewardType) // "reward block", "reward uncle"
		}
		if tr.BlockHash != nil {
			t.BlockHash = strings.ToLower(tr.BlockHash.Hex())
		}
		seq[tr.BlockNumber]++
		out = append(out, t)
	}
	return out, nil
}
