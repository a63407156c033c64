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

// TextOptions shape the terminal report.
type TextOptions struct {
	// Width is the terminal width in columns; when the endpoint table is wider,
	// transaction hashes, then labels, then addresses are abbreviated until it
	// fits (or nothing more can be shortened). 0: no limit.
	Width int
	// Paths prints each endpoint's full transaction path (seed → endpoint) and,
	// for deposits, the sweep transaction, on the lines below its row.
	Paths bool
	// MaxRows limits the endpoint table to the largest MaxRows rows per asset;
	// a final line says how many were left out. 0: all rows.
	MaxRows int
}

// WriteText writes a report for a terminal: a header (chain, policy, seeds,
// tip), then per asset a summary of where the seed went (exchanges including
// deposit addresses, mixers, bridges, services and contracts, still unspent, fees,
// untraced with its causes) in human units with percentages of the seed computed
// in integer permille, then a table of that asset's endpoints, largest first;
// warnings and the error of an interrupted trace come last. Output is
// deterministic; untrusted text (labels, messages) is stripped of control and
// bidirectional-override characters.
func WriteText(w io.Writer, r *graph.Result, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }

	title := "chaintrace"
	if r.Tool != "" {
		title = cleanText(r.Tool)
	}
	fam := ""
	if r.Family != "" {
		fam = " (" + r.Family + ")"
	}
	p("%s · chain %s%s · policy %s\n", title, cleanText(r.Chain), fam, cleanText(r.Policy))
	for i, s := range r.Seeds {
		key := "seeds "
		if i > 0 {
			key = "      "
		}
		p("  %s  %s\n", key, cleanText(s))
	}
	if r.Tip != 0 {
		p("  tip     block %d\n", r.Tip)
	}
	if len(r.Params) > 0 {
		keys := make([]string, 0, len(r.Params))
		for k := range r.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		kv := make([]string, len(keys))
		for i, k := range keys {
			kv[i] = cleanText(k) + "=" + cleanText(r.Params[k])
		}
		p("  params  %s\n", strings.Join(kv, " "))
	}
	if r.Error != "" {
		p("  status  INCOMPLETE: the trace stopped early (error below); amounts cover what was fetched\n")
	}

	ends := sortedEndpoints(r)
	for _, id := range r.AssetIDs() {
		a := r.AssetOf(id)
		t := totalsFor(r, id)
		p("\n")
		writeSummary(bw, a, t, ends)
		var rows []*graph.Endpoint
		for _, e := range ends {
			if e.Asset == id {
				rows = append(rows, e)
			}
		}
		if len(rows) > 0 {
			p("\n")
			writeEndpointTable(bw, a, t.Seed, rows, opts)
		}
	}

	if len(r.Conversions) > 0 {
		p("\nswaps (taint converted at each transaction's own rate: tainted out = received × tainted in / sent)\n")
		for _, c := range r.Conversions {
			head, detail := ConversionLines(r, c)
			p("  %s\n", cleanText(head))
			for _, d := range detail {
				p("      %s\n", cleanText(d))
			}
		}
	}
	if err := writeCandidatesText(p, r); err != nil {
		return err
	}
	if len(r.Warnings) > 0 {
		p("\nwarnings\n")
		for _, s := range sortedStrings(r.Warnings) {
			p("  - %s\n", escape.Display(s, escape.LineMax))
		}
	}
	if r.Error != "" {
		p("\nerror: %s\n", escape.Display(r.Error, escape.LineMax))
	}
	if err := writeFollowedText(p, r, opts); err != nil {
		return err
	}
	return bw.Flush()
}

// summaryGroups are the summary's lines; each sums some endpoint kinds.
var summaryGroups = []struct {
	name  string
	kinds []string
}{
	{"reached exchanges", []string{graph.EndExchange, graph.EndExchangeDeposit}},
	{"reached mixers", []string{graph.EndMixer}},
	{"reached bridges", []string{graph.EndBridge}},
	{"services & contracts", []string{graph.EndService, graph.EndContract}},
	{"still unspent", []string{graph.EndUnspent}},
}

