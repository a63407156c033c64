package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/render"
)

// Options shape a report.
type Options struct {
	// Title replaces the default heading ("Fund-flow report").
	Title string
	// Version is shown as the tool version when the Result does not name one.
	Version string
	// Generated, when set, is printed in the header. Left zero, the report does
	// not depend on the clock (golden files, reproducible cases).
	Generated time.Time
	// DOTFile is the name of the DOT file the CLI wrote next to the report, used
	// in the instructions for rendering the graph when it cannot be embedded.
	DOTFile string
	// SVG renders DOT to SVG for the HTML report. nil: Graphviz's dot from PATH
	// (GraphvizSVG) unless NoGraphviz is set.
	SVG func(dot []byte) ([]byte, error)
	// NoGraphviz disables looking for dot on PATH.
	NoGraphviz bool
	// PDF prints the HTML report to PDF for --format pdf; nil: ChromiumPDF.
	PDF func(html []byte) ([]byte, error)

	// The case header (issue 15): what a compliance desk needs to know who
	// asks, about which case, and how to check the answer.
	//
	// CaseName is the investigator's name or reference for the case (e.g. a
	// police case number, or the case file traced).
	CaseName string
	// Investigator is who prepared the report (name, organisation, contact).
	Investigator string
	// Description says what happened; Sources where the facts come from
	// (reports, announcements, the case file's source note).
	Description string
	Sources     []string
	// Reproduce is the command that recomputes this result, secrets redacted.
	Reproduce string
}

// view is what both renderers show, computed once so that Markdown and HTML
// cannot disagree.
type view struct {
	Title        string
	CaseName     string
	TraceID      string
	Investigator string
	Description  string
	Sources      []string
	Reproduce    string
	Tool         string
	Chain        string
	Family       string
	Policy       string
	Seeds        []string
	Params       []kv
	Tip          string
	Generated    string
	Incomplete   bool
	Error        string
	Assets       []assetView
	Exchanges    []exchangeView
	Swaps        []swapView
	Crossings    []swapView // crossings into other chains: head line and evidence lines
	Paths        []pathView
	Warnings     []string
	Explorer     explorer
	// Reconciliation: holders whose node balance at the end differs from
	// what the traced transfers explain (graph.Result.Discrepancies).
	Reconciliation []reconView
	Candidates     *candidatesView // mixer candidates (candidates.go); nil when the search did not run
}

type reconView struct {
	Address, Asset, Block, Node, Traced, Unexplained, Treatment string
}

type kv struct{ K, V string }

// swapView is one conversion of the swap rule: what went in and came out, and
// the evidence (tx, block, venues, rate, outputs).
type swapView struct {
	Head    string
	Details []string
}

type assetView struct {
	Symbol string
	Kind   string // "native" or "token 0x…"
	Rows   []sumRow
}

type sumRow struct {
	Name   string
	Amount string
	Share  string
	Note   string
	Sub    bool // an untraced cause under "untraced"
	Strong bool // the seed line
}

type exchangeView struct {
	Name   string
	Totals []string // per asset, "4 ETH"
	Rows   []freezeRow
	ends   []*graph.Endpoint // the endpoints the rows come from (the exchange's graph)
}

type freezeRow struct {
	Kind       string // "deposit" or "hot wallet"
	Address    string
	Label      string
	Tx         string
	Block      string
	TxAmount   string // the credit's whole amount, as the exchange sees the transaction
	Amount     string // the tainted part of it
	Time       string
	Hops       string
	Sweep      string
	Confidence string
}

type pathView struct {
	N        int
	Kind     string
	Address  string
	Outpoint string
	Label    string
	Amount   string
	Share    string
	Hops     int
	Txs      []string
	Sweep    string
	Exchange string
	Dest     string
	Note     string
}

// summary lines of "where the funds went", in order; untraced kinds follow.
var summaryGroups = []struct {
	name  string
	kinds []string
}{
	{"Exchanges (labelled wallets)", []string{graph.EndExchange}},
	{"Exchange deposit addresses", []string{graph.EndExchangeDeposit}},
	{"Mixers", []string{graph.EndMixer}},
	{"Bridges", []string{graph.EndBridge}},
	{"Services", []string{graph.EndService}},
	{"Contracts (unlabelled)", []string{graph.EndContract}},
	{"Still unspent", []string{graph.EndUnspent}},
}

