package trace

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
)

// Cross-chain continuation (issue 11). Taint that ends at a bridge, a
// THORChain-style vault or router is a crossing when the inbound transaction
// says where it goes (a memo, a lock-and-mint event, or a same-address bridge
// label); the destination chain's source, when the trace has one, is searched
// for the payout, which seeds the next xleg of the trace with a share of the
// taint under the same policy and hop budget. Legs are traced one after the
// other (each a complete single-chain trace) and merged into one result whose
// nodes, edges, endpoints and assets are qualified by chain.

// CrossOptions steer crossing detection.
type CrossOptions struct {
	// Off turns crossing detection off: bridges are plain endpoints.
	Off bool
	// MemoChains maps memo chain codes ("BTC", "ETH") to chain names, for dev
	// networks the default mapping cannot tell apart (MemoChain).
	MemoChains map[string]string
	// Window bounds how long after the inbound a payout may come (default 24h).
	Window time.Duration
	// TolerancePPM: a lock-and-mint or same-address payout may be short of the
	// amount sent in by this many millionths (bridge fees; default 10000 = 1 %).
	TolerancePPM int64
}

// Confidences of the crossing rules, permille.
const (
	confMemo        = 950
	confMemoless    = 500
	confLockTxHash  = 950
	confLockMatch   = 600
	confSameAddress = 700
	confSameRelayer = 850
	maxLegs         = 64
)

// BridgeLister is optionally implemented by label sets that can list their
// bridges of one kind on one chain (labels.Store): the vaults and routers a
// payout is searched from.
type BridgeLister interface {
	BridgeAddresses(chain, kind string) []string
}

// RunChains traces seeds on primary and follows crossings into the linked
// chains' sources (and refunds back into the primary's). With no links, the
// result is Run's, with the crossings decoded on its bridge endpoints.
func RunChains(ctx context.Context, primary Source, links []Source, seeds []string, opts Options) (*graph.Result, error) {
	o := opts
	o.Defaults()
	if o.Crossing.Window <= 0 {
		o.Crossing.Window = 24 * time.Hour
	}
	if o.Crossing.TolerancePPM <= 0 {
		o.Crossing.TolerancePPM = 10000
	}
	x := &crosser{ctx: ctx, o: &o, srcs: map[string]Source{}, used: map[string]bool{}, txEvents: map[string][]graph.CrossEvent{}}
	add := func(s Source) error {
		n := s.Info().Name
		if _, dup := x.srcs[n]; dup {
			return fmt.Errorf("%w: chain %s is given twice (--chain and --link, or two --link)", ErrBadInput, n)
		}
		x.srcs[n] = s
		x.traced = append(x.traced, s.Info())
		return nil
	}
	if err := add(primary); err != nil {
		return nil, err
	}
	for _, l := range links {
		if err := add(l); err != nil {
			return nil, err
		}
	}
	x.linked = len(links) > 0
	res, err := Run(ctx, primary, seeds, opts)
	if res == nil || o.Crossing.Off {
		return res, err
	}
	x.legs = append(x.legs, &xleg{chain: primary.Info().Name, res: res, prefix: map[string][]string{}})
	x.err = err
	for i := 0; i < len(x.legs); i++ {
		if ctx.Err() != nil {
			break
		}
		x.cross(x.legs[i])
	}
	out := x.merge()
	if x.err != nil && out.Error == "" {
		out.Error = x.err.Error()
	}
	return out, x.err
}

type xleg struct {
	chain  string
	res    *graph.Result
	prefix map[string][]string // payout tx → qualified path up to it (the legs before)
}

type crosser struct {
	ctx      context.Context
	o        *Options
	srcs     map[string]Source
	traced   []ChainInfo
	linked   bool
	legs     []*xleg
	recs     []*crossRec
	used     map[string]bool // payouts already matched (chain/tx/to/vout)
	txEvents map[string][]graph.CrossEvent
	err      error
}

// crossRec is a crossing under construction: the evidence and where it
// attaches (the source xleg's endpoint).
type crossRec struct {
	c      *graph.Crossing
	from   *xleg
	ep     *graph.Endpoint
	credit *creditSeed
	kind   string // inbound kind: memo, lock, same
	memo   Memo
	lockTo uint64
	srcPth []string
}

