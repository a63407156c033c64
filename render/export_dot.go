package render

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
)

// nodeStyle is how one role or endpoint kind looks in DOT. The palette is
// colour-blind friendly enough to tell the families apart (green = exchanges,
// purple = mixers, blue = bridges, orange = services, yellow = still there, grey
// dashed = lost from view), and the legend lists the styles present.
type nodeStyle struct {
	fill, border, style string
	extra               string // further attributes, already DOT-formatted
}

var dotStyles = map[string]nodeStyle{
	graph.RoleSeed:           {"#f4a6a6", "#b22222", "rounded,filled,bold", "peripheries=2"},
	graph.RoleVictim:         {"#fbd5d5", "#b22222", "rounded,filled", ""},
	graph.RoleHop:            {"#ffffff", "#555555", "rounded,filled", ""},
	graph.RoleTx:             {"#eeeeee", "#999999", "filled", `fontsize=8, margin="0.05,0.02", height=0.25`},
	graph.RoleUnknown:        {"#ffffff", "#aaaaaa", "rounded,filled,dotted", ""},
	graph.RoleSwap:           {"#e1f5fe", "#0277bd", "rounded,filled,bold", ""},
	graph.EndExchange:        {"#b8e0b8", "#2e7d32", "rounded,filled,bold", ""},
	graph.EndExchangeDeposit: {"#dff2df", "#2e7d32", "rounded,filled,bold", ""},
	graph.EndMixer:           {"#d4b8e8", "#6a1b9a", "rounded,filled,bold", ""},
	graph.EndBridge:          {"#b8d4f0", "#1565c0", "rounded,filled,bold", ""},
	graph.EndService:         {"#ffe0b2", "#e65100", "rounded,filled", ""},
	graph.EndContract:        {"#e0e0e0", "#424242", "rounded,filled", ""},
	graph.EndUnspent:         {"#fff59d", "#f9a825", "rounded,filled,bold", ""},
	graph.EndHopLimit:        {"#eeeeee", "#757575", "rounded,filled,dashed", ""},
	graph.EndBelowThreshold:  {"#eeeeee", "#757575", "rounded,filled,dashed", ""},
	graph.EndHighActivity:    {"#eeeeee", "#757575", "rounded,filled,dashed", ""},
	graph.EndAddressLimit:    {"#eeeeee", "#757575", "rounded,filled,dashed", ""},
	graph.EndIncomplete:      {"#eeeeee", "#c62828", "rounded,filled,dashed", ""},
	graph.EndBudget:          {"#eeeeee", "#6a1b9a", "rounded,filled,dashed", ""},
}

// dotRoleOrder is the legend's order.
var dotRoleOrder = append([]string{graph.RoleSeed, graph.RoleVictim, graph.RoleHop, graph.RoleSwap, graph.RoleTx, graph.RoleUnknown}, graph.EndpointKinds...)

func styleOf(role string) nodeStyle {
	if s, ok := dotStyles[role]; ok {
		return s
	}
	return dotStyles[graph.RoleHop]
}

// WriteDOT writes r's fund-flow graph for Graphviz (dot -Tsvg). Nodes are
// styled by role or endpoint kind and labelled with the label name, a short
// address and, for endpoints, what ended there; parallel transfers between the
// same pair of nodes are drawn as one edge per asset, labelled with the summed
// amount and taint in human units and the number of transfers. Every label is an
// HTML-like label with all text escaped, so quotes, backslashes, newlines, '<',
// '&' and any Unicode in label names cannot break the file. Output is
// deterministic.
func WriteDOT(w io.Writer, r *graph.Result) error {
	return WriteDOTWith(w, r, DOTOptions{})
}

// DOTOptions change how WriteDOTWith lays a graph out; the zero value is
// WriteDOT's.
type DOTOptions struct {
	// Vertical ranks the graph top to bottom instead of left to right, so a
	// deep path fits a portrait page's width (the report's per-exchange graphs).
	Vertical bool
	// Title replaces the heading (tool, chain, policy, tip, one line per seed).
	Title string
}

