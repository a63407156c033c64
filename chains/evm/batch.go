package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

var (
	_ trace.HistoryBatcher  = (*Adapter)(nil)
	_ trace.BalanceBatcher  = (*Adapter)(nil)
	_ trace.ContractBatcher = (*Adapter)(nil)
)

// parallelChunks bounds how many batch chunks of one frontier are in flight at
// once: they are independent, so they share a round trip.
const parallelChunks = 64

// batchAllChecked is client.batchChecked for the calls of a whole frontier:
// chunks of the batch size go out at once instead of one after the other.
// Calls whose answers carry nothing to check them by go alone (the transport's
// rule), so those are spread over parallel requests instead.
func (a *Adapter) batchAllChecked(ctx context.Context, elems []rpc.BatchElem, checks []func(json.RawMessage) error) error {
	return a.batchAllGrouped(ctx, elems, checks, nil)
}

// batchAllGrouped is batchAllChecked where calls of different groups never
// share a request (group[i] is call i's group; calls of one group are
// adjacent). Calls whose checks cannot tell them apart go in different groups.
func (a *Adapter) batchAllGrouped(ctx context.Context, elems []rpc.BatchElem, checks []func(json.RawMessage) error, group []int) error {
	return batchAllOn(ctx, a.cl, elems, checks, group)
}

// batchAllOn is batchAllGrouped through the client cl.
func batchAllOn(ctx context.Context, cl *client, elems []rpc.BatchElem, checks []func(json.RawMessage) error, group []int) error {
	size := cl.r.BatchSize()
	type chunk struct {
		elems  []rpc.BatchElem
		checks []func(json.RawMessage) error
	}
	// Checked calls in chunks of the batch size; each unchecked one alone. The
	// chunks are sub-slices of elems, so answers land in the caller's elements.
	var chunks []chunk
	lo := -1
	flush := func(hi int) {
		if lo >= 0 && hi > lo {
			c := chunk{elems: elems[lo:hi]}
			if len(checks) > 0 {
				c.checks = checks[lo:hi]
			}
			chunks = append(chunks, c)
		}
		lo = -1
	}
	for i, e := range elems {
		var chk func(json.RawMessage) error
		if i < len(checks) {
			chk = checks[i]
		}
		if chk == nil && checkFor(e.Method, e.Args) == nil {
			flush(i)
			c := chunk{elems: elems[i : i+1]}
			if len(checks) > 0 {
				c.checks = checks[i : i+1]
			}
			chunks = append(chunks, c)
			continue
		}
		if lo >= 0 && group != nil && group[i] != group[lo] {
			flush(i)
		}
		if lo < 0 {
			lo = i
		}
		if i+1-lo == size {
			flush(i + 1)
		}
	}
	flush(len(elems))
	if len(chunks) == 1 {
		return cl.batchChecked(ctx, elems, checks)
	}
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, parallelChunks)
	var wg sync.WaitGroup
	for i, c := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = cl.batchChecked(ctx, c.elems, c.checks)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Histories answers History for many addresses at once. With rpc history and
// ranges within one log query and the scan, the log queries of every address
// and the blocks (and traces) of every range leave in one round trip, and the
// transactions they name in one more; other queries go the single way,
// concurrently.
func (a *Adapter) Histories(ctx context.Context, qs []trace.HistoryQuery) []trace.HistoryResult {
	return a.histories(ctx, qs, histSenders{})
}

// part is one participant of a frontier's combined request: its first batch
// goes with send, and leave says it has none (or no more) to add. The zero
// part sends alone.
type part struct {
	send  sender
	leave func()
}

func (p part) done() {
	if p.leave != nil {
		p.leave()
	}
}

// histSenders are the first batches of histories: the log queries, the
// scanned blocks' receipts, the block scan.
type histSenders struct{ logs, receipts, scan part }

// sender sends a method's first batch: alone (sendAlone), or as its part of a
// frontier's combined request (Frontier).
type sender func(elems []rpc.BatchElem, checks []func(json.RawMessage) error) error

func (a *Adapter) sendAlone(ctx context.Context) sender {
	return func(elems []rpc.BatchElem, checks []func(json.RawMessage) error) error {
		return a.batchAllChecked(ctx, elems, checks)
	}
}

