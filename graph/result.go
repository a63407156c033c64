package graph

import (
	"math/big"
	"slices"
	"sort"
	"strings"
)

// Endpoint kinds: where the tracer stops following a piece of taint
// (../shared/TRACING.md lists the minimum set; the last four are ours).
const (
	EndExchange        = "exchange"
	EndExchangeDeposit = "exchange-deposit"
	EndMixer           = "mixer"
	EndBridge          = "bridge"
	EndService         = "service"
	EndUnspent         = "unspent"
	EndHopLimit        = "hop-limit"
	EndBelowThreshold  = "below-threshold"
	EndHighActivity    = "high-activity"
	EndContract        = "contract"      // an unlabelled contract that still holds the funds
	EndAddressLimit    = "address-limit" // the global address budget ran out before this holder
	EndIncomplete      = "incomplete"    // the data source failed; the holder was not followed
	// EndBudget: a budget the caller set (--max-requests, --timeout) ran out
	// before this holder was followed: the untraced remainder, and which budget
	// ended the trace is Result.Budget.
	EndBudget = "budget"
)

// EndpointKinds lists every kind in report order.
var EndpointKinds = []string{
	EndExchange, EndExchangeDeposit, EndMixer, EndBridge, EndService, EndContract,
	EndUnspent, EndHopLimit, EndBelowThreshold, EndHighActivity, EndAddressLimit, EndIncomplete, EndBudget,
}

// Untraced reports whether taint ending in kind is "lost from view" rather than
// located (the summary's "untraced" line).
func Untraced(kind string) bool {
	switch kind {
	case EndHopLimit, EndBelowThreshold, EndHighActivity, EndAddressLimit, EndIncomplete, EndBudget:
		return true
	}
	return false
}

// Inflow is one tainted credit into an endpoint: the evidence an exchange needs.
type Inflow struct {
	Tx     string
	Block  uint64
	Time   int64
	From   string
	Amount *big.Int // taint carried by this credit
	// Value is the credit's whole amount (the transfer, or the UTXO output), of
	// which Amount is tainted: what an exchange sees when it looks the
	// transaction up. nil for pseudo-credits (an opening balance, an
	// unexplained difference).
	Value *big.Int
}

// Endpoint is where one asset's taint stopped at one address (or output).
type Endpoint struct {
	Kind     string
	Address  string
	Outpoint string // UTXO chains: the output holding it
	Label    string
	Category string
	Asset    string
	Amount   *big.Int
	Hops     int
	Path     []string
	Inflows  []Inflow
	// Exchange deposits: the exchange the sweep went to, the sweep tx and the
	// confidence κ of the deposit rule in thousandths (0–1000), an integer so output stays exact.
	Exchange   string
	SweepTx    string
	Confidence int
	DestChain  string // bridges, when known
	// Multi-chain traces: the chain this endpoint is on (empty in single-chain
	// results, where Result.Chain says it).
	Chain string
	// Crossings that were decoded but not followed: the destination as the
	// transaction itself names it (memo, event), not only from a label.
	DestAddress   string
	DestAmount    *big.Int
	DestAsset     string
	Rule          string
	LowConfidence bool
	Note          string
	// Unexplained is set when the holder's balance at the end of the window
	// differs from what its traced transfers explain (Result.Discrepancies):
	// node balance − traced balance, negative when value left unseen.
	Unexplained *big.Int
}

// Discrepancy is a followed holder whose balance at the end of the traced window,
// as the node reports it, differs from its opening balance plus the credits minus
// the debits and fees the tracer saw: something moved value without a transfer the
// history returned (a block reward, a withdrawal, a self-destruct, or a transfer
// the history strategy cannot see).
type Discrepancy struct {
	Address     string
	Asset       string
	Block       uint64   // the balance was read at the end of this block
	NodeBalance *big.Int // what the node says
	Traced      *big.Int // opening + credits − debits − fees as traced
	Unexplained *big.Int // NodeBalance − Traced
	Treatment   string   // what the tracer did with it
}

