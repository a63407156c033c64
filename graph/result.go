package graph

import (
	"math/big"
	"sort"
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
)

// EndpointKinds lists every kind in report order.
var EndpointKinds = []string{
	EndExchange, EndExchangeDeposit, EndMixer, EndBridge, EndService, EndContract,
	EndUnspent, EndHopLimit, EndBelowThreshold, EndHighActivity, EndAddressLimit, EndIncomplete,
}

// Untraced reports whether taint ending in kind is "lost from view" rather than
// located (the summary's "untraced" line).
func Untraced(kind string) bool {
	switch kind {
	case EndHopLimit, EndBelowThreshold, EndHighActivity, EndAddressLimit, EndIncomplete:
		return true
	}
	return false
}

// Inflow is one tainted credit into an endpoint: the evidence an exchange needs.
type Inflow struct {
	Tx     string   `json:"tx"`
	Block  uint64   `json:"block"`
	Time   int64    `json:"time"`
	From   string   `json:"from"`
	Amount *big.Int `json:"amount"` // taint carried by this credit
}

// Endpoint is where one asset's taint stopped at one address (or output).
type Endpoint struct {
	Kind     string   `json:"kind"`
	Address  string   `json:"address"`
	Outpoint string   `json:"outpoint,omitempty"` // UTXO chains: the output holding it
	Label    string   `json:"label"`
	Category string   `json:"category,omitempty"`
	Asset    string   `json:"asset"`
	Amount   *big.Int `json:"amount"`
	Hops     int      `json:"hops"`
	Path     []string `json:"path"`
	Inflows  []Inflow `json:"inflows"`
	// Exchange deposits: the exchange the sweep went to, the sweep tx and the
	// confidence κ of the deposit rule in thousandths (0–1000), an integer so output stays exact.
	Exchange      string `json:"exchange,omitempty"`
	SweepTx       string `json:"sweep_tx,omitempty"`
	Confidence    int    `json:"confidence_permille,omitempty"`
	DestChain     string `json:"dest_chain,omitempty"` // bridges, when known
	LowConfidence bool   `json:"low_confidence,omitempty"`
	Note          string `json:"note,omitempty"`
}

// Totals balances one asset: Seed = Σ ByKind + Fees (except under poison, where
// taint grows and Growth says by how much).
type Totals struct {
	Seed     *big.Int            `json:"seed"`
	Fees     *big.Int            `json:"fees"`
	ByKind   map[string]*big.Int `json:"by_kind"`
	Untraced *big.Int            `json:"untraced"`
	Growth   *big.Int            `json:"growth,omitempty"`
	// WETH-style wraps move taint between assets: WrappedOut left this asset for
	// another, WrappedIn arrived from another. Seed + WrappedIn = Σ ByKind + Fees +
	// WrappedOut.
	WrappedIn  *big.Int `json:"wrapped_in,omitempty"`
	WrappedOut *big.Int `json:"wrapped_out,omitempty"`
}

// Result is a finished (or interrupted) trace, ready for the exporters.
type Result struct {
	Tool      string             `json:"tool"`
	Chain     string             `json:"chain"`
	Family    string             `json:"family"`
	Policy    string             `json:"policy"`
	Seeds     []string           `json:"seeds"`
	Params    map[string]string  `json:"params"`
	Tip       uint64             `json:"tip"`
	Assets    map[string]Asset   `json:"assets"`
	Endpoints []*Endpoint        `json:"endpoints"`
	Totals    map[string]*Totals `json:"totals"`
	Warnings  []string           `json:"warnings,omitempty"`
	Error     string             `json:"error,omitempty"` // set when the trace stopped early
	Flow      *Flow              `json:"-"`
	// Demix holds the mixer candidate search (leads past mixers, never taint);
	// nil when it did not run.
	Demix *Demix `json:"-"`
}

// SortEndpoints orders endpoints largest first, then by asset, kind, address,
// outpoint: the order every exporter uses.
func (r *Result) SortEndpoints() {
	sort.SliceStable(r.Endpoints, func(i, j int) bool {
		a, b := r.Endpoints[i], r.Endpoints[j]
		if a.Asset != b.Asset {
			return a.Asset < b.Asset
		}
		if c := a.Amount.Cmp(b.Amount); c != 0 {
			return c > 0
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		return a.Outpoint < b.Outpoint
	})
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
