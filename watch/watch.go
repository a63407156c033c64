package watch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// ReorgWindow is how many recent block hashes the watch keeps: a reorganisation
// deeper than this (none has happened on Bitcoin or Ethereum mainnet since
// 2013) is reported as an error instead of being rolled back.
const ReorgWindow = 100

// ErrReorgTooDeep: the chain replaced more blocks than the watch remembers.
var ErrReorgTooDeep = errors.New("reorganisation deeper than the watch remembers")

// BalanceChecker is what an account-chain source offers the watch: balances of
// many (address, asset, block) in one batch (the EVM adapter's eth_getProof and
// balanceOf batch).
type BalanceChecker interface {
	Balances(ctx context.Context, qs []trace.BalanceQuery) []trace.BalanceResult
}

// UTXOChecker is what a Bitcoin source offers the watch: whether outputs are
// unspent in the chain right now, many in one request, never from a cache.
type UTXOChecker interface {
	Unspent(ctx context.Context, ops []graph.Outpoint) ([]bool, error)
}

// BlockHasher returns the hashes of blocks of the chain the node follows now.
type BlockHasher interface {
	BlockHashes(ctx context.Context, heights []uint64) ([]string, error)
}

// Holding is one watched piece of taint.
type Holding struct {
	Key      string   `json:"key"`  // the outpoint (UTXO) or address/asset (account)
	Kind     string   `json:"kind"` // the endpoint kind it was found as ("manual" when given by hand)
	Address  string   `json:"address"`
	Outpoint string   `json:"outpoint,omitempty"`
	Asset    string   `json:"asset"`
	Amount   *big.Int `json:"amount"` // tainted amount, base units
	Hops     int      `json:"hops"`
	Path     []string `json:"path"`
	Since    uint64   `json:"since"` // the block it was last known to be there
	// SinceBalance is, on account chains, the address's whole balance of the
	// asset at block Since, once read (nil: not yet). A past block's balance
	// does not change, so each poll reads only the new block's.
	SinceBalance *big.Int `json:"since_balance,omitempty"`
}

// Watchable lists the endpoint kinds whose funds may still move under the
// thief's control and so are watched.
var Watchable = []string{graph.EndUnspent, graph.EndHopLimit, graph.EndIncomplete}

func watchable(kind string) bool {
	for _, k := range Watchable {
		if k == kind {
			return true
		}
	}
	return false
}

// Holdings picks the watched holdings out of a trace result, in the result's
// (deterministic) endpoint order.
func Holdings(res *graph.Result) ([]Holding, error) {
	var out []Holding
	for _, e := range res.Endpoints {
		if !watchable(e.Kind) || e.Amount == nil || e.Amount.Sign() <= 0 {
			continue
		}
		h := Holding{Kind: e.Kind, Address: e.Address, Outpoint: e.Outpoint, Asset: e.Asset,
			Amount: new(big.Int).Set(e.Amount), Hops: e.Hops, Path: append([]string{}, e.Path...), Since: res.Tip}
		switch res.Family {
		case graph.FamilyUTXO:
			if e.Outpoint == "" {
				return nil, fmt.Errorf("the %s endpoint at %s names no output, so it cannot be watched", e.Kind, e.Address)
			}
			h.Key = e.Outpoint
		default:
			h.Key = e.Address + "/" + e.Asset
		}
		out = append(out, h)
	}
	return out, nil
}

// snapshot is the holdings as they were before a poll changed them.
type snapshot struct {
	Block    uint64    `json:"block"` // the poll's first block was Block+1
	After    uint64    `json:"after"` // the poll's last block
	Holdings []Holding `json:"holdings"`
}

// recentEvent is an event a reorganisation could still retract.
type recentEvent struct {
	Seq   int64  `json:"seq"`
	From  uint64 `json:"from"` // the first block of the poll that decided it
	Event Event  `json:"event"`
}

