package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/internal/httpx"

	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// resolveStrategy settles --history once per Adapter (one endpoint): auto picks
// explorer when an explorer URL is configured, else trace when the node answers
// trace_filter, else rpc.
func (a *Adapter) resolveStrategy(ctx context.Context) (string, error) {
	a.stratOnce.Do(func() {
		switch a.cfg.History {
		case HistoryTrace, HistoryExplorer, HistoryRPC:
			a.strategy = a.cfg.History
			return
		}
		if a.cfg.Explorer != "" {
			a.strategy = HistoryExplorer
			return
		}
		tip, err := a.Tip(ctx)
		if err != nil {
			a.stratErr = err
			return
		}
		var probe []flatTrace
		err = a.cl.call(ctx, &probe, "trace_filter", map[string]any{
			"fromBlock": blockTag(tip), "toBlock": blockTag(tip),
			"fromAddress": []common.Address{{}}, "count": 1,
		})
		switch {
		case err == nil:
			a.strategy = HistoryTrace
		case errors.Is(err, trace.ErrUnsupported):
			a.strategy = HistoryRPC
		default:
			a.stratErr = fmt.Errorf("detecting the history method of %s: %w", a.cl.url, err)
		}
	})
	return a.strategy, a.stratErr
}

// Strategy returns the history method in use (resolving auto on first use).
func (a *Adapter) Strategy(ctx context.Context) (string, error) { return a.resolveStrategy(ctx) }

type hashSet struct {
	list []common.Hash
	seen map[common.Hash]bool
}

func (s *hashSet) add(h common.Hash) {
	if s.seen == nil {
		s.seen = map[common.Hash]bool{}
	}
	if !s.seen[h] {
		s.seen[h] = true
		s.list = append(s.list, h)
	}
}

// rpcCandidates finds the transactions that may involve addr with plain JSON-RPC.
func (a *Adapter) rpcCandidates(ctx context.Context, addr common.Address, from, to uint64, limit int) ([]common.Hash, error) {
	var set hashSet
	end := to
	if to-from+1 > a.scanBlock {
		end = from + a.scanBlock - 1
		a.warn("rpc history scans at most %d blocks from each address's start for incoming native value and internal transfers; later ones are not seen (use --history trace or --history explorer for complete results)", a.scanBlock)
		// Outgoing transactions of an externally owned account beyond the scan:
		// its nonce counts them, so bisection finds their blocks. (Within the
		// scanned range the scan sees them anyway.)
		blocks, err := a.nonceBlocks(ctx, addr, end+1, to, limit)
		switch {
		case errors.Is(err, trace.ErrUnsupported):
			a.warn("outgoing transactions after the scanned blocks are not found: %v", err)
		case err != nil:
			return nil, err
		}
		if err := a.fetchBlocks(ctx, blocks); err != nil {
			return nil, err
		}
		a.cache.mu.Lock()
		for _, b := range blocks {
			for _, tx := range a.cache.blocks[b].Transactions {
				if tx.From == addr {
					set.add(tx.Hash)
				}
			}
		}
		a.cache.mu.Unlock()
	}
	// Token transfers and WETH wraps by log topics. When the range fits one log
	// query, the query rides in the scan's first batch.
	a.mu.Lock()
	single := to-from+1 <= a.logRange
	a.mu.Unlock()
	var got [2][]rpcLog
	var logElems []rpc.BatchElem
	if single {
		logElems = logQueries(addr, from, to, &got)
	}
	// Incoming native value, and internal transfers either way, have no index on
	// a plain node: scan a bounded number of blocks.
	scanned, err := a.scan(ctx, addr, from, end, logElems)
	if err != nil {
		return nil, err
	}
	for _, h := range scanned {
		set.add(h)
	}
	var logFailed error
	for _, e := range logElems {
		if e.Error != nil {
			logFailed = e.Error
		}
	}
	switch {
	case single && logFailed == nil:
		for _, ls := range got {
			for _, l := range ls {
				if !l.Removed {
					set.add(l.TxHash)
				}
			}
		}
		return set.list, nil
	case logFailed != nil && !rangeTooLarge(logFailed):
		return nil, fmt.Errorf("token transfers of %s in blocks %d–%d: %w", addr.Hex(), from, to, logFailed)
	case logFailed != nil:
		a.mu.Lock()
		a.logRange = max(min(a.logRange, to-from+1)/2, 1)
		a.mu.Unlock()
	}
	logs, err := a.transferLogs(ctx, addr, from, to)
	if err != nil {
		return nil, err
	}
	for _, h := range logs {
		set.add(h)
	}
	return set.list, nil
}