func (x *crosser) warn(l *xleg, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, w := range l.res.Warnings {
		if w == msg {
			return
		}
	}
	l.res.Warnings = append(l.res.Warnings, msg)
	sort.Strings(l.res.Warnings)
}

func (x *crosser) fail(err error) {
	if x.err == nil {
		x.err = err
	}
}

// cross decodes the crossings at l's bridge endpoints, matches them, and runs
// the legs they lead to.
func (x *crosser) cross(l *xleg) {
	var recs []*crossRec
	eps := append([]*graph.Endpoint(nil), l.res.Endpoints...)
	for _, ep := range eps {
		if ep.Kind != graph.EndBridge {
			continue
		}
		recs = append(recs, x.decode(l, ep)...)
	}
	pending := map[string][]*crossRec{}
	for _, r := range recs {
		x.match(l, r)
		x.recs = append(x.recs, r)
		if r.credit != nil {
			pending[r.c.ToChain] = append(pending[r.c.ToChain], r)
		}
		x.annotate(l, r)
	}
	chains := make([]string, 0, len(pending))
	for c := range pending {
		chains = append(chains, c)
	}
	sort.Strings(chains)
	for _, ch := range chains {
		if len(x.legs) >= maxLegs {
			x.warn(l, "more than %d legs in one multi-chain trace: crossings into %s were not followed", maxLegs, ch)
			break
		}
		rs := pending[ch]
		credits := make([]*creditSeed, len(rs))
		nl := &xleg{chain: ch, prefix: map[string][]string{}}
		for i, r := range rs {
			credits[i] = r.credit
			p := append([]string(nil), r.srcPth...)
			if len(p) == 0 || p[len(p)-1] != qual(l.chain, r.c.InTx) {
				p = append(p, qual(l.chain, r.c.InTx))
			}
			nl.prefix[r.c.OutTx] = p
		}
		res, err := runCredits(x.ctx, x.srcs[ch], credits, *x.o)
		if res == nil {
			x.fail(fmt.Errorf("%s: %w", ch, err))
			for _, r := range rs {
				r.c.Status, r.c.Note = graph.CrossUnmatched, fmt.Sprintf("the payout could not be traced: %v", err)
			}
			continue
		}
		if err != nil {
			x.fail(fmt.Errorf("%s: %w", ch, err))
		}
		nl.res = res
		x.legs = append(x.legs, nl)
	}
}

// fullPath is an endpoint's path from the first seed, qualified by chain.
func (x *crosser) fullPath(l *xleg, ep *graph.Endpoint) []string {
	var out []string
	if len(ep.Path) > 0 {
		out = append(out, l.prefix[ep.Path[0]]...)
	}
	for _, p := range ep.Path {
		out = append(out, qual(l.chain, p))
	}
	return out
}

func qual(chain, s string) string { return chain + "/" + s }

// events returns a transaction's decoded cross-chain events (cached).
func (x *crosser) events(l *xleg, tx string) []graph.CrossEvent {
	k := l.chain + "/" + tx
	if evs, ok := x.txEvents[k]; ok {
		return evs
	}
	cs := CapabilitiesOf(x.srcs[l.chain]).Crossings
	if cs == nil {
		return nil
	}
	evs, err := cs.TxCrossEvents(x.ctx, tx)
	if err != nil {
		if !errors.Is(err, ErrUnsupported) {
			x.warn(l, "cross-chain events of %s unknown: %v", tx, err)
		}
		evs = nil
	}
	x.txEvents[k] = evs
	return evs
}

