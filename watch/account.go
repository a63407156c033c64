package watch

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// advanceAccount checks every watched (address, asset) of an account chain in
// one batch: its balance at the block it was last seen and at block safe. A
// holding whose balance fell moved: it is traced onward from the address over
// the new blocks, with the original options.
func (w *Watcher) advanceAccount(ctx context.Context, safe uint64, hashes map[uint64]string) ([]Holding, []Event, error) {
	chk, ok := w.cfg.Live.(BalanceChecker)
	if !ok {
		return nil, nil, fmt.Errorf("%w: the %s source cannot read balances in a batch", trace.ErrUnsupported, w.cfg.Live.Info().Name)
	}
	// the new block's balance of every holding, and the balance at Since of
	// those that do not know it yet (a past block's balance does not change)
	qs := make([]trace.BalanceQuery, 0, len(w.st.Holdings))
	nowAt := make([]int, len(w.st.Holdings))
	wasAt := make([]int, len(w.st.Holdings))
	for i, h := range w.st.Holdings {
		a, ok := w.st.Assets[h.Asset]
		if !ok {
			return nil, nil, fmt.Errorf("watch state: holding %s names asset %s, which the trace did not describe", h.Key, h.Asset)
		}
		wasAt[i] = -1
		if h.SinceBalance == nil {
			wasAt[i] = len(qs)
			qs = append(qs, trace.BalanceQuery{Address: h.Address, Asset: a, Block: h.Since})
		}
		nowAt[i] = len(qs)
		qs = append(qs, trace.BalanceQuery{Address: h.Address, Asset: a, Block: safe})
	}
	bals := chk.Balances(ctx, qs)
	var next []Holding
	var events []Event
	var fresh trace.Source
	for i, h := range w.st.Holdings {
		was := trace.BalanceResult{Balance: h.SinceBalance}
		if wasAt[i] >= 0 {
			was = bals[wasAt[i]]
		}
		now := bals[nowAt[i]]
		if was.Err != nil {
			return nil, nil, fmt.Errorf("balance of %s at block %d: %w", h.Key, h.Since, was.Err)
		}
		if now.Err != nil {
			return nil, nil, fmt.Errorf("balance of %s at block %d: %w", h.Key, safe, now.Err)
		}
		// Any change is looked at: funds that came in can hide funds that left
		// in the same window (the balance rose, yet tainted funds moved).
		if now.Balance.Cmp(was.Balance) == 0 {
			h.SinceBalance = was.Balance
			next = append(next, h)
			continue
		}
		h.SinceBalance = was.Balance
		if fresh == nil {
			src, closeFn, err := w.cfg.Fresh(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("opening a source to trace a movement: %w", err)
			}
			defer closeFn()
			fresh = src
		}
		onward, evs, err := w.onwardAccount(ctx, fresh, h, was.Balance, now.Balance, safe, hashes)
		if err != nil {
			return nil, nil, err
		}
		next = append(next, onward...)
		events = append(events, evs...)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Block < events[j].Block })
	return next, events, nil
}

