package trace

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"sync"

	"github.com/chaintrace/chaintrace/graph"
)

// Account chains: every tainted holder keeps, per asset, a ledger of credits in
// chain order; the tracer replays all transfers of all followed holders in one
// global (block, tx index, seq) order, so taint that reaches an address through one
// path is there before that address spends, whatever path reached it first.

const (
	hFollowing = iota
	hEnded
)

type holder struct {
	addr     string
	hop      int
	state    int
	source   bool // address seed: everything it held or received counts as stolen
	endKind  string
	label    *Label
	deposit  *depositMatch
	assets   []assetState // per asset: ledger and tainted inflows (a holder has one to a few)
	hist     []graph.Transfer
	pending  int               // events of hist still in the queue; at 0 hist is released (see releaseDone)
	open     uint64            // ledgers open with the balance at the end of block open-1 …
	startKey graph.TransferKey // … plus this block's transfers before startKey
	// swap rule (swap.go): the swapTx.gen in which this holder was planned, or
	// found not to trade (swapBefore's test, decided once per transaction)
	swapPlanned, swapNoTrade uint64
	// unexplained: per asset, node balance − traced balance at the end (reconcile.go).
	unexplained map[string]*big.Int
}

// assetState is a holder's state in one asset.
type assetState struct {
	id      string
	l       *ledger        // nil until the asset is first credited or debited
	inflows []graph.Inflow // tainted credits, reported on the unspent endpoint
}

// asset returns h's state in asset id, adding it when absent. The pointer is
// valid until the next call adds an asset.
func (h *holder) asset(id string) *assetState {
	for i := range h.assets {
		if h.assets[i].id == id {
			return &h.assets[i]
		}
	}
	h.assets = append(h.assets, assetState{id: id})
	return &h.assets[len(h.assets)-1]
}

// ledgerOf is h's ledger of asset id, nil when it has none yet.
func (h *holder) ledgerOf(id string) *ledger {
	for i := range h.assets {
		if h.assets[i].id == id {
			return h.assets[i].l
		}
	}
	return nil
}

func (h *holder) addInflow(id string, in graph.Inflow) {
	as := h.asset(id)
	as.inflows = append(as.inflows, in)
}

type acctTracer struct {
	ctx     context.Context
	src     AccountSource
	caps    Capabilities // src's, read once
	o       *Options
	c       *collector
	info    ChainInfo
	toBlock uint64
	stop    stopper
	thresh  map[string]*big.Int

	holders  map[string]*holder
	hint     *holder                // the holder whose history queued the transfer being replayed (see holderAt)
	lastAddr string                 // holderAt's last look-up in holders …
	lastH    *holder                // … and its answer (nil included, until a holder is added)
	assets   map[string]graph.Asset // every asset a ledger was opened for
	q        evHeap
	pushes   uint64            // events pushed so far: ties in the queue pop first-pushed first
	cur      graph.TransferKey // the transaction being replayed (TxHash, Block, TxIndex) …
	curSeqs  []int             // … and the seqs of it already popped: a transfer is replayed once
	done     []*holder         // holders whose last event was popped in the current transaction
	seedTx   map[string]bool
	seedLast string // isSeedTx's cache: the last hash asked about …
	seedWas  bool   // … and whether it is a seed's
	followed int
	maxHop   int
	nTrans   int
	err      error
	tiho     map[tihoKey]map[int]*big.Int
	pre      map[string]*histFuture
	pending  []*histFuture       // batched prefetches not yet sent (batch.go)
	bal      map[balKey]*big.Int // balances fetched with a frontier
	code     map[string]bool     // contract checks at the end of the window, fetched with a frontier
	sem      chan struct{}
	inflight sync.WaitGroup

	sw       swapTx               // swap rule, per transaction (swap.go)
	swapHist map[string]swapFetch // histories the swap rule fetched, for classify
	notes    map[string]string    // why funds stayed in a venue
	lastTx   string               // see intern

	credits map[graph.TransferKey]*creditSeed // crossing payouts seeded with a share of taint (crossing.go)

	zero big.Int // the taint of a transfer from outside the trace: read, never written (see process)
}