// WriteDOTWith is WriteDOT with options.
func WriteDOTWith(w io.Writer, r *graph.Result, o DOTOptions) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }

	rankdir, ranksep, title := "LR", "0.6", dotTitle(r)
	if o.Vertical {
		// Ranks are rows: a deep path (a peel chain, with a transaction node
		// between each pair of addresses) is what makes it tall, so they sit
		// closer; the edge labels between them still fit.
		rankdir, ranksep = "TB", "0.3"
	}
	if o.Title != "" {
		title = htmlText(truncate(o.Title, 120)) + `<BR ALIGN="LEFT"/>`
	}
	p("// chaintrace fund-flow graph; render with: dot -Tsvg trace.dot > trace.svg\n")
	p("digraph chaintrace {\n")
	p("  graph [rankdir=%s, fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, nodesep=0.25, ranksep=%s, label=<%s>];\n", rankdir, ranksep, title)
	p("  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#555555\"];\n")
	p("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#444444\", arrowsize=0.7];\n")

	var nodes []*graph.Node
	if r.Flow != nil {
		nodes = r.Flow.Nodes()
	}
	ends := endpointsByNode(r)
	present := map[string]bool{}
	for _, n := range nodes {
		present[n.Role] = true
		s := styleOf(n.Role)
		attrs := fmt.Sprintf("label=<%s>, fillcolor=%q, color=%q, style=%q, tooltip=%s",
			nodeLabel(r, n, ends[n.ID]), s.fill, s.border, s.style, dotQuote(n.ID))
		if s.extra != "" {
			attrs += ", " + s.extra
		}
		p("  %s [%s];\n", dotQuote(n.ID), attrs)
	}

	seed := map[string]*big.Int{}
	for _, id := range r.AssetIDs() {
		seed[id] = totalsFor(r, id).Seed
	}
	for _, g := range aggregateEdges(r) {
		a := r.AssetOf(g.asset)
		lines := []string{
			"amount " + htmlText(RoundedAmount(g.amount, a)),
			"taint " + htmlText(RoundedAmount(g.taint, a)),
		}
		if g.taint.Sign() != 0 && g.taint.Cmp(g.amount) != 0 {
			lines[1] += " (" + graph.Percent(g.taint, g.amount) + ")"
		}
		switch {
		case g.count == 1 && (g.from == "tx:"+g.firstTx || g.to == "tx:"+g.firstTx):
			// A UTXO input or output: the transaction node already names the tx.
		case g.count == 1:
			lines = append(lines, "tx "+htmlText(shortID(g.firstTx)))
		default:
			lines = append(lines, fmt.Sprintf("%d transfers", g.count))
		}
		change := slices.Contains(g.heuristics, "change")
		if change {
			lines = append(lines, "<I>change (heuristic)</I>")
		}
		if slices.Contains(g.heuristics, "coinjoin") {
			lines = append(lines, "<I>CoinJoin (low confidence)</I>")
		}
		attrs := "label=<" + strings.Join(lines, "<BR/>") + ">"
		if change {
			// Drawn apart from a payment: the output likely went back to the sender.
			attrs += `, arrowhead=onormal, color="#8d6e63", fontcolor="#5d4037"`
		}
		if g.taint.Sign() == 0 {
			attrs += `, style=dashed, color="#aaaaaa", fontcolor="#777777"`
		} else {
			attrs += ", penwidth=" + penwidth(g.taint, seed[g.asset])
		}
		p("  %s -> %s [%s];\n", dotQuote(g.from), dotQuote(g.to), attrs)
	}

	writeSweepsDOT(p, r, nodes, present)
	writeCandidatesDOT(p, r, present)
	if len(present) > 0 {
		p("  %s [shape=plaintext, style=\"\", label=<%s>];\n", dotQuote("chaintrace-legend"), legend(present))
	}
	p("}\n")
	return bw.Flush()
}

type edgeGroup struct {
	from, to, asset string
	amount, taint   *big.Int
	count           int
	firstTx         string
	heuristics      []string // union over the group's transfers, sorted
}

// aggregateEdges sums the transfers between each ordered pair per asset, in the
// order of sortedEdges' first appearance of each group.
func aggregateEdges(r *graph.Result) []*edgeGroup {
	if r.Flow == nil {
		return nil
	}
	type key struct{ from, to, asset string }
	idx := map[key]*edgeGroup{}
	var out []*edgeGroup
	for _, e := range sortedEdges(r.Flow) {
		k := key{e.From, e.To, e.Asset}
		g := idx[k]
		if g == nil {
			g = &edgeGroup{from: e.From, to: e.To, asset: e.Asset, amount: new(big.Int), taint: new(big.Int), firstTx: e.Tx}
			idx[k] = g
			out = append(out, g)
		}
		g.count++
		for _, h := range e.Heuristics {
			if !slices.Contains(g.heuristics, h) {
				g.heuristics = append(g.heuristics, h)
				slices.Sort(g.heuristics)
			}
		}
		if e.Amount != nil {
			g.amount.Add(g.amount, e.Amount)
		}
		if e.Taint != nil {
			g.taint.Add(g.taint, e.Taint)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.from != b.from {
			return a.from < b.from
		}
		if a.to != b.to {
			return a.to < b.to
		}
		return a.asset < b.asset
	})
	return out
}

