package trace

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// Run traces seeds on src under opts. Seeds are transaction hashes, Bitcoin
// outpoints "txid:vout", or addresses (which take opts.FromBlock as the start).
//
// When the trace stops early (a source error, a cancelled ctx) Run returns the
// partial result together with the error: holders not yet followed become endpoints
// of kind incomplete, so what was fetched is kept and the totals still balance.
// Errors about the seeds themselves (malformed, unknown, reverted) return a nil
// result.
func Run(ctx context.Context, src Source, seeds []string, opts Options) (*graph.Result, error) {
	o := opts
	o.Defaults()
	if len(seeds) == 0 {
		return nil, fmt.Errorf("%w: no seed given: pass a theft transaction hash, a txid:vout, or an address with --from-block", ErrBadInput)
	}
	if o.MaxHops < 1 {
		return nil, fmt.Errorf("%w: --hops %d: want at least 1", ErrBadInput, o.MaxHops)
	}
	if o.MinAmount != nil && o.MinAmount.Sign() < 0 {
		return nil, fmt.Errorf("%w: --min-amount must not be negative", ErrBadInput)
	}
	if o.ToBlock != 0 && o.ToBlock < o.FromBlock && o.FromTime.IsZero() {
		return nil, fmt.Errorf("%w: --to-block %d is before --from-block %d", ErrBadInput, o.ToBlock, o.FromBlock)
	}
	info := src.Info()
	specs := make([]seedSpec, 0, len(seeds))
	seen := map[string]bool{}
	for _, s := range seeds {
		sp, err := parseSeed(src, s)
		if err != nil {
			return nil, err
		}
		key := sp.tx + sp.address
		if sp.outpoint != nil {
			key = sp.outpoint.String()
		}
		if seen[key] {
			continue // the same seed twice would count the loot twice
		}
		seen[key] = true
		specs = append(specs, sp)
	}
	// The tip and the seed transactions do not depend on each other: ask for
	// both in one round trip (issue 18). The seeds' answers land in the
	// source's caches, where the trace below finds them; their errors are
	// left to the trace's own calls, which ask again and report them.
	var tip uint64
	var err error
	if ts := CapabilitiesOf(src).TipSeeds; ts != nil {
		tip, err = ts.TipWithTxs(ctx, seedTxs(specs))
	} else {
		stopWarm := warmSeeds(ctx, src, specs)
		tip, err = src.Tip(ctx)
		stopWarm()
	}
	if err != nil {
		return nil, fmt.Errorf("reading the chain tip: %w", err)
	}
	toBlock := tip
	if o.ToBlock != 0 {
		if o.ToBlock > tip {
			return nil, fmt.Errorf("%w: --to-block %d is beyond the chain tip %d", ErrBadInput, o.ToBlock, tip)
		}
		toBlock = o.ToBlock
	}
	if err := resolveStart(ctx, src, &o, specs, tip); err != nil {
		return nil, err
	}
	res := &graph.Result{
		Tool:   "chaintrace",
		Chain:  info.Name,
		Family: info.Family,
		Policy: string(o.Policy),
		Seeds:  append([]string(nil), seeds...),
		Params: params(&o, info.Family),
		Tip:    toBlock,
		Assets: map[string]graph.Asset{},
		Flow:   graph.NewFlow(),
	}
	startParams(res.Params, &o, specs)
	c := newCollector(res)
	var runErr error
	var holderOf func(*graph.Endpoint) hkey
	switch s := src.(type) {
	case UTXOSource:
		runErr = runUTXO(ctx, s, specs, &o, c, toBlock)
		holderOf = func(e *graph.Endpoint) hkey { return outpointKey(e.Outpoint) }
	case AccountSource:
		runErr = runAccount(ctx, s, specs, &o, c, toBlock)
		holderOf = func(e *graph.Endpoint) hkey { return holding(e.Address, e.Asset) }
	default:
		return nil, fmt.Errorf("source for %s serves neither an account nor a UTXO chain", info.Name)
	}
	if runErr != nil && len(c.ends) == 0 && len(c.totals) == 0 && seedError(runErr) {
		return nil, runErr // nothing was traced: the seed itself is wrong
	}
	if w := CapabilitiesOf(src).Warnings; w != nil {
		for _, m := range w.Warnings() {
			c.warn("%s", m)
		}
	}
	c.finish(holderOf)
	if be := budgetOf(ctx); be != nil && runErr != nil {
		res.Budget = &graph.Budget{Kind: be.Kind, Limit: be.Limit}
		runErr = fmt.Errorf("%w: the trace stopped there, and the holders it had not finished are endpoints of kind budget", be)
	}
	if runErr != nil {
		res.Error = runErr.Error()
	}
	return res, runErr
}

