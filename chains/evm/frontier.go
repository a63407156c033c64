package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintrace/chaintrace/trace"
)

var _ trace.FrontierBatcher = (*Adapter)(nil)

// Frontier answers a hop level's histories, balances and contract checks with
// their first batches in one combined request (issue 18): the log queries, the
// balance proofs and the contract proofs of the level leave together instead of
// as three requests side by side, and a contract check's proof that is also an
// end-of-window balance proof (same account, same block) is asked once. What
// follows a method's first batch (blocks to scan, transactions to fetch, the
// single calls of what a batch did not settle) goes as the methods do it.
// Results are what Histories, Balances and AreContracts return.
func (a *Adapter) Frontier(ctx context.Context, q trace.FrontierQuery) trace.FrontierResult {
	var out trace.FrontierResult
	cb := newCombiner(ctx, a, 6)
	mk := func() part {
		send, leave := cb.participant()
		return part{send: send, leave: leave}
	}
	hs := histSenders{logs: mk(), receipts: mk(), scan: mk()}
	bal, con, dates := mk(), mk(), mk()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		defer dates.done()
		a.dateSeeds(dates.send)
	}()
	go func() {
		defer wg.Done()
		out.Histories = a.histories(ctx, q.Histories, hs)
	}()
	go func() {
		defer wg.Done()
		defer bal.done()
		out.Balances = a.balances(ctx, q.Balances, bal.send)
	}()
	go func() {
		defer wg.Done()
		defer con.done()
		if q.Contracts != nil {
			out.Contracts = a.areContracts(ctx, q.Contracts, q.ContractBlock, con.send)
		}
	}()
	wg.Wait()
	return out
}

// dateSeeds asks, through send, for the headers of the previewed seed
// transactions' blocks not read yet (TxPreview), each checked against the
// hash its transaction names, and caches them: TxTransfers of those seeds then
// needs no request. A header that fails is left to TxTransfers, which asks again.
func (a *Adapter) dateSeeds(send sender) {
	a.mu.Lock()
	want := a.undated
	a.undated = map[uint64]common.Hash{}
	a.mu.Unlock()
	var bs []uint64
	a.cache.mu.Lock()
	for b := range want {
		if a.cache.headers[b] == nil {
			bs = append(bs, b)
		}
	}
	a.cache.mu.Unlock()
	if len(bs) == 0 {
		return
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
	hs := make([]*rpcHeader, len(bs))
	elems := make([]rpc.BatchElem, len(bs))
	checks := make([]func(json.RawMessage) error, len(bs))
	for i, b := range bs {
		h := want[b]
		elems[i] = rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{blockTag(b), false}, Result: &hs[i]}
		checks[i] = blockCheck(b, &h)
	}
	if send(elems, checks) != nil {
		return
	}
	a.cache.mu.Lock()
	defer a.cache.mu.Unlock()
	for i, e := range elems {
		if e.Error == nil && hs[i] != nil && a.cache.headers[bs[i]] == nil {
			a.cache.headers[bs[i]] = hs[i]
		}
	}
}

// combiner gathers the first batch of each of n participants and sends them
// as one: when every participant has either handed in its batch or returned
// without one, the calls leave together (in chunks of the batch size, as
// batchAllGrouped sends them) and every participant's elements get their
// answers. A participant's later batches go alone.
type combiner struct {
	ctx     context.Context
	a       *Adapter
	mu      sync.Mutex
	next    int // participants handed out
	pending int
	// by participant, so the combined request does not depend on who came first
	parts  [][]rpc.BatchElem
	checks [][]func(json.RawMessage) error
	done   chan struct{}
	err    error
}

func newCombiner(ctx context.Context, a *Adapter, n int) *combiner {
	return &combiner{ctx: ctx, a: a, pending: n, done: make(chan struct{}),
		parts: make([][]rpc.BatchElem, n), checks: make([][]func(json.RawMessage) error, n)}
}

// participant returns one participant's sender and the function it calls when
// it returns.
func (c *combiner) participant() (sender, func()) {
	c.mu.Lock()
	me := c.next
	c.next++
	c.mu.Unlock()
	var used bool
	var once sync.Once
	arrive := func(elems []rpc.BatchElem, checks []func(json.RawMessage) error, with bool) {
		c.mu.Lock()
		if with {
			c.parts[me], c.checks[me] = elems, checks
		}
		c.pending--
		last := c.pending == 0
		c.mu.Unlock()
		if last {
			c.fire()
		}
	}
	send := func(elems []rpc.BatchElem, checks []func(json.RawMessage) error) error {
		if used {
			return c.a.batchAllChecked(c.ctx, elems, checks)
		}
		used = true
		once.Do(func() { arrive(elems, checks, true) })
		<-c.done
		return c.err
	}
	leave := func() { once.Do(func() { arrive(nil, nil, false) }) }
	return send, leave
}