// State is what the watch stores after every block it processes.
type State struct {
	Chain     string                 `json:"chain"`
	Seeds     []string               `json:"seeds"`
	Start     uint64                 `json:"start"` // the trace's tip: the watch begins after it
	Last      uint64                 `json:"last"`  // the last block processed
	Hashes    map[uint64]string      `json:"hashes"`
	Holdings  []Holding              `json:"holdings"`
	Snapshots []snapshot             `json:"snapshots"`
	Recent    []recentEvent          `json:"recent"`
	NextSeq   int64                  `json:"next_seq"`
	Assets    map[string]graph.Asset `json:"assets"`
	// Manual are the addresses given by hand (--address), in the order given.
	Manual []string `json:"manual,omitempty"`
}

// Config is what a Watcher needs.
type Config struct {
	// Live is the source for the tip and the per-block checks; it must
	// implement BlockHasher, and UTXOChecker on UTXO chains.
	Live trace.Source
	// Fresh opens a source with empty caches for tracing a movement onward
	// (a source's cached "unspent" must never stand for the current state).
	Fresh func(ctx context.Context) (trace.Source, func(), error)
	// Options are the original trace's; ToBlock and FromBlock are set per poll.
	Options trace.Options
	// Confirmations a block needs before its events are final (≥ 1).
	Confirmations uint64
	Log           *casestore.WatchLog
	// Emit delivers one event; an error stops the watch and leaves the event
	// to be delivered again on restart.
	Emit func(Event) error
}

// Watcher follows the holdings of one trace.
type Watcher struct {
	cfg   Config
	st    State
	hashr BlockHasher
}

// New opens the watch: the state stored in cfg.Log when there is one (a
// restart), otherwise the holdings found by the trace res at res.Tip and the
// extra ones (ManualHoldings, at the same block).
func New(cfg Config, res *graph.Result, extra []Holding) (*Watcher, error) {
	if cfg.Confirmations == 0 {
		cfg.Confirmations = 1
	}
	hr, ok := cfg.Live.(BlockHasher)
	if !ok {
		return nil, fmt.Errorf("%w: the %s source cannot read block hashes, which the watch needs to notice reorganisations", trace.ErrUnsupported, cfg.Live.Info().Name)
	}
	w := &Watcher{cfg: cfg, hashr: hr}
	raw, err := cfg.Log.State()
	if err != nil {
		return nil, err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &w.st); err != nil {
			return nil, fmt.Errorf("%w: watch state in %s: %w", casestore.ErrCorrupt, cfg.Log.Path(), err)
		}
		if w.st.Chain != cfg.Live.Info().Name {
			return nil, fmt.Errorf("%w: the watch state in %s is for chain %s, not %s", trace.ErrBadInput, cfg.Log.Path(), w.st.Chain, cfg.Live.Info().Name)
		}
		return w, nil
	}
	if res == nil {
		return nil, fmt.Errorf("%w: %s holds no watch yet: start one from a trace (--case, --result or seeds)", trace.ErrBadInput, cfg.Log.Path())
	}
	hs, err := Holdings(res)
	if err != nil {
		return nil, err
	}
	hs = append(hs, extra...)
	w.st = State{Chain: res.Chain, Seeds: res.Seeds, Start: res.Tip, Last: res.Tip, Hashes: map[uint64]string{},
		Holdings: hs, NextSeq: 1, Assets: map[string]graph.Asset{}}
	for _, h := range extra {
		if h.Kind == Manual && !slices.Contains(w.st.Manual, h.Address) {
			w.st.Manual = append(w.st.Manual, h.Address)
		}
	}
	for id, a := range res.Assets {
		w.st.Assets[id] = a
	}
	if _, err := w.commit(nil, 0); err != nil { // a restart resumes from here
		return nil, err
	}
	return w, nil
}

// State returns the watch's state (for --status).
func (w *Watcher) State() State { return w.st }

// Last is the last block processed.
func (w *Watcher) Last() uint64 { return w.st.Last }