func (a *Adapter) histories(ctx context.Context, qs []trace.HistoryQuery, ps histSenders) []trace.HistoryResult {
	defer ps.logs.done()
	defer ps.receipts.done()
	defer ps.scan.done()
	send := ps.logs.send
	if send == nil {
		send = a.sendAlone(ctx)
	}
	out := make([]trace.HistoryResult, len(qs))
	strat, serr := a.resolveStrategy(ctx)
	a.mu.Lock()
	logRange := a.logRange
	a.mu.Unlock()
	type job struct {
		i        int
		addr     common.Address
		from, to uint64
		got      [2][]rpcLog
		at       int // index of its two log queries in elems
	}
	var jobs []*job
	var rest []int
	var elems []rpc.BatchElem
	blocks := map[uint64]bool{}
	for i, q := range qs {
		addr, err := parseAddress(q.Address)
		if err != nil {
			out[i].Err = err
			continue
		}
		n := q.ToBlock - q.FromBlock + 1
		if serr != nil || strat != HistoryRPC || q.ToBlock == 0 || q.FromBlock > q.ToBlock || n > a.scanBlock || n > logRange {
			rest = append(rest, i)
			continue
		}
		j := &job{i: i, addr: addr, from: q.FromBlock, to: q.ToBlock}
		for b := j.from; b <= j.to; b++ {
			blocks[b] = true
		}
		jobs = append(jobs, j)
	}
	// The log queries of many holders share one pair of eth_getLogs (the
	// holders as a topic list, over the union of their ranges): a hop level of
	// 1,024 holders is 22 calls, not 2,048. Each holder keeps the logs of its
	// own topic and range, which are the logs its own pair would have returned.
	groups := logGroups(jobs, func(j *job) (uint64, uint64) { return j.from, j.to }, logRange)
	type logGroup struct {
		jobs []*job
		got  [2][]rpcLog
		at   int
	}
	var lgs []*logGroup
	for _, g := range groups {
		lg := &logGroup{at: len(elems)}
		addrs := make([]common.Address, len(g))
		from, to := jobs[g[0]].from, jobs[g[0]].to
		for k, x := range g {
			j := jobs[x]
			lg.jobs = append(lg.jobs, j)
			addrs[k] = j.addr
			from, to = min(from, j.from), max(to, j.to)
			j.at = lg.at
		}
		elems = append(elems, logQueriesMany(addrs, from, to, &lg.got)...)
		lgs = append(lgs, lg)
	}
	if len(jobs) > 0 {
		bs := make([]uint64, 0, len(blocks))
		for b := range blocks {
			bs = append(bs, b)
		}
		sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
		var scanErr, logErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer ps.receipts.done()
			a.fetchBlockReceipts(ctx, bs, ps.receipts.send)
		}()
		go func() {
			defer wg.Done()
			defer ps.scan.done()
			for lo := 0; lo < len(bs) && scanErr == nil; lo += 500 {
				scanErr = a.fetchScan(ctx, bs[lo:min(lo+500, len(bs))], nil, ps.scan.send)
			}
		}()
		logErr = send(elems, nil)
		wg.Wait()
		if logErr == nil {
			for _, lg := range lgs {
				if elems[lg.at].Error != nil || elems[lg.at+1].Error != nil {
					continue
				}
				for _, j := range lg.jobs {
					j.got = [2][]rpcLog{}
				}
				for side := range lg.got {
					for _, l := range lg.got[side] {
						if len(l.Topics) <= side+1 {
							continue
						}
						for _, j := range lg.jobs {
							if uint64(l.BlockNumber) >= j.from && uint64(l.BlockNumber) <= j.to && l.Topics[side+1] == common.BytesToHash(j.addr.Bytes()) {
								j.got[side] = append(j.got[side], l)
							}
						}
					}
				}
			}
		}
		var cands []common.Hash
		per := make([]hashSet, len(jobs))
		// A scanned block's transactions' traces, looked up once for all the
		// jobs reading that block (a level of many holders over the same big
		// blocks made jobs × transactions map lookups).
		blockMoves := map[uint64][][]move{}
		for k, j := range jobs {
			switch {
			case scanErr != nil:
				out[j.i].Err = scanErr
				continue
			case logErr != nil:
				out[j.i].Err = logErr
				continue
			case elems[j.at].Error != nil || elems[j.at+1].Error != nil:
				rest = append(rest, j.i) // a refused log query: the single way shrinks the range
				jobs[k] = nil
				continue
			}
			set := &per[k]
			a.cache.mu.Lock()
			for b := j.from; b <= j.to; b++ {
				txs := a.cache.blocks[b].Transactions
				mv := blockMoves[b]
				if len(mv) != len(txs) {
					mv = make([][]move, len(txs))
					for i, tx := range txs {
						mv[i] = a.cache.traces[tx.Hash]
					}
					blockMoves[b] = mv
				}
				for i, tx := range txs {
					if tx.To != nil && *tx.To == j.addr || tx.From == j.addr {
						set.add(tx.Hash)
					}
					for _, m := range mv[i] {
						if m.From == j.addr || m.To == j.addr {
							set.add(tx.Hash)
							break
						}
					}
				}
			}
			a.cache.mu.Unlock()
			for _, ls := range j.got {
				for _, l := range ls {
					if !l.Removed {
						set.add(l.TxHash)
					}
				}
			}
			cands = append(cands, set.list...)
		}
		perr := a.prefetch(ctx, cands)
		for k, j := range jobs {
			if j == nil || out[j.i].Err != nil {
				continue
			}
			if perr != nil {
				out[j.i].Err = perr
				continue
			}
			// As History: the scanned blocks' fee-recipient tips and withdrawals too.
			credits, err := a.blockCredits(ctx, j.addr, j.from, j.to)
			if err != nil {
				out[j.i].Err = err
				continue
			}
			out[j.i].History, out[j.i].Err = a.collectHistory(per[k].list, credits, j.addr, j.from, j.to, qs[j.i].Limit, false)
		}
	}
	if len(jobs) == 0 {
		// nothing to batch: a frontier's other lookups need not wait for the single ones
		ps.logs.done()
		ps.receipts.done()
		ps.scan.done()
	}
	sort.Ints(rest)
	sem := make(chan struct{}, parallelChunks)
	var wg sync.WaitGroup
	for _, i := range rest {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].History, out[i].Err = a.History(ctx, qs[i])
		}()
	}
	wg.Wait()
	return out
}

