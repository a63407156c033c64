package trace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sort"

	"github.com/chaintrace/chaintrace/graph"
)

// UTXO chains: taint lives on outputs. A tainted output is followed to the
// transaction that spends it; that transaction's inputs' taint is split over its
// outputs and fee by the policy. Spending transactions are processed in chain order
// (block, then dependency depth), so a transaction is split only once every tainted
// input it has — from any branch of the trace — is known.

const (
	oNone     = iota // no state: an output the trace holds no taint in
	oAwaiting        // tainted, being placed or its spender queued
	oConsumed        // its taint went into its spender
	oEnded           // its taint ended here (an endpoint)
)

type outState struct {
	op      graph.Outpoint
	addr    string
	value   *big.Int
	taint   *big.Int
	hop     int
	block   uint64
	time    int64
	status  int
	lowConf bool
	label   *Label
	atLimit bool   // reached at the hop limit: looked up only for the deposit rule
	pred    *pred  // the collector's record of how it was reached (nil until looked up)
	rec     *txRec // the record holding it
}

// txRec is the tracer's state of one transaction, found by its txid with one
// look-up: whether it is queued to be split and whether it was, and the
// states of its outputs (by vout, allocated together when the first is
// tainted). One table instead of a map per question (the outputs' states by
// outpoint, the queued and the split transactions), each hashing the 64-digit
// txid again.
// Once none of its outputs awaits a spender any more (each went into its
// spender or ended), the states are dropped: nothing reads a settled output's
// state again (a look-up finds none, which every caller treats as not
// awaiting), and its predecessor record lives on in the collector.
type txRec struct {
	queued, done bool
	live         int32 // outputs awaiting
	outs         []outState
}

// recChunk is how many txRecs are allocated together.
const recChunk = 256

// txItem is a queued spending transaction: its block as the heap orders it,
// its dependency depth, its record.
type txItem struct {
	tx    *graph.UTXOTx
	block uint64
	depth int
	rec   *txRec
}

type utxoTracer struct {
	ctx     context.Context
	src     UTXOSource
	caps    Capabilities // src's, read once
	o       *Options
	c       *collector
	info    ChainInfo
	toBlock uint64
	stop    stopper
	thresh  map[string]*big.Int
	asset   graph.Asset

	recs     map[string]*txRec // by txid (see txRec)
	recBuf   []txRec           // the chunk new records go to
	lastTx   *graph.UTXOTx     // txNode's cache: a transaction's edges come together
	lastNode string
	tnTx     *graph.UTXOTx // outEdge set tnTx's node with hop tnHop (its Node call is then a no-op)
	tnHop    int
	q        txHeap
	followed int
	err      error
	// memo holds spenders fetched ahead by frontier (batch.go), until used.
	memo map[graph.Outpoint]SpenderResult
	// payoutIns are the input edges drawn for each crossing payout tx
	// (payoutEdges), so that a second credit in the same tx adds to them.
	payoutIns map[string][]*graph.Edge

	zero big.Int // the taint of an input the trace does not hold: read, never written (see spend)
	// spend's scratch
	insBuf  []utxoIn
	outsBuf []utxoOut
}

func runUTXO(ctx context.Context, src UTXOSource, seeds []seedSpec, o *Options, c *collector, toBlock uint64) error {
	t := &utxoTracer{
		ctx: ctx, src: src, caps: CapabilitiesOf(src), o: o, c: c, info: src.Info(), toBlock: toBlock,
		stop: newStopper(o), thresh: map[string]*big.Int{},
		recs: map[string]*txRec{}, memo: map[graph.Outpoint]SpenderResult{},
	}
	t.asset = t.info.Native
	c.asset(t.asset)
	for _, s := range seeds {
		if err := t.seed(s); err != nil {
			return fmt.Errorf("seed %s: %w", s.raw, err)
		}
	}
	for t.q.Len() > 0 {
		if err := ctx.Err(); err != nil {
			t.fail(err)
			break
		}
		it := t.q.pop()
		if t.blocked(it.tx) {
			it.depth++
			t.q.push(it)
			continue
		}
		t.spend(it.tx, it.rec)
	}
	t.finish()
	if t.zero.Sign() != 0 {
		// Never expected: the shared zero taint was written to (see spend).
		t.c.warn("internal accounting error: the zero taint changed to %s; please report this trace", &t.zero)
	}
	return t.err
}