// histFuture is a history fetched ahead of need: when a holder is followed, the
// recipients of its payments are the likely next holders, and fetching their
// histories concurrently hides the node's latency. Only used when
// Options.Concurrency > 1; a prefetched history is used only if it starts at the
// block the tracer needs, so results never depend on it.
//
// With a HistoryBatcher the futures of one hop level are not sent one by one: they
// wait in pending until the tracer first needs one of them, and then all leave in
// one batch, with the balances their ledgers will open with (frontier batching,
// batch.go). By then the whole level is known: its holders are credited in later
// blocks than the level before, which the chain-order replay has finished.
type histFuture struct {
	from   uint64
	done   chan struct{}
	h      History
	err    error
	addr   string      // batched: the payee …
	asset  graph.Asset // … and the asset of the payment that made it a candidate
	queued bool        // batched, not yet sent
	follow bool        // batched: below the hop limit, so its ledgers will open
}

type balKey struct {
	addr, asset string
	block       uint64
}

type tihoKey struct{ addr, tx, asset string }

func runAccount(ctx context.Context, src AccountSource, seeds []seedSpec, o *Options, c *collector, toBlock uint64) error {
	t := &acctTracer{
		ctx: ctx, src: src, caps: CapabilitiesOf(src), o: o, c: c, info: src.Info(), toBlock: toBlock,
		stop: newStopper(o), thresh: map[string]*big.Int{},
		holders: map[string]*holder{}, assets: map[string]graph.Asset{},
		seedTx: map[string]bool{}, tiho: map[tihoKey]map[int]*big.Int{},
		pre: map[string]*histFuture{}, bal: map[balKey]*big.Int{}, code: map[string]bool{},
	}
	if o.Concurrency > 1 {
		t.sem = make(chan struct{}, o.Concurrency)
	}
	t.previewSeeds(seeds)
	for _, s := range seeds {
		switch {
		case s.tx != "":
			trs, err := src.TxTransfers(ctx, s.tx)
			if err != nil {
				return fmt.Errorf("seed %s: %w", s.raw, err)
			}
			t.seedTx[s.tx], t.seedLast = true, "" // isSeedTx asks again
			for i := range trs {
				if trs[i].Block > toBlock {
					return fmt.Errorf("%w: seed %s is in block %d, after --to-block %d", ErrBadInput, s.raw, trs[i].Block, toBlock)
				}
				t.push(&trs[i], nil)
			}
			t.prefetchSeed(trs)
		case s.credit != nil:
			if err := t.seedCredit(s.credit, toBlock); err != nil {
				return fmt.Errorf("seed %s: %w", s.raw, err)
			}
		case s.address != "":
			if err := t.seedAddress(s.address); err != nil {
				return fmt.Errorf("seed %s: %w", s.raw, err)
			}
		default:
			return fmt.Errorf("%w: seed %q is not a transaction hash or an address on %s", ErrBadInput, s.raw, t.info.Name)
		}
	}
	for t.q.Len() > 0 {
		if err := ctx.Err(); err != nil {
			t.fail(err)
			break
		}
		ev := t.q.pop()
		if !t.replayOnce(ev) {
			continue
		}
		t.hint = ev.h
		t.process(ev.t)
	}
	t.releaseDone()
	t.finish()
	t.swapNotes()
	if t.zero.Sign() != 0 {
		// Never expected: the shared zero taint was written to (see process).
		t.c.warn("internal accounting error: the zero taint changed to %s; please report this trace", &t.zero)
	}
	return t.err
}

func (t *acctTracer) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// push queues e, an event of h's history (h is nil for a seed transaction's
// transfers). A transfer between two followed holders is in both histories and
// queued twice; replayOnce lets the first-pushed copy through.
func (t *acctTracer) push(e *graph.Transfer, h *holder) {
	if h != nil {
		h.pending++
	}
	t.pushes++
	t.q.push(event{t: e, h: h, n: t.pushes, block: e.Block, txIndex: e.TxIndex, seq: e.Seq})
}