// collectHistory builds a History from candidate transactions already fetched,
// exactly as History does.
func (a *Adapter) collectHistory(cands []common.Hash, credits []graph.Transfer, addr common.Address, from, to uint64, limit int, capped bool) (trace.History, error) {
	var out []graph.Transfer
	ah := addr.Hex() // a checksum (a Keccak hash) each time: once, not per transfer
	for _, h := range cands {
		ts, _, err := a.transfersOf(h)
		if err != nil {
			return trace.History{}, err
		}
		for _, t := range ts {
			if t.Block < from || t.Block > to {
				continue
			}
			if t.From == ah || t.To == ah {
				out = append(out, t)
			}
		}
	}
	out = append(out, credits...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key().Less(out[j].Key()) })
	h := trace.History{Transfers: out, Truncated: capped}
	if limit > 0 && len(out) > limit {
		h.Transfers, h.Truncated = out[:limit+1], true
	}
	return h, nil
}

// Balances answers Balance for many (address, asset, block) at once, in one
// round trip.
func (a *Adapter) Balances(ctx context.Context, qs []trace.BalanceQuery) []trace.BalanceResult {
	return a.balances(ctx, qs, nil)
}

// balances is Balances; with send, its proofs go as its part of a combined
// request (which keeps two proofs of one account apart itself).
func (a *Adapter) balances(ctx context.Context, qs []trace.BalanceQuery, send sender) []trace.BalanceResult {
	out := make([]trace.BalanceResult, len(qs))
	nat := make([]accountProof, len(qs))
	tok := make([]hexutil.Bytes, len(qs))
	type call struct {
		i, group int
		elem     rpc.BatchElem
		check    func(json.RawMessage) error
	}
	var calls []call
	proofs := map[common.Address]int{}
	for i, q := range qs {
		ad, err := parseAddress(q.Address)
		if err != nil {
			out[i].Err = err
			continue
		}
		if q.Asset.Native() {
			// eth_getProof names the account it answers for, so many can share a
			// batch; eth_getBalance's bare number could not be tied to its call.
			// The proof names its account, not its block: the k-th proof of an
			// account goes in group k, so two proofs of one account (opening and
			// end balance) never share a request, while proofs of different
			// accounts still do.
			g := proofs[ad]
			proofs[ad] = g + 1
			calls = append(calls, call{i: i, group: g, check: proofCheck(ad),
				elem: rpc.BatchElem{Method: "eth_getProof", Args: []any{ad, []string{}, blockTag(q.Block)}, Result: &nat[i]}})
		} else {
			t, err := parseAddress(q.Asset.Contract)
			if err != nil {
				out[i].Err = err
				continue
			}
			data := append(append([]byte(nil), selBalanceOf...), common.LeftPadBytes(ad.Bytes(), 32)...)
			calls = append(calls, call{i: i, elem: rpc.BatchElem{Method: "eth_call", Args: []any{map[string]any{"to": t, "data": hexutil.Bytes(data)}, blockTag(q.Block)}, Result: &tok[i]}})
		}
	}
	sort.SliceStable(calls, func(x, y int) bool { return calls[x].group < calls[y].group })
	elems := make([]rpc.BatchElem, len(calls))
	checks := make([]func(json.RawMessage) error, len(calls))
	group := make([]int, len(calls))
	idx := make([]int, len(calls))
	for k, c := range calls {
		elems[k], checks[k], group[k], idx[k] = c.elem, c.check, c.group, c.i
	}
	var err error
	if send != nil {
		err = send(elems, checks)
	} else {
		err = a.batchAllGrouped(ctx, elems, checks, group)
	}
	for k, e := range elems {
		i, q := idx[k], qs[idx[k]]
		switch {
		case err != nil:
			out[i].Err = err
		case e.Error != nil && q.Asset.Native():
			// a node without eth_getProof: the single call
			out[i].Balance, out[i].Err = a.Balance(ctx, q.Address, q.Asset, q.Block)
		case e.Error != nil:
			out[i].Err = a.stateErr(e.Error, q.Block)
		case q.Asset.Native():
			if nat[i].Balance == nil {
				out[i].Balance, out[i].Err = a.Balance(ctx, q.Address, q.Asset, q.Block)
				continue
			}
			out[i].Balance = new(big.Int).Set((*big.Int)(nat[i].Balance))
		case len(tok[i]) < 32:
			out[i].Err = fmt.Errorf("balanceOf(%s) on token %s at block %d returned %d bytes: not an ERC-20 token?", q.Address, q.Asset.Contract, q.Block, len(tok[i]))
		default:
			out[i].Balance = new(big.Int).SetBytes(tok[i][:32])
		}
	}
	return out
}