func (t *utxoTracer) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

func (t *utxoTracer) seed(s seedSpec) error {
	switch {
	case s.credit != nil:
		return t.seedCredit(s.credit)
	case s.tx != "" || s.outpoint != nil:
		txid := s.tx
		if s.outpoint != nil {
			txid = s.outpoint.TxID
		}
		tx, err := t.src.Tx(t.ctx, txid)
		if err != nil {
			return err
		}
		if tx.Confirmed() && tx.Block > t.toBlock {
			return fmt.Errorf("%w: it is in block %d, after --to-block %d", ErrBadInput, tx.Block, t.toBlock)
		}
		var picked []int
		if s.outpoint != nil {
			if int(s.outpoint.Vout) >= len(tx.Outputs) {
				return fmt.Errorf("%w: transaction %s has %d outputs, no output %d", ErrBadInput, txid, len(tx.Outputs), s.outpoint.Vout)
			}
			if tx.Outputs[s.outpoint.Vout].OpReturn() {
				return fmt.Errorf("%w: output %s is OP_RETURN and holds no funds", ErrBadInput, s.outpoint)
			}
			picked = []int{int(s.outpoint.Vout)}
		} else {
			for j, o := range tx.Outputs {
				if !o.OpReturn() {
					picked = append(picked, j)
				}
			}
		}
		t.c.res.Flow.Node("tx:"+tx.TxID, graph.RoleTx, 0).Tx = tx.TxID
		t.victimEdges(tx, picked)
		var fresh []*outState
		for _, j := range picked {
			o := tx.Outputs[j]
			t.c.seed(t.asset.ID, o.Value)
			st := t.newOut(tx, j, new(big.Int).Set(o.Value), 1, false)
			t.setPred(st, nil, tx.TxID)
			t.outEdge(tx, j, st.taint, 1, nil)
			fresh = append(fresh, st)
		}
		t.placeAll(fresh)
	case s.address != "":
		txs, err := t.src.AddressTxs(t.ctx, s.address, t.toBlock)
		if err != nil {
			return err
		}
		t.c.res.Flow.Node(s.address, graph.RoleSeed, 0)
		spentBefore := map[graph.Outpoint]bool{}
		for _, tx := range txs {
			if tx.Block < t.o.FromBlock {
				for _, in := range tx.Inputs {
					spentBefore[in.Prev] = true
				}
			}
		}
		var fresh []*outState
		for _, tx := range txs {
			for j, o := range tx.Outputs {
				op := graph.Outpoint{TxID: tx.TxID, Vout: uint32(j)}
				if o.Address != s.address || o.OpReturn() || spentBefore[op] {
					continue
				}
				t.c.seed(t.asset.ID, o.Value)
				st := t.newOut(tx, j, new(big.Int).Set(o.Value), 0, false)
				t.setPred(st, nil, tx.TxID)
				fresh = append(fresh, st)
			}
		}
		t.placeAll(fresh)
	default:
		return fmt.Errorf("%w: not a txid, txid:vout or %s address", ErrBadInput, t.info.Name)
	}
	return nil
}

// rec is txid's record, created when absent.
func (t *utxoTracer) rec(txid string) *txRec {
	r := t.recs[txid]
	if r == nil {
		if len(t.recBuf) == cap(t.recBuf) {
			t.recBuf = make([]txRec, 0, recChunk)
		}
		t.recBuf = append(t.recBuf, txRec{})
		r = &t.recBuf[len(t.recBuf)-1]
		t.recs[txid] = r
	}
	return r
}

// out is the state of output op, nil when the trace holds none.
func (t *utxoTracer) out(op graph.Outpoint) *outState {
	r := t.recs[op.TxID]
	if r == nil || int64(op.Vout) >= int64(len(r.outs)) || r.outs[op.Vout].status == oNone {
		return nil
	}
	return &r.outs[op.Vout]
}