// fire sends the gathered calls. Identical eth_getProof calls are asked once.
// A proof names its account, not its block, so two proofs of one account
// (opening and end balance) are told apart by their block's state root
// instead: the first node of each proof must hash to the state root of the
// block it was asked at (the headers it lacks ride in the same request). A
// proof that does not pass (a node that sends no proof nodes, a fault) is asked
// again with the rule of Balances, the k-th proof of an account in the k-th
// request of a second round trip.
func (c *combiner) fire() {
	defer close(c.done)
	type ref struct{ part, i int }
	var all []rpc.BatchElem
	var checks []func(json.RawMessage) error
	var from []ref
	first := map[string]int{} // proof key → index in all
	var dups []ref            // duplicates of the proofs at dupOf (index in all)
	var dupOf []int
	perAcct := map[common.Address][]int{} // account → its proofs' indexes in all
	for p, elems := range c.parts {
		for i, e := range elems {
			var chk func(json.RawMessage) error
			if i < len(c.checks[p]) {
				chk = c.checks[p][i]
			}
			if e.Method == "eth_getProof" && len(e.Args) == 3 {
				key := fmt.Sprint(e.Args...)
				if k, ok := first[key]; ok && reflect.TypeOf(e.Result) == reflect.TypeOf(all[k].Result) {
					dups = append(dups, ref{p, i})
					dupOf = append(dupOf, k)
					continue
				}
				first[key] = len(all)
				if ad, ok := e.Args[0].(common.Address); ok {
					perAcct[ad] = append(perAcct[ad], len(all))
				}
			}
			all = append(all, e)
			checks = append(checks, chk)
			from = append(from, ref{p, i})
		}
	}
	// Proofs sharing an account, and the state roots that tell them apart.
	type rooted struct {
		i     int
		block uint64
	}
	var verify []rooted
	var keep []int // proofs that cannot be verified: by the group rule
	blocks := map[uint64]bool{}
	for _, is := range perAcct {
		if len(is) < 2 {
			continue
		}
		for _, i := range is {
			b, err := hexutil.DecodeUint64(fmt.Sprint(all[i].Args[2]))
			if _, ok := all[i].Result.(*accountProof); !ok || err != nil {
				keep = append(keep, i)
				continue
			}
			verify = append(verify, rooted{i, b})
			blocks[b] = true
		}
	}
	roots := map[uint64]common.Hash{}
	var hdrAt []uint64
	var hdrs []*rpcHeader
	c.a.cache.mu.Lock()
	for b := range blocks {
		if h := c.a.cache.headers[b]; h != nil && h.StateRoot != (common.Hash{}) {
			roots[b] = h.StateRoot
		} else {
			hdrAt = append(hdrAt, b)
		}
	}
	c.a.cache.mu.Unlock()
	sort.Slice(hdrAt, func(x, y int) bool { return hdrAt[x] < hdrAt[y] })
	for _, b := range hdrAt {
		h := &rpcHeader{}
		hdrs = append(hdrs, h)
		all = append(all, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{blockTag(b), false}, Result: h})
		checks = append(checks, blockCheck(b, nil))
	}
	// The unverifiable proofs of shared accounts wait for the second round.
	later := map[int]bool{}
	for _, i := range keep {
		later[i] = true
	}
	var send []rpc.BatchElem
	var sendChk []func(json.RawMessage) error
	var at []int
	for i := range all {
		if !later[i] {
			send, sendChk, at = append(send, all[i]), append(sendChk, checks[i]), append(at, i)
		}
	}
	c.err = c.a.batchAllChecked(c.ctx, send, sendChk)
	for k, i := range at {
		all[i].Error = send[k].Error
	}
	if c.err == nil {
		for k, b := range hdrAt {
			e := all[len(all)-len(hdrAt)+k]
			if e.Error == nil && hdrs[k].StateRoot != (common.Hash{}) {
				roots[b] = hdrs[k].StateRoot
				c.a.cache.mu.Lock()
				if old := c.a.cache.headers[b]; old == nil {
					c.a.cache.headers[b] = hdrs[k]
				} else if old.Hash == hdrs[k].Hash {
					old.StateRoot = hdrs[k].StateRoot
				}
				c.a.cache.mu.Unlock()
			}
		}
		for _, v := range verify {
			e := all[v.i]
			if e.Error != nil {
				continue // the node's answer (an error) stands
			}
			pr := e.Result.(*accountProof)
			root, ok := roots[v.block]
			if !ok || len(pr.AccountProof) == 0 || crypto.Keccak256Hash(pr.AccountProof[0]) != root {
				*pr = accountProof{}
				later[v.i] = true
			}
		}
		if len(later) > 0 {
			c.err = c.again(all, later)
		}
	}
	for i, r := range from {
		c.parts[r.part][r.i].Error = all[i].Error
	}
	for d, dp := range dups {
		orig := all[dupOf[d]]
		dst := &c.parts[dp.part][dp.i]
		dst.Error = orig.Error
		if orig.Error == nil && c.err == nil {
			reflect.ValueOf(dst.Result).Elem().Set(reflect.ValueOf(orig.Result).Elem())
		}
	}
}

// again asks the proofs marked in redo with the rule of Balances: the k-th
// proof of an account in group k.
func (c *combiner) again(all []rpc.BatchElem, redo map[int]bool) error {
	idx := make([]int, 0, len(redo))
	for i := range redo {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	n := map[common.Address]int{}
	group := make(map[int]int, len(idx))
	for _, i := range idx {
		ad, _ := all[i].Args[0].(common.Address)
		group[i] = n[ad]
		n[ad]++
	}
	sort.SliceStable(idx, func(x, y int) bool { return group[idx[x]] < group[idx[y]] })
	elems := make([]rpc.BatchElem, len(idx))
	checks := make([]func(json.RawMessage) error, len(idx))
	grp := make([]int, len(idx))
	for k, i := range idx {
		ad, _ := all[i].Args[0].(common.Address)
		elems[k], checks[k], grp[k] = all[i], proofCheck(ad), group[i]
	}
	err := c.a.batchAllGrouped(c.ctx, elems, checks, grp)
	for k, i := range idx {
		all[i].Error = elems[k].Error
	}
	return err
}
