package evm

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

var _ trace.CrossingSource = (*Adapter)(nil)

// The cross-chain events the adapter decodes (docs/crossings.md has the table):
//
//	THORChain_Router (verified source on Etherscan, router versions 1–4):
//	  Deposit(address indexed to, address indexed asset, uint amount, string memo)
//	  TransferOut(address indexed vault, address indexed to, address asset, uint amount, string memo)
//	Multichain/anyswap router (anyswap/multichain-smart-contracts, AnyswapV6Router):
//	  LogAnySwapOut(address indexed token, address indexed from, address indexed to, uint amount, uint fromChainID, uint toChainID)
//	  LogAnySwapIn(bytes32 indexed txhash, address indexed token, address indexed to, uint amount, uint fromChainID, uint toChainID)
var (
	topicRouterDeposit = crypto.Keccak256Hash([]byte("Deposit(address,address,uint256,string)"))
	topicTransferOut   = crypto.Keccak256Hash([]byte("TransferOut(address,address,address,uint256,string)"))
	topicAnySwapOut    = crypto.Keccak256Hash([]byte("LogAnySwapOut(address,address,address,uint256,uint256,uint256)"))
	topicAnySwapIn     = crypto.Keccak256Hash([]byte("LogAnySwapIn(bytes32,address,address,uint256,uint256,uint256)"))
)

// TxCrossEvents decodes the cross-chain events in a transaction's receipt:
// router deposits and outbounds with their memos, lock-and-mint swap-outs and
// swap-ins. A transaction without any gives none; a log that carries one of
// the topics but does not decode is skipped with a warning (a contract
// reusing the event name with other fields).
func (a *Adapter) TxCrossEvents(ctx context.Context, txHash string) ([]graph.CrossEvent, error) {
	h, err := parseHash(txHash)
	if err != nil {
		return nil, err
	}
	if err := a.prefetch(ctx, []common.Hash{h}); err != nil {
		return nil, err
	}
	c := a.cache
	c.mu.Lock()
	tx, r := c.txs[h], c.receipts[h]
	var hdr *rpcHeader
	if tx != nil && tx.BlockNumber != nil {
		hdr = c.headers[uint64(*tx.BlockNumber)]
	}
	c.mu.Unlock()
	if tx == nil || r == nil || hdr == nil {
		_, _, err := a.transfersOf(h) // says which part is missing
		if err == nil {
			err = fmt.Errorf("%w: transaction %s: receipt or block missing", trace.ErrNotFound, h.Hex())
		}
		return nil, err
	}
	if r.Status != nil && *r.Status == 0 {
		return []graph.CrossEvent{}, nil // a failed transaction crossed nothing
	}
	out := []graph.CrossEvent{}
	for i := range r.Logs {
		l := &r.Logs[i]
		ev, ok, err := a.decodeCross(l, int64(hdr.Timestamp))
		if err != nil {
			a.warn("transaction %s log %d: %v", h.Hex(), uint64(l.Index), err)
			continue
		}
		if !ok {
			continue
		}
		if ev.Kind == graph.EventMemoIn || ev.Kind == graph.EventLockOut && ev.From == "" {
			ev.From = tx.From.Hex()
		}
		out = append(out, ev)
	}
	return out, nil
}

// FindCrossEvents searches the chain for payouts (TransferOut, LogAnySwapIn) in
// a block range, by the event's topic, optionally from given contracts only.
func (a *Adapter) FindCrossEvents(ctx context.Context, q trace.CrossQuery) ([]graph.CrossEvent, error) {
	var topic common.Hash
	switch q.Kind {
	case graph.EventMemoOut:
		topic = topicTransferOut
	case graph.EventMintIn:
		topic = topicAnySwapIn
	case graph.EventMemoIn:
		topic = topicRouterDeposit
	case graph.EventLockOut:
		topic = topicAnySwapOut
	default:
		return nil, fmt.Errorf("%w: cross-chain event kind %q", trace.ErrBadInput, q.Kind)
	}
	if q.ToBlock < q.FromBlock {
		return []graph.CrossEvent{}, nil
	}
	lq := demix.LogQuery{Addresses: q.Contracts, Topics: []string{topic.Hex()}, FromBlock: q.FromBlock, ToBlock: q.ToBlock}
	got, err := a.Logs(ctx, []demix.LogQuery{lq})
	if err != nil {
		return nil, err
	}
	out := []graph.CrossEvent{}
	for _, l := range got[0] {
		rl := rpcLog{Address: common.HexToAddress(l.Address), Data: l.Data, TxHash: common.HexToHash(l.TxHash)}
		rl.BlockNumber = hexutil.Uint64(l.Block)
		rl.Index = hexutil.Uint64(uint64(l.Index))
		for _, t := range l.Topics {
			rl.Topics = append(rl.Topics, common.HexToHash(t))
		}
		tm, err := a.BlockTime(ctx, l.Block)
		if err != nil {
			return nil, fmt.Errorf("time of block %d: %w", l.Block, err)
		}
		ev, ok, err := a.decodeCross(&rl, tm)
		if err != nil {
			a.warn("transaction %s log %d: %v", l.TxHash, l.Index, err)
			continue
		}
		if !ok || (q.RefTx != "" && !trace.SameHash(ev.RefTx, q.RefTx)) {
			continue
		}
		out = append(out, ev)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Block != out[j].Block {
			return out[i].Block < out[j].Block
		}
		return out[i].LogIndex < out[j].LogIndex
	})
	return out, nil
}

