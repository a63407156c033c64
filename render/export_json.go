package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chaintrace/chaintrace/graph"
)

// JSONSchemaVersion is written as "schema" in every JSON document; it changes
// when a field is renamed or removed or its type changes (adding a field does
// not change it).
//
// Schema 2 (from schema 1): "params" values are typed — integers as numbers,
// booleans as booleans, stop_at and through as string arrays, deposit_alpha as
// {"amount", "asset", "units"} — where schema 1 wrote every value as a string.
const JSONSchemaVersion = 2

// WriteJSON writes r as one JSON document (2-space indent, trailing newline). The
// output is deterministic: the same Result gives the same bytes. Every amount is a
// base-unit integer written as a decimal string, because JSON numbers lose
// precision above 2^53 in JavaScript and most JSON tools; divide by
// 10^assets[asset].decimals for human units. Times are RFC 3339 in UTC ("time",
// "" when unknown, e.g. an unconfirmed transaction) plus Unix seconds ("time_unix").
// docs/json-schema.md carries the same description for readers of the README.
//
//	{
//	  "schema": 2,                 // JSONSchemaVersion
//	  "tool": "chaintrace v…",     // producer and version
//	  "chain": "eth",              // chain name as --chain accepts it
//	  "family": "account",         // "account" or "utxo"
//	  "policy": "haircut",         // poison | haircut | fifo | lifo | tiho
//	  "seeds": ["0x…"],            // as given, in the order given
//	  "params": {"hops": 5, "deposit_rule": true, "stop_at": ["exchange"],
//	             "deposit_alpha": {"amount": "10000000000000000", "asset": "ETH", "units": "0.01"},
//	             "min_amount": "0.01"}, // trace parameters, typed (params.go), sorted keys
//	  "tip": 19000000,             // last block considered (tip or --to-block)
//	  "complete": true,            // false when the trace stopped early (see "error")
//	  "budget": {"kind": "requests", "limit": "40"}, // the budget that ended the trace:
//	                               // "requests" (--max-requests) or "time" (--timeout); omitted when none did
//	  "assets": {                  // every asset that appears below, by asset id
//	    "ETH": {"id": "ETH", "symbol": "ETH", "decimals": 18, "contract": "", "native": true}
//	  },
//	  "endpoints": [{              // sorted by asset, amount (largest first), kind, address, outpoint
//	    "kind": "exchange-deposit",// graph.EndpointKinds
//	    "address": "0x…",
//	    "outpoint": "",            // UTXO chains: "txid:vout" holding the taint
//	    "label": "", "category": "",
//	    "asset": "ETH",
//	    "amount": "1500000000000000000", // tainted base units that ended here
//	    "hops": 2,
//	    "path": ["0x…", "0x…"],    // tx hashes from the seed to this endpoint
//	    "inflows": [{"tx": "0x…", "block": 1, "time": "…", "time_unix": 0,
//	                 "from": "0x…", "amount": "…",  // tainted part of the credit
//	                 "value": "…"}],                // the credit's whole amount ("" when none); chain order
//	    "exchange": "Binance",     // deposits only (omitted otherwise)
//	    "sweep_tx": "0x…",         // deposits only
//	    "confidence_permille": 950,// deposits only: κ of the deposit rule × 1000
//	    "dest_chain": "",          // bridges, when known (omitted otherwise)
//	    "low_confidence": false,   // omitted when false
//	    "note": "",                // omitted when empty
//	    "unexplained": "…"         // balance reconciliation mismatch at this holder (signed); omitted when none
//	  }],
//	  "totals": {                  // per asset id
//	    "ETH": {
//	      "seed": "…",             // taint at the start
//	      "fees": "…",             // taint burnt as fees
//	      "by_kind": {"exchange": "…", …}, // every endpoint kind, "0" when none ("budget" only when a budget ended the trace)
//	      "located": "…",          // sum of the kinds that are not untraced
//	      "untraced": "…",         // hop-limit + below-threshold + high-activity + address-limit + incomplete + budget
//	      "growth": "0",           // poison only: taint created by the policy
//	      "wrapped_in": "0",       // taint that arrived from another asset (WETH Deposit: ETH → WETH)
//	      "wrapped_out": "0",      // taint that left for another asset
//	      "swapped_in": "0",       // only when a swap touched the asset: taint that arrived in a swap
//	      "swapped_out": "0"       // … and taint that left in one (see "conversions")
//	    }
//	  },
//	  "discrepancies": [{"address": "0x…", "asset": "ETH", "block": 19000000,
//	                     "node_balance": "…", "traced_balance": "…", "unexplained": "…",
//	                     "treatment": "…"}], // balance reconciliation; omitted when empty
//	  "nodes": [{"id": "…", "address": "…", "tx": "", "role": "seed",
//	             "label": "", "category": "", "hop": 0}],   // sorted by id
//	  "edges": [{"tx": "0x…", "position": "value", "from": "…", "to": "…",
//	             "asset": "ETH", "amount": "…", "taint": "…", "block": 1,
//	             "time": "2024-01-02T03:04:05Z", "time_unix": 1704164645,
//	             "hop": 1, "kind": "value", "heuristics": []}],
//	                               // sorted by block, tx, position, from, to, asset, then the rest
//	  "warnings": [],              // sorted, never null
//	  "error": ""                  // why the trace stopped early, "" when complete
//	}
//
// "conversions" (after "endpoints", omitted when empty) lists the swaps the taint
// went through: tx, block, time, holder, venues, hop, from_asset/from_amount/
// from_taint, refunded, to_asset/to_amount/to_taint, rate, outputs[{from, to,
// amount, taint}] (docs/json-schema.md).
//
// Invariant for every asset: seed + wrapped_in + swapped_in = Σ by_kind + fees +
// wrapped_out + swapped_out − growth.
func WriteJSON(w io.Writer, r *graph.Result) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Labels come from files and may contain <, > and &; keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(buildJSON(r)); err != nil {
		return err
	}
	_, err := w.Write(escapeC1(buf.Bytes()))
	return err
}