func buildView(r *graph.Result, opts Options) *view {
	v := &view{
		Title:      clean(opts.Title),
		Tool:       clean(r.Tool),
		Chain:      clean(r.Chain),
		Family:     clean(r.Family),
		Policy:     clean(r.Policy),
		Incomplete: r.Error != "",
		Error:      escape.Display(r.Error, escape.LineMax),
		Explorer:   explorerFor(r.Chain),
	}
	if v.Title == "" {
		v.Title = "Fund-flow report"
	}
	v.CaseName = short(opts.CaseName)
	v.TraceID = TraceID(r)
	v.Investigator = short(opts.Investigator)
	v.Description = escape.Display(opts.Description, descriptionMax)
	for _, s := range opts.Sources {
		if s = escape.Display(s, descriptionMax); s != "" {
			v.Sources = append(v.Sources, s)
		}
	}
	v.Reproduce = escape.Display(opts.Reproduce, descriptionMax)
	if v.Tool == "" {
		v.Tool = "chaintrace " + clean(opts.Version)
	}
	for _, s := range r.Seeds {
		v.Seeds = append(v.Seeds, clean(s))
	}
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Params = append(v.Params, kv{clean(k), clean(render.ParamValue(r, k))})
	}
	if r.Tip != 0 {
		v.Tip = fmt.Sprint(r.Tip)
	}
	if !opts.Generated.IsZero() {
		v.Generated = opts.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	for _, w := range r.Warnings {
		v.Warnings = append(v.Warnings, escape.Display(w, escape.LineMax))
	}
	sort.Strings(v.Warnings)
	for _, d := range r.Discrepancies {
		a := r.AssetOf(d.Asset)
		u := graph.FormatAmount(new(big.Int).Abs(d.Unexplained), a)
		if d.Unexplained.Sign() < 0 {
			u = "−" + u
		} else {
			u = "+" + u
		}
		v.Reconciliation = append(v.Reconciliation, reconView{
			Address: clean(d.Address), Asset: clean(a.Symbol), Block: fmt.Sprint(d.Block),
			Node: graph.FormatAmount(d.NodeBalance, a), Traced: graph.FormatAmount(d.Traced, a),
			Unexplained: u, Treatment: clean(d.Treatment),
		})
	}
	sort.SliceStable(v.Reconciliation, func(i, j int) bool {
		if v.Reconciliation[i].Asset != v.Reconciliation[j].Asset {
			return v.Reconciliation[i].Asset < v.Reconciliation[j].Asset
		}
		return v.Reconciliation[i].Address < v.Reconciliation[j].Address
	})

	ends := sortedEndpoints(r)
	for _, id := range r.AssetIDs() {
		v.Assets = append(v.Assets, summarize(r, id, ends))
	}
	v.Exchanges = freezeTables(r, ends)
	for _, c := range r.Conversions {
		head, detail := render.ConversionLines(r, c)
		sv := swapView{Head: clean(head)}
		for _, d := range detail {
			sv.Details = append(sv.Details, clean(d))
		}
		v.Swaps = append(v.Swaps, sv)
	}
	for _, c := range r.Crossings {
		ls := render.CrossingLines(r, c)
		cv := swapView{Head: clean(ls[0])}
		for _, d := range ls[1:] {
			cv.Details = append(cv.Details, clean(d))
		}
		v.Crossings = append(v.Crossings, cv)
	}
	for i, e := range ends {
		a := r.AssetOf(e.Asset)
		p := pathView{
			N: i + 1, Kind: e.Kind, Address: clean(e.Address), Outpoint: clean(e.Outpoint),
			Label: short(e.Label), Amount: graph.FormatAmount(e.Amount, a),
			Share: graph.Percent(e.Amount, seedOf(r, e.Asset)), Hops: e.Hops,
			Sweep: clean(e.SweepTx), Exchange: short(e.Exchange), Dest: short(e.DestChain), Note: escape.Display(e.Note, escape.LineMax),
		}
		for _, t := range e.Path {
			p.Txs = append(p.Txs, clean(t))
		}
		v.Paths = append(v.Paths, p)
	}
	v.Candidates = buildCandidates(r, opts)
	return v
}