// replayOnce accounts for a popped event and reports whether to replay it: a
// transfer is replayed once, however many histories queued it. Only the current
// transaction's transfers can be queued again behind the replay point (a swap's
// output delivered before the transfer that pays for it), so remembering the
// current transaction's seqs is enough. When the replay moves on to another
// transaction, the histories of the holders whose events are all replayed are
// released: no rule reads a holder's history outside its own transactions (the
// swap rule, TIHO and the deposit rule read the transaction being replayed or
// the history as fetched; reconciliation and the endpoints read ledgers only), so
// the trace's memory is the followed frontier's histories, not every history.
func (t *acctTracer) replayOnce(ev event) bool {
	if ev.h != nil {
		ev.h.pending--
		if ev.h.pending == 0 {
			t.done = append(t.done, ev.h)
		}
	}
	e := ev.t
	if e.TxHash != t.cur.TxHash || e.Block != t.cur.Block || e.TxIndex != t.cur.TxIndex {
		t.releaseDone()
		t.cur = graph.TransferKey{TxHash: e.TxHash, Block: e.Block, TxIndex: e.TxIndex}
		t.curSeqs = t.curSeqs[:0]
		if len(t.tiho) > 0 {
			clear(t.tiho) // keyed by transaction: never read again
		}
	}
	for _, s := range t.curSeqs {
		if s == e.Seq {
			return false
		}
	}
	t.curSeqs = append(t.curSeqs, e.Seq)
	return true
}

// releaseDone drops the histories of the holders in t.done (see replayOnce).
func (t *acctTracer) releaseDone() {
	for i, h := range t.done {
		if h.pending == 0 {
			h.hist = nil
		}
		t.done[i] = nil
	}
	t.done = t.done[:0]
}

func (t *acctTracer) seedAddress(addr string) error {
	h := &holder{addr: addr, hop: 0, source: true}
	hist, err := t.src.History(t.ctx, HistoryQuery{Address: addr, FromBlock: t.o.FromBlock, ToBlock: t.toBlock})
	if err != nil {
		return err
	}
	t.addHolder(h)
	t.c.res.Flow.Node(addr, graph.RoleSeed, 0)
	h.hist = hist.Transfers
	h.open = t.o.FromBlock
	h.startKey = graph.TransferKey{Block: t.o.FromBlock, TxIndex: -1}
	t.followed++
	for i := range h.hist {
		t.push(&h.hist[i], h)
	}
	if h.pending == 0 {
		t.done = append(t.done, h)
	}
	// Open a ledger for every asset the address holds or receives, so what it held
	// at the start block is counted even if it never moves.
	seen := map[string]bool{t.info.Native.ID: true}
	t.ledger(h, t.info.Native)
	for _, tr := range h.hist {
		for _, a := range []*graph.Asset{&tr.Asset, tr.SrcAsset} {
			if a != nil && !seen[a.ID] {
				seen[a.ID] = true
				t.ledger(h, *a)
			}
		}
	}
	return nil
}

// seedAsset reports whether an address seed's holdings of asset count as
// stolen (Options.SeedAssets).
func (t *acctTracer) seedAsset(asset string) bool {
	return t.o.SeedAssets == nil || slices.Contains(t.o.SeedAssets, asset)
}

// threshold is --min-amount in asset's base units (nil: no minimum).
func (t *acctTracer) threshold(a graph.Asset) *big.Int {
	return assetThreshold(t.o, t.thresh, a)
}

func assetThreshold(o *Options, cache map[string]*big.Int, a graph.Asset) *big.Int {
	if o.MinAmount == nil {
		return nil
	}
	if v, ok := cache[a.ID]; ok {
		return v
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(a.Decimals)), nil)
	r := new(big.Rat).Mul(o.MinAmount, new(big.Rat).SetInt(scale))
	v := new(big.Int).Quo(r.Num(), r.Denom())
	cache[a.ID] = v
	return v
}

