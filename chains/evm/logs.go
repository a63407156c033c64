package evm

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"

	"github.com/chaintrace/chaintrace/demix"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

var _ demix.LogSource = (*Adapter)(nil)

// logCache keeps answered log queries (by query) and transaction metadata (by
// hash) for the adapter's lifetime: the candidate search asks for the same pool
// window once per pool, and a second trace in the same process asks again.
type logCache struct {
	mu    sync.Mutex
	logs  map[string][]demix.Log
	metas map[string]demix.TxMeta
}

func (a *Adapter) logc() *logCache {
	a.logOnce.Do(func() {
		a.logCache = &logCache{logs: map[string][]demix.Log{}, metas: map[string]demix.TxMeta{}}
	})
	return a.logCache
}

func logKey(q demix.LogQuery, from, to uint64) string {
	as := make([]string, len(q.Addresses))
	for i, s := range q.Addresses {
		as[i] = strings.ToLower(s)
	}
	sort.Strings(as)
	ts := append([]string(nil), q.Topics...)
	sort.Strings(ts)
	return fmt.Sprintf("%s|%s|%d|%d", strings.Join(as, ","), strings.ToLower(strings.Join(ts, ",")), from, to)
}

// chunk is one eth_getLogs call: part of a query's block range.
type logChunk struct {
	q        int
	from, to uint64
	got      []rpcLog
}

// Logs answers log queries with eth_getLogs: every query's range is cut into
// chunks of the adapter's log range, all chunks go out in batches, and a chunk a
// provider refuses as too large is halved (and the adapter's log range with it).
// Answers are cached per chunk.
func (a *Adapter) Logs(ctx context.Context, qs []demix.LogQuery) ([][]demix.Log, error) {
	lc := a.logc()
	parts := make([][]*logChunk, len(qs))
	var todo []*logChunk
	a.mu.Lock()
	size := a.logRange
	a.mu.Unlock()
	addrs := make([][]common.Address, len(qs))
	topics := make([][]common.Hash, len(qs))
	for i, q := range qs {
		if q.ToBlock < q.FromBlock {
			continue
		}
		for _, s := range q.Addresses {
			ad, err := parseAddress(s)
			if err != nil {
				return nil, err
			}
			addrs[i] = append(addrs[i], ad)
		}
		for _, t := range q.Topics {
			topics[i] = append(topics[i], common.HexToHash(t))
		}
		for s := q.FromBlock; ; s += size {
			e := min(q.ToBlock, s+size-1)
			parts[i] = append(parts[i], &logChunk{q: i, from: s, to: e})
			if e == q.ToBlock {
				break
			}
		}
	}
	for i := range parts {
		for _, c := range parts[i] {
			lc.mu.Lock()
			_, ok := lc.logs[logKey(qs[c.q], c.from, c.to)]
			lc.mu.Unlock()
			if !ok {
				todo = append(todo, c)
			}
		}
	}
	for len(todo) > 0 {
		elems := make([]rpc.BatchElem, len(todo))
		for k, c := range todo {
			arg := map[string]any{"fromBlock": blockTag(c.from), "toBlock": blockTag(c.to), "topics": []any{topics[c.q]}}
			if len(addrs[c.q]) > 0 {
				arg["address"] = addrs[c.q]
			}
			elems[k] = rpc.BatchElem{Method: "eth_getLogs", Args: []any{arg}, Result: &c.got}
		}
		if err := a.cl.batch(ctx, elems); err != nil {
			return nil, err
		}
		var again []*logChunk
		for k, c := range todo {
			if err := elems[k].Error; err != nil {
				if rangeTooLarge(err) && c.to > c.from {
					mid := c.from + (c.to-c.from)/2
					a.mu.Lock()
					a.logRange = max(min(a.logRange, (c.to-c.from+1)/2), 1)
					a.mu.Unlock()
					// Replace the chunk by its halves, in place, so the
					// query's chunks stay in block order.
					i := c.q
					halves := []*logChunk{{q: i, from: c.from, to: mid}, {q: i, from: mid + 1, to: c.to}}
					for j, p := range parts[i] {
						if p == c {
							parts[i] = append(parts[i][:j], append(halves, parts[i][j+1:]...)...)
							break
						}
					}
					again = append(again, halves...)
					continue
				}
				return nil, fmt.Errorf("eth_getLogs in blocks %d–%d: %w", c.from, c.to, err)
			}
			ls := make([]demix.Log, 0, len(c.got))
			for _, l := range c.got {
				if l.Removed {
					continue
				}
				ts := make([]string, len(l.Topics))
				for t, h := range l.Topics {
					ts[t] = strings.ToLower(h.Hex())
				}
				ls = append(ls, demix.Log{
					Address: l.Address.Hex(), Topics: ts, Data: append([]byte(nil), l.Data...),
					Block: uint64(l.BlockNumber), TxHash: strings.ToLower(l.TxHash.Hex()), TxIndex: int(l.TxIndex), Index: int(l.Index),
				})
			}
			lc.mu.Lock()
			lc.logs[logKey(qs[c.q], c.from, c.to)] = ls
			lc.mu.Unlock()
		}
		todo = again
	}
	out := make([][]demix.Log, len(qs))
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for i := range qs {
		out[i] = []demix.Log{}
		for _, c := range parts[i] {
			out[i] = append(out[i], lc.logs[logKey(qs[i], c.from, c.to)]...)
		}
		sort.SliceStable(out[i], func(x, y int) bool {
			if out[i][x].Block != out[i][y].Block {
				return out[i][x].Block < out[i][y].Block
			}
			return out[i][x].Index < out[i][y].Index
		})
	}
	return out, nil
}