// Flush delivers the events that were decided but not yet delivered (a watch
// stopped between the two). Call it once after New.
func (w *Watcher) Flush() ([]Event, error) {
	evs, err := w.cfg.Log.Events(true)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, le := range evs {
		var e Event
		if err := json.Unmarshal(le.Value, &e); err != nil {
			return out, fmt.Errorf("%w: watch event %d in %s: %w", casestore.ErrCorrupt, le.Seq, w.cfg.Log.Path(), err)
		}
		if err := w.cfg.Emit(e); err != nil {
			return out, err
		}
		if err := w.cfg.Log.MarkSent(le.Seq); err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Poll processes the blocks that arrived (and gained the confirmations asked
// for) since the last poll: it rolls back a reorganisation, checks every
// watched holding in one batch, traces the ones that moved, commits the new
// state with the events and then delivers them. It returns the events delivered.
func (w *Watcher) Poll(ctx context.Context) ([]Event, error) {
	tip, err := w.cfg.Live.Tip(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the chain tip: %w", err)
	}
	var safe uint64
	if tip+1 >= w.cfg.Confirmations {
		safe = tip + 1 - w.cfg.Confirmations
	}
	var events []Event
	reorged, err := w.rollback(ctx, tip, &events)
	if err != nil {
		return nil, err
	}
	if safe <= w.st.Last {
		if !reorged {
			return nil, nil
		}
		return w.commit(events, 0)
	}
	from := w.st.Last + 1
	heights := make([]uint64, 0, safe-w.st.Last)
	for h := w.st.Last + 1; h <= safe; h++ {
		heights = append(heights, h)
	}
	hashes, err := w.hashr.BlockHashes(ctx, heights)
	if err != nil {
		return nil, fmt.Errorf("reading block hashes %d..%d: %w", heights[0], safe, err)
	}
	newHashes := map[uint64]string{}
	for i, h := range heights {
		newHashes[h] = hashes[i]
	}
	before := w.st.Holdings
	next, evs, err := w.advance(ctx, safe, newHashes)
	if err != nil {
		return nil, err
	}
	if changed(before, next) {
		w.st.Snapshots = append(w.st.Snapshots, snapshot{Block: w.st.Last, After: safe, Holdings: before})
	}
	w.st.Holdings = next
	for h, x := range newHashes {
		w.st.Hashes[h] = x
	}
	w.st.Last = safe
	w.trim()
	events = append(events, evs...)
	return w.commit(events, from)
}

// commit numbers events, stores them with the state in one transaction, then
// delivers them.
func (w *Watcher) commit(events []Event, from uint64) ([]Event, error) {
	logged := make([]casestore.WatchEvent, len(events))
	for i := range events {
		e := &events[i]
		e.Seq = w.st.NextSeq
		w.st.NextSeq++
		if e.Kind != Retracted {
			w.st.Recent = append(w.st.Recent, recentEvent{Seq: e.Seq, From: from, Event: *e})
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		logged[i] = casestore.WatchEvent{Seq: e.Seq, ID: e.ID, Block: e.Block, Value: b}
	}
	st, err := json.Marshal(&w.st)
	if err != nil {
		return nil, err
	}
	if err := w.cfg.Log.Commit(st, logged); err != nil {
		return nil, err
	}
	for i, e := range events {
		if err := w.cfg.Emit(e); err != nil {
			return events[:i], err
		}
		if err := w.cfg.Log.MarkSent(e.Seq); err != nil {
			return events[:i+1], err
		}
	}
	return events, nil
}

// rollback notices that the last processed block is no longer in the chain,
// finds the newest block that still is, restores the holdings as they were
// there and retracts every event from the blocks above it.
func (w *Watcher) rollback(ctx context.Context, tip uint64, events *[]Event) (bool, error) {
	want, ok := w.st.Hashes[w.st.Last]
	if !ok {
		return false, nil // nothing processed yet: the trace's own blocks are not watched
	}
	if w.st.Last <= tip {
		got, err := w.hashr.BlockHashes(ctx, []uint64{w.st.Last})
		if err != nil {
			return false, fmt.Errorf("reading block hash %d: %w", w.st.Last, err)
		}
		if got[0] == want {
			return false, nil
		}
	}
	var heights []uint64
	for h := range w.st.Hashes {
		if h <= tip {
			heights = append(heights, h)
		}
	}
	sort.Slice(heights, func(i, j int) bool { return heights[i] > heights[j] })
	fork, found := uint64(0), false
	if len(heights) > 0 {
		got, err := w.hashr.BlockHashes(ctx, heights)
		if err != nil {
			return false, fmt.Errorf("reading block hashes after a reorganisation: %w", err)
		}
		for i, h := range heights {
			if got[i] == w.st.Hashes[h] {
				fork, found = h, true
				break
			}
		}
	}
	if !found {
		min := w.st.Last
		for h := range w.st.Hashes {
			if h < min {
				min = h
			}
		}
		if min > w.st.Start+1 {
			return false, fmt.Errorf("%w: no block the watch saw since %d is still in the chain; start a new watch from a fresh trace", ErrReorgTooDeep, min)
		}
		fork = w.st.Start // everything the watch saw was replaced
	}
	// Undo the holdings changes decided in polls that reached above the fork.
	// A change whose poll began at or below the fork leaves the holdings known
	// only as far as that poll's start: the blocks from there to the fork are
	// processed again (their events are retracted and sent again).
	holdings, restore, keepN := w.st.Holdings, fork, len(w.st.Snapshots)
	for i := len(w.st.Snapshots) - 1; i >= 0; i-- {
		s := w.st.Snapshots[i]
		if s.After <= fork {
			break
		}
		holdings, keepN = s.Holdings, i
		if s.Block <= fork {
			restore = s.Block
			break
		}
	}
	keep := w.st.Snapshots[:keepN]
	w.st.Snapshots = keep
	w.st.Holdings = holdings
	var stay []recentEvent
	for i := len(w.st.Recent) - 1; i >= 0; i-- {
		r := w.st.Recent[i]
		if r.From <= restore {
			continue
		}
		e := r.Event
		*events = append(*events, Event{Kind: Retracted, Chain: e.Chain, Tx: e.Tx, Block: e.Block, BlockHash: e.BlockHash,
			Time: e.Time, From: e.From, To: e.To, Asset: e.Asset, Amount: e.Amount, Decimals: e.Decimals, Symbol: e.Symbol,
			Holding: e.Holding, Endpoint: e.Endpoint, At: e.At, Label: e.Label, Category: e.Category, Exchange: e.Exchange,
			Path: e.Path, Retracts: r.Seq, ID: Retracted + "|" + e.ID})
	}
	for _, r := range w.st.Recent {
		if r.From <= restore {
			stay = append(stay, r)
		}
	}
	w.st.Recent = stay
	for h := range w.st.Hashes {
		if h > restore {
			delete(w.st.Hashes, h)
		}
	}
	w.st.Last = restore
	return true, nil
}

// trim forgets hashes, snapshots and retractable events older than the window.
func (w *Watcher) trim() {
	if w.st.Last < ReorgWindow {
		return
	}
	floor := w.st.Last - ReorgWindow
	for h := range w.st.Hashes {
		if h < floor {
			delete(w.st.Hashes, h)
		}
	}
	var rec []recentEvent
	for _, r := range w.st.Recent {
		if r.From >= floor {
			rec = append(rec, r)
		}
	}
	w.st.Recent = rec
	// keep the newest snapshot below the floor: it is the state to restore to
	i := 0
	for i+1 < len(w.st.Snapshots) && w.st.Snapshots[i+1].Block < floor {
		i++
	}
	w.st.Snapshots = append([]snapshot(nil), w.st.Snapshots[i:]...)
}

func changed(a, b []Holding) bool {
	if len(a) != len(b) {
		return true
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Amount.Cmp(b[i].Amount) != 0 {
			return true
		}
	}
	return false
}

// advance checks the holdings at block safe and traces those that moved.
func (w *Watcher) advance(ctx context.Context, safe uint64, hashes map[uint64]string) ([]Holding, []Event, error) {
	if len(w.st.Holdings) == 0 {
		return nil, nil, nil
	}
	switch w.cfg.Live.Info().Family {
	case graph.FamilyUTXO:
		return w.advanceUTXO(ctx, safe, hashes)
	default:
		return w.advanceAccount(ctx, safe, hashes)
	}
}

func (w *Watcher) advanceUTXO(ctx context.Context, safe uint64, hashes map[uint64]string) ([]Holding, []Event, error) {
	chk, ok := w.cfg.Live.(UTXOChecker)
	if !ok {
		return nil, nil, fmt.Errorf("%w: the %s source cannot check outputs", trace.ErrUnsupported, w.cfg.Live.Info().Name)
	}
	ops := make([]graph.Outpoint, len(w.st.Holdings))
	for i, h := range w.st.Holdings {
		op, err := graph.ParseOutpoint(h.Outpoint)
		if err != nil {
			return nil, nil, fmt.Errorf("watch state: holding %s: %w", h.Key, err)
		}
		ops[i] = op
	}
	unspent, err := chk.Unspent(ctx, ops)
	if err != nil {
		return nil, nil, fmt.Errorf("checking %d watched outputs: %w", len(ops), err)
	}
	var next []Holding
	var events []Event
	var fresh trace.Source
	defer func() {
		if fresh != nil {
			if c, ok := fresh.(interface{ Close() error }); ok {
				_ = c.Close()
			}
		}
	}()
	for i, h := range w.st.Holdings {
		if unspent[i] {
			next = append(next, h)
			continue
		}
		if fresh == nil {
			src, closeFn, err := w.cfg.Fresh(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("opening a source to trace a movement: %w", err)
			}
			defer closeFn()
			fresh = src
		}
		onward, evs, err := w.onwardUTXO(ctx, fresh, h, ops[i], safe, hashes)
		if err != nil {
			return nil, nil, err
		}
		next = append(next, onward...)
		events = append(events, evs...)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Block < events[j].Block })
	return next, events, nil
}

// onwardUTXO traces the spent output op of holding h up to block safe.
func (w *Watcher) onwardUTXO(ctx context.Context, src trace.Source, h Holding, op graph.Outpoint, safe uint64, hashes map[uint64]string) ([]Holding, []Event, error) {
	opts := w.cfg.Options
	opts.ToBlock, opts.FromBlock, opts.FromTime = safe, 0, time.Time{}
	opts.Progress = nil
	res, err := trace.Run(ctx, src, []string{op.String()}, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing the movement of %s: %w", h.Key, err)
	}
	if len(res.Endpoints) == 1 && res.Endpoints[0].Outpoint == h.Outpoint && res.Endpoints[0].Kind == graph.EndUnspent {
		return []Holding{h}, nil, nil // spent in a block without enough confirmations yet
	}
	us, _ := src.(trace.UTXOSource)
	sp, err := us.Spender(ctx, op)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the spender of %s: %w", h.Key, err)
	}
	if sp == nil {
		return nil, nil, fmt.Errorf("the trace found %s spent, but the node names no spender up to block %d", h.Key, safe)
	}
	for id, a := range res.Assets {
		w.st.Assets[id] = a
	}
	asset := w.st.Assets[h.Asset]
	seedTotal := new(big.Int)
	if t := res.Totals[h.Asset]; t != nil && t.Seed != nil {
		seedTotal = t.Seed
	}
	scale := func(x *big.Int) *big.Int {
		if seedTotal.Sign() == 0 {
			return new(big.Int)
		}
		v := new(big.Int).Mul(x, h.Amount)
		return v.Quo(v, seedTotal)
	}
	var to []string
	for _, o := range sp.Outputs {
		if o.Address != "" {
			to = append(to, o.Address)
		}
	}
	base := Event{Chain: res.Chain, Asset: h.Asset, Decimals: asset.Decimals, Symbol: asset.Symbol, Holding: h.Key}
	mv := base
	mv.Kind, mv.Tx, mv.Block, mv.BlockHash, mv.Time = Moved, sp.TxID, sp.Block, sp.BlockHash, sp.Time
	mv.From, mv.To, mv.Amount, mv.Path = h.Address, to, h.Amount.String(), join(h.Path, []string{sp.TxID})
	mv.ID = strings.Join([]string{Moved, h.Key, sp.TxID, sp.BlockHash}, "|")
	events := []Event{mv}
	var next []Holding
	for _, ep := range res.Endpoints {
		amt := scale(ep.Amount)
		if amt.Sign() == 0 {
			continue
		}
		e := w.endpointEvent(base, h, &mv, ep, amt, hashes)
		events = append(events, e)
		if e.Kind == NewHolding && watchable(ep.Kind) {
			key := ep.Outpoint
			if key == "" {
				continue
			}
			next = append(next, Holding{Key: key, Kind: ep.Kind, Address: ep.Address, Outpoint: ep.Outpoint, Asset: ep.Asset,
				Amount: amt, Hops: h.Hops + ep.Hops, Path: e.Path, Since: safe})
		}
	}
	return next, events, nil
}

// endpointEvent is the event of an onward trace's endpoint ep, which received
// amt of the holding h's taint: where it arrived (an output for a watchable
// UTXO holding), through which transaction, and what kind of place it is. An
// endpoint whose funds arrived before the movement mv (the holding's own
// address, found an exchange deposit because the movement swept it into the
// exchange) is dated by the movement: the event is what happened now.
func (w *Watcher) endpointEvent(base Event, h Holding, mv *Event, ep *graph.Endpoint, amt *big.Int, hashes map[uint64]string) Event {
	e := base
	e.Endpoint, e.Label, e.Category, e.Amount = ep.Kind, ep.Label, ep.Category, amt.String()
	e.At, e.Outpoint = ep.Address, ep.Outpoint
	if ep.Outpoint != "" && watchable(ep.Kind) {
		e.At = ep.Outpoint // a holding is watched as its output
	}
	e.Asset = ep.Asset
	if a, ok := w.st.Assets[ep.Asset]; ok {
		e.Decimals, e.Symbol = a.Decimals, a.Symbol
	}
	if n := len(ep.Inflows); n > 0 {
		in := ep.Inflows[n-1]
		e.Tx, e.Block, e.Time, e.From = in.Tx, in.Block, in.Time, in.From
	}
	e.BlockHash = hashes[e.Block]
	if e.Tx == "" || e.Block <= h.Since {
		e.Tx, e.Block, e.Time, e.BlockHash, e.From = mv.Tx, mv.Block, mv.Time, mv.BlockHash, h.Address
	}
	if e.From == "" {
		e.From = h.Address // paid straight from the watched holding (the onward trace's seed)
	}
	e.To = []string{ep.Address}
	e.Path = join(h.Path, ep.Path)
	switch ep.Kind {
	case graph.EndExchange, graph.EndExchangeDeposit:
		e.Kind = ReachedExchange
		e.Exchange = ep.Exchange
		if e.Exchange == "" {
			e.Exchange = ep.Label
		}
	case graph.EndMixer:
		e.Kind = ReachedMixer
	case graph.EndBridge:
		e.Kind = ReachedBridge
	default:
		e.Kind = NewHolding
	}
	e.ID = strings.Join([]string{e.Kind, h.Key, e.Tx, e.At, e.Asset, e.BlockHash}, "|")
	return e
}

// join appends b to a, dropping b's first element when it repeats a's last.
func join(a, b []string) []string {
	out := append([]string{}, a...)
	for i, x := range b {
		if i == 0 && len(out) > 0 && out[len(out)-1] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}