func (t *acctTracer) process(e *graph.Transfer) {
	t.nTrans++
	if t.credits != nil && t.credit(e) {
		return
	}
	if t.swapBefore(e) {
		return
	}
	fh := t.holderAt(e.From)
	following := fh != nil && fh.state == hFollowing
	isSeed := t.isSeedTx(e.TxHash) && !following
	if isSeed && e.Kind == graph.KindFee {
		return // the theft's own gas was paid by the thief or victim, not from the loot
	}
	src := e.Asset
	if e.Kind == graph.KindWrap && e.SrcAsset != nil {
		src = *e.SrcAsset
	}
	var taint *big.Int
	hop := 1
	switch {
	default:
		// From outside the trace: no taint. The value is only read on this path
		// (deliver credits with it and returns; the fee and wrap totals skip a
		// zero), so every such transfer shares one instead of allocating its own.
		taint = &t.zero
	case isSeed:
		taint = new(big.Int).Set(e.Amount)
		t.c.seed(e.Asset.ID, e.Amount)
		t.c.res.Flow.Node(e.From, graph.RoleVictim, 0)
	case following:
		l := t.ledger(fh, src)
		var want *big.Int
		if t.o.Policy == TIHO {
			want = t.tihoAlloc(fh, e, src, l)
		}
		taint = l.debit(e.Amount, want)
		hop = fh.hop + 1
		if t.swapAfterDebit(fh, e, taint) {
			return
		}
	}
	if e.Kind == graph.KindFee {
		if taint.Sign() > 0 {
			t.c.asset(src)
			t.c.fee(src.ID, taint)
		}
		return
	}
	if taint.Sign() > 0 && e.Kind == graph.KindWrap && !isSeed {
		t.c.asset(src)
		tt := t.c.total(src.ID)
		if tt.WrappedOut == nil {
			tt.WrappedOut = new(big.Int)
		}
		tt.WrappedOut.Add(tt.WrappedOut, taint)
		td := t.c.total(e.Asset.ID)
		if td.WrappedIn == nil {
			td.WrappedIn = new(big.Int)
		}
		td.WrappedIn.Add(td.WrappedIn, taint)
	}
	from := e.From
	if following {
		from = fh.addr // the holder's copy of the string: results keep one
	}
	t.deliver(e, taint, hop, holding(from, src.ID))
}

// holderAt is holders[addr]. One transfer asks about its two ends up to three
// times each (the swap rule's tests, the debit, the credit), and one end is
// usually the holder whose history queued it: that one is compared, not hashed,
// and the last other address asked about is remembered.
func (t *acctTracer) holderAt(addr string) *holder {
	if h := t.hint; h != nil && h.addr == addr {
		return h
	}
	if addr != t.lastAddr || addr == "" {
		t.lastAddr, t.lastH = addr, t.holders[addr]
	}
	return t.lastH
}

// addHolder adds h to holders (which never replaces one).
func (t *acctTracer) addHolder(h *holder) {
	t.holders[h.addr] = h
	t.lastAddr, t.lastH = h.addr, h
}

// isSeedTx reports whether tx is a seed transaction. A transaction's transfers
// are replayed together and each asks up to three times: the answer is kept for
// the last hash asked about (a string compare instead of a hash per question).
func (t *acctTracer) isSeedTx(tx string) bool {
	if len(t.seedTx) == 0 {
		return false
	}
	if tx != t.seedLast || t.seedLast == "" {
		t.seedLast, t.seedWas = tx, t.seedTx[tx]
	}
	return t.seedWas
}

// intern returns the copy of tx the previous call returned when they are equal:
// consecutive transfers are mostly one transaction's, and the edges, inflows and
// paths that keep a hash then share one string.
func (t *acctTracer) intern(tx string) string {
	if tx == t.lastTx {
		return t.lastTx
	}
	t.lastTx = tx
	return tx
}