// newOut records output j of tx as tainted with taint, replacing what was
// recorded for it.
func (t *utxoTracer) newOut(tx *graph.UTXOTx, j int, taint *big.Int, hop int, low bool) *outState {
	o := tx.Outputs[j]
	r := t.rec(tx.TxID)
	if r.outs == nil {
		r.outs = make([]outState, len(tx.Outputs))
	}
	st := &r.outs[j]
	if st.status != oAwaiting {
		r.live++
	}
	*st = outState{
		op: graph.Outpoint{TxID: tx.TxID, Vout: uint32(j)}, addr: o.Address, value: o.Value,
		taint: taint, hop: hop, block: tx.Block, time: tx.Time, lowConf: low, status: oAwaiting, rec: r,
	}
	return st
}

// settle moves st, awaiting, to status (consumed or ended), dropping its
// transaction's states when it was the last one awaiting (see txRec).
func (t *utxoTracer) settle(st *outState, status int) {
	if st.status == oAwaiting && st.rec != nil {
		if st.rec.live--; st.rec.live == 0 {
			st.rec.outs = nil
		}
	}
	st.status = status
}

// predOf is st's predecessor record in the collector (see collector.rec), looked
// up once per output.
func (t *utxoTracer) predOf(st *outState) *pred {
	if st.pred == nil {
		st.pred = t.c.rec(outKey(st.op))
	}
	return st.pred
}

// setPred records that st was reached from the output from (nil: a seed) via
// tx, as collector.setPred does, through the records the states keep.
func (t *utxoTracer) setPred(st, from *outState, tx string) {
	p := t.predOf(st)
	if !p.set {
		t.c.nPreds++
	}
	p.set, p.tx, p.from = true, tx, nil
	if from != nil {
		p.from = t.predOf(from)
	}
}

// placeAll decides where newly tainted outputs' taint goes next: an endpoint, or
// into the transaction that spends each. Spender lookups, the expensive part, run
// concurrently (Options.Concurrency); decisions are then taken in output order so
// the result does not depend on timing.
func (t *utxoTracer) placeAll(sts []*outState) {
	need := make([]*outState, 0, len(sts))
	for _, st := range sts {
		if !t.preEnd(st) {
			need = append(need, st)
		}
	}
	type answer struct {
		tx  *graph.UTXOTx
		err error
	}
	t.prefetch(need)
	ans := make([]answer, len(need))
	memo := len(t.memo) > 0 // without a SpenderBatcher it stays empty: no look-ups
	parallel(t.o.Concurrency, len(need), func(i int) {
		if memo {
			if r, ok := t.memo[need[i].op]; ok { // the memo is only written outside parallel
				ans[i].tx = r.Tx
				return
			}
		}
		ans[i].tx, ans[i].err = t.src.Spender(t.ctx, need[i].op)
	})
	if memo {
		for _, st := range need {
			delete(t.memo, st.op)
		}
	}
	for i, st := range need {
		t.afterSpender(st, ans[i].tx, ans[i].err)
	}
}

// prefetch asks a SpenderBatcher, in one call, for the spenders of need and of
// the rest of the frontier: the outputs of every transaction already queued to be
// split, which will be placed next. Which of those outputs end up tainted (and
// above --min-amount) is only known once they are split, so the batch may hold a
// few the trace never reads; the rules that need no split (labels that stop, the
// hop limit without the deposit rule, the address limit) are applied here already.
// Only successful answers are kept: a failed item is asked again singly. Nothing
// is asked while need is answered from the memo, so the next level waits until
// it is complete (all of it queued) and leaves in one batch.
func (t *utxoTracer) prefetch(need []*outState) {
	sb := t.caps.Spenders
	if sb == nil || t.err != nil || len(need) == 0 {
		return
	}
	var ops []graph.Outpoint
	seen := map[graph.Outpoint]bool{}
	add := func(op graph.Outpoint) {
		if _, ok := t.memo[op]; ok || seen[op] {
			return
		}
		seen[op] = true
		ops = append(ops, op)
	}
	for _, st := range need {
		add(st.op)
	}
	if len(ops) == 0 {
		return // fetched with an earlier frontier: nothing to ask yet
	}
	if t.followed < t.o.MaxAddresses {
		for _, it := range t.q {
			tx := it.tx
			if it.rec.done {
				continue
			}
			hop := math.MaxInt
			for _, in := range tx.Inputs {
				if st := t.out(in.Prev); st != nil && st.status == oAwaiting && st.hop+1 < hop {
					hop = st.hop + 1
				}
			}
			if hop == math.MaxInt {
				continue
			}
			for j, o := range tx.Outputs {
				if o.OpReturn() || (hop >= t.o.MaxHops && !t.o.DepositRule) {
					continue
				}
				if o.Address != "" {
					if lb, ok := t.o.Labels.Lookup(t.info.Name, o.Address); ok && (t.stop.stops(lb) || hop >= t.o.MaxHops) {
						continue
					}
				}
				add(graph.Outpoint{TxID: tx.TxID, Vout: uint32(j)})
			}
		}
	}
	res := sb.Spenders(t.ctx, ops)
	for i, r := range res {
		if i < len(ops) && r.Err == nil {
			t.memo[ops[i]] = r
		}
	}
}