// noncesOrdered reports whether the nonces answered rise with the blocks.
func noncesOrdered(bs []int64, vals []hexutil.Uint64, elems []rpc.BatchElem) bool {
	type bn struct {
		b int64
		n uint64
	}
	var got []bn
	for i, b := range bs {
		if b >= 0 {
			got = append(got, bn{b, uint64(vals[i])})
		}
	}
	for _, e := range elems {
		if e.Error != nil {
			return true // reported by the caller
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].b < got[j].b })
	for i := 1; i < len(got); i++ {
		if got[i].n < got[i-1].n {
			return false
		}
	}
	return true
}

// logQueries are the two eth_getLogs calls for addr's token transfers and WETH
// wraps in [from, to]: addr as topic 1 (Transfer sender, Deposit/Withdrawal
// holder) and as topic 2 (Transfer recipient).
func logQueries(addr common.Address, from, to uint64, got *[2][]rpcLog) []rpc.BatchElem {
	topic := common.BytesToHash(addr.Bytes())
	q := func(topics []any) map[string]any {
		return map[string]any{"fromBlock": blockTag(from), "toBlock": blockTag(to), "topics": topics}
	}
	return []rpc.BatchElem{
		{Method: "eth_getLogs", Args: []any{q([]any{[]common.Hash{topicTransfer, topicDeposit, topicWithdrawal}, topic})}, Result: &got[0]},
		{Method: "eth_getLogs", Args: []any{q([]any{topicTransfer, nil, topic})}, Result: &got[1]},
	}
}

// logQueriesMany is logQueries for many addresses at once: each topic
// position holds the list of them, over [from, to].
func logQueriesMany(addrs []common.Address, from, to uint64, got *[2][]rpcLog) []rpc.BatchElem {
	if len(addrs) == 1 {
		return logQueries(addrs[0], from, to, got)
	}
	topics := make([]common.Hash, len(addrs))
	for i, a := range addrs {
		topics[i] = common.BytesToHash(a.Bytes())
	}
	q := func(ts []any) map[string]any {
		return map[string]any{"fromBlock": blockTag(from), "toBlock": blockTag(to), "topics": ts}
	}
	return []rpc.BatchElem{
		{Method: "eth_getLogs", Args: []any{q([]any{[]common.Hash{topicTransfer, topicDeposit, topicWithdrawal}, topics})}, Result: &got[0]},
		{Method: "eth_getLogs", Args: []any{q([]any{topicTransfer, nil, topics})}, Result: &got[1]},
	}
}

// logGroupSize bounds the addresses of one shared log query: geth refuses more
// than 1,000 per topic position (LogQueryLimit), and a smaller group keeps one
// busy address from inflating many holders' answers.
const logGroupSize = 100