// deliver credits e's recipient with taint (a share of e.Amount) at hop: a
// followed holder's ledger, or an endpoint. from is the holding the taint came
// from, for the endpoint's path.
func (t *acctTracer) deliver(e *graph.Transfer, taint *big.Int, hop int, from hkey) {
	th := t.holderAt(e.To)
	if th != nil && th.source && th.state == hFollowing && t.seedAsset(e.Asset.ID) {
		// Everything an address seed receives counts as stolen.
		t.c.seed(e.Asset.ID, new(big.Int).Sub(e.Amount, taint))
		taint = new(big.Int).Set(e.Amount)
	}
	if taint.Sign() == 0 {
		if th != nil && th.state == hFollowing {
			t.ledger(th, e.Asset).credit(e.Amount, taint)
		}
		return
	}
	t.c.asset(e.Asset)
	tx, payer := t.intern(e.TxHash), e.From
	if from.b == payer {
		payer = from.b
	}
	to := e.To
	if th != nil {
		to = th.addr
	}
	in := &graph.Inflow{Tx: tx, Block: e.Block, Time: e.Time, From: payer, Amount: taint, Value: new(big.Int).Set(e.Amount)}
	if min := t.threshold(e.Asset); min != nil && taint.Cmp(min) < 0 && !(th != nil && th.source) {
		t.c.res.Flow.Node(to, graph.EndBelowThreshold, hop)
		t.c.reach(holding(to, e.Asset.ID), from, tx)
		t.c.end(graph.EndBelowThreshold, to, "", e.Asset.ID, taint, hop, nil, in)
		t.edge(e, tx, taint, hop)
		if th != nil && th.state == hFollowing {
			t.ledger(th, e.Asset).credit(e.Amount, new(big.Int))
		}
		return
	}
	if th == nil {
		th = t.classify(to, hop, e)
	}
	t.c.reach(holding(to, e.Asset.ID), from, tx)
	t.edge(e, tx, taint, hop)
	if hop > t.maxHop {
		t.maxHop = hop
	}
	if th.state == hFollowing {
		if hop < th.hop {
			th.hop = hop
		}
		t.ledger(th, e.Asset).credit(e.Amount, taint)
		th.addInflow(e.Asset.ID, *in)
		return
	}
	ep := t.c.end(th.endKind, th.addr, "", e.Asset.ID, taint, hop, th.label, in)
	if d := th.deposit; d != nil {
		ep.Exchange, ep.SweepTx, ep.Confidence = d.exchange, d.sweep, d.confidence
	}
}

func (t *acctTracer) edge(e *graph.Transfer, tx string, taint *big.Int, hop int) {
	t.c.res.Flow.AddTransfer(&graph.Edge{
		Tx: tx, Position: e.Position, From: e.From, To: e.To, Asset: e.Asset.ID,
		Block: e.Block, Time: e.Time, Hop: hop, Kind: string(e.Kind),
	}, e.Amount, taint)
}

// classify decides, at its first tainted credit e, what a new holder is: an
// endpoint (labelled, deposit, too far, too busy, unreachable) or an address to
// follow, in which case its history from e's block on joins the event queue.
func (t *acctTracer) classify(addr string, hop int, e *graph.Transfer) *holder {
	h := &holder{addr: addr, hop: hop}
	t.addHolder(h)
	end := func(kind string) *holder {
		h.state, h.endKind = hEnded, kind
		h.hist = nil // an endpoint's history is never read again
		n := t.c.res.Flow.Node(addr, kind, hop)
		if h.label != nil {
			n.Label, n.Category = h.label.Name, h.label.Category
		}
		return h
	}
	if lb, ok := t.o.Labels.Lookup(t.info.Name, addr); ok {
		h.label = newLabel(lb)
		if t.stop.stops(lb) {
			return end(labelKind(lb.Category))
		}
	}
	if hop >= t.o.MaxHops {
		return t.atHopLimit(h, e, end)
	}
	if t.err != nil {
		return end(stopKind(t.ctx))
	}
	if t.followed >= t.o.MaxAddresses {
		t.c.warn("address limit of %d reached: further holders were not followed (raise --max-addresses)", t.o.MaxAddresses)
		return end(graph.EndAddressLimit)
	}
	hist, err := t.history(addr, e.Block)
	if err != nil {
		t.fail(fmt.Errorf("history of %s: %w", addr, err))
		if budgetOf(t.ctx) == nil {
			t.c.warn("could not fetch the history of %s: %v", addr, err)
		}
		return end(stopKind(t.ctx))
	}
	if hist.Truncated || len(hist.Transfers) > t.o.AddressBudget {
		return end(graph.EndHighActivity)
	}
	h.hist = hist.Transfers
	h.open = e.Block
	h.startKey = e.Key()
	if h.label == nil && t.o.DepositRule && t.stop.deposits() {
		if d := t.depositRule(h, e); d != nil {
			h.deposit = d
			return end(graph.EndExchangeDeposit)
		}
	}
	h.state = hFollowing
	n := t.c.res.Flow.Node(addr, graph.RoleHop, hop)
	if h.label != nil {
		n.Label, n.Category = h.label.Name, h.label.Category
	}
	t.followed++
	ek := e.Key()
	for i := range h.hist {
		if ek.Less(h.hist[i].Key()) {
			t.push(&h.hist[i], h)
		}
	}
	if h.pending == 0 {
		t.done = append(t.done, h)
	}
	if t.o.Progress != nil {
		t.o.Progress(Progress{Addresses: t.followed, Transfers: t.nTrans, Hop: hop})
	}
	t.prefetch(h)
	return h
}