// metaTx is the part of eth_getTransactionByHash the demixer reads.
type metaTx struct {
	Hash        common.Hash     `json:"hash"`
	From        common.Address  `json:"from"`
	BlockNumber *hexutil.Uint64 `json:"blockNumber"`
	Type        hexutil.Uint64  `json:"type"`
	GasPrice    *hexutil.Big    `json:"gasPrice"`
	MaxFee      *hexutil.Big    `json:"maxFeePerGas"`
	MaxTip      *hexutil.Big    `json:"maxPriorityFeePerGas"`
}

// TxMetas fetches each transaction's sender and chosen fee with batched
// eth_getTransactionByHash calls, cached by hash.
func (a *Adapter) TxMetas(ctx context.Context, hashes []string) (map[string]demix.TxMeta, error) {
	lc := a.logc()
	out := map[string]demix.TxMeta{}
	var need []string
	lc.mu.Lock()
	for _, h := range hashes {
		k := strings.ToLower(h)
		if m, ok := lc.metas[k]; ok {
			out[h] = m
		} else {
			need = append(need, h)
		}
	}
	lc.mu.Unlock()
	if len(need) == 0 {
		return out, nil
	}
	got := make([]*metaTx, len(need))
	elems := make([]rpc.BatchElem, len(need))
	for i, h := range need {
		ph, err := parseHash(h)
		if err != nil {
			return nil, err
		}
		elems[i] = rpc.BatchElem{Method: "eth_getTransactionByHash", Args: []any{ph}, Result: &got[i]}
	}
	if err := a.cl.batch(ctx, elems); err != nil {
		return nil, err
	}
	for i, h := range need {
		if elems[i].Error != nil {
			return nil, fmt.Errorf("transaction %s: %w", h, elems[i].Error)
		}
		t := got[i]
		if t == nil || t.BlockNumber == nil {
			return nil, fmt.Errorf("transaction %s: not found or not mined on %s", h, a.info.Name)
		}
		m := demix.TxMeta{Hash: strings.ToLower(h), From: t.From.Hex(), Block: uint64(*t.BlockNumber)}
		if t.MaxFee != nil && t.MaxTip != nil {
			m.TipCap, m.FeeCap = new(big.Int).Set((*big.Int)(t.MaxTip)), new(big.Int).Set((*big.Int)(t.MaxFee))
		} else if t.GasPrice != nil {
			m.GasPrice = new(big.Int).Set((*big.Int)(t.GasPrice))
		}
		out[h] = m
		lc.mu.Lock()
		lc.metas[strings.ToLower(h)] = m
		lc.mu.Unlock()
	}
	return out, nil
}
