package trace

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// A budget ends the trace's context the way the CLI does (--max-requests): the
// source's next request after the limit cancels it with a BudgetError cause.
type budgetAccount struct {
	*memAccount
	histories, limit int
	cancel           context.CancelCauseFunc
}

func (b *budgetAccount) History(ctx context.Context, q HistoryQuery) (History, error) {
	b.histories++
	if b.histories > b.limit {
		b.cancel(&BudgetError{Kind: "requests", Limit: "1", Flag: "--max-requests"})
		return History{}, ctx.Err()
	}
	return b.memAccount.History(ctx, q)
}

type budgetUTXO struct {
	*memUTXO
	spenders, limit int
	cancel          context.CancelCauseFunc
}

func (b *budgetUTXO) Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	b.spenders++
	if b.spenders > b.limit {
		b.cancel(&BudgetError{Kind: "time", Limit: "30s", Flag: "--timeout"})
		return nil, ctx.Err()
	}
	return b.memUTXO.Spender(ctx, op)
}

func budgetRun(t *testing.T, ctx context.Context, src Source, seed string, lb Labels, mod func(*Options)) *graph.Result {
	t.Helper()
	o := Options{Policy: Haircut, Labels: lb, DepositRule: true}
	if mod != nil {
		mod(&o)
	}
	r, err := Run(ctx, src, []string{seed}, o)
	if !errors.Is(err, ErrBudget) || r == nil || r.Error == "" {
		t.Fatalf("Run: err %v, result %v: want a budget error with the partial result", err, r != nil)
	}
	return r
}

func TestBudgetEndsAccountTrace(t *testing.T) {
	m, lb := baseChain()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// One history (A's) and then the budget is gone: the tracer is at A's payment
	// to B (block 11) when B's history is refused. Haircut as in
	// TestAccountPolicies: A holds 150 (100 tainted), the fee carries 0, the 60 to
	// B carry ⌊100·60/149⌋ = 40. B was not followed: budget 40. The trace stops
	// before A's payment to X (block 12), so A's 60 are the untraced remainder
	// too: budget 60. 40 + 60 = the seed's 100.
	r := budgetRun(t, ctx, &budgetAccount{memAccount: m, limit: 1, cancel: cancel}, hSeed, lb, nil)
	checkEndpoints(t, r, "ETH", []want{{"budget", "B", 40}, {"budget", "A", 60}}, 0)
	if r.Budget == nil || r.Budget.Kind != "requests" || r.Budget.Limit != "1" {
		t.Errorf("Budget = %+v, want requests 1", r.Budget)
	}
	if tot := r.Totals["ETH"]; tot.Seed.Int64() != 100 || tot.Untraced.Int64() != 100 || tot.ByKind["budget"].Int64() != 100 {
		t.Errorf("totals: seed %s, untraced %s, budget %s", tot.Seed, tot.Untraced, tot.ByKind["budget"])
	}
	for _, w := range r.Warnings {
		t.Errorf("warning %q: a budget is reported once, not per holder it cut off", w)
	}
	// Without the budget the same chain ends at X, B and C (TestAccountPolicies).
	r = run(t, m, Haircut, []string{hSeed}, lb, nil)
	if r.Budget != nil {
		t.Errorf("unbudgeted trace reports budget %+v", r.Budget)
	}
}

func TestBudgetEndsUTXOTrace(t *testing.T) {
	m, lb := utxoChain()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// One spender lookup (S:0 → T1) and then the time is up. T1 as in
	// TestUTXOPolicies: B (T1:0) 61, C (T1:1) 33, fee 6; neither output's spender
	// was found, so both are the untraced remainder: 61 + 33 + 6 = 100.
	T1 := hex64("T1")
	r := budgetRun(t, ctx, &budgetUTXO{memUTXO: m, limit: 1, cancel: cancel}, hex64("S")+":0", lb,
		func(o *Options) { o.DepositRule = false })
	checkEndpoints(t, r, "BTC", []want{{"budget", "B" + T1 + ":0", 61}, {"budget", "C" + T1 + ":1", 33}}, 6)
	if r.Budget == nil || r.Budget.Kind != "time" || r.Budget.Limit != "30s" {
		t.Errorf("Budget = %+v, want time 30s", r.Budget)
	}
	sum := new(big.Int).Set(r.Totals["BTC"].Fees)
	for _, e := range r.Endpoints {
		sum.Add(sum, e.Amount)
	}
	if sum.Int64() != 100 {
		t.Errorf("Σ endpoints + fees = %s, want the seed's 100", sum)
	}
}

// A context cancelled without a budget cause (Ctrl-C) still gives incomplete.
func TestCancelWithoutBudgetIsIncomplete(t *testing.T) {
	m, lb := baseChain()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	b := &budgetAccount{memAccount: m, limit: 1}
	b.cancel = func(error) { cancel(context.Canceled) }
	r, err := Run(ctx, b, []string{hSeed}, Options{Policy: Haircut, Labels: lb, DepositRule: true})
	if err == nil || errors.Is(err, ErrBudget) || r == nil || r.Budget != nil {
		t.Fatalf("err %v, budget %+v", err, r)
	}
	checkEndpoints(t, r, "ETH", []want{{"incomplete", "B", 40}, {"incomplete", "A", 60}}, 0)
}