// atHopLimit ends a holder reached at the last hop. The tracer still looks one step
// past it, as far as the deposit rule needs (issue 5): a deposit address at the
// last hop is reported as such, and an address that never moved anything after
// the taint arrived is unspent rather than "hop-limit".
func (t *acctTracer) atHopLimit(h *holder, e *graph.Transfer, end func(string) *holder) *holder {
	if h.label != nil || t.err != nil || !t.o.DepositRule {
		return end(graph.EndHopLimit)
	}
	hist, err := t.history(h.addr, e.Block)
	if err != nil || hist.Truncated || len(hist.Transfers) > t.o.AddressBudget {
		return end(graph.EndHopLimit)
	}
	h.hist, h.open, h.startKey = hist.Transfers, e.Block, e.Key()
	if t.stop.deposits() {
		if d := t.depositRule(h, e); d != nil {
			h.deposit = d
			return end(graph.EndExchangeDeposit)
		}
	}
	for _, tr := range h.hist {
		if tr.From == h.addr {
			return end(graph.EndHopLimit)
		}
	}
	return end(graph.EndUnspent)
}

func (t *acctTracer) history(addr string, from uint64) (History, error) {
	if f, ok := t.swapHist[addr]; ok && f.from == from {
		delete(t.swapHist, addr) // classify asks once per address: the holder keeps it now
		return f.h, nil
	}
	if f := t.pre[addr]; f != nil && f.from == from {
		if f.queued {
			t.flush()
		}
		<-f.done
		if f.err == nil || f.addr == "" {
			return f.h, f.err
		}
		// A batched lookup that failed is asked again on its own.
	}
	return t.src.History(t.ctx, HistoryQuery{Address: addr, FromBlock: from, ToBlock: t.toBlock, Limit: t.o.AddressBudget})
}

// prefetch starts fetching the histories of h's payees (see histFuture).
func (t *acctTracer) prefetch(h *holder) {
	batch := t.caps.Histories != nil
	if (t.sem == nil && !batch) || t.followed+len(t.pre) >= t.o.MaxAddresses || h.hop+1 > t.o.MaxHops || (h.hop+1 == t.o.MaxHops && !t.o.DepositRule) {
		return
	}
	for i := range h.hist {
		tr := &h.hist[i]
		r := tr.To
		if tr.From != h.addr || tr.Kind == graph.KindFee || r == "" || r == h.addr || t.holders[r] != nil || t.pre[r] != nil {
			continue
		}
		if lb, ok := t.o.Labels.Lookup(t.info.Name, r); ok && t.stop.stops(lb) {
			continue
		}
		f := &histFuture{from: tr.Block, done: make(chan struct{})}
		t.pre[r] = f
		if batch {
			f.addr, f.asset, f.queued, f.follow = r, tr.Asset, true, h.hop+1 < t.o.MaxHops
			t.pending = append(t.pending, f)
			continue
		}
		t.inflight.Add(1)
		go func() {
			defer t.inflight.Done()
			defer close(f.done)
			t.sem <- struct{}{}
			defer func() { <-t.sem }()
			f.h, f.err = t.src.History(t.ctx, HistoryQuery{Address: r, FromBlock: f.from, ToBlock: t.toBlock, Limit: t.o.AddressBudget})
		}()
	}
}