// decode reads the crossings of one bridge endpoint, one per tainted inbound.
func (x *crosser) decode(l *xleg, ep *graph.Endpoint) []*crossRec {
	lb, _ := x.o.Labels.Lookup(l.chain, ep.Address)
	src := x.srcs[l.chain]
	var out []*crossRec
	newRec := func(in graph.Inflow, amount, taint *big.Int, asset string) *crossRec {
		return &crossRec{from: l, ep: ep, srcPth: x.fullPath(l, ep), c: &graph.Crossing{
			FromChain: l.chain, InTx: in.Tx, InBlock: in.Block, InTime: in.Time, InFrom: in.From, InTo: ep.Address,
			InAsset: asset, InAmount: amount, InTaint: taint, Hop: ep.Hops,
		}}
	}
	if us, ok := src.(UTXOSource); ok {
		op, err := graph.ParseOutpoint(ep.Outpoint)
		if err != nil {
			return nil
		}
		tx, err := us.Tx(x.ctx, op.TxID)
		if err != nil || int(op.Vout) >= len(tx.Outputs) {
			if err != nil {
				x.warn(l, "crossing at %s unknown: %v", ep.Outpoint, err)
			}
			return nil
		}
		memo, ok := txMemo(tx)
		if !ok {
			return nil
		}
		from := ""
		if len(tx.Inputs) > 0 {
			from = tx.Inputs[0].Address
		}
		r := newRec(graph.Inflow{Tx: tx.TxID, Block: tx.Block, Time: tx.Time, From: from}, new(big.Int).Set(tx.Outputs[op.Vout].Value), new(big.Int).Set(ep.Amount), ep.Asset)
		if x.memoIn(l, r, memo) {
			out = append(out, r)
		}
		return out
	}
	for _, in := range ep.Inflows {
		var matched bool
		for _, ev := range x.events(l, in.Tx) {
			ev := ev
			switch {
			case ev.Kind == graph.EventMemoIn && (strings.EqualFold(ev.Contract, ep.Address) || strings.EqualFold(ev.To, ep.Address)) && ev.Asset == ep.Asset:
				r := newRec(in, ev.Amount, new(big.Int).Set(in.Amount), ep.Asset)
				if ev.From != "" {
					r.c.InFrom = ev.From
				}
				if x.memoIn(l, r, ev.Memo) {
					out = append(out, r)
					matched = true
				}
			case ev.Kind == graph.EventLockOut && strings.EqualFold(ev.Contract, ep.Address):
				r := newRec(in, ev.Amount, new(big.Int).Set(in.Amount), ep.Asset)
				r.kind, r.lockTo = "lock", ev.ToChainID
				r.c.DestAddress, r.c.DestAsset = ev.To, ev.Asset
				if ev.From != "" {
					r.c.InFrom = ev.From
				}
				r.c.ToChain = x.chainByID(ev.ToChainID)
				out = append(out, r)
				matched = true
			}
			if matched {
				break // one crossing per inbound transfer
			}
		}
		if matched || lb.BridgeKind != graph.BridgeKindSame {
			continue
		}
		amount := x.inAmount(l, ep, in)
		r := newRec(in, amount, new(big.Int).Set(in.Amount), ep.Asset)
		r.kind, r.c.ToChain, r.c.DestAddress, r.c.DestAsset = "same", chainid.Canonical(lb.DestChain), in.From, ep.Asset
		out = append(out, r)
	}
	return out
}

// inAmount is the whole amount of the transfers that brought inflow in to ep
// (the inflow itself carries only their taint).
func (x *crosser) inAmount(l *xleg, ep *graph.Endpoint, in graph.Inflow) *big.Int {
	sum := new(big.Int)
	for _, e := range l.res.Flow.In(ep.Address) {
		if e.Tx == in.Tx && e.From == in.From && e.Asset == ep.Asset {
			sum.Add(sum, e.Amount)
		}
	}
	if sum.Sign() == 0 {
		sum.Set(in.Amount)
	}
	return sum
}

// memoIn fills r from an inbound memo; false when the memo is no swap.
func (x *crosser) memoIn(l *xleg, r *crossRec, memo string) bool {
	m, err := ParseMemo(memo)
	if err != nil {
		x.warn(l, "memo of %s not understood: %v", r.c.InTx, err)
		return false
	}
	if m.Op != MemoSwap {
		return false
	}
	r.kind, r.memo, r.c.Memo = "memo", m, memo
	r.c.DestAddress, r.c.DestAsset = m.Dest, m.Asset
	if m.Dest == "" {
		r.c.DestAddress = r.c.InFrom
	}
	ch, err := MemoChain(m.Chain, x.traced, x.o.Crossing.MemoChains)
	if err != nil {
		r.c.ToChain, r.c.Note = strings.ToLower(m.Chain), err.Error()
		return true
	}
	r.c.ToChain = ch
	return true
}