func summarize(r *graph.Result, id string, ends []*graph.Endpoint) assetView {
	a := r.AssetOf(id)
	av := assetView{Symbol: graph.DisplaySymbol(a), Kind: "native"}
	if av.Symbol == "" {
		av.Symbol = clean(a.ID)
	}
	if !a.Native() {
		av.Kind = "token " + clean(a.Contract)
	}
	t := r.Totals[id]
	if t == nil {
		t = &graph.Totals{ByKind: map[string]*big.Int{}}
	}
	sum := graph.KindSums(t, ends, id)
	row := func(name string, amt *big.Int, n int) sumRow {
		return sumRow{Name: name, Amount: graph.FormatAmount(amt, a), Share: graph.Percent(amt, t.Seed), Note: endpoints(n)}
	}
	seed := t.Seed
	if seed == nil {
		seed = new(big.Int)
	}
	av.Rows = append(av.Rows, sumRow{Name: "Stolen (seed)", Amount: graph.FormatAmount(seed, a), Share: "100%", Strong: true})
	known := map[string]bool{}
	for _, g := range summaryGroups {
		s, n := sum(g.kinds...)
		for _, k := range g.kinds {
			known[k] = true
		}
		if s.Sign() == 0 && n == 0 {
			continue
		}
		rr := row(g.name, s, n)
		if cats := categoriesOf(ends, id, g.kinds); len(cats) > 0 && rr.Note != "" {
			rr.Note += " (" + strings.Join(cats, ", ") + ")"
		}
		av.Rows = append(av.Rows, rr)
	}
	var other []string
	for k := range t.ByKind {
		if !known[k] && !graph.Untraced(k) {
			other = append(other, k)
		}
	}
	for _, e := range ends {
		if k := e.Kind; e.Asset == id && !known[k] && !graph.Untraced(k) && t.ByKind[k] == nil && !slices.Contains(other, k) {
			other = append(other, k)
		}
	}
	sort.Strings(other)
	if len(other) > 0 {
		s, n := sum(other...)
		rr := row("Other", s, n)
		rr.Note = strings.Join(other, ", ") + "; " + rr.Note
		av.Rows = append(av.Rows, rr)
	}
	av.Rows = append(av.Rows, row("Fees", t.Fees, 0))
	var ukinds []string
	for _, k := range graph.EndpointKinds {
		if graph.Untraced(k) {
			ukinds = append(ukinds, k)
		}
	}
	u, n := sum(ukinds...)
	if t.Untraced != nil {
		u = t.Untraced
	}
	av.Rows = append(av.Rows, row("Untraced (lost from view)", u, n))
	for _, k := range ukinds {
		if s, n := sum(k); s.Sign() != 0 || n > 0 {
			rr := row(k, s, n)
			rr.Sub = true
			av.Rows = append(av.Rows, rr)
		}
	}
	if t.Growth != nil && t.Growth.Sign() != 0 {
		rr := row("Growth (poison policy)", t.Growth, 0)
		rr.Note = "taint the policy added; not part of the seed"
		av.Rows = append(av.Rows, rr)
	}
	return av
}

// categoriesOf lists the label categories of asset's endpoints of the given
// kinds that are not the kind itself: the services row says which are DEX
// contracts (a held-by-service endpoint keeps its label's category).
func categoriesOf(ends []*graph.Endpoint, asset string, kinds []string) []string {
	var cats []string
	for _, e := range ends {
		if e.Asset != asset || !slices.Contains(kinds, e.Kind) || e.Category == "" || e.Category == e.Kind {
			continue
		}
		if c := clean(e.Category); !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	sort.Strings(cats)
	return cats
}

func endpoints(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 endpoint"
	}
	return fmt.Sprintf("%d endpoints", n)
}

