package trace

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// collector accumulates what a trace concludes: endpoints, totals per asset, the
// flow graph, and for every holder the tainted credit that first reached it, from
// which each endpoint's path of tx hashes is rebuilt.
type collector struct {
	res    *graph.Result
	ends   map[endKey]*graph.Endpoint
	preds  map[hkey]*pred // holder → how it was first reached (placeholders for holders not reached yet)
	nPreds int            // how many of preds are set
	totals map[string]*graph.Totals
	warned map[string]bool
}

type endKey struct {
	kind, address, outpoint, asset string
}

// pred is how a holder was first reached: from holder via tx (from is nil for a
// seed). from points at the predecessor's record, which is a placeholder (set
// false) until that holder is reached itself, so a path is a walk of pointers
// and the index holds one key per holder, not two.
type pred struct {
	from *pred
	tx   string
	set  bool
}

// hkey names a holder of taint whose path is rebuilt: one asset at one address on
// account chains (holding), one output on UTXO chains (outKey). A struct rather
// than a joined string, so that recording an arrival allocates nothing.
type hkey struct {
	a, b string
	n    uint32
}

// holding names one asset at one address: paths are rebuilt per asset, so a token
// endpoint's path lists the token's transfers, not the ETH ones that reached the
// same address first.
func holding(addr, asset string) hkey { return hkey{a: asset, b: addr} }

// outKey names one UTXO output.
func outKey(op graph.Outpoint) hkey { return hkey{a: op.TxID, n: op.Vout} }

// outpointKey is outKey of an endpoint's "txid:vout".
func outpointKey(s string) hkey {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return hkey{}
	}
	n, err := strconv.ParseUint(s[i+1:], 10, 32)
	if err != nil {
		return hkey{}
	}
	return hkey{a: s[:i], n: uint32(n)}
}

func newCollector(res *graph.Result) *collector {
	return &collector{
		res:    res,
		ends:   map[endKey]*graph.Endpoint{},
		preds:  map[hkey]*pred{},
		totals: map[string]*graph.Totals{},
		warned: map[string]bool{},
	}
}

func (c *collector) asset(a graph.Asset) {
	if _, ok := c.res.Assets[a.ID]; !ok {
		c.res.Assets[a.ID] = a
	}
}

func (c *collector) total(asset string) *graph.Totals {
	t, ok := c.totals[asset]
	if !ok {
		t = &graph.Totals{Seed: new(big.Int), Fees: new(big.Int), ByKind: map[string]*big.Int{}, Untraced: new(big.Int)}
		c.totals[asset] = t
	}
	return t
}

func (c *collector) seed(asset string, amount *big.Int) {
	t := c.total(asset)
	t.Seed.Add(t.Seed, amount)
}

func (c *collector) fee(asset string, amount *big.Int) {
	if amount.Sign() == 0 {
		return
	}
	t := c.total(asset)
	t.Fees.Add(t.Fees, amount)
}

func (c *collector) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !c.warned[msg] {
		c.warned[msg] = true
		c.res.Warnings = append(c.res.Warnings, msg)
	}
}

// reach records the first tainted arrival at holder id.
func (c *collector) reach(id, from hkey, tx string) {
	if tx == "" {
		return // a credit without a transaction (reward, withdrawal) is no step of a path
	}
	if id == from {
		return
	}
	if p := c.preds[id]; p == nil || !p.set {
		c.setPred(id, from, tx)
	}
}

// setPred records that holder id was reached from holder from (the zero hkey:
// a seed) via tx, replacing what was recorded.
func (c *collector) setPred(id, from hkey, tx string) {
	p := c.rec(id)
	if !p.set {
		c.nPreds++
	}
	p.set, p.tx, p.from = true, tx, nil
	if from != (hkey{}) {
		p.from = c.rec(from)
	}
}

// rec is id's record, a placeholder when id was not reached yet.
func (c *collector) rec(id hkey) *pred {
	p := c.preds[id]
	if p == nil {
		p = &pred{}
		c.preds[id] = p
	}
	return p
}

// step is the last step of a path: every holder reached the same way (the
// outputs of one payment) has the same path, which finish computes once.
type step struct {
	from *pred
	tx   string
}