// txMemo is the memo of a Bitcoin transaction: its OP_RETURN text.
func txMemo(tx *graph.UTXOTx) (string, bool) {
	for _, o := range tx.Outputs {
		if !o.OpReturn() || o.Data == "" {
			continue
		}
		b, err := hex.DecodeString(o.Data)
		if err != nil || !utf8.Valid(b) {
			continue
		}
		return string(b), true
	}
	return "", false
}

// chainByID names the chain with EVM chain id: a traced one first.
func (x *crosser) chainByID(id uint64) string {
	for _, c := range x.traced {
		if c.ChainID == id && c.Family == graph.FamilyAccount {
			return c.Name
		}
	}
	if c, ok := chainid.ByChainID(id); ok {
		return c.Name
	}
	return fmt.Sprintf("evm:%d", id)
}

// payout is a candidate payment out of a bridge on a destination chain.
type payout struct {
	chain, tx       string
	block           uint64
	time            int64
	from, to, asset string
	amount          *big.Int
	vout            int
	rule            string
	conf            int
	low             bool
	note            string
	refund          bool
}

func (p *payout) key() string {
	return fmt.Sprintf("%s/%s/%s/%d", p.chain, p.tx, strings.ToLower(p.to), p.vout)
}

// match looks for r's payout and, when found, sets its credit.
func (x *crosser) match(l *xleg, r *crossRec) {
	c := r.c
	c.Rule = graph.RuleDecodedOnly
	if c.Note != "" {
		c.Status = graph.CrossUnmatched
		return
	}
	var p *payout
	_, linked := x.srcs[c.ToChain]
	switch r.kind {
	case "memo":
		c.Rule = graph.RuleMemo
		if linked {
			p = x.findMemoOut(c.ToChain, c, MemoOut, false)
		}
		if p == nil {
			if p = x.findMemoOut(l.chain, c, MemoRefund, false); p != nil {
				p.refund = true
			}
		}
		if p == nil && linked {
			p = x.findMemoOut(c.ToChain, c, MemoOut, true)
		}
	case "lock":
		c.Rule = graph.RuleLockTxHash
		if linked {
			p = x.findMint(c.ToChain, c)
		}
	case "same":
		c.Rule = graph.RuleSameAddress
		if c.ToChain == "" {
			c.Status, c.Note = graph.CrossUnmatched, "the same-address bridge's label names no dest_chain"
			return
		}
		if linked {
			p = x.findSame(c.ToChain, c)
		}
	}
	switch {
	case p != nil:
	case !linked:
		c.Status = graph.CrossUnlinked
		c.Note = fmt.Sprintf("destination chain %s has no source in this trace: give --link %s=URL to follow it", c.ToChain, c.ToChain)
		return
	default:
		c.Status = graph.CrossUnmatched
		c.Note = fmt.Sprintf("no payout on %s within %s of the inbound matched", c.ToChain, x.o.Crossing.Window)
		return
	}
	x.used[p.key()] = true
	c.Rule, c.Confidence, c.Status = p.rule, p.conf, graph.CrossFollowed
	if p.refund {
		c.Status, c.ToChain = graph.CrossRefund, p.chain
	}
	if p.note != "" {
		c.Note = p.note
	}
	c.OutTx, c.OutBlock, c.OutTime, c.OutFrom, c.OutTo, c.OutAsset, c.OutAmount = p.tx, p.block, p.time, p.from, p.to, p.asset, p.amount
	c.OutTaint = new(big.Int)
	if c.InAmount.Sign() > 0 {
		c.OutTaint.Mul(p.amount, c.InTaint)
		c.OutTaint.Quo(c.OutTaint, c.InAmount)
	}
	if c.OutTaint.Cmp(p.amount) > 0 {
		c.OutTaint.Set(p.amount) // the payout cannot carry more taint than it moved
	}
	r.credit = &creditSeed{tx: p.tx, to: p.to, vout: p.vout, asset: p.asset, amount: p.amount, taint: c.OutTaint, hop: c.Hop + 1, low: p.low}
	if _, ok := x.srcs[p.chain].(UTXOSource); ok {
		r.credit.to = ""
	}
}