// logGroups splits n items (ranges by rng) into groups for shared log queries:
// at most logGroupSize each, the union of a group's ranges within logRange
// blocks. Items are taken in order of their ranges' start; the groups hold
// indexes, and the order of the result is deterministic.
func logGroups[T any](items []T, rng func(T) (uint64, uint64), logRange uint64) [][]int {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		fx, _ := rng(items[idx[x]])
		fy, _ := rng(items[idx[y]])
		return fx < fy
	})
	var out [][]int
	var cur []int
	var lo, hi uint64
	for _, i := range idx {
		f, t := rng(items[i])
		if len(cur) > 0 && (len(cur) == logGroupSize || max(hi, t)-min(lo, f)+1 > logRange) {
			out = append(out, cur)
			cur = nil
		}
		if len(cur) == 0 {
			lo, hi = f, t
		}
		cur = append(cur, i)
		lo, hi = min(lo, f), max(hi, t)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// nonceBlocks returns the blocks in [from, to] in which addr's nonce rose, by
// bisecting eth_getTransactionCount; each level of the bisection is one batch.
// With limit > 0 and more than limit transactions, it stops at the block of the
// (limit+1)-th.
func (a *Adapter) nonceBlocks(ctx context.Context, addr common.Address, from, to uint64, limit int) ([]uint64, error) {
	type rng struct {
		lo     int64 // state after block lo (-1: before genesis, nonce 0)
		hi     uint64
		nl, nh uint64
	}
	nonces := func(bs []int64) ([]uint64, error) {
		out := make([]uint64, len(bs))
		vals := make([]hexutil.Uint64, len(bs))
		var elems []rpc.BatchElem
		var idx []int
		for i, b := range bs {
			if b < 0 {
				continue
			}
			elems = append(elems, rpc.BatchElem{Method: "eth_getTransactionCount", Args: []any{addr, blockTag(uint64(b))}, Result: &vals[i]})
			idx = append(idx, i)
		}
		// A nonce carries nothing to tell which block it answers, but nonces
		// never fall as blocks rise: answers swapped inside a batch break that
		// order (equal ones swap harmlessly), and the calls are then asked
		// again one by one.
		checks := make([]func(json.RawMessage) error, len(elems))
		for i := range checks {
			checks[i] = httpx.CallerChecks
		}
		if err := a.cl.batchChecked(ctx, elems, checks); err != nil {
			return nil, err
		}
		if !noncesOrdered(bs, vals, elems) {
			for j := range elems {
				if err := a.cl.call(ctx, elems[j].Result, elems[j].Method, elems[j].Args...); err != nil {
					return nil, a.stateErr(err, uint64(bs[idx[j]]))
				}
				elems[j].Error = nil
			}
			if !noncesOrdered(bs, vals, elems) {
				return nil, fmt.Errorf("eth_getTransactionCount at %s: the nonces of %s fall as blocks rise; the node's answers cannot be trusted: use another --rpc", a.cl.url, addr.Hex())
			}
		}
		for j, e := range elems {
			if e.Error != nil {
				return nil, a.stateErr(e.Error, uint64(bs[idx[j]]))
			}
			out[idx[j]] = uint64(vals[idx[j]])
		}
		return out, nil
	}
	ends, err := nonces([]int64{int64(from) - 1, int64(to)})
	if err != nil {
		return nil, err
	}
	n0, n1 := ends[0], ends[1]
	if n1 <= n0 {
		return nil, nil
	}
	if limit > 0 && n1-n0 > uint64(limit) {
		// Binary search for the first block whose nonce reaches n0+limit+1.
		want := n0 + uint64(limit) + 1
		lo, hi := int64(from)-1, to
		for uint64(lo+1) < hi {
			mid := (uint64(lo+1) + hi) / 2
			v, err := nonces([]int64{int64(mid)})
			if err != nil {
				return nil, err
			}
			if v[0] >= want {
				hi = mid
			} else {
				lo = int64(mid)
			}
		}
		to = hi
		v, err := nonces([]int64{int64(to)})
		if err != nil {
			return nil, err
		}
		n1 = v[0]
	}
	var out []uint64
	level := []rng{{lo: int64(from) - 1, hi: to, nl: n0, nh: n1}}
	for len(level) > 0 {
		var split []rng
		var mids []int64
		for _, r := range level {
			if uint64(r.lo+1) == r.hi {
				out = append(out, r.hi)
				continue
			}
			split = append(split, r)
			mids = append(mids, (r.lo+int64(r.hi))/2)
		}
		vals, err := nonces(mids)
		if err != nil {
			return nil, err
		}
		level = level[:0]
		for i, r := range split {
			m, v := mids[i], vals[i]
			if v > r.nl {
				level = append(level, rng{lo: r.lo, hi: uint64(m), nl: r.nl, nh: v})
			}
			if r.nh > v {
				level = append(level, rng{lo: m, hi: r.hi, nl: v, nh: r.nh})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// fetchBlocks loads full blocks (with transactions) not yet cached.
func (a *Adapter) fetchBlocks(ctx context.Context, bs []uint64) error {
	cl := &claims{c: a.cache}
	defer cl.release()
	a.cache.mu.Lock()
	var need []uint64
	for _, b := range bs {
		if a.cache.blocks[b] == nil && cl.try(fmt.Sprint("b", b)) {
			need = append(need, b)
		}
	}
	a.cache.mu.Unlock()
	if len(need) > 0 {
		if err := a.fetchBlocksNow(ctx, need); err != nil {
			return err
		}
	}
	return a.settleBlocks(ctx, cl, bs)
}

// settleBlocks releases this caller's claim, waits for the fetches other callers
// claimed, and checks every block in bs made it into the cache.
func (a *Adapter) settleBlocks(ctx context.Context, cl *claims, bs []uint64) error {
	cl.release()
	if err := cl.wait(ctx); err != nil {
		return err
	}
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	for _, b := range bs {
		if a.cache.blocks[b] == nil {
			return fmt.Errorf("block %d could not be fetched from %s", b, a.cl.url)
		}
	}
	return nil
}

func (a *Adapter) fetchBlocksNow(ctx context.Context, need []uint64) error {
	out := make([]*rpcBlock, len(need))
	elems := make([]rpc.BatchElem, len(need))
	for i, b := range need {
		elems[i] = rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{blockTag(b), true}, Result: &out[i]}
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
		if out[i] == nil {
			return fmt.Errorf("%w: block %d not returned by %s", trace.ErrNotFound, need[i], a.cl.url)
		}
		a.cache.putBlock(out[i])
	}
	return nil
}

// rangeTooLarge recognises the many ways providers refuse a log query as too big.
func rangeTooLarge(err error) bool {
	if err == nil {
		return false
	}
	m := strings.ToLower(err.Error())
	for _, s := range []string{"range", "too large", "too many", "limit", "exceed", "more than", "10000 results", "response size", "timeout", "timed out"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// transferLogs returns the transactions with a Transfer log from or to addr (and
// WETH Deposit/Withdrawal for addr), in block chunks that halve on refusal.
func (a *Adapter) transferLogs(ctx context.Context, addr common.Address, from, to uint64) ([]common.Hash, error) {
	var set hashSet
	for start := from; start <= to; {
		a.mu.Lock()
		size := a.logRange
		a.mu.Unlock()
		end := min(to, start+size-1)
		var got [2][]rpcLog
		elems := logQueries(addr, start, end, &got)
		if err := a.cl.batch(ctx, elems); err != nil {
			return nil, err
		}
		var failed error
		for _, e := range elems {
			if e.Error != nil {
				failed = e.Error
			}
		}
		if failed != nil {
			if rangeTooLarge(failed) && size > 1 {
				a.mu.Lock()
				a.logRange = max(size/2, 1)
				a.mu.Unlock()
				continue
			}
			return nil, fmt.Errorf("token transfers of %s in blocks %d–%d: %w", addr.Hex(), start, end, failed)
		}
		for _, ls := range got {
			for _, l := range ls {
				if !l.Removed {
					set.add(l.TxHash)
				}
			}
		}
		if end == to {
			break
		}
		start = end + 1
	}
	return set.list, nil
}

// scan returns the transactions in blocks [from, to] that send native value to
// or from addr, or whose call trace moves value from or to addr. Each chunk of
// blocks is one batch: the full blocks and their debug_traceBlockByNumber
// (callTracer) traces, which are kept for transfersOf; extra calls ride in the
// first batch.
func (a *Adapter) scan(ctx context.Context, addr common.Address, from, to uint64, extra []rpc.BatchElem) ([]common.Hash, error) {
	var set hashSet
	const chunk = 500
	for start := from; start <= to; start += chunk {
		end := min(to, start+chunk-1)
		var bs []uint64
		for b := start; b <= end; b++ {
			bs = append(bs, b)
		}
		if err := a.fetchScan(ctx, bs, extra, nil); err != nil {
			return nil, err
		}
		extra = nil
		a.cache.mu.Lock()
		for _, b := range bs {
			for _, tx := range a.cache.blocks[b].Transactions {
				if tx.To != nil && *tx.To == addr || tx.From == addr {
					set.add(tx.Hash)
				}
				for _, m := range a.cache.traces[tx.Hash] {
					if m.From == addr || m.To == addr {
						set.add(tx.Hash)
						break
					}
				}
			}
		}
		a.cache.mu.Unlock()
	}
	return set.list, nil
}

// fetchScan loads blocks bs with their transactions and traces (every block is
// traced: a plain payment to a contract can run code that pays on, and only the
// trace shows it), plus extra calls, in one batch.
// txTrace is one transaction's entry in debug_traceBlockByNumber.
type txTrace struct {
	TxHash common.Hash `json:"txHash"`
	Result *callFrame  `json:"result"`
	Error  string      `json:"error"`
}

// blockTraceFits: a block trace has one entry per transaction of the block,
// in order, each naming its transaction (older geth names none).
func blockTraceFits(tts []txTrace, blk *rpcBlock) error {
	if len(tts) != len(blk.Transactions) {
		return fmt.Errorf("a trace of %d transactions answered for block %d of %d", len(tts), blk.Number, len(blk.Transactions))
	}
	for j, tt := range tts {
		if tt.TxHash != (common.Hash{}) && tt.TxHash != blk.Transactions[j].Hash {
			return fmt.Errorf("the trace of block %d names transaction %s at position %d", blk.Number, tt.TxHash.Hex(), j)
		}
	}
	return nil
}

// With send, its batch goes as part of a frontier's combined request.
func (a *Adapter) fetchScan(ctx context.Context, bs []uint64, extra []rpc.BatchElem, send sender) error {
	cl := &claims{c: a.cache}
	defer cl.release()
	a.mu.Lock()
	noDebug := a.noDebug
	a.mu.Unlock()
	if noDebug {
		a.warn("internal transfers into an address are not searched: the node has no debug_traceBlockByNumber")
	}
	var needB, needT []uint64
	a.cache.mu.Lock()
	for _, b := range bs {
		if a.cache.blocks[b] == nil && cl.try(fmt.Sprint("b", b)) {
			needB = append(needB, b)
		}
	}
	for _, b := range bs {
		// Genesis has no transactions and cannot be traced.
		if b > 0 && !noDebug && !a.cache.traced[b] && cl.try(fmt.Sprint("tb", b)) {
			needT = append(needT, b)
		}
	}
	a.cache.mu.Unlock()
	blocks := make([]*rpcBlock, len(needB))
	traces := make([][]txTrace, len(needT))
	elems := append([]rpc.BatchElem(nil), extra...)
	for i, b := range needB {
		elems = append(elems, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{blockTag(b), true}, Result: &blocks[i]})
	}
	checks := make([]func(json.RawMessage) error, len(elems), len(elems)+len(needT))
	a.cache.mu.Lock()
	for i, b := range needT {
		elems = append(elems, rpc.BatchElem{Method: "debug_traceBlockByNumber", Args: []any{blockTag(b), map[string]any{"tracer": "callTracer"}}, Result: &traces[i]})
		var chk func(json.RawMessage) error = httpx.CallerChecks // the block comes in this batch: checked below
		if blk := a.cache.blocks[b]; blk != nil {
			chk = func(raw json.RawMessage) error {
				var tts []txTrace
				if err := json.Unmarshal(raw, &tts); err != nil {
					return err
				}
				return blockTraceFits(tts, blk)
			}
		}
		checks = append(checks, chk)
	}
	a.cache.mu.Unlock()
	batch := func(elems []rpc.BatchElem, checks []func(json.RawMessage) error) error {
		return a.cl.batchChecked(ctx, elems, checks)
	}
	if send != nil {
		batch = send
	}
	if err := batch(elems, checks); err != nil {
		return err
	}
	copy(extra, elems[:len(extra)]) // the caller reads its calls' errors
	be, te := elems[len(extra):len(extra)+len(needB)], elems[len(extra)+len(needB):]
	a.cache.mu.Lock()
	for i, e := range be {
		if e.Error != nil {
			a.cache.mu.Unlock()
			return e.Error
		}
		if blocks[i] == nil {
			a.cache.mu.Unlock()
			return fmt.Errorf("%w: block %d not returned by %s", trace.ErrNotFound, needB[i], a.cl.url)
		}
		a.cache.putBlock(blocks[i])
	}
	a.cache.mu.Unlock()
	for i, e := range te {
		if errors.Is(e.Error, trace.ErrUnsupported) {
			a.mu.Lock()
			a.noDebug = true
			a.mu.Unlock()
			a.warn("internal transfers into an address are not searched: the node has no debug_traceBlockByNumber")
			break
		}
		if e.Error != nil {
			a.warn("block %d could not be traced, its internal transfers are unseen: %v", needT[i], e.Error)
			a.cache.mu.Lock()
			a.cache.traced[needT[i]] = true // do not ask again
			a.cache.mu.Unlock()
			continue
		}
		a.cache.mu.Lock()
		blk := a.cache.blocks[needT[i]]
		if blk != nil && blockTraceFits(traces[i], blk) != nil {
			// The answer is not this block's: ask for it alone, once more.
			a.cache.mu.Unlock()
			traces[i] = nil
			if err := a.cl.call(ctx, &traces[i], "debug_traceBlockByNumber", blockTag(needT[i]), map[string]any{"tracer": "callTracer"}); err != nil {
				return err
			}
			if err := blockTraceFits(traces[i], blk); err != nil {
				return fmt.Errorf("debug_traceBlockByNumber %d at %s: %w; use another --rpc", needT[i], a.cl.url, err)
			}
			a.cache.mu.Lock()
		}
		for j, tt := range traces[i] {
			h := tt.TxHash
			if h == (common.Hash{}) && blk != nil && j < len(blk.Transactions) {
				h = blk.Transactions[j].Hash // older geth omits txHash
			}
			if tt.Result != nil && tt.Error == "" && h != (common.Hash{}) {
				a.cache.traces[h] = movesFromFrame(tt.Result)
				delete(a.cache.noTrace, h)
			}
		}
		a.cache.traced[needT[i]] = true
		a.cache.mu.Unlock()
	}
	return a.settleBlocks(ctx, cl, bs)
}

// traceCandidates uses trace_filter (fromAddress, then toAddress) for every
// native movement, paged with after/count, plus transfer logs for tokens.
// With limit > 0 it stops paging once it has more than limit transactions
// (capped): the address is too busy to follow, and a hot wallet's traces would
// take forever to page through.
//
// Block and uncle reward traces (type "reward", which Erigon, Nethermind and
// OpenEthereum return for proof-of-work blocks) paying addr are appended to
// rewards: they are credits without a transaction (credits.go).
func (a *Adapter) traceCandidates(ctx context.Context, addr common.Address, from, to uint64, limit int, rewards *[]flatTrace) ([]common.Hash, bool, error) {
	var set hashSet
	const page = 1000
	for _, field := range []string{"fromAddress", "toAddress"} {
		for after := 0; ; after += page {
			if limit > 0 && len(set.list) > limit {
				return set.list, true, nil
			}
			var ts []flatTrace
			err := a.cl.call(ctx, &ts, "trace_filter", map[string]any{
				"fromBlock": blockTag(from), "toBlock": blockTag(to),
				field: []common.Address{addr}, "after": after, "count": page,
			})
			if err != nil {
				return nil, false, fmt.Errorf("history of %s: %w", addr.Hex(), err)
			}
			for _, t := range ts {
				if t.Type == "reward" {
					if field == "toAddress" && t.Action.Author != nil && *t.Action.Author == addr && positive(t.Action.Value) {
						*rewards = append(*rewards, t)
					}
					continue
				}
				if t.TxHash != nil {
					set.add(*t.TxHash)
				}
			}
			if len(ts) < page {
				break
			}
		}
	}
	if limit > 0 && len(set.list) > limit {
		return set.list, true, nil
	}
	logs, err := a.transferLogs(ctx, addr, from, to)
	if err != nil {
		return nil, false, err
	}
	for _, h := range logs {
		set.add(h)
	}
	return set.list, false, nil
}