// params records the options that shaped the result, for the report header and
// for reproducing it.
func params(o *Options, family string) map[string]string {
	p := map[string]string{
		"hops":           fmt.Sprint(o.MaxHops),
		"address_budget": fmt.Sprint(o.AddressBudget),
		"max_addresses":  fmt.Sprint(o.MaxAddresses),
		"stop_at":        strings.Join(sorted(o.StopAt), ","),
		"deposit_rule":   fmt.Sprint(o.DepositRule),
	}
	if o.MinAmount != nil {
		p["min_amount"] = o.MinAmount.FloatString(decimalsOf(o.MinAmount))
	}
	if o.FromBlock != 0 {
		p["from_block"] = fmt.Sprint(o.FromBlock)
	}
	if o.ToBlock != 0 {
		p["to_block"] = fmt.Sprint(o.ToBlock)
	}
	if len(o.Through) > 0 {
		p["through"] = strings.Join(sorted(o.Through), ",")
	}
	if o.SeedAssets != nil && family == graph.FamilyAccount {
		p["seed_assets"] = strings.Join(sorted(o.SeedAssets), ",")
	}
	if o.DepositRule {
		if family == graph.FamilyAccount { // α has no meaning for the UTXO rule
			p["deposit_alpha"] = o.DepositAlpha.String()
		}
		p["deposit_tau"] = fmt.Sprint(o.DepositTau)
	}
	if o.NoSwaps && family == graph.FamilyAccount {
		p["swaps"] = "off"
	}
	if o.ChangeHeuristic && family == graph.FamilyUTXO {
		p["change_heuristic"] = "true"
	}
	if o.CoinJoinHeuristic && family == graph.FamilyUTXO {
		p["coinjoin_heuristic"] = "true"
	}
	return p
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// decimalsOf returns how many decimal places r needs (up to 36).
func decimalsOf(r *big.Rat) int {
	d := new(big.Int).Set(r.Denom())
	ten := big.NewInt(10)
	n := 0
	for d.Cmp(big.NewInt(1)) > 0 && n < 36 {
		q, m := new(big.Int).QuoRem(d, ten, new(big.Int))
		if m.Sign() != 0 {
			return 36
		}
		d = q
		n++
	}
	return n
}

// seedError reports whether err says something about the seeds themselves (the
// caller's input), not about the source failing: only then does Run return no
// result. A source that fails before anything was traced still gets a result,
// empty, with its error, so the caller can write the partial result it promises.
func seedError(err error) bool {
	return errors.Is(err, ErrBadInput) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrReverted)
}

// warmSeeds asks src for the seed transactions concurrently with what the
// caller does next, and returns a function that waits for them. Only sources
// that keep what they fetched gain from it: those that answer frontiers in
// batches (the adapters, and a cache over them) do.
func warmSeeds(ctx context.Context, src Source, specs []seedSpec) (wait func()) {
	if caps := CapabilitiesOf(src); caps.Spenders == nil && caps.Histories == nil {
		return func() {}
	}
	txs := seedTxs(specs)
	if len(txs) == 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, tx := range txs {
			switch s := src.(type) {
			case UTXOSource:
				s.Tx(ctx, tx)
			case AccountSource:
				s.TxTransfers(ctx, tx)
			}
		}
	}()
	return func() { <-done }
}

// seedTxs lists the transactions the seeds name (a txid, a txid:vout).
func seedTxs(specs []seedSpec) []string {
	var txs []string
	for _, sp := range specs {
		switch {
		case sp.outpoint != nil:
			txs = append(txs, sp.outpoint.TxID)
		case sp.tx != "":
			txs = append(txs, sp.tx)
		}
	}
	return txs
}