func writeSummary(w io.Writer, a graph.Asset, t *graph.Totals, ends []*graph.Endpoint) {
	kindName := "native"
	if !a.Native() {
		kindName = "token " + a.Contract
	}
	fmt.Fprintf(w, "%s (%s, %d decimals)\n", graph.DisplaySymbol(a), cleanText(kindName), a.Decimals)

	sum := graph.KindSums(t, ends, a.ID)
	type line struct {
		name   string
		amount *big.Int
		note   string
	}
	lines := []line{{"seed", t.Seed, ""}}
	known := map[string]bool{}
	for _, g := range summaryGroups {
		v, n := sum(g.kinds...)
		lines = append(lines, line{g.name, v, endpointCount(n)})
		for _, k := range g.kinds {
			known[k] = true
		}
	}
	lines = append(lines, line{"fees", t.Fees, ""})
	var untracedKinds []string
	for _, k := range graph.EndpointKinds {
		if graph.Untraced(k) {
			untracedKinds = append(untracedKinds, k)
			known[k] = true
		}
	}
	var other []string
	for k := range t.ByKind {
		if !known[k] {
			other = append(other, k)
		}
	}
	for _, e := range ends {
		if e.Asset == a.ID && !known[e.Kind] && t.ByKind[e.Kind] == nil && !slices.Contains(other, e.Kind) {
			other = append(other, e.Kind)
		}
	}
	sort.Strings(other)
	if len(other) > 0 {
		v, n := sum(other...)
		lines = append(lines, line{"other", v, strings.Join(other, ", ") + "; " + endpointCount(n)})
	}
	untraced, n := sum(untracedKinds...)
	if t.Untraced != nil {
		untraced = t.Untraced
	}
	lines = append(lines, line{"untraced", untraced, endpointCount(n)})
	for _, k := range untracedKinds {
		if v, n := sum(k); v.Sign() != 0 || n > 0 {
			lines = append(lines, line{"  " + k, v, endpointCount(n)})
		}
	}
	if t.Growth != nil && t.Growth.Sign() != 0 {
		lines = append(lines, line{"growth (poison)", t.Growth, "taint the policy added; not part of the seed"})
	}
	if t.WrappedIn != nil && t.WrappedIn.Sign() != 0 {
		lines = append(lines, line{"wrapped in", t.WrappedIn, "taint that arrived from another asset (e.g. ETH → WETH)"})
	}
	if t.WrappedOut != nil && t.WrappedOut.Sign() != 0 {
		lines = append(lines, line{"wrapped out", t.WrappedOut, "taint that left for another asset"})
	}
	if t.SwappedIn != nil && t.SwappedIn.Sign() != 0 {
		lines = append(lines, line{"swapped in", t.SwappedIn, "taint that arrived from another asset in a swap (see swaps)"})
	}
	if t.SwappedOut != nil && t.SwappedOut.Sign() != 0 {
		lines = append(lines, line{"swapped out", t.SwappedOut, "taint that left for another asset in a swap (see swaps)"})
	}

	nums := make([]*big.Int, len(lines))
	for i, l := range lines {
		nums[i] = l.amount
	}
	amounts := alignAmounts(nums, a)
	tb := &table{right: []bool{false, false, true, false}}
	for i, l := range lines {
		share := graph.Percent(l.amount, t.Seed)
		if i == 0 {
			share = ""
		}
		tb.rows = append(tb.rows, []string{l.name, amounts[i], share, l.note})
	}
	for _, s := range tb.render("  ") {
		fmt.Fprintln(w, s)
	}
}

func endpointCount(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 endpoint"
	}
	return fmt.Sprintf("%d endpoints", n)
}

// alignAmounts formats amounts in human units with their decimal points aligned
// and the symbol after them.
func alignAmounts(vs []*big.Int, a graph.Asset) []string {
	ints, fracs := make([]string, len(vs)), make([]string, len(vs))
	wi, wf := 0, 0
	for i, v := range vs {
		s := graph.FormatUnits(v, a.Decimals)
		in, fr, ok := strings.Cut(s, ".")
		if ok {
			fr = "." + fr
		}
		ints[i], fracs[i] = in, fr
		wi, wf = max(wi, len(in)), max(wf, len(fr))
	}
	out := make([]string, len(vs))
	sym := graph.DisplaySymbol(a)
	for i := range vs {
		s := strings.Repeat(" ", wi-len(ints[i])) + ints[i] + fracs[i] + strings.Repeat(" ", wf-len(fracs[i]))
		if sym != "" {
			s += " " + sym
		}
		out[i] = s
	}
	return out
}