// endOut ends st's taint as an endpoint of kind.
func (t *utxoTracer) endOut(st *outState, kind string, lb *Label, d *depositMatch) {
	t.settle(st, oEnded)
	kind = heldKind(kind, lb)
	id := st.addr
	if id == "" {
		id = "out:" + st.op.String()
	}
	n := t.c.res.Flow.Node(id, kind, st.hop)
	if lb != nil {
		n.Label, n.Category = lb.Name, lb.Category
	}
	ep := t.c.end(kind, st.addr, st.op.String(), t.asset.ID, st.taint, st.hop, lb,
		&graph.Inflow{Tx: st.op.TxID, Block: st.block, Time: st.time, Amount: st.taint, Value: st.value})
	ep.LowConfidence = ep.LowConfidence || st.lowConf
	if d != nil {
		ep.Exchange, ep.SweepTx, ep.Confidence = d.exchange, d.sweep, d.confidence
	}
}

// preEnd applies the rules that need no spender (labels, threshold, hop and
// address limits) and reports whether st ended.
func (t *utxoTracer) preEnd(st *outState) bool {
	if st.addr != "" {
		if lb, ok := t.o.Labels.Lookup(t.info.Name, st.addr); ok {
			st.label = newLabel(lb)
			if t.stop.stops(lb) {
				t.endOut(st, labelKind(lb.Category), st.label, nil)
				return true
			}
		}
	}
	switch min := assetThreshold(t.o, t.thresh, t.asset); {
	case min != nil && st.taint.Cmp(min) < 0:
		t.endOut(st, graph.EndBelowThreshold, st.label, nil)
	case st.hop >= t.o.MaxHops && (st.label != nil || !t.o.DepositRule || t.err != nil):
		t.endOut(st, graph.EndHopLimit, st.label, nil)
	case st.hop >= t.o.MaxHops:
		// Look one step further, as far as the deposit rule needs; the spender
		// lookup also tells an output still unspent from one that moved on.
		st.atLimit = true
		return false
	case t.err != nil:
		t.endOut(st, stopKind(t.ctx), st.label, nil)
	case t.followed >= t.o.MaxAddresses:
		t.c.warn("address limit of %d reached: further outputs were not followed (raise --max-addresses)", t.o.MaxAddresses)
		t.endOut(st, graph.EndAddressLimit, st.label, nil)
	default:
		t.followed++
		return false
	}
	return true
}

func (t *utxoTracer) afterSpender(st *outState, sp *graph.UTXOTx, err error) {
	if err != nil {
		t.fail(fmt.Errorf("spender of %s: %w", st.op, err))
		if budgetOf(t.ctx) == nil {
			t.c.warn("could not find who spent %s: %v", st.op, err)
		}
		t.endOut(st, stopKind(t.ctx), st.label, nil)
		return
	}
	if sp == nil || (sp.Confirmed() && sp.Block > t.toBlock) || (!sp.Confirmed() && t.o.ToBlock != 0) {
		t.endOut(st, graph.EndUnspent, st.label, nil)
		return
	}
	if st.label == nil && t.o.DepositRule && t.stop.deposits() {
		if d := t.depositRule(st, sp); d != nil {
			t.endOut(st, graph.EndExchangeDeposit, nil, d)
			return
		}
	}
	if st.atLimit {
		t.endOut(st, graph.EndHopLimit, st.label, nil)
		return
	}
	st.status = oAwaiting
	if t.o.Progress != nil {
		t.o.Progress(Progress{Addresses: t.followed, Hop: st.hop})
	}
	if r := t.rec(sp.TxID); !r.queued {
		r.queued = true
		t.q.push(txItem{tx: sp, block: txBlock(sp), rec: r})
	}
}