// Sweep is one exchange deposit's sweep into its exchange: the deposit rule's
// evidence, drawn so the picture shows why the address is a deposit.
type Sweep struct {
	From     string // the deposit address (its graph node)
	To       string // the exchange's node: its labelled hot wallet when the graph has it, else "exchange:<name>"
	Exchange string
	Tx       string
	Asset    string
	Amount   *big.Int // the taint that ended at the deposit
	NewNode  bool     // To is not a node of the flow graph
}

// Sweeps lists the result's deposit sweeps, sorted by deposit, tx, asset; an
// exchange is drawn at its labelled hot wallet when the graph holds exactly
// one node labelled with its name (else at a node of its own).
func Sweeps(r *graph.Result, nodes []*graph.Node) []Sweep {
	byLabel := map[string][]string{}
	for _, n := range nodes {
		if n.Role == graph.EndExchange && n.Label != "" {
			byLabel[n.Label] = append(byLabel[n.Label], n.ID)
		}
	}
	var out []Sweep
	for _, e := range sortedEndpoints(r) {
		if e.Kind != graph.EndExchangeDeposit || e.SweepTx == "" || e.Exchange == "" {
			continue
		}
		from := endpointNode(e)
		s := Sweep{From: from, To: "exchange:" + e.Exchange, Exchange: e.Exchange, Tx: e.SweepTx, Asset: e.Asset, Amount: e.Amount, NewNode: true}
		if ids := byLabel[e.Exchange]; len(ids) == 1 {
			s.To, s.NewNode = ids[0], false
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.Tx != b.Tx {
			return a.Tx < b.Tx
		}
		return a.Asset < b.Asset
	})
	return out
}

// writeSweepsDOT draws each deposit's sweep as a dotted edge into its exchange.
func writeSweepsDOT(p func(string, ...any), r *graph.Result, nodes []*graph.Node, present map[string]bool) {
	drawn := map[string]bool{}
	for _, s := range Sweeps(r, nodes) {
		if s.NewNode && !drawn[s.To] {
			drawn[s.To] = true
			present[graph.EndExchange] = true
			st := styleOf(graph.EndExchange)
			p("  %s [label=<<B>%s</B><BR/><FONT POINT-SIZE=\"8\">exchange (swept into)</FONT>>, fillcolor=%q, color=%q, style=%q];\n",
				dotQuote(s.To), htmlText(truncate(s.Exchange, 40)), st.fill, st.border, st.style)
		}
		p("  %s -> %s [label=<sweep tx %s>, style=dotted, color=\"#2e7d32\", fontcolor=\"#2e7d32\"];\n",
			dotQuote(s.From), dotQuote(s.To), htmlText(shortID(s.Tx)))
	}
}

// penwidth scales an edge from 1.0 (no share of the seed) to 5.0 (all of it),
// in integer tenths.
func penwidth(taint, seed *big.Int) string {
	pm, ok := graph.Permille(taint, seed)
	if !ok {
		return "1.0"
	}
	if pm.Cmp(big.NewInt(1000)) > 0 { // poison can exceed the seed
		pm.SetInt64(1000)
	}
	t := 10 + pm.Int64()*40/1000
	return fmt.Sprintf("%d.%d", t/10, t%10)
}

// endpointsByNode groups endpoints under the node id that holds them.
func endpointsByNode(r *graph.Result) map[string][]*graph.Endpoint {
	m := map[string][]*graph.Endpoint{}
	for _, e := range sortedEndpoints(r) {
		id := endpointNode(e)
		m[id] = append(m[id], e)
	}
	return m
}