func writeEndpointTable(w io.Writer, a graph.Asset, seed *big.Int, rows []*graph.Endpoint, opts TextOptions) {
	omitted := 0
	if opts.MaxRows > 0 && len(rows) > opts.MaxRows {
		omitted = len(rows) - opts.MaxRows
		rows = rows[:opts.MaxRows]
	}
	nums := make([]*big.Int, len(rows))
	for i, e := range rows {
		nums[i] = e.Amount
	}
	amounts := alignAmounts(nums, a)

	lastCol := "INFLOW TX"
	for _, e := range rows {
		if e.Outpoint != "" {
			lastCol = "INFLOW TX / OUTPUT"
		}
	}

	// Shortening stages, tried in order until the table fits opts.Width.
	const (
		shortTx = 1 << iota
		shortLabel
		shortAddr
		shorterLabel
		tiny
	)
	stages := []int{0, shortTx, shortTx | shortLabel, shortTx | shortLabel | shortAddr,
		shortTx | shortLabel | shortAddr | shorterLabel, shortTx | shortLabel | shortAddr | shorterLabel | tiny}
	var lines []string
	for _, st := range stages {
		tb := &table{
			header: []string{"KIND", "ADDRESS", "LABEL", "AMOUNT", "SHARE", "HOPS", lastCol},
			right:  []bool{false, false, false, false, true, true, false},
		}
		for i, e := range rows {
			addr := firstNonEmpty(e.Address, e.Outpoint)
			switch {
			case st&tiny != 0:
				addr = abbrev(addr, 6, 4)
			case st&shortAddr != 0:
				addr = shortID(addr)
			}
			label := e.Label
			if label == "" && e.Exchange != "" {
				label = "deposit of " + e.Exchange
			}
			label = escape.Display(label, textLabelMax)
			switch {
			case st&tiny != 0:
				label = truncate(label, 10)
			case st&shorterLabel != 0:
				label = truncate(label, 12)
			case st&shortLabel != 0:
				label = truncate(label, 24)
			}
			tx, more := "", 0
			switch {
			case e.Outpoint != "":
				tx = e.Outpoint // UTXO: the output holding the taint names its tx
			case len(e.Inflows) > 0:
				in := sortedInflows(e.Inflows)
				tx, more = in[0].Tx, len(in)-1
			case len(e.Path) > 0:
				tx = e.Path[len(e.Path)-1]
			}
			switch {
			case st&tiny != 0:
				tx = abbrev(tx, 6, 4)
			case st&shortTx != 0:
				tx = shortID(tx)
			}
			if tx == "" {
				tx = "-"
			}
			if more > 0 {
				tx += fmt.Sprintf(" +%d", more)
			}
			tb.rows = append(tb.rows, []string{e.Kind, cleanText(addr), label, amounts[i], graph.Percent(e.Amount, seed), fmt.Sprint(e.Hops), cleanText(tx)})
		}
		lines = tb.render("  ")
		if opts.Width <= 0 || tableWidth(lines) <= opts.Width {
			break
		}
	}
	// The header and rows come from render; path lines go under their row.
	fmt.Fprintln(w, lines[0])
	for i, e := range rows {
		fmt.Fprintln(w, lines[i+1])
		if !opts.Paths {
			continue
		}
		fmt.Fprintf(w, "      path: %s\n", cleanText(strings.Join(nonNil(e.Path), " → ")))
		if e.SweepTx != "" || e.Exchange != "" {
			conf := ""
			if e.Confidence != 0 {
				conf = fmt.Sprintf(" (confidence %s)", graph.Percent(big.NewInt(int64(e.Confidence)), big.NewInt(1000)))
			}
			fmt.Fprintf(w, "      sweep: %s to %s%s\n", cleanText(firstNonEmpty(e.SweepTx, "-")), escape.Display(firstNonEmpty(e.Exchange, "?"), textLabelMax), conf)
		}
		if e.DestChain != "" {
			fmt.Fprintf(w, "      destination chain: %s\n", escape.Display(e.DestChain, textLabelMax))
		}
		if e.Note != "" {
			fmt.Fprintf(w, "      note: %s\n", escape.Display(e.Note, escape.LineMax))
		}
	}
	if omitted > 0 {
		fmt.Fprintf(w, "  … %d more endpoints not shown (see --format json)\n", omitted)
	}
}

// textLabelMax is the most characters of a label (or exchange name) the text
// report shows: label files and contracts can hold any amount of text, and a
// table row must stay a row.
const textLabelMax = 64

// table aligns columns by rune count; right marks right-aligned columns.
type table struct {
	header []string
	rows   [][]string
	right  []bool
}

func (t *table) render(indent string) []string {
	all := t.rows
	if t.header != nil {
		all = append([][]string{t.header}, t.rows...)
	}
	var widths []int
	for _, row := range all {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	out := make([]string, 0, len(all))
	for _, row := range all {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(t.right) && t.right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

func tableWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, utf8.RuneCountInString(l))
	}
	return w
}