// ledger returns h's ledger for asset, opening it on first use with the balance
// the address held just before it was first tainted: clean funds already there
// dilute haircut and shield FIFO, so they must not be assumed away.
func (t *acctTracer) ledger(h *holder, a graph.Asset) *ledger {
	if l := h.ledgerOf(a.ID); l != nil {
		return l
	}
	if _, ok := t.assets[a.ID]; !ok {
		t.assets[a.ID] = a
	}
	open := new(big.Int)
	// The state before block open is the end of block open-1; before block 0 it
	// is the genesis allocation, which is the end of block 0 (genesis has no
	// transactions).
	before := uint64(0)
	if h.open > 0 {
		before = h.open - 1
	}
	bal, err := t.balance(h.addr, a, before)
	if err != nil {
		t.c.warn("balance of %s in %s at block %d unknown (%v): assumed 0, so clean funds held before the theft are not counted", h.addr, a.Symbol, before, err)
	} else {
		open.Set(bal)
	}
	for _, tr := range h.hist {
		if tr.Block != h.open || !tr.Key().Less(h.startKey) {
			continue
		}
		if tr.To == h.addr && tr.Asset.ID == a.ID {
			open.Add(open, tr.Amount)
		}
		src := tr.Asset
		if tr.SrcAsset != nil {
			src = *tr.SrcAsset
		}
		if tr.From == h.addr && src.ID == a.ID {
			open.Sub(open, tr.Amount)
		}
	}
	if open.Sign() < 0 {
		open.SetInt64(0)
	}
	tainted := h.source && t.seedAsset(a.ID)
	if tainted {
		t.c.asset(a)
		t.c.seed(a.ID, open)
		if open.Sign() > 0 {
			h.addInflow(a.ID, graph.Inflow{Tx: "", Block: h.open, Amount: new(big.Int).Set(open), From: "balance"})
		}
	}
	l := newLedger(t.o.Policy, open, tainted)
	h.asset(a.ID).l = l
	return l
}

// tihoAlloc hands out, once per (holder, tx, asset), the taint of all the holder's
// debits in that transaction: largest payment first (Tironsakkul et al. 2019);
// equal payments in transaction order.
func (t *acctTracer) tihoAlloc(h *holder, e *graph.Transfer, a graph.Asset, l *ledger) *big.Int {
	k := tihoKey{h.addr, e.TxHash, a.ID}
	alloc, ok := t.tiho[k]
	if !ok {
		var debits []*graph.Transfer
		ek := e.Key()
		for i := range h.hist {
			tr := &h.hist[i]
			src := tr.Asset
			if tr.SrcAsset != nil {
				src = *tr.SrcAsset
			}
			if tr.TxHash == e.TxHash && tr.From == h.addr && src.ID == a.ID && !tr.Key().Less(ek) {
				debits = append(debits, tr)
			}
		}
		sort.SliceStable(debits, func(i, j int) bool { return debits[i].Amount.Cmp(debits[j].Amount) > 0 })
		rem := l.remaining()
		alloc = map[int]*big.Int{}
		for _, d := range debits {
			x := new(big.Int).Set(minInt(d.Amount, rem))
			alloc[d.Seq] = x
			rem.Sub(rem, x)
		}
		t.tiho[k] = alloc
	}
	if v, ok := alloc[e.Seq]; ok {
		return v
	}
	return nil
}