// onwardAccount traces what left holding h's address in blocks Since+1..safe.
// The trace seeds the address (the holding's asset only); its amounts are
// scaled by the holding's tainted share of what the address had over the
// window, its balance at Since plus what it received (haircut on the address).
// What stays tainted at the address is ⌊now × tainted / (was + received)⌋ and
// stays watched; the moved event carries the rest. A window in which nothing
// of the asset left (funds came in, or only fees) moves the holding's block to
// safe without an event.
func (w *Watcher) onwardAccount(ctx context.Context, src trace.Source, h Holding, was, now *big.Int, safe uint64, hashes map[uint64]string) ([]Holding, []Event, error) {
	opts := w.cfg.Options
	opts.FromBlock, opts.ToBlock, opts.FromTime = h.Since+1, safe, time.Time{}
	opts.SeedAssets = []string{h.Asset} // the address's other assets are not this holding's taint
	opts.Progress = nil
	res, err := trace.Run(ctx, src, []string{h.Address}, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing the movement of %s: %w", h.Key, err)
	}
	for id, a := range res.Assets {
		w.st.Assets[id] = a
	}
	asset := w.st.Assets[h.Asset]
	// the movement: the first outflow of the holding's asset from its address
	var first *graph.Edge
	var to []string
	seenTo := map[string]bool{}
	if res.Flow != nil {
		for _, e := range res.Flow.Edges() {
			if !strings.EqualFold(e.From, h.Address) || e.Asset != h.Asset || e.Block <= h.Since {
				continue
			}
			if first == nil || e.Block < first.Block {
				first = e
			}
			if !seenTo[e.To] {
				seenTo[e.To] = true
				to = append(to, e.To)
			}
		}
	}
	seedTotal := new(big.Int)
	if t := res.Totals[h.Asset]; t != nil && t.Seed != nil {
		seedTotal = t.Seed
	}
	// The taint's share of the address's balance: the balance at Since plus
	// what came in over the window (the address seed's total), so clean funds
	// received dilute it as haircut says; what stays is ⌊now × taint / that⌋.
	den := seedTotal
	if den.Cmp(was) < 0 {
		den = was
	}
	remain := new(big.Int).Set(h.Amount)
	if den.Sign() > 0 {
		remain.Mul(now, h.Amount)
		remain.Quo(remain, den)
		if remain.Cmp(h.Amount) > 0 {
			remain.Set(h.Amount)
		}
	}
	if first == nil {
		// Nothing of the asset left (funds came in, or fees): the holding is
		// now known at block safe; fees took their share of the taint.
		hh := h
		hh.Amount, hh.Since, hh.SinceBalance = remain, safe, new(big.Int).Set(now)
		if remain.Sign() == 0 {
			return nil, nil, nil
		}
		return []Holding{hh}, nil, nil
	}
	// scale: an onward amount x of seedTotal carries x × min(1, tainted/seedTotal)
	scale := func(x *big.Int) *big.Int {
		if seedTotal.Sign() == 0 || seedTotal.Cmp(h.Amount) <= 0 {
			return new(big.Int).Set(x)
		}
		v := new(big.Int).Mul(x, h.Amount)
		return v.Quo(v, seedTotal)
	}
	moved := new(big.Int).Sub(h.Amount, remain)
	base := Event{Chain: res.Chain, Asset: h.Asset, Decimals: asset.Decimals, Symbol: asset.Symbol, Holding: h.Key}
	mv := base
	mv.Kind, mv.Tx, mv.Block, mv.BlockHash, mv.Time = Moved, first.Tx, first.Block, hashes[first.Block], first.Time
	mv.From, mv.To, mv.Amount, mv.Path = h.Address, to, moved.String(), join(h.Path, []string{first.Tx})
	mv.ID = strings.Join([]string{Moved, h.Key, first.Tx, mv.BlockHash}, "|")
	events := []Event{mv}
	var next []Holding
	if remain.Sign() > 0 {
		hh := h
		hh.Amount, hh.Since, hh.SinceBalance = remain, safe, new(big.Int).Set(now)
		next = append(next, hh)
	}
	for _, ep := range res.Endpoints {
		if ep.Amount == nil {
			continue
		}
		amt := scale(ep.Amount)
		if amt.Sign() == 0 {
			continue
		}
		e := w.endpointEvent(base, h, &mv, ep, amt, hashes)
		if e.Kind == NewHolding && watchable(ep.Kind) {
			key := ep.Address + "/" + ep.Asset
			if strings.EqualFold(ep.Address, h.Address) && ep.Asset == h.Asset {
				continue // what stayed at the address is the holding kept above
			}
			next = append(next, Holding{Key: key, Kind: ep.Kind, Address: ep.Address, Asset: ep.Asset,
				Amount: amt, Hops: h.Hops + ep.Hops, Path: e.Path, Since: safe})
		}
		events = append(events, e)
	}
	return next, events, nil
}
