package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/ethereum/go-ethereum/common"
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
	cb := newCombiner(ctx, a, 3)
	var wg sync.WaitGroup
	run := func(f func(send sender)) {
		send, leave := cb.participant()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer leave()
			f(send)
		}()
	}
	run(func(send sender) { out.Histories = a.histories(ctx, q.Histories, send) })
	run(func(send sender) { out.Balances = a.balances(ctx, q.Balances, send) })
	run(func(send sender) {
		if q.Contracts != nil {
			out.Contracts = a.areContracts(ctx, q.Contracts, q.ContractBlock, send)
		}
	})
	wg.Wait()
	return out
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

// fire sends the gathered calls. Identical eth_getProof calls are asked once;
// the k-th distinct proof of an account goes in group k (a proof names its
// account, not its block: two of one account never share a request, as in
// Balances), everything else in group 0.
func (c *combiner) fire() {
	defer close(c.done)
	type ref struct{ part, i int }
	var all []rpc.BatchElem
	var checks []func(json.RawMessage) error
	var group []int
	var from []ref
	first := map[string]int{} // proof key → index in all
	var dups []ref            // duplicates of the proofs at dupOf (index in all)
	var dupOf []int
	perAcct := map[common.Address]int{}
	for p, elems := range c.parts {
		for i, e := range elems {
			var chk func(json.RawMessage) error
			if i < len(c.checks[p]) {
				chk = c.checks[p][i]
			}
			g := 0
			if e.Method == "eth_getProof" && len(e.Args) == 3 {
				key := fmt.Sprint(e.Args...)
				if k, ok := first[key]; ok && reflect.TypeOf(e.Result) == reflect.TypeOf(all[k].Result) {
					dups = append(dups, ref{p, i})
					dupOf = append(dupOf, k)
					continue
				}
				if ad, ok := e.Args[0].(common.Address); ok {
					g = perAcct[ad]
					perAcct[ad] = g + 1
				}
				first[key] = len(all)
			}
			all = append(all, e)
			checks = append(checks, chk)
			group = append(group, g)
			from = append(from, ref{p, i})
		}
	}
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return group[order[x]] < group[order[y]] })
	elems := make([]rpc.BatchElem, len(all))
	chks := make([]func(json.RawMessage) error, len(all))
	grp := make([]int, len(all))
	for k, i := range order {
		elems[k], chks[k], grp[k] = all[i], checks[i], group[i]
	}
	c.err = c.a.batchAllGrouped(c.ctx, elems, chks, grp)
	// Answers: results were decoded through the shared Result pointers; the
	// errors go back to each participant's element.
	pos := make([]int, len(all))
	for k, i := range order {
		pos[i] = k
	}
	for i, r := range from {
		c.parts[r.part][r.i].Error = elems[pos[i]].Error
	}
	for d, dp := range dups {
		orig := elems[pos[dupOf[d]]]
		dst := &c.parts[dp.part][dp.i]
		dst.Error = orig.Error
		if orig.Error == nil && c.err == nil {
			reflect.ValueOf(dst.Result).Elem().Set(reflect.ValueOf(orig.Result).Elem())
		}
	}
}