// AreContracts answers IsContract for many addresses at one block, in one round
// trip for those not cached.
func (a *Adapter) AreContracts(ctx context.Context, addrs []string, block uint64) []trace.ContractResult {
	return a.areContracts(ctx, addrs, block, a.sendAlone(ctx))
}

func (a *Adapter) areContracts(ctx context.Context, addrs []string, block uint64, send sender) []trace.ContractResult {
	out := make([]trace.ContractResult, len(addrs))
	var elems []rpc.BatchElem
	var idx []int
	var keys []string
	proofs := make([]accountProof, len(addrs))
	var checks []func(json.RawMessage) error
	for i, s := range addrs {
		ad, err := parseAddress(s)
		if err != nil {
			out[i].Err = err
			continue
		}
		key := fmt.Sprintf("%s@%d", ad.Hex(), block)
		a.cache.mu.Lock()
		v, ok := a.cache.code[key]
		a.cache.mu.Unlock()
		if ok {
			out[i].IsContract = v
			continue
		}
		// The proof's code hash settles accounts without code in one batch; an
		// account with code (a contract, or an EIP-7702 delegation, which is not
		// one) is asked singly with eth_getCode.
		elems = append(elems, rpc.BatchElem{Method: "eth_getProof", Args: []any{ad, []string{}, blockTag(block)}, Result: &proofs[i]})
		checks = append(checks, proofCheck(ad))
		idx, keys = append(idx, i), append(keys, key)
	}
	err := send(elems, checks)
	var slow []int
	for k, e := range elems {
		i := idx[k]
		switch {
		case err != nil:
			out[i].Err = err
		case e.Error != nil || proofs[i].CodeHash != types.EmptyCodeHash:
			slow = append(slow, i)
		default:
			a.cache.mu.Lock()
			a.cache.code[keys[k]] = false
			a.cache.mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelChunks)
	for _, i := range slow {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].IsContract, out[i].Err = a.IsContract(ctx, addrs[i], block)
		}()
	}
	wg.Wait()
	return out
}

// accountProof is the part of an eth_getProof answer the batches use.
type accountProof struct {
	Address  common.Address `json:"address"`
	Balance  *hexutil.Big   `json:"balance"`
	CodeHash common.Hash    `json:"codeHash"`
	// The trie nodes from the block's state root down: the first hashes to
	// the root, which ties the answer to its block (frontier.go).
	AccountProof []hexutil.Bytes `json:"accountProof"`
}

