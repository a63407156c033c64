package trace

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// The swap rule (issue 10): within one transaction, when a followed holder H
// sends out asset X and value in another asset comes back from the contracts X
// went into, the taint of the X that left converts into what came back at the
// transaction's own rate:
//
//	tainted_Y = received_Y × tainted_X_sent / X_sent
//
// with exact integers (rounded down, the remainder of a split handed out one
// unit at a time, first output first, as ../shared/TRACING.md asks for UTXO
// outputs). It needs no ABI: it reads only the transfers every adapter already
// reports (ERC-20 Transfer logs, native value and internal calls, WETH wraps).
//
// Who is who inside the transaction:
//   - venues: the addresses H's outflows went into, and, transitively, every
//     address that one of them paid, as long as that address itself pays out in
//     the transaction (pools, routers, the WETH contract of a router's wrap:
//     intermediate pools of a multi-hop route are venues, never endpoints);
//   - outputs: the payments from a venue to an address that is not one (the
//     swapper itself, or a recipient named by the call); several outputs of one
//     asset share its taint by amount;
//   - X that a venue pays back to H (a partial fill, a refund) stays X: it gets
//     its share of the taint back before the rest converts.
//
// The rule applies only when exactly one asset X leaves H into the venues and
// something other than X comes out; otherwise (a plain payment, a payment
// through a forwarder, a liquidity add that sends two assets and gets only a
// pool share back) the transfers are traced as before and a pool that keeps
// funds is an endpoint with a note saying so. A venue that a stop category
// covers (a labelled exchange, mixer or bridge; a DEX under --stop-at service)
// or that the tracer already follows keeps the transaction out of the rule too.
// Options.NoSwaps turns the rule off.

// swapTx is the rule's state for the transaction being replayed: the tracer
// replays transfers in chain order, so one transaction's transfers are
// contiguous and the state is reset when the next one starts.
type swapTx struct {
	tx string
	// gen numbers the transactions the state was reset for; a holder's
	// swapPlanned / swapNoTrade hold the gen they were set in, so "already
	// examined in this tx" needs no per-transaction map.
	gen      uint64
	debited  []swapDebit  // taint of the debits already replayed in this tx
	consumed map[int]bool // seqs the rule has handled (nil until it handles one)
	full     []graph.Transfer
	fullErr  error
	fetched  bool
}

// swapDebit is the taint one replayed debit of a holder took from its ledger.
type swapDebit struct {
	addr  string
	seq   int
	taint *big.Int
}

// swapLeg is one movement of value inside a transaction; a wrap is two legs, holder
// → wrapper contract in the source asset and wrapper → holder in the wrapped one.
type swapLeg struct {
	from, to string
	asset    graph.Asset
	amount   *big.Int
	t        *graph.Transfer
}

const zeroAddr = "0x0000000000000000000000000000000000000000"

func (t *acctTracer) swapsOn() bool { return !t.o.NoSwaps }

// swapReset starts the state for e's transaction.
func (t *acctTracer) swapReset(e *graph.Transfer) {
	if t.sw.gen != 0 && t.sw.tx == e.TxHash {
		return
	}
	clear(t.sw.debited) // drop the previous transaction's pointers, keep the array
	t.sw = swapTx{tx: e.TxHash, gen: t.sw.gen + 1, debited: t.sw.debited[:0]}
}