// decodeCross decodes one log; ok is false for logs of other events.
func (a *Adapter) decodeCross(l *rpcLog, tm int64) (graph.CrossEvent, bool, error) {
	if len(l.Topics) == 0 {
		return graph.CrossEvent{}, false, nil
	}
	ev := graph.CrossEvent{
		Chain: a.info.Name, Tx: strings.ToLower(l.TxHash.Hex()), Block: uint64(l.BlockNumber), Time: tm,
		LogIndex: int(l.Index), Contract: l.Address.Hex(),
	}
	d := abiWords(l.Data)
	switch l.Topics[0] {
	case topicRouterDeposit:
		if len(l.Topics) != 3 {
			return ev, false, fmt.Errorf("router Deposit event with %d topics, want 3", len(l.Topics))
		}
		amt, ok1 := d.word(0)
		memo, ok2 := d.str(1)
		if !ok1 || !ok2 {
			return ev, false, fmt.Errorf("router Deposit event data does not decode (amount, memo)")
		}
		ev.Kind, ev.To, ev.Asset, ev.Amount, ev.Memo = graph.EventMemoIn, topicAddr(l.Topics[1]), a.assetID(topicAddr(l.Topics[2])), amt, memo
	case topicTransferOut:
		if len(l.Topics) != 3 {
			return ev, false, fmt.Errorf("router TransferOut event with %d topics, want 3", len(l.Topics))
		}
		asset, ok1 := d.addr(0)
		amt, ok2 := d.word(1)
		memo, ok3 := d.str(2)
		if !ok1 || !ok2 || !ok3 {
			return ev, false, fmt.Errorf("router TransferOut event data does not decode (asset, amount, memo)")
		}
		ev.Kind, ev.Vault, ev.From, ev.To, ev.Asset, ev.Amount, ev.Memo = graph.EventMemoOut, topicAddr(l.Topics[1]), topicAddr(l.Topics[1]), topicAddr(l.Topics[2]), a.assetID(asset), amt, memo
	case topicAnySwapOut, topicAnySwapIn:
		if len(l.Topics) != 4 {
			return ev, false, fmt.Errorf("anyswap LogAnySwap event with %d topics, want 4", len(l.Topics))
		}
		amt, ok1 := d.word(0)
		from, ok2 := d.word(1)
		to, ok3 := d.word(2)
		if !ok1 || !ok2 || !ok3 || !from.IsUint64() || !to.IsUint64() {
			return ev, false, fmt.Errorf("anyswap LogAnySwap event data does not decode (amount, fromChainID, toChainID)")
		}
		ev.Amount, ev.FromChainID, ev.ToChainID = amt, from.Uint64(), to.Uint64()
		if l.Topics[0] == topicAnySwapOut {
			ev.Kind, ev.Asset, ev.From, ev.To = graph.EventLockOut, a.assetID(topicAddr(l.Topics[1])), topicAddr(l.Topics[2]), topicAddr(l.Topics[3])
		} else {
			ev.Kind, ev.RefTx, ev.Asset, ev.To = graph.EventMintIn, strings.ToLower(l.Topics[1].Hex()), a.assetID(topicAddr(l.Topics[2])), topicAddr(l.Topics[3])
		}
	default:
		return ev, false, nil
	}
	return ev, true, nil
}

// assetID is the asset id the adapter's transfers use: the native symbol for
// the zero address, the checksummed contract otherwise.
func (a *Adapter) assetID(addr string) string {
	if addr == (common.Address{}).Hex() {
		return a.info.Native.ID
	}
	return addr
}

func topicAddr(h common.Hash) string { return common.BytesToAddress(h[12:]).Hex() }

// abiWords reads ABI-encoded event data by 32-byte words, bounds-checked.
type abiWords []byte

func (d abiWords) word(i int) (*big.Int, bool) {
	if i < 0 || len(d) < 32*(i+1) {
		return nil, false
	}
	return new(big.Int).SetBytes(d[32*i : 32*(i+1)]), true
}

func (d abiWords) addr(i int) (string, bool) {
	w, ok := d.word(i)
	if !ok || w.BitLen() > 160 {
		return "", false
	}
	return common.BigToAddress(w).Hex(), true
}

// str decodes a dynamic string whose offset is in word i.
func (d abiWords) str(i int) (string, bool) {
	off, ok := d.word(i)
	if !ok || !off.IsUint64() || off.Uint64() > uint64(len(d)) || off.Uint64()%32 != 0 {
		return "", false
	}
	o := int(off.Uint64())
	n, ok := abiWords(d[o:]).word(0)
	if !ok || !n.IsUint64() || n.Uint64() > uint64(len(d)-o-32) {
		return "", false
	}
	return string(d[o+32 : o+32+int(n.Uint64())]), true
}