// finish ends the taint still held: unspent at the followed holders (or in a
// contract), incomplete where the trace stopped early.
func (t *acctTracer) finish() {
	// No request may outlive Run: callers close their sources (and case stores) after it.
	t.inflight.Wait()
	addrs := make([]string, 0, len(t.holders))
	for a, h := range t.holders {
		if h.state == hFollowing {
			addrs = append(addrs, a)
		}
	}
	sort.Strings(addrs)
	t.reconcile(addrs)
	if err := t.ctx.Err(); err != nil && t.err == nil {
		// Stopped (a budget, Ctrl-C) while reading the end balances: the holdings
		// are not all checked, so they are reported as what the trace did not finish.
		t.fail(err)
	}
	cc := t.caps.Contracts
	interrupted := func() bool {
		return t.err != nil && (errors.Is(t.err, context.Canceled) || errors.Is(t.err, context.DeadlineExceeded))
	}
	var isC map[string]bool
	if cb := t.caps.ContractBatch; cb != nil && cc != nil && t.err == nil && !interrupted() {
		isC = t.contracts(cb, addrs)
	}
	for _, a := range addrs {
		h := t.holders[a]
		ids := make([]string, 0, len(h.assets))
		for _, as := range h.assets {
			if as.l != nil {
				ids = append(ids, as.id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			l := h.ledgerOf(id)
			if l.short {
				t.c.warn("%s spent more %s than the tracer saw it receive: its history is incomplete", a, id)
			}
			rem := l.remaining()
			if rem.Sign() == 0 {
				continue
			}
			kind := graph.EndUnspent
			if v, ok := isC[a]; ok && !interrupted() {
				if v {
					kind = graph.EndContract
				}
			} else if !interrupted() && cc != nil && t.err == nil {
				c, err := cc.IsContract(t.ctx, a, t.toBlock)
				switch {
				case err == nil && c:
					kind = graph.EndContract
				case err != nil && t.ctx.Err() != nil:
					t.fail(t.ctx.Err()) // stopped here: this holding and the rest are unfinished
				}
			}
			if interrupted() {
				kind = stopKind(t.ctx)
			}
			kind = heldKind(kind, h.label)
			t.c.res.Flow.Node(a, kind, h.hop)
			ep := t.c.end(kind, a, "", id, rem, h.hop, h.label, nil)
			if ins := h.asset(id).inflows; len(ep.Inflows) == 0 {
				ep.Inflows = ins // the holder is done with them: no copy
			} else {
				ep.Inflows = append(ep.Inflows, ins...)
			}
			if d := h.unexplained[id]; d != nil {
				ep.Unexplained = new(big.Int).Set(d)
			}
		}
	}
}

// event is a queued transfer: e, from holder h's history (nil: a seed
// transaction's), pushed n-th, with the transfer's position in chain order
// copied in, so the heap compares events without reading the transfers.
type event struct {
	t       *graph.Transfer
	h       *holder
	n       uint64
	block   uint64
	txIndex int
	seq     int
}

// evHeap orders events in chain order, ties (one transfer queued by two
// histories) first-pushed first. A typed binary heap: container/heap would box
// every event in an interface.
type evHeap []event

func (h evHeap) Len() int { return len(h) }

func (h evHeap) less(i, j int) bool {
	a, b := &h[i], &h[j] // TransferKey.Less, without building the keys
	if a.block != b.block {
		return a.block < b.block
	}
	if a.txIndex != b.txIndex {
		return a.txIndex < b.txIndex
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	if a.t.TxHash != b.t.TxHash {
		return a.t.TxHash < b.t.TxHash
	}
	return a.n < b.n
}

func (h *evHeap) push(e event) {
	*h = append(*h, e)
	q := *h
	for j := len(q) - 1; j > 0; {
		i := (j - 1) / 2
		if !q.less(j, i) {
			break
		}
		q[i], q[j] = q[j], q[i]
		j = i
	}
}

func (h *evHeap) pop() event {
	q := *h
	n := len(q) - 1
	top := q[0]
	q[0] = q[n]
	q[n] = event{}
	q = q[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && q.less(r, l) {
			j = r
		}
		if !q.less(j, i) {
			break
		}
		q[i], q[j] = q[j], q[i]
		i = j
	}
	*h = q
	return top
}