// window is the block range of p's chain from the inbound's time to the end
// of the window (the whole chain when the source cannot tell block times).
func (x *crosser) window(chain string, from int64) (uint64, uint64, error) {
	src := x.srcs[chain]
	tip, err := src.Tip(x.ctx)
	if err != nil {
		return 0, 0, err
	}
	bt := CapabilitiesOf(src).BlockTimes
	if bt == nil {
		return 0, tip, nil
	}
	start := time.Unix(from, 0)
	lo, err := FirstBlockAtOrAfter(x.ctx, bt, start, tip)
	if err != nil {
		if errors.Is(err, ErrBadInput) {
			return 1, 0, nil // the chain's tip is before the inbound: nothing to find
		}
		return 0, 0, err
	}
	hi := tip
	if n, err := FirstBlockAtOrAfter(x.ctx, bt, start.Add(x.o.Crossing.Window), tip); err == nil {
		hi = n
	}
	return lo, hi, nil
}

func (x *crosser) bridges(chain, kind string) []string {
	if bl, ok := x.o.Labels.(BridgeLister); ok {
		return bl.BridgeAddresses(chain, kind)
	}
	return nil
}

// findMemoOut searches chain for the outbound (op OUT or REFUND) naming c's
// inbound hash, or with memoless, the first vault payment to the memo's
// destination in the window that names no other inbound.
func (x *crosser) findMemoOut(chain string, c *graph.Crossing, op string, memoless bool) *payout {
	src := x.srcs[chain]
	dest := c.DestAddress
	if op == MemoRefund {
		dest = c.InFrom
	}
	inHash, _ := normHash(c.InTx)
	lg := x.legOf(chain)
	accept := func(memo string) (bool, bool) { // (matches, names this inbound)
		m, err := ParseMemo(memo)
		named := err == nil && (m.Op == MemoOut || m.Op == MemoRefund)
		if !memoless {
			return named && m.Op == op && m.InHash == inHash, true
		}
		return !named, false
	}
	if cs := CapabilitiesOf(src).Crossings; cs != nil {
		lo, hi, err := x.window(chain, c.InTime)
		if err != nil {
			x.warn(lg, "searching %s for the payout of %s: %v", chain, c.InTx, err)
			return nil
		}
		evs, err := cs.FindCrossEvents(x.ctx, CrossQuery{Kind: graph.EventMemoOut, FromBlock: lo, ToBlock: hi, Contracts: x.bridges(chain, graph.BridgeKindRouter)})
		if err != nil {
			x.warn(lg, "searching %s for the payout of %s: %v", chain, c.InTx, err)
			return nil
		}
		for _, ev := range evs {
			ok, named := accept(ev.Memo)
			if !ok || ev.Time < c.InTime || ev.Time > c.InTime+int64(x.o.Crossing.Window/time.Second) {
				continue
			}
			if memoless && (!strings.EqualFold(ev.To, dest) || !memoAsset(c.DestAsset, ev.Asset, src.Info().Native.ID)) {
				continue
			}
			p := &payout{chain: chain, tx: ev.Tx, block: ev.Block, time: ev.Time, from: ev.Contract, to: ev.To, asset: ev.Asset,
				amount: ev.Amount, vout: -1, rule: graph.RuleMemo, conf: confMemo}
			if !named {
				p.rule, p.conf, p.low = graph.RuleMemoless, confMemoless, true
			}
			if op == MemoOut && named && !strings.EqualFold(ev.To, dest) && dest != "" {
				p.note = fmt.Sprintf("the outbound pays %s, not the memo's destination %s", ev.To, dest)
			}
			if x.used[p.key()] {
				continue
			}
			return p
		}
		return nil
	}
	us, ok := src.(UTXOSource)
	if !ok {
		return nil
	}
	tip, err := src.Tip(x.ctx)
	if err != nil {
		x.warn(lg, "searching %s for the payout of %s: %v", chain, c.InTx, err)
		return nil
	}
	var best *payout
	seen := map[string]bool{}
	for _, vault := range x.bridges(chain, graph.BridgeKindVault) {
		txs, err := us.AddressTxs(x.ctx, vault, tip)
		if err != nil {
			x.warn(lg, "history of vault %s on %s: %v", vault, chain, err)
			continue
		}
		for _, tx := range txs {
			if seen[tx.TxID] || !tx.Confirmed() || tx.Time < c.InTime || tx.Time > c.InTime+int64(x.o.Crossing.Window/time.Second) || !spends(tx, vault) {
				continue
			}
			seen[tx.TxID] = true
			memo, _ := txMemo(tx)
			ok, named := accept(memo)
			if !ok {
				continue
			}
			vout := -1
			for j, o := range tx.Outputs {
				if o.Address == dest && !o.OpReturn() {
					vout = j
					break
				}
			}
			if vout < 0 && (memoless || dest != "") {
				if memoless {
					continue
				}
				// The memo names this inbound but pays elsewhere: the largest
				// output that is not the vault's change.
				for j, o := range tx.Outputs {
					if o.OpReturn() || o.Address == vault {
						continue
					}
					if vout < 0 || o.Value.Cmp(tx.Outputs[vout].Value) > 0 {
						vout = j
					}
				}
				if vout < 0 {
					continue
				}
			}
			p := &payout{chain: chain, tx: tx.TxID, block: tx.Block, time: tx.Time, from: vault, to: tx.Outputs[vout].Address,
				asset: src.Info().Native.ID, amount: new(big.Int).Set(tx.Outputs[vout].Value), vout: vout, rule: graph.RuleMemo, conf: confMemo}
			if !named {
				p.rule, p.conf, p.low = graph.RuleMemoless, confMemoless, true
			}
			if x.used[p.key()] {
				continue
			}
			if best == nil || p.block < best.block || p.block == best.block && p.tx < best.tx {
				best = p
			}
		}
	}
	return best
}