// proofCheck: the proof answers for the account asked.
func proofCheck(addr common.Address) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var p accountProof
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		if p.Address != addr {
			return fmt.Errorf("proof of %s answered for %s", p.Address.Hex(), addr.Hex())
		}
		return nil
	}
}

// blockReceiptsCheck: every receipt is of the block asked.
func blockReceiptsCheck(b uint64) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var rs []struct {
			BlockNumber hexutil.Uint64 `json:"blockNumber"`
		}
		if err := json.Unmarshal(raw, &rs); err != nil {
			return err
		}
		for _, r := range rs {
			if uint64(r.BlockNumber) != b {
				return fmt.Errorf("receipt of block %d answered for block %d", r.BlockNumber, b)
			}
		}
		return nil
	}
}

// fetchBlockReceipts caches the receipts of whole blocks (eth_getBlockReceipts),
// in the round trip of the scan that reads those blocks, so the transactions the
// scan and the log queries find need no receipt request of their own. It only
// warms the cache: on any failure prefetch asks per transaction as before.
//
// With send, its batch goes as part of a frontier's combined request.
func (a *Adapter) fetchBlockReceipts(ctx context.Context, bs []uint64, send sender) {
	a.mu.Lock()
	if a.noBlockRcpt {
		a.mu.Unlock()
		return
	}
	var need []uint64
	for _, b := range bs {
		if b > 0 && !a.rcptBlocks[b] {
			need = append(need, b)
		}
	}
	a.mu.Unlock()
	if len(need) == 0 {
		return
	}
	got := make([][]*rpcReceipt, len(need))
	elems := make([]rpc.BatchElem, len(need))
	checks := make([]func(json.RawMessage) error, len(need))
	for i, b := range need {
		elems[i] = rpc.BatchElem{Method: "eth_getBlockReceipts", Args: []any{blockTag(b)}, Result: &got[i]}
		checks[i] = blockReceiptsCheck(b)
	}
	if send == nil {
		send = a.sendAlone(ctx)
	}
	if err := send(elems, checks); err != nil {
		return
	}
	for i, e := range elems {
		if e.Error != nil {
			if errors.Is(e.Error, trace.ErrUnsupported) {
				a.mu.Lock()
				a.noBlockRcpt = true
				a.mu.Unlock()
				return
			}
			continue
		}
		ok := true
		for _, r := range got[i] {
			if r == nil || uint64(r.BlockNumber) != need[i] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		a.cache.mu.Lock()
		for _, r := range got[i] {
			if _, have := a.cache.receipts[r.TxHash]; !have {
				a.cache.receipts[r.TxHash] = r
			}
		}
		a.cache.mu.Unlock()
		a.mu.Lock()
		a.rcptBlocks[need[i]] = true
		a.mu.Unlock()
	}
}

var _ trace.TipSeeder = (*Adapter)(nil)

// TipWithTxs reads the tip in the request that fetches the seed transactions
// and their receipts (then their headers, traces and tokens as TxTransfers
// would, except the header of a single seed TxPreview can tell: that one rides
// with hop 1, see dateSeeds), instead of eth_blockNumber beside it in a request
// of its own. The transactions' errors are left to the trace's own TxTransfers.
func (a *Adapter) TipWithTxs(ctx context.Context, txids []string) (uint64, error) {
	var hs []common.Hash
	for _, t := range txids {
		if h, err := parseHash(t); err == nil {
			hs = append(hs, h)
		}
	}
	var n hexutil.Uint64
	tip := []rpc.BatchElem{{Method: "eth_blockNumber", Result: &n}}
	tip[0].Error = errNotSent
	if len(hs) > 0 {
		// One seed the tracer can preview (TxPreview) is dated later: its
		// header comes with hop 1's request, not in a round trip before it.
		// Several seeds are dated here, their headers in one request.
		previewable := func(hs []common.Hash) bool {
			if len(hs) != 1 {
				return false
			}
			_, ok := a.TxPreview(hs[0].Hex())
			return ok
		}
		a.prefetchUntil(ctx, hs, tip, previewable) //nolint:errcheck // left to the trace's own calls
	}
	if tip[0].Error != nil {
		// not sent (the transactions were cached) or failed: ask alone, as Tip
		return a.Tip(ctx)
	}
	return uint64(n), nil
}

// errNotSent marks an element no request carried.
var errNotSent = errors.New("not sent")