// swapBefore runs before e is replayed. It reports whether the swap rule has
// already accounted for e (then the caller skips it). When a followed holder on
// either side of e both sends and receives different assets in this
// transaction, the rule is evaluated now, before any of the transaction's
// credits reach the holder's ledger: a router's output can come before the
// input in the transaction's order (internal calls precede logs).
func (t *acctTracer) swapBefore(e *graph.Transfer) bool {
	if !t.swapsOn() || t.isSeedTx(e.TxHash) {
		return false
	}
	t.swapReset(e)
	if t.sw.consumed[e.Seq] {
		return true
	}
	if e.Kind == graph.KindFee || e.From == e.To {
		return false
	}
	for _, a := range []string{e.From, e.To} {
		h := t.holderAt(a)
		if h == nil || h.state != hFollowing || h.swapPlanned == t.sw.gen || h.swapNoTrade == t.sw.gen {
			continue
		}
		// A holder's own transfers in the transaction do not change while the
		// transaction is replayed, so the test is decided once per (tx, holder).
		if t.tradesIn(h, e) {
			h.swapPlanned = t.sw.gen
			t.swapPlan(h)
		} else {
			h.swapNoTrade = t.sw.gen
		}
	}
	return t.sw.consumed[e.Seq]
}

// swapAfterDebit runs after e, a debit of followed holder h, took taint from
// h's ledger. A holder that only sends in this transaction may still be
// swapping for another recipient: that shows when the contract it paid pays on
// within the same transaction. It reports whether the rule took e over.
func (t *acctTracer) swapAfterDebit(h *holder, e *graph.Transfer, taint *big.Int) bool {
	if !t.swapsOn() || t.isSeedTx(e.TxHash) || e.Kind == graph.KindFee || e.Kind == graph.KindWrap {
		return false
	}
	t.sw.debited = append(t.sw.debited, swapDebit{h.addr, e.Seq, taint})
	if taint.Sign() == 0 || h.swapPlanned == t.sw.gen || e.To == "" || e.To == h.addr {
		return false
	}
	if !t.paysOn(e.To, e, taint) {
		return false
	}
	h.swapPlanned = t.sw.gen
	t.swapPlan(h)
	return t.sw.consumed[e.Seq]
}

// txLegs returns h's own transfers in e's transaction: a subslice of its
// history (which is in TransferKey order), not a copy; transfers of other
// transactions at the same (block, tx index) may be in it.
func txLegs(h *holder, e *graph.Transfer) []graph.Transfer { return txLegsIn(h.hist, e) }

// txLegsIn is txLegs of a history hist.
func txLegsIn(hist []graph.Transfer, e *graph.Transfer) []graph.Transfer {
	i, j := 0, len(hist)
	for i < j { // first index not before (e.Block, e.TxIndex)
		m := int(uint(i+j) >> 1)
		if tr := &hist[m]; tr.Block < e.Block || (tr.Block == e.Block && tr.TxIndex < e.TxIndex) {
			i = m + 1
		} else {
			j = m
		}
	}
	j = i
	for j < len(hist) && hist[j].Block == e.Block && hist[j].TxIndex == e.TxIndex {
		j++
	}
	return hist[i:j]
}

// tradesIn reports whether h's own transfers in e's transaction show it
// paying out one asset and receiving another from someone else: the cheap test
// that needs no request. Some asset paid out differs from some asset received
// unless both sets are the same single asset, so it is decided in one pass
// over the transaction's transfers without sets.
func (t *acctTracer) tradesIn(h *holder, e *graph.Transfer) bool {
	var out, in string // first asset paid out / received
	var hasOut, hasIn, multiOut, multiIn bool
	legs := txLegs(h, e)
	for i := range legs {
		tr := &legs[i]
		if tr.TxHash != e.TxHash || tr.Kind == graph.KindFee || tr.Kind == graph.KindWrap || tr.From == tr.To {
			continue
		}
		if tr.From == h.addr {
			if !hasOut {
				out, hasOut = tr.Asset.ID, true
			} else if tr.Asset.ID != out {
				multiOut = true
			}
		} else if tr.To == h.addr {
			if !hasIn {
				in, hasIn = tr.Asset.ID, true
			} else if tr.Asset.ID != in {
				multiIn = true
			}
		}
	}
	return hasOut && hasIn && (multiOut || multiIn || out != in)
}