func spends(tx *graph.UTXOTx, addr string) bool {
	for _, in := range tx.Inputs {
		if in.Address == addr {
			return true
		}
	}
	return false
}

// memoAsset reports whether a memo asset ("ETH.ETH", "ETH.USDT-EC7") names
// asset (a native id or a token contract) on a chain whose coin is native.
func memoAsset(memo, asset, native string) bool {
	i := strings.IndexByte(memo, '.')
	if i < 0 {
		return false
	}
	sym := memo[i+1:]
	if j := strings.IndexByte(sym, '-'); j >= 0 {
		tail := strings.ToLower(strings.TrimPrefix(strings.ToLower(sym[j+1:]), "0x"))
		return asset != native && tail != "" && strings.HasSuffix(strings.ToLower(asset), tail)
	}
	return asset == native
}

// tolerated reports whether out is within the tolerance below in (a bridge fee),
// and not above it.
func (x *crosser) tolerated(in, out *big.Int) bool {
	if out.Cmp(in) > 0 || out.Sign() <= 0 {
		return false
	}
	short := new(big.Int).Sub(in, out)
	short.Mul(short, big.NewInt(1_000_000))
	lim := new(big.Int).Mul(in, big.NewInt(x.o.Crossing.TolerancePPM))
	return short.Cmp(lim) <= 0
}

// findMint searches chain for the lock-and-mint payout of c: the LogAnySwapIn
// naming c's source tx, else one paying c's recipient about c's amount in the window.
func (x *crosser) findMint(chain string, c *graph.Crossing) *payout {
	cs := CapabilitiesOf(x.srcs[chain]).Crossings
	lg := x.legOf(chain)
	if cs == nil {
		return nil
	}
	lo, hi, err := x.window(chain, c.InTime)
	if err == nil {
		var evs []graph.CrossEvent
		evs, err = cs.FindCrossEvents(x.ctx, CrossQuery{Kind: graph.EventMintIn, FromBlock: lo, ToBlock: hi, Contracts: x.bridges(chain, graph.BridgeKindEvent)})
		if err == nil {
			mk := func(ev graph.CrossEvent, rule string, conf int) *payout {
				return &payout{chain: chain, tx: ev.Tx, block: ev.Block, time: ev.Time, from: ev.Contract, to: ev.To, asset: ev.Asset,
					amount: ev.Amount, vout: -1, rule: rule, conf: conf, low: conf < confLockTxHash}
			}
			for _, ev := range evs {
				if p := mk(ev, graph.RuleLockTxHash, confLockTxHash); SameHash(ev.RefTx, c.InTx) && !x.used[p.key()] {
					return p
				}
			}
			for _, ev := range evs {
				p := mk(ev, graph.RuleLockMatch, confLockMatch)
				if ev.Time < c.InTime || !strings.EqualFold(ev.To, c.DestAddress) || !x.tolerated(c.InAmount, ev.Amount) || x.used[p.key()] {
					continue
				}
				p.note = fmt.Sprintf("matched by recipient, amount within %d ppm and time: the payout names source tx %s", x.o.Crossing.TolerancePPM, ev.RefTx)
				return p
			}
			return nil
		}
	}
	x.warn(lg, "searching %s for the payout of %s: %v", chain, c.InTx, err)
	return nil
}