// Totals balances one asset: Seed = Σ ByKind + Fees (except under poison, where
// taint grows and Growth says by how much).
type Totals struct {
	Seed     *big.Int
	Fees     *big.Int
	ByKind   map[string]*big.Int
	Untraced *big.Int
	Growth   *big.Int
	// WETH-style wraps move taint between assets: WrappedOut left this asset for
	// another, WrappedIn arrived from another. Seed + WrappedIn = Σ ByKind + Fees +
	// WrappedOut.
	WrappedIn  *big.Int
	WrappedOut *big.Int
	// Swaps convert taint between assets at the transaction's own rate:
	// SwappedOut left this asset in a swap, SwappedIn arrived from one. Seed +
	// WrappedIn + SwappedIn = Σ ByKind + Fees + WrappedOut + SwappedOut.
	SwappedIn  *big.Int
	SwappedOut *big.Int
	// Crossings move taint between chains: CrossedOut left this asset over a
	// bridge or swap to another chain, CrossedIn arrived from one.
	CrossedIn  *big.Int
	CrossedOut *big.Int
}

// Conversion is the evidence for one swap: in transaction Tx, Holder's FromAmount
// of FromAsset (net of what came back, FromTaint of it tainted) went into the
// venues (pools, routers) and ToAmount of ToAsset came out to the outputs, which
// carry ToTaint = ⌊ToAmount × FromTaint / FromAmount⌋ between them.
type Conversion struct {
	Tx         string
	Block      uint64
	Time       int64
	Holder     string
	Venues     []string
	Hop        int
	FromAsset  string
	FromAmount *big.Int
	FromTaint  *big.Int
	Refunded   *big.Int // FromAsset paid back to Holder (stays FromAsset)
	ToAsset    string
	ToAmount   *big.Int
	ToTaint    *big.Int
	Outputs    []ConversionOutput
}

// ConversionOutput is one payment out of a swap.
type ConversionOutput struct {
	From   string // the venue that paid it
	To     string
	Amount *big.Int
	Taint  *big.Int
}

// SortConversions orders conversions by block, tx, holder, output asset.
func (r *Result) SortConversions() {
	sort.SliceStable(r.Conversions, func(i, j int) bool {
		a, b := r.Conversions[i], r.Conversions[j]
		if a.Block != b.Block {
			return a.Block < b.Block
		}
		if a.Tx != b.Tx {
			return a.Tx < b.Tx
		}
		if a.Holder != b.Holder {
			return a.Holder < b.Holder
		}
		return a.ToAsset < b.ToAsset
	})
}

// Result is a finished (or interrupted) trace, ready for the exporters in
// package render. Result, Endpoint, Inflow and Totals carry no JSON tags on
// purpose: the wire format is render.WriteJSON's own document types, so a
// field renamed here cannot silently change the schema.
type Result struct {
	Tool      string
	Chain     string
	Family    string
	Policy    string
	Seeds     []string
	Params    map[string]string
	Tip       uint64
	Assets    map[string]Asset
	Endpoints []*Endpoint
	// Conversions lists the swaps the taint went through (account chains).
	Conversions []*Conversion
	Totals      map[string]*Totals
	// Discrepancies lists the balance reconciliation's mismatches (empty when
	// every followed holder reconciled); render sorts them by asset, address.
	Discrepancies []*Discrepancy
	Warnings      []string
	Error         string // set when the trace stopped early
	// Budget is the budget that ended the trace (nil: none did); the holders it
	// left unfollowed are endpoints of kind budget.
	Budget *Budget
	Flow   *Flow
	// Crossings lists the cross-chain crossings the taint reached (followed or
	// not); Chains the chains of a multi-chain trace, primary first (nil for a
	// single-chain trace).
	Crossings []*Crossing
	Chains    []ChainPart
	// Demix holds the mixer candidate search (leads past mixers, never taint);
	// nil when it did not run.
	Demix *Demix
}