// paysOn reports whether c, just paid by e with taint, pays anything on in the
// same transaction: then c is a venue, not a holder. It asks only for what the
// tracer would fetch anyway when it classifies c (its history from e's block),
// and keeps the answer for that. Only c's transfers in e's transaction are
// read, found by binary search in the history (which is in TransferKey order),
// so a busy recipient is not scanned once per payment it receives.
func (t *acctTracer) paysOn(c string, e *graph.Transfer, taint *big.Int) bool {
	var hist []graph.Transfer
	if h := t.holderAt(c); h != nil {
		if h.state != hFollowing {
			return false
		}
		hist = h.hist
	} else {
		if lb, ok := t.o.Labels.Lookup(t.info.Name, c); ok && t.stop.stops(lb) {
			return false
		}
		if min := t.threshold(e.Asset); min != nil && taint.Cmp(min) < 0 {
			return false
		}
		if fh := t.holderAt(e.From); fh == nil || fh.hop+1 >= t.o.MaxHops || t.err != nil || t.followed >= t.o.MaxAddresses {
			return false // c would be an endpoint without a history fetch
		}
		hs, err := t.history(c, e.Block)
		if err != nil {
			return false // classify will fetch again and report the failure
		}
		if t.swapHist == nil {
			t.swapHist = map[string]swapFetch{}
		}
		t.swapHist[c] = swapFetch{from: e.Block, h: hs}
		hist = hs.Transfers
	}
	legs := txLegsIn(hist, e)
	for i := range legs {
		tr := &legs[i]
		if tr.TxHash == e.TxHash && tr.From == c && tr.Kind != graph.KindFee && (tr.To != c || tr.Kind == graph.KindWrap) {
			return true
		}
	}
	return false
}

// swapFetch is a history paysOn fetched, kept for classify: a plain value, no
// future (it is complete when stored).
type swapFetch struct {
	from uint64
	h    History
}

// txTransfers fetches the whole transaction once.
func (t *acctTracer) txTransfers(tx string) ([]graph.Transfer, error) {
	if !t.sw.fetched {
		t.sw.fetched = true
		t.sw.full, t.sw.fullErr = t.src.TxTransfers(t.ctx, tx)
	}
	return t.sw.full, t.sw.fullErr
}

func wrapContract(tr *graph.Transfer) string {
	if tr.Asset.Contract != "" {
		return tr.Asset.Contract
	}
	if tr.SrcAsset != nil {
		return tr.SrcAsset.Contract
	}
	return ""
}

func toLegs(trs []graph.Transfer) []swapLeg {
	var ls []swapLeg
	for i := range trs {
		tr := &trs[i]
		switch {
		case tr.Kind == graph.KindFee:
		case tr.Kind == graph.KindWrap && tr.SrcAsset != nil:
			c := wrapContract(tr)
			if c == "" {
				continue
			}
			ls = append(ls, swapLeg{tr.From, c, *tr.SrcAsset, tr.Amount, tr}, swapLeg{c, tr.To, tr.Asset, tr.Amount, tr})
		default:
			ls = append(ls, swapLeg{tr.From, tr.To, tr.Asset, tr.Amount, tr})
		}
	}
	return ls
}