func nodeLabel(r *graph.Result, n *graph.Node, ends []*graph.Endpoint) string {
	var lines []string
	if n.Label != "" {
		lines = append(lines, "<B>"+htmlText(truncate(n.Label, 40))+"</B>")
	}
	switch {
	case n.Role == graph.RoleTx || (n.Tx != "" && n.Address == ""):
		lines = append(lines, "tx "+htmlText(shortID(firstNonEmpty(n.Tx, strings.TrimPrefix(n.ID, "tx:")))))
	default:
		lines = append(lines, htmlText(shortID(firstNonEmpty(n.Address, n.ID))))
	}
	meta := n.Role
	if n.Category != "" && n.Category != n.Role {
		meta += ", " + truncate(n.Category, 30)
	}
	if n.Role != graph.RoleTx {
		meta += fmt.Sprintf(" · hop %d", n.Hop)
	}
	lines = append(lines, `<FONT POINT-SIZE="8">`+htmlText(meta)+`</FONT>`)
	// Sum what ended here per kind and asset (a node may hold several outputs).
	type ka struct{ kind, asset string }
	sums := map[ka]*big.Int{}
	var order []ka
	for _, e := range ends {
		k := ka{e.Kind, e.Asset}
		if sums[k] == nil {
			sums[k] = new(big.Int)
			order = append(order, k)
		}
		if e.Amount != nil {
			sums[k].Add(sums[k], e.Amount)
		}
	}
	exch := map[string]bool{}
	for _, e := range ends {
		if e.Exchange != "" && !exch[e.Exchange] {
			exch[e.Exchange] = true
			lines = append(lines, "deposit of "+htmlText(truncate(e.Exchange, 40)))
		}
	}
	for _, k := range order {
		s := RoundedAmount(sums[k], r.AssetOf(k.asset))
		if k.kind != n.Role {
			s = k.kind + ": " + s
		}
		lines = append(lines, "<B>"+htmlText(s)+"</B>")
	}
	return strings.Join(lines, "<BR/>")
}

func dotTitle(r *graph.Result) string {
	t := "chaintrace"
	if r.Tool != "" {
		t = r.Tool
	}
	parts := []string{t, "chain " + r.Chain, "policy " + r.Policy}
	if r.Tip != 0 {
		parts = append(parts, fmt.Sprintf("tip %d", r.Tip))
	}
	lines := []string{htmlText(strings.Join(parts, " · "))}
	for _, s := range r.Seeds {
		lines = append(lines, "seed "+htmlText(s))
	}
	if r.Error != "" {
		lines = append(lines, "INCOMPLETE: "+htmlText(truncate(r.Error, 120)))
	}
	return strings.Join(lines, `<BR ALIGN="LEFT"/>`) + `<BR ALIGN="LEFT"/>`
}

func legend(present map[string]bool) string {
	var b strings.Builder
	b.WriteString(`<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3">`)
	b.WriteString(`<TR><TD BORDER="0"><B>legend</B></TD></TR>`)
	for _, role := range dotRoleOrder {
		if !present[role] {
			continue
		}
		s := styleOf(role)
		fmt.Fprintf(&b, `<TR><TD BGCOLOR="%s" COLOR="%s">%s</TD></TR>`, s.fill, s.border, htmlText(role))
	}
	var extra []string // roles outside the palette, drawn as hops
	for role := range present {
		if _, ok := dotStyles[role]; !ok {
			extra = append(extra, role)
		}
	}
	sort.Strings(extra)
	for _, role := range extra {
		s := styleOf(role)
		fmt.Fprintf(&b, `<TR><TD BGCOLOR="%s" COLOR="%s">%s</TD></TR>`, s.fill, s.border, htmlText(role))
	}
	b.WriteString(`</TABLE>`)
	return b.String()
}

// cleanText makes untrusted text (label names from files, token symbols,
// error messages) safe to show anywhere: see escape.Terminal.
func cleanText(s string) string { return escape.Terminal(s) }

// htmlText escapes text for a Graphviz HTML-like label: see escape.DOTHTML.
func htmlText(s string) string { return escape.DOTHTML(s) }

// dotQuote renders s as a DOT double-quoted string: see escape.DOTQuoted.
func dotQuote(s string) string { return escape.DOTQuoted(s) }

// shortID abbreviates a long address or hash to its first 8 and last 6
// characters, which is how explorers and investigators quote them.
func shortID(s string) string { return abbrev(s, 8, 6) }

// abbrev keeps the first head and last tail runes of s around "…".
func abbrev(s string, head, tail int) string {
	if utf8.RuneCountInString(s) <= head+tail+1 {
		return s
	}
	r := []rune(s)
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// truncate shortens s to at most n runes, ending in "…" when cut.
func truncate(s string, n int) string { return escape.Truncate(s, n) }

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