// depositRule (../shared/TRACING.md, UTXO): the output's address is a deposit
// address of exchange E when its spender co-spends an input of E's labelled
// addresses (multi-input heuristic, Meiklejohn et al. 2013) or sweeps into E's
// labelled addresses, within τ blocks. A sweep must pay labelled exchange addresses
// only: a peel-chain step that pays an exchange and sends its change on is the
// thief paying the exchange (that output is an exchange endpoint), not a deposit
// address being swept. κ here has only the time term: 1 − ½·Δt/τ.
func (t *utxoTracer) depositRule(st *outState, sp *graph.UTXOTx) *depositMatch {
	if !sp.Confirmed() || sp.Block < st.block || sp.Block-st.block > t.o.DepositTau {
		return nil
	}
	exchange := func(addr string) string {
		if addr == "" {
			return ""
		}
		if lb, ok := t.o.Labels.Lookup(t.info.Name, addr); ok && lb.Category == CatExchange {
			return entity(lb)
		}
		return ""
	}
	var ex string
	for _, in := range sp.Inputs {
		if in.Prev == st.op || in.Address == st.addr {
			continue
		}
		if ex = exchange(in.Address); ex != "" {
			break
		}
	}
	if ex == "" {
		for _, o := range sp.Outputs {
			if o.OpReturn() {
				continue
			}
			name := exchange(o.Address)
			if name == "" {
				ex = ""
				break
			}
			if ex == "" {
				ex = name
			}
		}
	}
	if ex == "" {
		return nil
	}
	dt, tau := int64(sp.Block-st.block), int64(t.o.DepositTau)
	k := (1000*tau - 500*dt) / tau // κ rounded down, like the account rule
	return &depositMatch{exchange: ex, sweep: sp.TxID, confidence: int(k)}
}

// blocked reports whether tx spends an output of a transaction still queued: that
// one must be split first (same-block chains).
func (t *utxoTracer) blocked(tx *graph.UTXOTx) bool {
	for _, in := range tx.Inputs {
		if in.Prev.TxID == tx.TxID {
			continue
		}
		if r := t.recs[in.Prev.TxID]; r != nil && r.queued && !r.done {
			return true
		}
	}
	return false
}

// spend splits tx's input taint over its outputs.
func (t *utxoTracer) spend(tx *graph.UTXOTx, rec *txRec) {
	rec.done = true
	// The splitter's views of the inputs and outputs are scratch: nothing keeps
	// them past splitUTXO, which runs before this call places anything (and so
	// before any nested spend).
	ins := slices.Grow(t.insBuf[:0], len(tx.Inputs))[:len(tx.Inputs)]
	t.insBuf = ins
	hop := math.MaxInt
	low := false
	var from *outState
	tnode := t.txNode(tx)
	any := false
	for i, in := range tx.Inputs {
		ins[i] = utxoIn{Value: in.Value, Taint: &t.zero} // the splitters only read it
		st := t.out(in.Prev)
		if st == nil || st.status != oAwaiting {
			continue
		}
		t.settle(st, oConsumed)
		ins[i].Taint = st.taint
		if st.hop < hop {
			hop, from = st.hop, st
		}
		low = low || st.lowConf
		if !any {
			t.c.res.Flow.Node(tnode, graph.RoleTx, st.hop+1).Tx = tx.TxID
			any = true
		}
		t.inEdge(tx, i, st)
	}
	if !any {
		return
	}
	outs := slices.Grow(t.outsBuf[:0], len(tx.Outputs))[:len(tx.Outputs)]
	t.outsBuf = outs
	for j, o := range tx.Outputs {
		outs[j] = utxoOut{Value: o.Value, Burn: o.OpReturn()}
	}
	taints, fee := splitUTXO(t.o.Policy, ins, outs)
	t.c.fee(t.asset.ID, fee)
	var marks map[int][]string // nil unless a heuristic marks an output (most transactions)
	if t.o.CoinJoinHeuristic && IsCoinJoin(tx) {
		low = true
		marks = map[int][]string{}
		for j := range tx.Outputs {
			marks[j] = append(marks[j], "coinjoin")
		}
		t.c.warn("transaction %s looks like a CoinJoin: taint through it is low-confidence", tx.TxID)
	}
	if t.o.ChangeHeuristic {
		if j, _, ok := DetectChange(tx); ok && j >= 0 && j < len(tx.Outputs) {
			if marks == nil {
				marks = map[int][]string{}
			}
			marks[j] = append(marks[j], "change")
		}
	}
	nh := hop + 1
	var fresh []*outState
	for j := range tx.Outputs {
		if taints[j].Sign() == 0 {
			continue
		}
		st := t.newOut(tx, j, taints[j], nh, low)
		t.setPred(st, from, tx.TxID)
		t.outEdge(tx, j, taints[j], nh, marks[j])
		fresh = append(fresh, st)
	}
	t.placeAll(fresh)
}