// freezeTables groups exchange and deposit endpoints by exchange: one table per
// exchange, one row per tainted credit into each address.
func freezeTables(r *graph.Result, ends []*graph.Endpoint) []exchangeView {
	byName := map[string]*exchangeView{}
	totals := map[string]map[string]*big.Int{}
	for _, e := range ends {
		if e.Kind != graph.EndExchange && e.Kind != graph.EndExchangeDeposit {
			continue
		}
		name := e.Exchange
		if name == "" {
			name = e.Label
		}
		name = short(labels.Entity(name))
		if name == "" {
			name = "Unknown exchange"
		}
		ev := byName[name]
		if ev == nil {
			ev = &exchangeView{Name: name}
			byName[name] = ev
			totals[name] = map[string]*big.Int{}
		}
		ev.ends = append(ev.ends, e)
		if totals[name][e.Asset] == nil {
			totals[name][e.Asset] = new(big.Int)
		}
		if e.Amount != nil {
			totals[name][e.Asset].Add(totals[name][e.Asset], e.Amount)
		}
		a := r.AssetOf(e.Asset)
		kind, conf, sweep := "hot wallet", "labelled", "—"
		if e.Kind == graph.EndExchangeDeposit {
			kind, sweep = "deposit", clean(e.SweepTx)
			if sweep == "" {
				sweep = "—"
			}
			conf = permille(e.Confidence)
		}
		if e.LowConfidence {
			conf += " (low)"
		}
		base := freezeRow{Kind: kind, Address: clean(e.Address), Label: short(e.Label), Hops: fmt.Sprint(e.Hops), Sweep: sweep, Confidence: conf}
		if len(e.Inflows) == 0 {
			row := base
			row.Tx, row.Amount, row.Time, row.Block, row.TxAmount = "—", graph.FormatAmount(e.Amount, a), "—", "—", "—"
			if len(e.Path) > 0 {
				row.Tx = clean(e.Path[len(e.Path)-1])
			}
			ev.Rows = append(ev.Rows, row)
			continue
		}
		ins := append([]graph.Inflow(nil), e.Inflows...)
		sort.SliceStable(ins, func(i, j int) bool {
			if ins[i].Block != ins[j].Block {
				return ins[i].Block < ins[j].Block
			}
			return ins[i].Tx < ins[j].Tx
		})
		for _, in := range ins {
			row := base
			row.Tx, row.Amount, row.Time = clean(in.Tx), graph.FormatAmount(in.Amount, a), utc(in.Time)
			row.Block, row.TxAmount = "—", "—"
			if in.Block != 0 {
				row.Block = fmt.Sprint(in.Block)
			}
			if in.Value != nil {
				row.TxAmount = graph.FormatAmount(in.Value, a)
			}
			ev.Rows = append(ev.Rows, row)
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]exchangeView, 0, len(names))
	for _, n := range names {
		ev := byName[n]
		for _, id := range r.AssetIDs() {
			if s := totals[n][id]; s != nil {
				ev.Totals = append(ev.Totals, graph.FormatAmount(s, r.AssetOf(id)))
			}
		}
		out = append(out, *ev)
	}
	return out
}

func permille(p int) string {
	return fmt.Sprintf("%d.%d%%", p/10, p%10)
}

func utc(t int64) string {
	if t == 0 {
		return "—"
	}
	return time.Unix(t, 0).UTC().Format("2006-01-02 15:04:05 UTC")
}

// sortedEndpoints is Result.SortEndpoints' order (amount descending, kind,
// address, outpoint) with the assets in report order (native first), on a copy: the report must not reorder the caller's
// result, and a nil amount sorts as zero.
func sortedEndpoints(r *graph.Result) []*graph.Endpoint {
	es := append([]*graph.Endpoint(nil), r.Endpoints...)
	rank := map[string]int{}
	for i, id := range r.AssetIDs() {
		rank[id] = i
	}
	amt := func(e *graph.Endpoint) *big.Int {
		if e.Amount == nil {
			return new(big.Int)
		}
		return e.Amount
	}
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Asset != b.Asset {
			return rank[a.Asset] < rank[b.Asset]
		}
		if c := amt(a).Cmp(amt(b)); c != 0 {
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
	return es
}

func seedOf(r *graph.Result, id string) *big.Int {
	if t := r.Totals[id]; t != nil {
		return t.Seed
	}
	return nil
}

// clean drops control and bidirectional-override characters and escape
// sequences: label names and messages come from files, contracts and nodes
// (escape.Terminal).
func clean(s string) string { return escape.Terminal(s) }

// descriptionMax is the most characters of a case description or reproduce
// command the report shows.
const descriptionMax = 2000

// TraceID names the trace question r answers: the chain, the seeds, the
// policy, the parameters and the last block considered, hashed. The same
// question asked again (a replay, a rerun with the same flags) has the same
// ID, so a desk can tell two reports of one trace from two traces.
func TraceID(r *graph.Result) string {
	h := sha256.New()
	fmt.Fprintf(h, "chain=%s\nfamily=%s\npolicy=%s\ntip=%d\n", r.Chain, r.Family, r.Policy, r.Tip)
	for _, s := range r.Seeds {
		fmt.Fprintf(h, "seed=%s\n", s)
	}
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "param %s=%s\n", k, r.Params[k])
	}
	return "ct-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// labelMax is the most characters of a label, exchange name or note the report
// shows; the JSON output keeps them whole.
const labelMax = 200

// short is clean with the result cut to labelMax characters.
func short(s string) string { return escape.Display(s, labelMax) }

// explorer links hashes and addresses for chains with a well-known public
// explorer; a local chain gets no links.
type explorer struct{ tx, addr string }

// explorerFor links to the chain's public explorer (package chainid's table).
func explorerFor(chain string) explorer {
	if c, ok := chainid.Lookup(chain); ok && c.Explorer != "" {
		return explorer{c.Explorer + "tx/", c.Explorer + "address/"}
	}
	return explorer{}
}

// hexish reports whether s is safe to put in a URL path as is.
func hexish(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