// path rebuilds the tx hashes from the seed to holder id. Predecessors always
// were reached earlier, so the walk ends at a seed; the step bound only guards
// against a bug turning into an endless loop.
func (c *collector) path(id hkey, memo map[step][]string) []string {
	p := c.preds[id]
	if p == nil || !p.set {
		return nil
	}
	k := step{p.from, p.tx}
	if out, ok := memo[k]; ok {
		return out
	}
	var buf [32]string // most paths are a few dozen steps or fewer
	rev := buf[:0]
	cur := p
	for steps := 0; steps <= c.nPreds; steps++ {
		if cur == nil || !cur.set {
			break
		}
		if len(rev) == 0 || rev[len(rev)-1] != cur.tx {
			rev = append(rev, cur.tx)
		}
		cur = cur.from
	}
	out := make([]string, len(rev))
	for i, tx := range rev {
		out[len(rev)-1-i] = tx
	}
	out = out[:len(out):len(out)] // shared: an append copies
	memo[k] = out
	return out
}

// endBox is an endpoint with room for its amount: one allocation, not two.
type endBox struct {
	e   graph.Endpoint
	amt big.Int
}

// endBoxIn is an endBox with room for the first inflow too.
type endBoxIn struct {
	endBox
	in [1]graph.Inflow
}

// end adds taint of asset to the endpoint (kind, address, outpoint), creating it.
func (c *collector) end(kind, address, outpoint string, asset string, amount *big.Int, hops int, lb *Label, in *graph.Inflow) *graph.Endpoint {
	k := endKey{kind, address, outpoint, asset}
	e, ok := c.ends[k]
	if !ok {
		ep := graph.Endpoint{Kind: kind, Address: address, Outpoint: outpoint, Asset: asset, Hops: hops}
		if in != nil && in.Amount.Sign() > 0 {
			b := &endBoxIn{endBox: endBox{e: ep}}
			e = &b.e
			e.Amount = &b.amt
			e.Inflows = b.in[:0:1] // the first inflow without an allocation; a second one copies
		} else {
			// no inflow yet (an account holder's endpoint takes the holder's list)
			b := &endBox{e: ep}
			e = &b.e
			e.Amount = &b.amt
		}
		if lb != nil {
			e.Label, e.Category, e.DestChain = lb.Name, lb.Category, lb.DestChain
		}
		c.ends[k] = e
	}
	if hops < e.Hops {
		e.Hops = hops
	}
	e.Amount.Add(e.Amount, amount)
	if in != nil && in.Amount.Sign() > 0 {
		e.Inflows = append(e.Inflows, *in)
	}
	return e
}

// finish turns the accumulated state into the result: endpoints sorted, paths
// filled, totals summed and checked.
func (c *collector) finish(holderOf func(*graph.Endpoint) hkey) {
	memo := map[step][]string{}
	for _, e := range c.ends {
		if e.Amount.Sign() == 0 {
			continue
		}
		e.Path = c.path(holderOf(e), memo)
		if e.Path == nil {
			e.Path = []string{}
		}
		if e.Inflows == nil {
			e.Inflows = []graph.Inflow{}
		}
		if len(e.Inflows) > 1 {
			sortInflows(e.Inflows)
		}
		c.res.Endpoints = append(c.res.Endpoints, e)
		t := c.total(e.Asset)
		if t.ByKind[e.Kind] == nil {
			t.ByKind[e.Kind] = new(big.Int)
		}
		t.ByKind[e.Kind].Add(t.ByKind[e.Kind], e.Amount)
		if graph.Untraced(e.Kind) {
			t.Untraced.Add(t.Untraced, e.Amount)
		}
	}
	c.res.SortUniqueEndpoints() // c.ends has one endpoint per (kind, address, outpoint, asset)
	for id, t := range c.totals {
		sum := new(big.Int).Set(t.Fees)
		for _, v := range t.ByKind {
			sum.Add(sum, v)
		}
		if t.WrappedOut != nil {
			sum.Add(sum, t.WrappedOut)
		}
		if t.SwappedOut != nil {
			sum.Add(sum, t.SwappedOut)
		}
		if t.CrossedOut != nil {
			sum.Add(sum, t.CrossedOut)
		}
		in := new(big.Int).Set(t.Seed)
		if t.WrappedIn != nil {
			in.Add(in, t.WrappedIn)
		}
		if t.SwappedIn != nil {
			in.Add(in, t.SwappedIn)
		}
		if t.CrossedIn != nil {
			in.Add(in, t.CrossedIn)
		}
		switch d := new(big.Int).Sub(sum, in); {
		case d.Sign() > 0 && c.res.Policy == string(Poison):
			t.Growth = d
		case d.Sign() != 0:
			// Never expected: the splitters conserve taint to the unit. Say so
			// rather than print totals that silently disagree.
			c.warn("internal accounting mismatch for %s: endpoints+fees differ from seed by %s; please report this trace", id, d)
		}
	}
	c.res.Totals = c.totals
	c.res.SortConversions()
	sort.Strings(c.res.Warnings)
}