// escapeC1 writes the characters encoding/json leaves raw but a terminal or a
// text viewer acts on as \u escapes: the C1 controls (U+0080–U+009F, among
// them CSI U+009B and NEL U+0085) and the bidirectional marks, embeddings,
// overrides and isolates (U+061C, U+200E–U+200F, U+202A–U+202E,
// U+2066–U+2069). They can only occur inside JSON strings, so the document
// decodes to the same values, but `jq -r` or a pager showing a hostile token
// symbol or label no longer hands the terminal a raw control. C0 controls are
// escaped by encoding/json already.
func escapeC1(b []byte) []byte {
	if !bytes.ContainsAny(b, "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f"+
		"\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f"+
		"\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if (r >= 0x80 && r <= 0x9f) || r == '\u061c' || r == '\u200e' || r == '\u200f' ||
			(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return out.Bytes()
}

type jsonDoc struct {
	Schema int    `json:"schema"`
	Tool   string `json:"tool"`
	Chain  string `json:"chain"`
	Family string `json:"family"`
	// Chains: a multi-chain trace's chains, primary first (omitted otherwise).
	Chains    []jsonChain          `json:"chains,omitempty"`
	Policy    string               `json:"policy"`
	Seeds     []string             `json:"seeds"`
	Params    map[string]any       `json:"params"`
	Tip       uint64               `json:"tip"`
	Complete  bool                 `json:"complete"`
	Budget    *jsonBudget          `json:"budget,omitempty"`
	Assets    map[string]jsonAsset `json:"assets"`
	Endpoints []jsonEndpoint       `json:"endpoints"`
	// Conversions is omitted when no swap moved taint, so traces without swaps
	// keep their exact bytes.
	Conversions []jsonConversion `json:"conversions,omitempty"`
	// Crossings is omitted when the taint crossed no bridge that said where it goes.
	Crossings []jsonCrossing         `json:"crossings,omitempty"`
	Totals    map[string]*jsonTotals `json:"totals"`
	// Omitted when empty, so traces that reconcile keep their bytes.
	Discrepancies []jsonDiscrepancy `json:"discrepancies,omitempty"`
	Nodes         []jsonNode        `json:"nodes"`
	Edges         []jsonEdge        `json:"edges"`
	// The mixer candidate search (candidates.go), present only when it ran.
	Candidates         *[]jsonCandidate `json:"candidates,omitempty"`
	Mixer              *jsonMixer       `json:"mixer,omitempty"`
	FollowedCandidates *jsonDoc         `json:"followed_candidates,omitempty"`
	Warnings           []string         `json:"warnings"`
	Error              string           `json:"error"`
}

// jsonBudget is the budget that ended a trace.
type jsonBudget struct {
	Kind  string `json:"kind"`
	Limit string `json:"limit"`
}

// jsonAsset is Asset with every field always present.
type jsonAsset struct {
	ID       string `json:"id"`
	Symbol   string `json:"symbol"`
	Decimals uint8  `json:"decimals"`
	Contract string `json:"contract"`
	Native   bool   `json:"native"`
}

// jsonNode is Node with every field always present, so consumers need no
// defaults.
type jsonNode struct {
	ID       string `json:"id"`
	Address  string `json:"address"`
	Tx       string `json:"tx"`
	Role     string `json:"role"`
	Label    string `json:"label"`
	Category string `json:"category"`
	Hop      int    `json:"hop"`
	Chain    string `json:"chain,omitempty"`
}

type jsonChain struct {
	Name   string `json:"name"`
	Family string `json:"family"`
	Tip    uint64 `json:"tip"`
}

// jsonCrossing is graph.Crossing: the inbound on one chain, its decoded
// destination, and the payout matched on the other chain (out_* empty when
// none was).
type jsonCrossing struct {
	Rule        string `json:"rule"`
	Confidence  int    `json:"confidence_permille"`
	Status      string `json:"status"`
	FromChain   string `json:"from_chain"`
	ToChain     string `json:"to_chain"`
	Hop         int    `json:"hop"`
	InTx        string `json:"in_tx"`
	InBlock     uint64 `json:"in_block"`
	InTime      string `json:"in_time"`
	InTimeUnix  int64  `json:"in_time_unix"`
	InFrom      string `json:"in_from"`
	InTo        string `json:"in_to"`
	InAsset     string `json:"in_asset"`
	InAmount    string `json:"in_amount"`
	InTaint     string `json:"in_taint"`
	Memo        string `json:"memo,omitempty"`
	DestAddress string `json:"dest_address"`
	DestAsset   string `json:"dest_asset,omitempty"`
	OutTx       string `json:"out_tx,omitempty"`
	OutBlock    uint64 `json:"out_block,omitempty"`
	OutTime     string `json:"out_time,omitempty"`
	OutTimeUnix int64  `json:"out_time_unix,omitempty"`
	OutFrom     string `json:"out_from,omitempty"`
	OutTo       string `json:"out_to,omitempty"`
	OutAsset    string `json:"out_asset,omitempty"`
	OutAmount   string `json:"out_amount,omitempty"`
	OutTaint    string `json:"out_taint,omitempty"`
	Note        string `json:"note,omitempty"`
}

type jsonInflow struct {
	Tx       string `json:"tx"`
	Block    uint64 `json:"block"`
	Time     string `json:"time"`
	TimeUnix int64  `json:"time_unix"`
	From     string `json:"from"`
	Amount   string `json:"amount"`
	Value    string `json:"value"`
}

type jsonEndpoint struct {
	Kind          string       `json:"kind"`
	Address       string       `json:"address"`
	Outpoint      string       `json:"outpoint"`
	Label         string       `json:"label"`
	Category      string       `json:"category"`
	Asset         string       `json:"asset"`
	Amount        string       `json:"amount"`
	Hops          int          `json:"hops"`
	Path          []string     `json:"path"`
	Inflows       []jsonInflow `json:"inflows"`
	Exchange      string       `json:"exchange,omitempty"`
	SweepTx       string       `json:"sweep_tx,omitempty"`
	Confidence    int          `json:"confidence_permille,omitempty"`
	DestChain     string       `json:"dest_chain,omitempty"`
	DestAddress   string       `json:"dest_address,omitempty"`
	DestAsset     string       `json:"dest_asset,omitempty"`
	DestAmount    string       `json:"dest_amount,omitempty"`
	Rule          string       `json:"crossing_rule,omitempty"`
	Chain         string       `json:"chain,omitempty"`
	LowConfidence bool         `json:"low_confidence,omitempty"`
	Note          string       `json:"note,omitempty"`
	Unexplained   string       `json:"unexplained,omitempty"`
}

type jsonDiscrepancy struct {
	Address     string `json:"address"`
	Asset       string `json:"asset"`
	Block       uint64 `json:"block"`
	NodeBalance string `json:"node_balance"`
	Traced      string `json:"traced_balance"`
	Unexplained string `json:"unexplained"`
	Treatment   string `json:"treatment"`
}

type jsonTotals struct {
	Seed       string            `json:"seed"`
	Fees       string            `json:"fees"`
	ByKind     map[string]string `json:"by_kind"`
	Located    string            `json:"located"`
	Untraced   string            `json:"untraced"`
	Growth     string            `json:"growth"`
	WrappedIn  string            `json:"wrapped_in"`
	WrappedOut string            `json:"wrapped_out"`
	SwappedIn  string            `json:"swapped_in,omitempty"`
	SwappedOut string            `json:"swapped_out,omitempty"`
	CrossedIn  string            `json:"crossed_in,omitempty"`
	CrossedOut string            `json:"crossed_out,omitempty"`
}

type jsonConversion struct {
	Tx         string                 `json:"tx"`
	Block      uint64                 `json:"block"`
	Time       string                 `json:"time"`
	TimeUnix   int64                  `json:"time_unix"`
	Holder     string                 `json:"holder"`
	Venues     []string               `json:"venues"`
	Hop        int                    `json:"hop"`
	FromAsset  string                 `json:"from_asset"`
	FromAmount string                 `json:"from_amount"`
	FromTaint  string                 `json:"from_taint"`
	Refunded   string                 `json:"refunded"`
	ToAsset    string                 `json:"to_asset"`
	ToAmount   string                 `json:"to_amount"`
	ToTaint    string                 `json:"to_taint"`
	Rate       string                 `json:"rate"`
	Outputs    []jsonConversionOutput `json:"outputs"`
}

type jsonConversionOutput struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount string `json:"amount"`
	Taint  string `json:"taint"`
}

type jsonEdge struct {
	Tx         string   `json:"tx"`
	Position   string   `json:"position"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Asset      string   `json:"asset"`
	Amount     string   `json:"amount"`
	Taint      string   `json:"taint"`
	Block      uint64   `json:"block"`
	Time       string   `json:"time"`
	TimeUnix   int64    `json:"time_unix"`
	Hop        int      `json:"hop"`
	Kind       string   `json:"kind"`
	Heuristics []string `json:"heuristics"`
	Chain      string   `json:"chain,omitempty"`
	Rule       string   `json:"rule,omitempty"`
	Confidence int      `json:"confidence_permille,omitempty"`
	InTx       string   `json:"in_tx,omitempty"`
}

func buildJSON(r *graph.Result) *jsonDoc {
	d := &jsonDoc{
		Schema:    JSONSchemaVersion,
		Tool:      r.Tool,
		Chain:     r.Chain,
		Family:    r.Family,
		Policy:    r.Policy,
		Seeds:     nonNil(r.Seeds),
		Params:    typedParams(r),
		Tip:       r.Tip,
		Complete:  r.Error == "",
		Assets:    map[string]jsonAsset{},
		Endpoints: []jsonEndpoint{},
		Totals:    map[string]*jsonTotals{},
		Nodes:     []jsonNode{},
		Edges:     []jsonEdge{},
		Warnings:  sortedStrings(r.Warnings),
		Error:     r.Error,
	}
	if r.Budget != nil {
		d.Budget = &jsonBudget{Kind: r.Budget.Kind, Limit: r.Budget.Limit}
	}
	for id, a := range r.Assets {
		if a.ID == "" {
			a.ID = id
		}
		d.Assets[id] = jsonAsset{ID: a.ID, Symbol: a.Symbol, Decimals: a.Decimals, Contract: a.Contract, Native: a.Native()}
	}
	for _, e := range sortedEndpoints(r) {
		je := jsonEndpoint{
			Kind: e.Kind, Address: e.Address, Outpoint: e.Outpoint, Label: e.Label,
			Category: e.Category, Asset: e.Asset, Amount: dec(e.Amount), Hops: e.Hops,
			Path: nonNil(e.Path), Inflows: []jsonInflow{},
			Exchange: e.Exchange, SweepTx: e.SweepTx, Confidence: e.Confidence,
			DestChain: e.DestChain, LowConfidence: e.LowConfidence, Note: e.Note,
			DestAddress: e.DestAddress, DestAsset: e.DestAsset, Rule: e.Rule, Chain: e.Chain,
		}
		if e.DestAmount != nil {
			je.DestAmount = e.DestAmount.String()
		}
		if e.Unexplained != nil {
			je.Unexplained = e.Unexplained.String()
		}
		for _, in := range sortedInflows(e.Inflows) {
			je.Inflows = append(je.Inflows, jsonInflow{
				Tx: in.Tx, Block: in.Block, Time: rfc3339(in.Time), TimeUnix: in.Time,
				From: in.From, Amount: dec(in.Amount), Value: decOrEmpty(in.Value),
			})
		}
		d.Endpoints = append(d.Endpoints, je)
	}
	for _, x := range sortedDiscrepancies(r.Discrepancies) {
		d.Discrepancies = append(d.Discrepancies, jsonDiscrepancy{
			Address: x.Address, Asset: x.Asset, Block: x.Block, NodeBalance: dec(x.NodeBalance),
			Traced: dec(x.Traced), Unexplained: dec(x.Unexplained), Treatment: x.Treatment,
		})
	}
	for _, c := range r.Chains {
		d.Chains = append(d.Chains, jsonChain{Name: c.Name, Family: c.Family, Tip: c.Tip})
	}
	for _, c := range r.Crossings {
		jc := jsonCrossing{
			Rule: c.Rule, Confidence: c.Confidence, Status: c.Status, FromChain: c.FromChain, ToChain: c.ToChain, Hop: c.Hop,
			InTx: c.InTx, InBlock: c.InBlock, InTime: rfc3339(c.InTime), InTimeUnix: c.InTime, InFrom: c.InFrom, InTo: c.InTo,
			InAsset: c.InAsset, InAmount: dec(c.InAmount), InTaint: dec(c.InTaint), Memo: c.Memo, DestAddress: c.DestAddress,
			DestAsset: c.DestAsset, Note: c.Note,
		}
		if c.OutTx != "" {
			jc.OutTx, jc.OutBlock, jc.OutTime, jc.OutTimeUnix = c.OutTx, c.OutBlock, rfc3339(c.OutTime), c.OutTime
			jc.OutFrom, jc.OutTo, jc.OutAsset, jc.OutAmount, jc.OutTaint = c.OutFrom, c.OutTo, c.OutAsset, dec(c.OutAmount), dec(c.OutTaint)
		}
		d.Crossings = append(d.Crossings, jc)
	}
	for _, c := range r.Conversions {
		jc := jsonConversion{
			Tx: c.Tx, Block: c.Block, Time: rfc3339(c.Time), TimeUnix: c.Time, Holder: c.Holder,
			Venues: nonNil(c.Venues), Hop: c.Hop, FromAsset: c.FromAsset, FromAmount: dec(c.FromAmount),
			FromTaint: dec(c.FromTaint), Refunded: dec(c.Refunded), ToAsset: c.ToAsset, ToAmount: dec(c.ToAmount),
			ToTaint: dec(c.ToTaint), Outputs: []jsonConversionOutput{},
		}
		fa, ta := r.AssetOf(c.FromAsset), r.AssetOf(c.ToAsset)
		jc.Rate = RateValue(c.FromAmount, fa.Decimals, c.ToAmount, ta.Decimals)
		for _, o := range c.Outputs {
			jc.Outputs = append(jc.Outputs, jsonConversionOutput{From: o.From, To: o.To, Amount: dec(o.Amount), Taint: dec(o.Taint)})
		}
		d.Conversions = append(d.Conversions, jc)
	}
	for _, id := range r.AssetIDs() {
		t := totalsFor(r, id)
		jt := &jsonTotals{
			Seed: dec(t.Seed), Fees: dec(t.Fees), ByKind: map[string]string{},
			Growth: dec(t.Growth), WrappedIn: dec(t.WrappedIn), WrappedOut: dec(t.WrappedOut),
		}
		if t.SwappedIn != nil || t.SwappedOut != nil {
			jt.SwappedIn, jt.SwappedOut = dec(t.SwappedIn), dec(t.SwappedOut)
		}
		if t.CrossedIn != nil || t.CrossedOut != nil {
			jt.CrossedIn, jt.CrossedOut = dec(t.CrossedIn), dec(t.CrossedOut)
		}
		located, untraced := new(big.Int), new(big.Int)
		for k, v := range t.ByKind {
			jt.ByKind[k] = dec(v)
		}
		for _, k := range graph.EndpointKinds {
			if k == graph.EndBudget && r.Budget == nil {
				continue // only traces a budget ended list it: the others keep their bytes
			}
			if _, ok := jt.ByKind[k]; !ok {
				jt.ByKind[k] = "0"
			}
		}
		for k, v := range t.ByKind {
			if v == nil {
				continue
			}
			if graph.Untraced(k) {
				untraced.Add(untraced, v)
			} else {
				located.Add(located, v)
			}
		}
		if t.Untraced != nil {
			untraced = t.Untraced
		}
		jt.Located, jt.Untraced = located.String(), untraced.String()
		d.Totals[id] = jt
	}
	if r.Flow != nil {
		ends := endpointsByNode(r)
		for _, n := range r.Flow.Nodes() {
			name, category := nodeName(n, ends[n.ID])
			d.Nodes = append(d.Nodes, jsonNode{
				ID: n.ID, Address: n.Address, Tx: n.Tx, Role: n.Role, Label: name,
				Category: category, Hop: n.Hop, Chain: n.Chain,
			})
		}
		for _, e := range sortedEdges(r.Flow) {
			d.Edges = append(d.Edges, jsonEdge{
				Tx: e.Tx, Position: e.Position, From: e.From, To: e.To, Asset: e.Asset,
				Amount: dec(e.Amount), Taint: dec(e.Taint), Block: e.Block,
				Time: rfc3339(e.Time), TimeUnix: e.Time, Hop: e.Hop, Kind: e.Kind,
				Heuristics: sortedStrings(e.Heuristics),
				Chain:      e.Chain, Rule: e.Rule, Confidence: e.Confidence, InTx: e.InTx,
			})
		}
	}
	addCandidatesJSON(d, r)
	return d
}

// Helpers shared by the exporters.

// dec renders a base-unit amount as a decimal string; nil is "0".
// decOrEmpty is dec with "" for an unknown amount.
func decOrEmpty(v *big.Int) string {
	if v == nil {
		return ""
	}
	return v.String()
}

func dec(v *big.Int) string {
	if v == nil {
		return "0"
	}
	return v.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedStrings(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// rfc3339 renders Unix seconds in UTC; 0 means unknown (an unconfirmed
// transaction, a source without block times) and renders as "".
func rfc3339(unix int64) string {
	if unix == 0 {
		return ""
	}
	return time.Unix(unix, 0).UTC().Format(time.RFC3339)
}

// sortedEndpoints returns r's endpoints in the documented order without
// reordering r itself: Result.SortEndpoints' order, then hops, label and path so
// that even endpoints equal in all of those come out the same way every time.
func sortedEndpoints(r *graph.Result) []*graph.Endpoint {
	c := *r
	c.Endpoints = append([]*graph.Endpoint(nil), r.Endpoints...)
	sort.SliceStable(c.Endpoints, func(i, j int) bool {
		a, b := c.Endpoints[i], c.Endpoints[j]
		if a.Hops != b.Hops {
			return a.Hops < b.Hops
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		return strings.Join(a.Path, ",") < strings.Join(b.Path, ",")
	})
	c.SortEndpoints() // stable, so the tie-breaks above survive
	return c.Endpoints
}

func sortedInflows(in []graph.Inflow) []graph.Inflow {
	out := append([]graph.Inflow(nil), in...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Block != b.Block {
			return a.Block < b.Block
		}
		if a.Tx != b.Tx {
			return a.Tx < b.Tx
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return cmpInt(a.Amount, b.Amount) < 0
	})
	return out
}

func cmpInt(a, b *big.Int) int {
	if a == nil {
		a = new(big.Int)
	}
	if b == nil {
		b = new(big.Int)
	}
	return a.Cmp(b)
}

// sortedEdges is Flow.Edges with every remaining field as a tie-break, so the
// tracer's insertion order never shows in the output.
func sortedEdges(f *graph.Flow) []*graph.Edge {
	es := f.Edges()
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if graph.EdgeLess(a, b) || graph.EdgeLess(b, a) {
			return graph.EdgeLess(a, b)
		}
		if a.Hop != b.Hop {
			return a.Hop < b.Hop
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if c := cmpInt(a.Amount, b.Amount); c != 0 {
			return c < 0
		}
		if c := cmpInt(a.Taint, b.Taint); c != 0 {
			return c < 0
		}
		return strings.Join(a.Heuristics, ",") < strings.Join(b.Heuristics, ",")
	})
	return es
}

// totalsFor returns r.Totals[id], or totals summed from the endpoints when the
// result has none for id (the seed is then that sum: nothing else is known).
func totalsFor(r *graph.Result, id string) *graph.Totals {
	if t, ok := r.Totals[id]; ok && t != nil {
		return t
	}
	t := &graph.Totals{Seed: new(big.Int), Fees: new(big.Int), ByKind: map[string]*big.Int{}}
	for _, e := range r.Endpoints {
		if e.Asset != id || e.Amount == nil {
			continue
		}
		if t.ByKind[e.Kind] == nil {
			t.ByKind[e.Kind] = new(big.Int)
		}
		t.ByKind[e.Kind].Add(t.ByKind[e.Kind], e.Amount)
		t.Seed.Add(t.Seed, e.Amount)
	}
	return t
}

func sortedDiscrepancies(ds []*graph.Discrepancy) []*graph.Discrepancy {
	out := append([]*graph.Discrepancy(nil), ds...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Asset != out[j].Asset {
			return out[i].Asset < out[j].Asset
		}
		return out[i].Address < out[j].Address
	})
	return out
}