func (t *utxoTracer) inEdge(tx *graph.UTXOTx, i int, st *outState) {
	in := tx.Inputs[i]
	id := in.Address
	if id == "" {
		id = "out:" + in.Prev.String()
	}
	t.c.res.Flow.Node(id, graph.RoleHop, st.hop)
	t.c.res.Flow.AddTransfer(&graph.Edge{
		Tx: tx.TxID, Position: position("vin ", i), From: id, To: t.txNode(tx), Asset: t.asset.ID,
		Block: tx.Block, Time: tx.Time, Hop: st.hop + 1, Kind: string(graph.KindUTXO),
	}, in.Value, st.taint)
}

// payoutEdges draws a crossing payout's inputs (the vault or bridge paying
// out on this chain, a crossing node) into the payout transaction, each with
// its share of the credited taint, ⌊input × taint / Σ inputs⌋, as victimEdges
// does for a theft: without them the leg's graph starts at a transaction node
// nothing leads into, apart from the crossing edge into the vault. A second
// credit in the same transaction adds its shares to the same edges.
func (t *utxoTracer) payoutEdges(tx *graph.UTXOTx, taint *big.Int, hop int) {
	inSum := new(big.Int)
	for _, in := range tx.Inputs {
		if in.Value != nil {
			inSum.Add(inSum, in.Value)
		}
	}
	edges, drawn := t.payoutIns[tx.TxID]
	for i, in := range tx.Inputs {
		share := new(big.Int)
		if in.Value != nil && inSum.Sign() > 0 {
			share.Mul(in.Value, taint)
			share.Quo(share, inSum)
		}
		if drawn {
			edges[i].Taint.Add(edges[i].Taint, share)
			continue
		}
		id := in.Address
		if id == "" {
			id = "out:" + in.Prev.String()
		}
		t.c.res.Flow.Node(id, graph.RoleCrossing, hop-1)
		amt := in.Value
		if amt == nil {
			amt = new(big.Int)
		}
		e := newEdge(graph.Edge{
			Tx: tx.TxID, Position: position("vin ", i), From: id, To: t.txNode(tx), Asset: t.asset.ID,
			Block: tx.Block, Time: tx.Time, Hop: hop, Kind: string(graph.KindUTXO),
		}, amt, share)
		t.c.res.Flow.AddEdge(e)
		edges = append(edges, e)
	}
	if !drawn {
		if t.payoutIns == nil {
			t.payoutIns = map[string][]*graph.Edge{}
		}
		t.payoutIns[tx.TxID] = edges
	}
}

// victimEdges draws the seed transaction's inputs: each victim's coins into
// the theft (issue 15 item 5: a victim node without an edge is an orphan in
// every graph format). An input's taint is its share of what the seed took,
// ⌊input × Σ seeded outputs / Σ inputs⌋, so the fee the thief paid is not
// counted as stolen and an outpoint seed takes only its output's share.
func (t *utxoTracer) victimEdges(tx *graph.UTXOTx, picked []int) {
	inSum, seeded := new(big.Int), new(big.Int)
	for _, in := range tx.Inputs {
		if in.Value != nil {
			inSum.Add(inSum, in.Value)
		}
	}
	for _, j := range picked {
		seeded.Add(seeded, tx.Outputs[j].Value)
	}
	for i, in := range tx.Inputs {
		id := in.Address
		if id == "" {
			id = "out:" + in.Prev.String()
		}
		t.c.res.Flow.Node(id, graph.RoleVictim, 0)
		amt := in.Value
		if amt == nil {
			amt = new(big.Int)
		}
		taint := new(big.Int)
		if inSum.Sign() > 0 {
			taint.Mul(amt, seeded)
			taint.Quo(taint, inSum)
		}
		t.c.res.Flow.AddTransfer(&graph.Edge{
			Tx: tx.TxID, Position: position("vin ", i), From: id, To: t.txNode(tx), Asset: t.asset.ID,
			Block: tx.Block, Time: tx.Time, Hop: 0, Kind: string(graph.KindUTXO),
		}, amt, taint)
	}
}

