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
	// Color colours endpoint kinds (and the INCOMPLETE status) with ANSI SGR
	// sequences: for a terminal only, never for a pipe, a file or a golden.
	Color bool
	// Hints are printed last, under "next": what to try after this trace (the
	// command layer knows the command line and writes them).
	Hints []string
}

// WriteText writes a report for a terminal: a header (chain, policy, seeds,
// tip), then per asset a summary of where the seed went (exchanges including
// deposit addresses, mixers, bridges, services and contracts, still unspent, fees,
// untraced with its causes) in human units with percentages of the seed computed
// in integer permille, then a table of that asset's endpoints, largest first;
// warnings and the error of an interrupted trace come last. Output is
// deterministic; untrusted text (labels, messages) is stripped of control and
// bidirectional-override characters.
//
// With a Width, every line fits it: the endpoint table shortens hashes, then
// rounds amounts, then shortens addresses, then labels (see fitStages); other
// lines wrap at spaces, never inside a hash or an address.
func WriteText(w io.Writer, r *graph.Result, opts TextOptions) error {
	var out strings.Builder
	bw := bufio.NewWriter(&out)
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
	seedsAlone := false // a seed that does not fit after the key goes on its own line
	for _, s := range r.Seeds {
		seedsAlone = seedsAlone || opts.Width > 0 && 10+utf8.RuneCountInString(s) > opts.Width
	}
	if seedsAlone && len(r.Seeds) > 0 {
		p("  seeds\n")
	}
	for i, s := range r.Seeds {
		key := "seeds "
		if i > 0 {
			key = "      "
		}
		if seedsAlone {
			p("    %s\n", cleanText(s))
			continue
		}
		p("  %s  %s\n", key, cleanText(s))
	}
	if r.Tip != 0 {
		p("  tip     block %d\n", r.Tip)
	}
	if len(r.Chains) > 0 {
		cs := make([]string, len(r.Chains))
		for i, c := range r.Chains {
			cs[i] = fmt.Sprintf("%s (tip %d)", cleanText(c.Name), c.Tip)
		}
		p("  chains  %s\n", strings.Join(cs, ", "))
	}
	if len(r.Params) > 0 {
		keys := make([]string, 0, len(r.Params))
		for k := range r.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		kv := make([]string, len(keys))
		for i, k := range keys {
			kv[i] = cleanText(k) + "=" + cleanText(ParamValue(r, k))
		}
		p("  params  %s\n", strings.Join(kv, " "))
	}
	if r.Error != "" {
		status := "INCOMPLETE"
		if opts.Color {
			status = "\x1b[1;31m" + status + sgrReset
		}
		if r.Budget != nil {
			p("  status  %s: the %s budget (%s %s) ran out; the untraced remainder is in budget endpoints (error below)\n",
				status, r.Budget.Kind, r.Budget.Flag(), cleanText(r.Budget.Limit))
		} else {
			p("  status  %s: the trace stopped early (error below); amounts cover what was fetched\n", status)
		}
	}

	ends := sortedEndpoints(r)
	for _, id := range r.AssetIDs() {
		a := r.AssetOf(id)
		t := totalsFor(r, id)
		p("\n")
		writeSummary(bw, a, t, ends, opts.Width)
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
	if len(r.Crossings) > 0 {
		p("\ncrossings (taint into another chain: tainted out = payout × tainted in / sent in)\n")
		for _, c := range r.Crossings {
			for i, l := range CrossingLines(r, c) {
				if i == 0 {
					p("  %s\n", l)
				} else {
					p("      %s\n", l)
				}
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
	followed := opts
	followed.Hints = nil // said once, at the very end
	if err := writeFollowedText(p, r, followed); err != nil {
		return err
	}
	if len(opts.Hints) > 0 {
		p("\nnext\n")
		for _, h := range opts.Hints {
			p("  %s\n", escape.Display(h, escape.LineMax))
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, wrapText(out.String(), opts.Width))
	return err
}

// ParamValue is a params entry for people (the text output's params line, the
// report's Parameters): the deposit rule's α, which the result holds in base
// units of the native coin, in that coin's units. Machine formats keep the
// base units.
func ParamValue(r *graph.Result, k string) string {
	v := r.Params[k]
	if k != "deposit_alpha" {
		return v
	}
	n, ok := new(big.Int).SetString(v, 10)
	if !ok {
		return v
	}
	if a, ok := nativeAsset(r); ok {
		return graph.FormatAmount(n, a)
	}
	return v
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

func writeSummary(w io.Writer, a graph.Asset, t *graph.Totals, ends []*graph.Endpoint, width int) {
	kindName := "native"
	if !a.Native() {
		kindName = "token " + a.Contract
	}
	sym := graph.DisplaySymbol(a)
	if i := strings.LastIndexByte(a.ID, '/'); i > 0 {
		sym += " on " + cleanText(a.ID[:i]) // a multi-chain trace: one section per chain and asset
	}
	fmt.Fprintf(w, "%s (%s, %d decimals)\n", sym, cleanText(kindName), a.Decimals)

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
	if t.CrossedIn != nil && t.CrossedIn.Sign() != 0 {
		lines = append(lines, line{"crossed in", t.CrossedIn, "taint that arrived from another chain (see crossings)"})
	}
	if t.CrossedOut != nil && t.CrossedOut.Sign() != 0 {
		lines = append(lines, line{"crossed out", t.CrossedOut, "taint that left for another chain (see crossings)"})
	}

	nums := make([]*big.Int, len(lines))
	for i, l := range lines {
		nums[i] = l.amount
	}
	// Rounded only as far as the width needs: the summary is what an
	// investigator quotes, so it keeps every digit whenever it can. Notes that
	// explain a line wrap; the endpoint counts are measured with the amounts.
	var out []string
	for _, keep := range amountKeeps {
		amounts := alignAmounts(nums, a, keep)
		tb := &table{right: []bool{false, false, true, false}}
		for i, l := range lines {
			share := graph.Percent(l.amount, t.Seed)
			if i == 0 {
				share = ""
			}
			note := l.note
			if !strings.HasSuffix(note, "endpoint") && !strings.HasSuffix(note, "endpoints") {
				note = ""
			}
			tb.rows = append(tb.rows, []string{l.name, amounts[i], share, note})
		}
		if width > 0 && tableWidth(tb.render("  ")) > width && keep != amountKeeps[len(amountKeeps)-1] {
			continue
		}
		for i, l := range lines {
			tb.rows[i][3] = l.note
		}
		out = tb.render("  ")
		break
	}
	for _, s := range out {
		fmt.Fprintln(w, s)
	}
}

// amountKeeps are the decimal places the text report tries, in order, when a
// table is too wide: all of them, then 8, 4 and 2.
var amountKeeps = []int{-1, 8, 4, 2}

func endpointCount(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 endpoint"
	}
	return fmt.Sprintf("%d endpoints", n)
}

// alignAmounts formats amounts in human units, rounded to keep decimal places
// (-1: exact), with their decimal points aligned and the symbol after them.
func alignAmounts(vs []*big.Int, a graph.Asset, keep int) []string {
	ints, fracs := make([]string, len(vs)), make([]string, len(vs))
	wi, wf := 0, 0
	for i, v := range vs {
		s := roundUnits(v, a.Decimals, keep)
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

// fitStage is one way of laying out the endpoint table. WriteText tries the
// stages in order and keeps the first that fits the width: transaction hashes
// are shortened first (the full hash is in --paths and the machine formats),
// then amounts lose decimals, then addresses are shortened, then labels are
// cut to the room left (but not below labelMin), then the inflow column goes,
// then (a terminal of about 60 columns) the hops column.
type fitStage struct {
	tx, addr int // 0 whole, 1 explorer style (8…6), 2 tiny (6…4)
	keep     int // decimal places of the amounts (-1: exact)
	labelMin int // 0: labels whole; else cut to fit, down to this many runes
	noTx     bool
	noHops   bool
}

var fitStages = []fitStage{
	{keep: -1},
	{tx: 1, keep: -1},
	{tx: 1, keep: 8},
	{tx: 1, keep: 4},
	{tx: 1, addr: 1, keep: 4},
	{tx: 1, addr: 1, keep: 2},
	{tx: 1, addr: 1, keep: 2, labelMin: 12},
	{tx: 2, addr: 2, keep: 2, labelMin: 8},
	{tx: 2, addr: 2, keep: 2, labelMin: 6, noTx: true},
	{tx: 2, addr: 2, keep: 2, labelMin: 6, noTx: true, noHops: true},
}

func shorten(s string, mode int) string {
	switch mode {
	case 1:
		return shortID(s)
	case 2:
		return abbrev(s, 6, 4)
	}
	return s
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

	lastCol := "INFLOW TX"
	for _, e := range rows {
		if e.Outpoint != "" {
			lastCol = "INFLOW TX / OUTPUT"
		}
	}
	var cut legendFacts // what the chosen layout changed, for the legend
	layout := func(st fitStage, labelMax int) []string {
		cut = legendFacts{dropped: st.noTx, noHops: st.noHops, keep: st.keep}
		keep := st.keep
		if !slices.ContainsFunc(nums, func(v *big.Int) bool { return !exactAt(v, a.Decimals, keep) }) {
			keep = -1 // every amount is whole at this precision: show them as they are
		}
		cut.rounded = keep >= 0
		amounts := alignAmounts(nums, a, keep)
		header := []string{"KIND", "ADDRESS", "LABEL", "AMOUNT", "SHARE", "HOPS", lastCol}
		right := []bool{false, false, false, false, true, true, false}
		if st.noTx {
			header, right = header[:6], right[:6]
		}
		if st.noHops {
			header, right = header[:5], right[:5]
		}
		tb := &table{header: header, right: right}
		for i, e := range rows {
			full := firstNonEmpty(e.Address, e.Outpoint)
			addr := shorten(full, st.addr)
			cut.addr = cut.addr || addr != full
			label := e.Label
			if label == "" && e.Exchange != "" {
				label = "deposit of " + e.Exchange
			}
			label = escape.Display(label, textLabelMax)
			if labelMax > 0 {
				l := truncate(label, labelMax)
				cut.label = cut.label || l != label
				label = l
			}
			tx, n := "", 0
			switch {
			case e.Outpoint != "":
				tx = e.Outpoint // UTXO: the output holding the taint names its tx
			case len(e.Inflows) > 0:
				in := sortedInflows(e.Inflows)
				tx, n = in[0].Tx, len(in)-1
			case len(e.Path) > 0:
				tx = e.Path[len(e.Path)-1]
			}
			if s := shorten(tx, st.tx); s != tx && !st.noTx {
				cut.tx, tx = true, s
			}
			if tx == "" {
				tx = "-"
			}
			if n > 0 {
				tx += fmt.Sprintf(" +%d", n)
				cut.more = cut.more || !st.noTx
			}
			row := []string{e.Kind, cleanText(addr), label, amounts[i], graph.Percent(e.Amount, seed), fmt.Sprint(e.Hops), cleanText(tx)}
			tb.rows = append(tb.rows, row[:len(header)])
		}
		return tb.render("  ")
	}
	var lines []string
	for i, st := range fitStages {
		lines = layout(st, 0)
		if opts.Width <= 0 || tableWidth(lines) <= opts.Width {
			break
		}
		if st.labelMin > 0 {
			labelW := 0
			for _, e := range rows {
				l := e.Label
				if l == "" && e.Exchange != "" {
					l = "deposit of " + e.Exchange
				}
				labelW = max(labelW, utf8.RuneCountInString(escape.Display(l, textLabelMax)))
			}
			if room := labelW - (tableWidth(lines) - opts.Width); room >= st.labelMin {
				lines = layout(st, room)
				break
			}
			if i == len(fitStages)-1 {
				lines = layout(st, st.labelMin)
			}
		}
	}
	// The header and rows come from render; path lines go under their row.
	if opts.Width > 0 && utf8.RuneCountInString(lines[0]) > opts.Width {
		lines[0] = truncate(lines[0], opts.Width) // as the rows below: never wrapped
	}
	fmt.Fprintln(w, lines[0])
	for i, e := range rows {
		line := lines[i+1]
		if opts.Width > 0 && utf8.RuneCountInString(line) > opts.Width {
			line = truncate(line, opts.Width) // nothing left to shorten: cut the row
		}
		if opts.Color {
			line = colourPrefix(line, e.Kind)
		}
		fmt.Fprintln(w, line)
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
		if e.DestAddress != "" {
			fmt.Fprintf(w, "      destination: %s, %s (%s)\n", escape.Display(e.DestAddress, textLabelMax), escape.Display(firstNonEmpty(e.DestAsset, "?"), textLabelMax), escape.Display(e.Rule, textLabelMax))
		}
		if e.Note != "" {
			fmt.Fprintf(w, "      note: %s\n", escape.Display(e.Note, escape.LineMax))
		}
	}
	if omitted > 0 {
		fmt.Fprintf(w, "  … %d more endpoints not shown (see --format json)\n", omitted)
	}
	for _, l := range tableLegend(cut, lastCol, opts.Width) {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// legendFacts are what a table layout abbreviated.
type legendFacts struct {
	more, tx, addr, label, rounded, dropped, noHops bool
	keep                                            int
}

// tableLegend says what the table's abbreviations mean, only those it uses.
func tableLegend(c legendFacts, lastCol string, width int) []string {
	var ls []string
	if c.more {
		ls = append(ls, "+N: N more transactions brought taint to that endpoint (all in --format json)")
	}
	var cut []string
	if c.tx {
		cut = append(cut, "hashes")
	}
	if c.addr {
		cut = append(cut, "addresses")
	}
	if c.label {
		cut = append(cut, "labels")
	}
	fit := fmt.Sprintf("to fit %d columns", width)
	if len(cut) > 0 {
		ls = append(ls, strings.Join(cut, ", ")+" shortened with … "+fit+" (whole with --width 0)")
	}
	if c.rounded {
		ls = append(ls, fmt.Sprintf("amounts rounded to %d decimals %s (exact in --format json)", c.keep, fit))
	}
	if c.dropped {
		ls = append(ls, lastCol+" left out "+fit+" (--paths lists the transactions)")
	}
	if c.noHops {
		ls = append(ls, "HOPS left out "+fit+" (--format json has each endpoint's hops)")
	}
	return ls
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