// swapPlan evaluates the rule for h in the current transaction and, when it
// applies, replays the swap's transfers at once.
func (t *acctTracer) swapPlan(h *holder) {
	tx := t.sw.tx
	all, err := t.txTransfers(tx)
	if err != nil {
		t.c.warn("swap rule: could not fetch the transfers of %s (%v): it was traced as plain transfers", tx, err)
		return
	}
	legs := toLegs(all)
	sends := map[string]bool{}
	for _, l := range legs {
		if l.from != l.to {
			sends[l.from] = true
		}
	}
	// What h gives and gets, net, per asset.
	net := map[string]*big.Int{}
	assets := map[string]graph.Asset{}
	for _, l := range legs {
		if l.from == l.to {
			continue
		}
		for _, side := range []struct {
			a    string
			sign int
		}{{l.from, -1}, {l.to, 1}} {
			if side.a != h.addr {
				continue
			}
			if net[l.asset.ID] == nil {
				net[l.asset.ID] = new(big.Int)
			}
			if side.sign < 0 {
				net[l.asset.ID].Sub(net[l.asset.ID], l.amount)
			} else {
				net[l.asset.ID].Add(net[l.asset.ID], l.amount)
			}
			assets[l.asset.ID] = l.asset
		}
	}
	var sold []string
	for id, v := range net {
		if v.Sign() < 0 {
			sold = append(sold, id)
		}
	}
	sort.Strings(sold)
	// Venues: reached from h's outflows through addresses that pay on.
	venue := map[string]bool{}
	var queue []string
	for _, l := range legs {
		if l.from == h.addr && l.to != h.addr && l.to != zeroAddr && l.to != "" && !venue[l.to] && sends[l.to] {
			venue[l.to] = true
			queue = append(queue, l.to)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, l := range legs {
			if l.from == v && l.to != h.addr && l.to != zeroAddr && l.to != "" && !venue[l.to] && sends[l.to] {
				venue[l.to] = true
				queue = append(queue, l.to)
			}
		}
	}
	if len(sold) > 1 {
		// Two assets in and at most a pool share back: a liquidity add.
		paid := map[string]bool{}
		for _, l := range legs {
			if l.from == h.addr && l.to != h.addr && l.to != "" && l.to != zeroAddr {
				paid[l.to] = true
			}
		}
		t.noteVenues(paid, fmt.Sprintf("took %s from %s in %s and paid no other asset back: liquidity added, not swapped", strings.Join(symbols(assets, sold), " and "), h.addr, tx))
		return
	}
	if len(venue) == 0 || len(sold) == 0 {
		return
	}
	x := assets[sold[0]]
	// h's legs into venues: the inputs (in X), or route legs of an asset h gets
	// back in full from the venues (a wrap followed by the swap).
	var inputs []swapLeg
	for _, l := range legs {
		if l.from != h.addr || !venue[l.to] {
			continue
		}
		if l.asset.ID == x.ID {
			inputs = append(inputs, l)
		} else if net[l.asset.ID].Sign() != 0 {
			return // h trades several assets with the venues: ambiguous
		}
	}
	if len(inputs) == 0 {
		return
	}
	var outputs []swapLeg
	for _, l := range legs {
		if !venue[l.from] || venue[l.to] || l.to == "" || l.to == zeroAddr {
			continue
		}
		if l.to == h.addr && l.asset.ID != x.ID && net[l.asset.ID].Sign() == 0 {
			continue // the way back of a route leg
		}
		outputs = append(outputs, l)
	}
	gross, xBack := new(big.Int), new(big.Int)
	converts := false
	for _, l := range inputs {
		gross.Add(gross, l.amount)
	}
	for _, l := range outputs {
		if l.asset.ID == x.ID {
			xBack.Add(xBack, l.amount)
		} else {
			converts = true
		}
	}
	if !converts || xBack.Cmp(gross) >= 0 {
		if !converts {
			t.noteVenues(venue, fmt.Sprintf("took %s from %s in %s and paid no other asset back: not swapped", x.Symbol, h.addr, tx))
		}
		return
	}
	var vs []string
	for v := range venue {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	for _, v := range vs {
		if vh := t.holders[v]; vh != nil {
			t.c.warn("swap rule: %s in %s is an address the trace already follows; the transaction was traced as plain transfers", v, tx)
			return
		}
		if lb, ok := t.o.Labels.Lookup(t.info.Name, v); ok && t.stop.stops(lb) {
			return // the user stops at this venue
		}
		if v == h.addr {
			return
		}
	}
	// Pure wraps by h itself keep their own accounting (wrapped_in/out).
	onlyOwnWrap := true
	for _, l := range legs {
		if (venue[l.from] || venue[l.to]) && !(l.t.Kind == graph.KindWrap && l.t.From == h.addr) {
			onlyOwnWrap = false
		}
	}
	if onlyOwnWrap {
		return
	}
	t.swapApply(h, x, vs, venue, legs, inputs, outputs, gross)
}

// swapApply debits the inputs, hands the refunds back as X and the rest of the
// taint to the outputs, and records the conversion.
func (t *acctTracer) swapApply(h *holder, x graph.Asset, vs []string, venue map[string]bool, legs, inputs, outputs []swapLeg, gross *big.Int) {
	hop := h.hop + 1
	l := t.ledger(h, x)
	taintIn := new(big.Int)
	for _, in := range inputs {
		var tt *big.Int
		if v, ok := t.sw.debitOf(h.addr, in.t.Seq); ok {
			tt = v
		} else {
			var want *big.Int
			if t.o.Policy == TIHO {
				want = t.tihoAlloc(h, in.t, x, l)
			}
			tt = l.debit(in.amount, want)
		}
		taintIn.Add(taintIn, tt)
		if tt.Sign() > 0 {
			t.c.asset(x)
			t.edge(legTransfer(in), in.t.TxHash, tt, hop)
		}
	}
	for _, v := range vs {
		n := t.c.res.Flow.Node(v, graph.RoleSwap, hop)
		if lb, ok := t.o.Labels.Lookup(t.info.Name, v); ok {
			n.Label, n.Category = lb.Name, lb.Category
		}
	}
	// Every transfer touching a venue belongs to the swap.
	if t.sw.consumed == nil {
		t.sw.consumed = map[int]bool{}
	}
	for _, lg := range legs {
		if venue[lg.from] || venue[lg.to] {
			t.sw.consumed[lg.t.Seq] = true
		}
	}
	from := holding(h.addr, x.ID)
	// X paid back keeps its share of X's taint.
	var back []swapLeg
	byAsset := map[string][]swapLeg{}
	var order []string
	for _, o := range outputs {
		if o.asset.ID == x.ID {
			back = append(back, o)
			continue
		}
		if byAsset[o.asset.ID] == nil {
			order = append(order, o.asset.ID)
		}
		byAsset[o.asset.ID] = append(byAsset[o.asset.ID], o)
	}
	sort.Strings(order)
	xBack := new(big.Int)
	for _, o := range back {
		xBack.Add(xBack, o.amount)
	}
	backTaint := new(big.Int).Mul(taintIn, xBack)
	backTaint.Quo(backTaint, gross)
	for i, share := range splitByAmount(backTaint, back) {
		t.swapDeliver(back[i], share, hop, from)
	}
	xNet := new(big.Int).Sub(gross, xBack)
	tNet := new(big.Int).Sub(taintIn, backTaint)
	if tNet.Sign() > 0 {
		tx := t.c.total(x.ID)
		if tx.SwappedOut == nil {
			tx.SwappedOut = new(big.Int)
		}
		tx.SwappedOut.Add(tx.SwappedOut, tNet)
	}
	for _, id := range order {
		outs := byAsset[id]
		y := outs[0].asset
		recv := new(big.Int)
		for _, o := range outs {
			recv.Add(recv, o.amount)
		}
		tY := new(big.Int).Mul(recv, tNet)
		tY.Quo(tY, xNet)
		cv := &graph.Conversion{
			Tx: t.sw.tx, Block: outs[0].t.Block, Time: outs[0].t.Time, Holder: h.addr, Venues: vs, Hop: hop,
			FromAsset: x.ID, FromAmount: new(big.Int).Set(xNet), FromTaint: new(big.Int).Set(tNet),
			ToAsset: y.ID, ToAmount: recv, ToTaint: tY,
		}
		if xBack.Sign() > 0 {
			cv.Refunded = new(big.Int).Set(xBack)
		}
		t.c.asset(x)
		t.c.asset(y)
		if tY.Sign() > 0 {
			ty := t.c.total(y.ID)
			if ty.SwappedIn == nil {
				ty.SwappedIn = new(big.Int)
			}
			ty.SwappedIn.Add(ty.SwappedIn, tY)
		}
		for i, share := range splitByAmount(tY, outs) {
			cv.Outputs = append(cv.Outputs, graph.ConversionOutput{From: outs[i].from, To: outs[i].to, Amount: new(big.Int).Set(outs[i].amount), Taint: new(big.Int).Set(share)})
			t.swapDeliver(outs[i], share, hop, from)
		}
		if tNet.Sign() > 0 {
			t.c.res.Conversions = append(t.c.res.Conversions, cv)
		}
	}
}

// debitOf is the taint the debit seq of addr took in this transaction, when it
// was replayed already. The last record wins, as the map it replaces kept it.
func (s *swapTx) debitOf(addr string, seq int) (*big.Int, bool) {
	for i := len(s.debited) - 1; i >= 0; i-- {
		if d := &s.debited[i]; d.seq == seq && d.addr == addr {
			return d.taint, true
		}
	}
	return nil, false
}

// splitByAmount shares total over legs in proportion to their amounts, rounded
// down, the remainder one unit at a time to the first legs.
func splitByAmount(total *big.Int, ls []swapLeg) []*big.Int {
	sum := new(big.Int)
	for _, l := range ls {
		sum.Add(sum, l.amount)
	}
	out := make([]*big.Int, len(ls))
	given := new(big.Int)
	for i, l := range ls {
		out[i] = new(big.Int)
		if sum.Sign() > 0 {
			out[i].Mul(total, l.amount)
			out[i].Quo(out[i], sum)
		}
		given.Add(given, out[i])
	}
	rem := new(big.Int).Sub(total, given)
	one := big.NewInt(1)
	for i := 0; rem.Sign() > 0 && len(ls) > 0; i = (i + 1) % len(ls) {
		if out[i].Cmp(ls[i].amount) < 0 {
			out[i].Add(out[i], one)
			rem.Sub(rem, one)
		}
	}
	return out
}

// swapDeliver credits one output of a swap to its recipient like any credit.
func (t *acctTracer) swapDeliver(o swapLeg, taint *big.Int, hop int, from hkey) {
	t.deliver(legTransfer(o), taint, hop, from)
}

// legTransfer is a leg as a transfer (a wrap's half keeps the wrap's place).
func legTransfer(o swapLeg) *graph.Transfer {
	tr := *o.t
	tr.From, tr.To, tr.Asset, tr.Amount, tr.SrcAsset = o.from, o.to, o.asset, o.amount, nil
	return &tr
}

// noteVenues remembers why funds stayed in a venue, for its endpoint.
func (t *acctTracer) noteVenues(venue map[string]bool, why string) {
	if t.notes == nil {
		t.notes = map[string]string{}
	}
	for v := range venue {
		if _, ok := t.notes[v]; !ok {
			t.notes[v] = why
		}
	}
}

// swapNotes puts the remembered reasons on the contract and service endpoints
// they explain; a DEX-labelled one without a reason says that no swap came out.
func (t *acctTracer) swapNotes() {
	if !t.swapsOn() {
		return
	}
	for k, e := range t.c.ends {
		if e.Note != "" || (e.Kind != graph.EndContract && e.Kind != graph.EndService) {
			continue
		}
		if why, ok := t.notes[k.address]; ok {
			e.Note = why
		} else if e.Category == CatDEX {
			e.Note = "funds stayed in this DEX contract: no swap output left it in the transactions that brought them (liquidity added, or a deposit)"
		}
	}
}

func symbols(assets map[string]graph.Asset, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = assets[id].Symbol
		if out[i] == "" || out[i] == "?" {
			out[i] = id
		}
	}
	return out
}