// newLabel returns a copy of lb on the heap. Taking &lb of a looked-up label
// would move lb there on every look-up, labelled or not.
func newLabel(lb Label) *Label { return &lb }

// sortInflows orders an endpoint's inflows by block, tx and payer, stable.
func sortInflows(ins []graph.Inflow) {
	sort.SliceStable(ins, func(i, j int) bool {
		a, b := ins[i], ins[j]
		if a.Block != b.Block {
			return a.Block < b.Block
		}
		if a.Tx != b.Tx {
			return a.Tx < b.Tx
		}
		return a.From < b.From
	})
}

// labelKind maps a label category to the endpoint kind it produces.
func labelKind(cat string) string {
	switch cat {
	case CatExchange:
		return graph.EndExchange
	case CatMixer:
		return graph.EndMixer
	case CatBridge:
		return graph.EndBridge
	case CatDeposit:
		return graph.EndExchangeDeposit
	default:
		return graph.EndService
	}
}

// heldKind is the kind of an endpoint where taint stayed at a holder the
// tracer followed: a holder labelled as a business (exchange, mixer, bridge,
// DEX, service) that keeps the funds holds them as that business, not as an
// unspent wallet or an unlabelled contract (issue 15 item 3). Other labels
// (hacker, scam, sanctioned, other) name the owner of a wallet: those funds
// are still unspent.
func heldKind(kind string, lb *Label) string {
	if lb == nil || (kind != graph.EndUnspent && kind != graph.EndContract) {
		return kind
	}
	switch lb.Category {
	case CatExchange, CatDeposit, CatMixer, CatBridge, CatDEX, CatService:
		return labelKind(lb.Category)
	}
	return kind
}

// stopper decides whether a labelled holder ends the trace.
type stopper struct {
	stop    map[string]bool
	through map[string]bool
}

func newStopper(o *Options) stopper {
	s := stopper{stop: map[string]bool{}, through: map[string]bool{}}
	for _, c := range o.StopAt {
		s.stop[strings.ToLower(c)] = true
	}
	for _, t := range o.Through {
		s.through[strings.ToLower(t)] = true
	}
	return s
}

func (s stopper) stops(lb Label) bool {
	if s.through[strings.ToLower(lb.Address)] || s.through[strings.ToLower(lb.Name)] || s.through[strings.ToLower(lb.Category)] {
		return false
	}
	if s.stop[lb.Category] {
		return true
	}
	// "service" in --stop-at covers every non-exchange/mixer/bridge service category.
	switch lb.Category {
	case CatDEX, CatService, CatSanctioned, CatScam, CatOther:
		return s.stop[CatService]
	}
	return false
}

func (s stopper) deposits() bool { return s.stop[StopDeposit] }

// edgeBox is an edge with room for its two amounts, so recording a transfer of up
// to 256 bits costs one allocation instead of five.
type edgeBox struct {
	e        graph.Edge
	amt, tnt big.Int
	w        [8]big.Word
}

// newEdge returns e with copies of amount and taint as its Amount and Taint.
func newEdge(e graph.Edge, amount, taint *big.Int) *graph.Edge {
	b := &edgeBox{e: e}
	b.amt.SetBits(b.w[0:0:4]).Set(amount)
	b.tnt.SetBits(b.w[4:4:8]).Set(taint)
	b.e.Amount, b.e.Taint = &b.amt, &b.tnt
	return &b.e
}

// positions caches "vin 0", "vout 1", …: UTXO edges name their place in the
// transaction, and most transactions have a handful of inputs and outputs.
var positions = func() (p [2][16]string) {
	for i := range p[0] {
		p[0][i], p[1][i] = "vin "+strconv.Itoa(i), "vout "+strconv.Itoa(i)
	}
	return p
}()

// position is prefix ("vin " or "vout ") followed by i.
func position(prefix string, i int) string {
	if i >= 0 && i < len(positions[0]) {
		switch prefix {
		case "vin ":
			return positions[0][i]
		case "vout ":
			return positions[1][i]
		}
	}
	return prefix + strconv.Itoa(i)
}
