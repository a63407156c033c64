package trace

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/graph"
)

// creditSeed starts a leg of a multi-chain trace: the payout of a crossing on
// its destination chain, carrying a share of taint (⌊payout × taint_in /
// amount_in⌋) at the hop after the crossing.
type creditSeed struct {
	tx     string
	to     string // account chains: the recipient
	vout   int    // UTXO chains: the output
	asset  string // account chains: the asset id paid
	amount *big.Int
	taint  *big.Int
	hop    int
	low    bool // a low-confidence match (memoless, tolerance match)
}

func (c *creditSeed) raw() string {
	if c.to != "" {
		return "crossing payout " + c.tx + " to " + c.to
	}
	return fmt.Sprintf("crossing payout %s:%d", c.tx, c.vout)
}

// seedCredit queues the one transfer of the payout tx that pays the recipient.
func (t *acctTracer) seedCredit(cr *creditSeed, toBlock uint64) error {
	trs, err := t.src.TxTransfers(t.ctx, cr.tx)
	if err != nil {
		return err
	}
	pick := -1
	for i := range trs {
		tr := &trs[i]
		if tr.Kind == graph.KindFee || !strings.EqualFold(tr.To, cr.to) || tr.Asset.ID != cr.asset {
			continue
		}
		if pick < 0 || (cr.amount != nil && tr.Amount.Cmp(cr.amount) == 0 && trs[pick].Amount.Cmp(cr.amount) != 0) {
			pick = i
		}
	}
	if pick < 0 {
		return fmt.Errorf("%w: transaction %s pays no %s to %s", ErrNotFound, cr.tx, cr.asset, cr.to)
	}
	tr := &trs[pick]
	if tr.Block > toBlock {
		return fmt.Errorf("%w: payout %s is in block %d, after block %d", ErrBadInput, cr.tx, tr.Block, toBlock)
	}
	if t.credits == nil {
		t.credits = map[graph.TransferKey]*creditSeed{}
	}
	t.credits[tr.Key()] = cr
	t.push(tr, nil)
	return nil
}

// credit delivers a seeded payout; false when e is no payout.
func (t *acctTracer) credit(e *graph.Transfer) bool {
	cr, ok := t.credits[e.Key()]
	if !ok {
		return false
	}
	delete(t.credits, e.Key())
	taint := new(big.Int).Set(minInt(cr.taint, e.Amount))
	t.c.asset(e.Asset)
	tt := t.c.total(e.Asset.ID)
	if tt.CrossedIn == nil {
		tt.CrossedIn = new(big.Int)
	}
	tt.CrossedIn.Add(tt.CrossedIn, taint)
	t.c.res.Flow.Node(e.From, graph.RoleCrossing, cr.hop-1)
	t.deliver(e, taint, cr.hop, holding(e.From, e.Asset.ID))
	return true
}

// seedCredit taints one output of the payout tx.
func (t *utxoTracer) seedCredit(cr *creditSeed) error {
	tx, err := t.src.Tx(t.ctx, cr.tx)
	if err != nil {
		return err
	}
	if tx.Confirmed() && tx.Block > t.toBlock {
		return fmt.Errorf("%w: payout %s is in block %d, after block %d", ErrBadInput, cr.tx, tx.Block, t.toBlock)
	}
	if cr.vout < 0 || cr.vout >= len(tx.Outputs) || tx.Outputs[cr.vout].OpReturn() {
		return fmt.Errorf("%w: payout %s has no spendable output %d", ErrBadInput, cr.tx, cr.vout)
	}
	o := tx.Outputs[cr.vout]
	taint := new(big.Int).Set(minInt(cr.taint, o.Value))
	tt := t.c.total(t.asset.ID)
	if tt.CrossedIn == nil {
		tt.CrossedIn = new(big.Int)
	}
	tt.CrossedIn.Add(tt.CrossedIn, taint)
	st := t.newOut(tx, cr.vout, new(big.Int).Set(taint), cr.hop, cr.low)
	t.setPred(st, nil, tx.TxID)
	t.outEdge(tx, cr.vout, st.taint, cr.hop, nil)
	t.payoutEdges(tx, taint, cr.hop)
	t.placeAll([]*outState{st})
	return nil
}

// runCredits traces one leg of a multi-chain trace: the payouts of crossings
// into src's chain, under the trace's options, to src's tip (--from-block and
// --to-block are block numbers of the first chain and do not apply here).
func runCredits(ctx context.Context, src Source, credits []*creditSeed, opts Options) (*graph.Result, error) {
	o := opts
	o.Defaults()
	o.FromBlock, o.ToBlock = 0, 0
	o.FromTime = time.Time{}
	info := src.Info()
	tip, err := src.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the chain tip: %w", err)
	}
	specs := make([]seedSpec, len(credits))
	for i, c := range credits {
		specs[i] = seedSpec{raw: c.raw(), credit: c}
	}
	res := &graph.Result{
		Tool: "chaintrace", Chain: info.Name, Family: info.Family, Policy: string(o.Policy),
		Params: params(&o, info.Family), Tip: tip, Assets: map[string]graph.Asset{}, Flow: graph.NewFlow(),
	}
	c := newCollector(res)
	var runErr error
	var holderOf func(*graph.Endpoint) hkey
	switch s := src.(type) {
	case UTXOSource:
		runErr = runUTXO(ctx, s, specs, &o, c, tip)
		holderOf = func(e *graph.Endpoint) hkey { return outpointKey(e.Outpoint) }
	case AccountSource:
		runErr = runAccount(ctx, s, specs, &o, c, tip)
		holderOf = func(e *graph.Endpoint) hkey { return holding(e.Address, e.Asset) }
	default:
		return nil, fmt.Errorf("source for %s serves neither an account nor a UTXO chain", info.Name)
	}
	if w := CapabilitiesOf(src).Warnings; w != nil {
		for _, m := range w.Warnings() {
			c.warn("%s", m)
		}
	}
	c.finish(holderOf)
	if runErr != nil {
		res.Error = runErr.Error()
		if errors.Is(runErr, ErrBadInput) || errors.Is(runErr, ErrNotFound) {
			// A payout that cannot be read is a finding about the crossing, not
			// a reason to drop what the other legs traced.
			c.warn("%s: %v", info.Name, runErr)
		}
	}
	return res, runErr
}