func (t *utxoTracer) outEdge(tx *graph.UTXOTx, j int, taint *big.Int, hop int, marks []string) {
	o := tx.Outputs[j]
	id := o.Address
	if id == "" {
		id = "out:" + graph.Outpoint{TxID: tx.TxID, Vout: uint32(j)}.String()
	}
	tnode := t.txNode(tx)
	if tx != t.tnTx || hop != t.tnHop {
		// Once per transaction and hop: a repeated call would change nothing.
		tn := t.c.res.Flow.Node(tnode, graph.RoleTx, hop)
		tn.Tx = tx.TxID
		t.tnTx, t.tnHop = tx, hop
	}
	t.c.res.Flow.Node(id, graph.RoleHop, hop)
	t.c.res.Flow.AddTransfer(&graph.Edge{
		Tx: tx.TxID, Position: position("vout ", j), From: tnode, To: id, Asset: t.asset.ID,
		Block: tx.Block, Time: tx.Time, Hop: hop, Kind: string(graph.KindUTXO), Heuristics: marks,
	}, o.Value, taint)
}

// txNode is the flow-graph id of tx's node, "tx:<txid>".
func (t *utxoTracer) txNode(tx *graph.UTXOTx) string {
	if tx != t.lastTx || t.lastNode == "" {
		t.lastTx, t.lastNode = tx, "tx:"+tx.TxID
	}
	return t.lastNode
}

// finish turns outputs whose spender was never split (an interrupted trace) into
// incomplete endpoints, so their taint is still accounted for.
func (t *utxoTracer) finish() {
	var left []*outState
	for _, r := range t.recs {
		for j := range r.outs {
			if st := &r.outs[j]; st.status == oAwaiting {
				left = append(left, st)
			}
		}
	}
	sort.Slice(left, func(i, j int) bool { return left[i].op.String() < left[j].op.String() })
	for _, st := range left {
		st.status = oEnded
		ep := t.c.end(stopKind(t.ctx), st.addr, st.op.String(), t.asset.ID, st.taint, st.hop, nil,
			&graph.Inflow{Tx: st.op.TxID, Block: st.block, Time: st.time, Amount: st.taint, Value: st.value})
		ep.LowConfidence = st.lowConf
	}
	if len(left) > 0 && t.err == nil {
		t.fail(errors.New("trace stopped before every tainted output was followed"))
	}
}

// txHeap orders spending transactions by block (mempool last), dependency
// depth, txid. A typed binary heap (container/heap boxes every item in an
// interface) with container/heap's very steps, so the queue's array, which
// prefetch reads in order, is laid out as before.
type txHeap []txItem

func txBlock(tx *graph.UTXOTx) uint64 {
	if !tx.Confirmed() {
		return math.MaxUint64
	}
	return tx.Block
}

func (h txHeap) Len() int { return len(h) }

func (h txHeap) less(i, j int) bool {
	a, b := &h[i], &h[j]
	if a.block != b.block {
		return a.block < b.block
	}
	if a.depth != b.depth {
		return a.depth < b.depth
	}
	return a.tx.TxID < b.tx.TxID
}

// push is heap.Push.
func (h *txHeap) push(it txItem) {
	*h = append(*h, it)
	q := *h
	for j := len(q) - 1; ; {
		i := (j - 1) / 2 // parent
		if i == j || !q.less(j, i) {
			break
		}
		q[i], q[j] = q[j], q[i]
		j = i
	}
}

// pop is heap.Pop.
func (h *txHeap) pop() txItem {
	q := *h
	n := len(q) - 1
	q[0], q[n] = q[n], q[0]
	for i := 0; ; {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 {
			break
		}
		j := j1
		if j2 := j1 + 1; j2 < n && q.less(j2, j1) {
			j = j2
		}
		if !q.less(j, i) {
			break
		}
		q[i], q[j] = q[j], q[i]
		i = j
	}
	it := q[n]
	q[n] = txItem{}
	*h = q[:n]
	return it
}