// findSame searches chain for a payment to the sender's own address, about the
// amount sent in, in the window.
func (x *crosser) findSame(chain string, c *graph.Crossing) *payout {
	src, ok := x.srcs[chain].(AccountSource)
	lg := x.legOf(chain)
	if !ok {
		return nil
	}
	addr, err := src.NormalizeAddress(c.DestAddress)
	if err != nil {
		return nil
	}
	lo, hi, err := x.window(chain, c.InTime)
	if err == nil && lo <= hi {
		var h History
		h, err = src.History(x.ctx, HistoryQuery{Address: addr, FromBlock: lo, ToBlock: hi})
		if err == nil {
			sym := c.InAsset
			if a, ok := x.legOf(c.FromChain).res.Assets[c.InAsset]; ok {
				sym = a.Symbol
			}
			for _, tr := range h.Transfers {
				if tr.Kind == graph.KindFee || !strings.EqualFold(tr.To, addr) || strings.EqualFold(tr.From, addr) || tr.Asset.Symbol != sym ||
					tr.Time < c.InTime || !x.tolerated(c.InAmount, tr.Amount) {
					continue
				}
				p := &payout{chain: chain, tx: tr.TxHash, block: tr.Block, time: tr.Time, from: tr.From, to: tr.To, asset: tr.Asset.ID,
					amount: new(big.Int).Set(tr.Amount), vout: -1, rule: graph.RuleSameAddress, conf: confSameAddress, low: true}
				if lb, ok := x.o.Labels.Lookup(chain, tr.From); ok && lb.Category == CatBridge {
					p.conf, p.low = confSameRelayer, false
				}
				if x.used[p.key()] {
					continue
				}
				return p
			}
			return nil
		}
	}
	if err != nil {
		x.warn(lg, "searching %s for the payout of %s: %v", chain, c.InTx, err)
	}
	return nil
}

// legOf is the first xleg on chain (warnings about it go there).
func (x *crosser) legOf(chain string) *xleg {
	for _, l := range x.legs {
		if l.chain == chain {
			return l
		}
	}
	return x.legs[0]
}

// annotate moves a followed crossing's taint off its bridge endpoint (it
// crossed on) and writes what was decoded on an unfollowed one.
func (x *crosser) annotate(l *xleg, r *crossRec) {
	ep, c := r.ep, r.c
	if r.credit == nil {
		if ep.DestChain == "" || c.ToChain != "" {
			ep.DestChain = c.ToChain
		}
		ep.DestAddress, ep.DestAsset, ep.Rule = c.DestAddress, c.DestAsset, c.Rule
		ep.DestAmount = new(big.Int).Add(nz(ep.DestAmount), c.InTaint)
		if c.Note != "" && !strings.Contains(ep.Note, c.Note) {
			ep.Note = strings.TrimPrefix(ep.Note+"; "+c.Note, "; ")
		}
		return
	}
	moved := minInt(c.InTaint, ep.Amount)
	ep.Amount = new(big.Int).Sub(ep.Amount, moved)
	for i, in := range ep.Inflows {
		if in.Tx == c.InTx {
			ep.Inflows = append(ep.Inflows[:i:i], ep.Inflows[i+1:]...)
			break
		}
	}
	t := l.res.Totals[ep.Asset]
	if t == nil {
		return
	}
	if v := t.ByKind[ep.Kind]; v != nil {
		v.Sub(v, moved)
	}
	t.CrossedOut = new(big.Int).Add(nz(t.CrossedOut), moved)
}

func nz(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}
