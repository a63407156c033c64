package trace

import (
	"fmt"
	"math/big"
	"sort"
	"sync"

	"github.com/chaintrace/chaintrace/graph"
)

// Balance reconciliation. A followed holder's ledger is its opening balance plus
// the credits minus the debits and fees its history showed. At the end of the
// window the node's own balance must equal it; when it does not, something moved
// value without a transfer the history returned (a block reward, a withdrawal, a
// self-destruct payout, or a transfer the history strategy cannot see), and the
// trace says so instead of reporting a silently wrong holding.
//
// The unexplained amount d = node balance − traced balance is treated by one rule,
// documented in README.md ("Address seeds, rewards and withdrawals"):
//   - d > 0 at an address seed: counted as stolen, since everything an address
//     seed received counts; the seed total grows by d and the holding keeps it.
//   - d > 0 elsewhere: clean, so taint is never invented. It is credited at the
//     end of the window, which changes no tainted amount (under poison it is
//     kept out of the ledger, where it would turn tainted).
//   - d < 0: value left by a path the history did not show. It is debited under
//     the trace's policy, and the taint that debit carries ends as an
//     incomplete endpoint at the holder: the money is gone from there, and
//     nobody can say where.
//
// The time of an unexplained credit is unknown, so it cannot dilute debits made
// before the end; credits the adapter can name (KindReward, KindWithdrawal) come
// through History at their own block and do.

type balanceCheck struct {
	h   *holder
	id  string
	a   graph.Asset
	bal *big.Int
	err error
}

// reconcile checks every ledger of the followed holders addrs (sorted) against
// the source's balance at the end of the window.
func (t *acctTracer) reconcile(addrs []string) {
	if t.err != nil {
		return // an interrupted trace did not see the whole window
	}
	var checks []*balanceCheck
	for _, addr := range addrs {
		h := t.holders[addr]
		var buf [4]string // a holder has one to a few assets
		ids := buf[:0]
		for _, as := range h.assets {
			if as.l != nil {
				ids = append(ids, as.id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			checks = append(checks, &balanceCheck{h: h, id: id, a: t.assets[id]})
		}
	}
	t.prefetchBalances(checks)
	fetch := func(c *balanceCheck) { c.bal, c.err = t.balance(c.h.addr, c.a, t.toBlock) }
	if t.o.Concurrency > 1 {
		var wg sync.WaitGroup
		sem := make(chan struct{}, t.o.Concurrency)
		for _, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				fetch(c)
			}()
		}
		wg.Wait()
	} else {
		for _, c := range checks {
			fetch(c)
		}
	}
	failed := 0
	var firstErr error
	for _, c := range checks {
		if c.err != nil {
			if failed == 0 {
				firstErr = c.err
			}
			failed++
			continue
		}
		t.settle(c)
	}
	if failed > 0 {
		t.c.warn("balance reconciliation: %d of %d holder balances at block %d could not be read (%v): those holders are not checked against the node",
			failed, len(checks), t.toBlock, firstErr)
	}
}

// settle applies the rule above to one (holder, asset).
func (t *acctTracer) settle(c *balanceCheck) {
	h, l := c.h, c.h.ledgerOf(c.id)
	traced := l.held()
	if c.bal.Cmp(traced) == 0 {
		return // the common case: nothing unexplained, nothing allocated for it
	}
	d := new(big.Int).Sub(c.bal, traced)
	var treatment string
	switch {
	case d.Sign() > 0 && h.source:
		t.c.asset(c.a)
		t.c.seed(c.id, d)
		l.credit(d, d)
		h.addInflow(c.id, graph.Inflow{Block: t.toBlock, From: "unexplained", Amount: new(big.Int).Set(d)})
		treatment = "counted as stolen: an address seed's every credit counts (entered at the end of the window)"
	case d.Sign() > 0 && t.o.Policy == Poison:
		treatment = "treated as clean and kept out of the ledger (under poison it would turn tainted)"
	case d.Sign() > 0:
		l.credit(d, new(big.Int))
		treatment = "treated as clean, entered at the end of the window: no tainted amount changes"
	default:
		out := l.debit(new(big.Int).Neg(d), nil)
		treatment = fmt.Sprintf("value left unseen: debited under %s, its taint (%s) ends as an incomplete endpoint at the holder", t.o.Policy, out)
		if out.Sign() > 0 {
			t.c.asset(c.a)
			ep := t.c.end(graph.EndIncomplete, h.addr, "", c.id, out, h.hop, h.label, nil)
			ep.Unexplained = new(big.Int).Set(d)
		}
	}
	if h.unexplained == nil {
		h.unexplained = map[string]*big.Int{}
	}
	h.unexplained[c.id] = d
	t.c.res.Discrepancies = append(t.c.res.Discrepancies, &graph.Discrepancy{
		Address: h.addr, Asset: c.id, Block: t.toBlock, NodeBalance: c.bal, Traced: traced,
		Unexplained: new(big.Int).Set(d), Treatment: treatment,
	})
	t.c.warn("balance of %s in %s at block %d is %s but its traced transfers explain %s: %s unexplained, %s (a credit or debit without a transfer the history returned: a block reward, withdrawal, self-destruct, or a transfer this history method cannot see)",
		h.addr, c.a.Symbol, t.toBlock, c.bal, traced, d, treatment)
}