// Budget names a budget that ran out: Kind "requests" (--max-requests, HTTP
// requests to the node or API, retries included) or "time" (--timeout), and its
// limit as given ("40", "30s").
type Budget struct {
	Kind  string
	Limit string
}

// Flag is the option that sets the budget.
func (b *Budget) Flag() string {
	if b.Kind == "time" {
		return "--timeout"
	}
	return "--max-requests"
}

// SortEndpoints orders endpoints largest first, then by asset, kind, address,
// outpoint: the order every exporter uses.
func (r *Result) SortEndpoints() {
	slices.SortStableFunc(r.Endpoints, CompareEndpoints)
}

// SortUniqueEndpoints is SortEndpoints for endpoints of which no two have the
// same asset, kind, address and outpoint (a tracer's, one per holding): then the
// order is total and an unstable sort, several times faster on hundreds of
// thousands of endpoints, gives the same result.
func (r *Result) SortUniqueEndpoints() {
	slices.SortFunc(r.Endpoints, CompareEndpoints)
}

// CompareEndpoints is SortEndpoints' order.
func CompareEndpoints(a, b *Endpoint) int {
	if c := strings.Compare(a.Asset, b.Asset); c != 0 {
		return c
	}
	if c := a.Amount.Cmp(b.Amount); c != 0 {
		return -c
	}
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Address, b.Address); c != 0 {
		return c
	}
	return strings.Compare(a.Outpoint, b.Outpoint)
}

// KindSums returns a function that adds up asset's totals over the given endpoint
// kinds and counts its endpoints of those kinds: the summary lines of the text
// output and of the report.
func KindSums(t *Totals, ends []*Endpoint, asset string) func(kinds ...string) (*big.Int, int) {
	count := map[string]int{}
	for _, e := range ends {
		if e.Asset == asset {
			count[e.Kind]++
		}
	}
	return func(kinds ...string) (*big.Int, int) {
		s, n := new(big.Int), 0
		for _, k := range kinds {
			if v := t.ByKind[k]; v != nil {
				s.Add(s, v)
			}
			n += count[k]
		}
		return s, n
	}
}

// assetIDs lists every asset the result mentions (assets, totals, endpoints,
// edges): the native coin first, then tokens by symbol and id.
// AssetIDs lists the assets of r: native coins first, then tokens by symbol and
// id. Every exporter and the report use this order.
func (r *Result) AssetIDs() []string {
	seen := map[string]bool{}
	for id := range r.Assets {
		seen[id] = true
	}
	for id := range r.Totals {
		seen[id] = true
	}
	for _, e := range r.Endpoints {
		seen[e.Asset] = true
	}
	if r.Flow != nil {
		for i := range r.Flow.nEdges {
			seen[r.Flow.edgeAsset(i)] = true
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := r.AssetOf(ids[i]), r.AssetOf(ids[j])
		if a.Native() != b.Native() {
			return a.Native()
		}
		if a.Symbol != b.Symbol {
			return a.Symbol < b.Symbol
		}
		return a.ID < b.ID
	})
	return ids
}

// assetOf returns the asset with id, or a stand-in (symbol = id, 0 decimals,
// treated as a token) when the result does not describe it.
// AssetOf describes asset id, falling back to the id itself when r has no
// metadata for it.
func (r *Result) AssetOf(id string) Asset {
	if a, ok := r.Assets[id]; ok {
		if a.ID == "" {
			a.ID = id
		}
		return a
	}
	return Asset{ID: id, Symbol: id, Contract: id}
}

// EdgeLess is the order Flow.Edges sorts by (block, tx, position, from, to,
// asset); the exporters refine it with the remaining fields.
func EdgeLess(a, b *Edge) bool { return edgeLess(a, b) }
