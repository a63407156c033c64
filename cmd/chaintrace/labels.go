package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/labels"
)

// LabelsOptions is `chaintrace labels list|show|validate`.
type LabelsOptions struct {
	IO        *IOStreams
	Files     []string // --labels, in order; later files win
	NoBuiltin bool
	Chain     string // list/show: only this chain (with its evm and every-chain entries)
	Category  string // list: only this category
	Format    string // list/show: text, csv, json
	Width     int    // list/show text: columns to fit (0: no limit; widthAuto: $COLUMNS or the terminal's)
}

var labelFormats = []string{"text", "csv", "json"}

func newLabelsCmd(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "labels",
		Short: "List, look up and validate address labels",
		Example: `  chaintrace labels list --category exchange
  chaintrace labels show 0x28C6c06298d514Db089934071355E5743bf21d60
  chaintrace labels validate mine.csv`,
		Long: `Labels say who owns an address: an exchange's hot wallet, a mixer pool, a bridge.
chaintrace ships a curated built-in set (every entry with its public source and a
confidence) and reads label files given with --labels: CSV with the header
chain,address,label,category,source,confidence (optionally dest_chain), or
GraphSense TagPack YAML. Later files override earlier ones; overrides that change a
label are printed as conflicts.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(cmd, args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}

	lo := &LabelsOptions{IO: ios}
	list := &cobra.Command{
		Use:   "list",
		Short: "Print every label (built-in and from --labels files)",
		Example: `  chaintrace labels list --chain eth --category mixer
  chaintrace labels list --labels mine.csv --no-builtin --format csv > all.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabelsList(cmd.Context(), lo)
		},
	}
	addLabelSetFlags(list, lo)
	list.Flags().StringVar(&lo.Category, "category", "", "only this category: "+strings.Join(labels.Categories, ", "))
	list.Flags().StringVarP(&lo.Format, "format", "f", "text", "output format: text, csv (a label file), json")

	so := &LabelsOptions{IO: ios}
	show := &cobra.Command{
		Use:   "show ADDRESS",
		Short: "Print what is known about one address, on every chain or on --chain",
		Example: `  chaintrace labels show 0x28C6c06298d514Db089934071355E5743bf21d60
  chaintrace labels show --chain btc --labels mine.csv 1KEPBdtT97u3H9WiJUjHjtyLdQYFFhT3VG`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return badInput("labels show takes one ADDRESS, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabelsShow(cmd.Context(), so, args[0])
		},
	}
	addLabelSetFlags(show, so)
	show.Flags().StringVarP(&so.Format, "format", "f", "text", "output format: text, csv, json")

	vo := &LabelsOptions{IO: ios}
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check label files; print every error with its line and field (exit 2 if any)",
		Example: `  chaintrace labels validate mine.csv
  chaintrace labels validate tagpacks/*.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput("labels validate needs at least one FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			vo.Files = args
			return runLabelsValidate(cmd.Context(), vo)
		},
	}
	cmd.AddCommand(list, show, validate)
	return cmd
}

func addLabelSetFlags(cmd *cobra.Command, o *LabelsOptions) {
	f := cmd.Flags()
	o.Width = widthAuto
	f.Var(widthFlag{&o.Width}, "width", "text: fit the table into this many columns (0: no limit; auto: $COLUMNS or the terminal's width, no limit in a pipe or file)")
	f.StringArrayVar(&o.Files, "labels", nil, "label file (CSV or GraphSense TagPack YAML); repeatable, later files win")
	f.BoolVar(&o.NoBuiltin, "no-builtin", false, "leave out the built-in labels")
	f.StringVar(&o.Chain, "chain", "", "only labels that apply on this chain (eth, bsc, btc, evm:1337, …)")
}

func loadLabelSet(o *LabelsOptions) (*labels.Store, error) {
	s := labels.New()
	if !o.NoBuiltin {
		if err := s.AddBuiltin(); err != nil {
			return nil, err
		}
	}
	for _, f := range o.Files {
		if err := s.AddFile(f); err != nil {
			return nil, fmt.Errorf("--labels %s: %w", f, err)
		}
	}
	for _, c := range s.Conflicts() {
		fmt.Fprintf(o.IO.ErrOut, "chaintrace: label conflict: %s\n", c)
	}
	return s, nil
}

func checkLabelFormat(f string) error {
	for _, k := range labelFormats {
		if f == k {
			return nil
		}
	}
	return badInput("--format %q: want one of %s", f, strings.Join(labelFormats, ", "))
}

// labelApplies: every entry applies when no --chain is given; otherwise the
// labels package's own scope rule decides.
func labelApplies(scope, chain string) bool {
	return strings.TrimSpace(chain) == "" || labels.Applies(scope, chain)
}

func runLabelsList(_ context.Context, o *LabelsOptions) error {
	if err := checkLabelFormat(o.Format); err != nil {
		return err
	}
	if o.Category != "" && !labelContains(labels.Categories, o.Category) {
		return badInput("--category %q: want one of %s", o.Category, strings.Join(labels.Categories, ", "))
	}
	s, err := loadLabelSet(o)
	if err != nil {
		return err
	}
	var es []labels.Entry
	for _, e := range s.All() {
		if labelApplies(e.Chain, o.Chain) && (o.Category == "" || e.Category == o.Category) {
			es = append(es, e)
		}
	}
	return writeEntries(o.IO.Out, o.Format, es, o.IO.outputWidth(o.Width, false))
}

func runLabelsShow(_ context.Context, o *LabelsOptions, addr string) error {
	if err := checkLabelFormat(o.Format); err != nil {
		return err
	}
	if err := labels.CheckAddress(o.Chain, addr); err != nil {
		return badInput("labels show %q: %v", addr, err)
	}
	s, err := loadLabelSet(o)
	if err != nil {
		return err
	}
	var es []labels.Entry
	if o.Chain != "" {
		// What the tracer would see on this chain: the most specific entry.
		if l, ok := s.Lookup(o.Chain, addr); ok {
			for _, e := range s.Find(l.Address) {
				if e.Chain == l.Chain {
					es = append(es, e)
				}
			}
		}
	} else {
		es = s.Find(addr)
	}
	if len(es) == 0 {
		where := "any chain"
		if o.Chain != "" {
			where = o.Chain
		}
		return fmt.Errorf("no label for %s on %s", addr, where)
	}
	return writeEntries(o.IO.Out, o.Format, es, o.IO.outputWidth(o.Width, false))
}

// writeEntries writes label entries in format; the text table fits width
// columns (0: no limit), the machine formats keep every value whole.
func writeEntries(w io.Writer, format string, es []labels.Entry, width int) error {
	switch format {
	case "csv":
		return labels.WriteCSV(w, es)
	case "json":
		if es == nil {
			es = []labels.Entry{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(es)
	}
	return writeLabelTable(w, es, width)
}

// labelOneLine keeps a message on one line and harmless to the terminal
// whatever a label file contains.
func labelOneLine(s string) string { return escape.Line(s, errMaxLine) }

// labelMaxDisplay is the most characters a label or source shows in the text
// table (the CSV and JSON formats keep them whole).
const labelMaxDisplay = 120

func runLabelsValidate(_ context.Context, o *LabelsOptions) error {
	var bad, errCount int
	for _, f := range o.Files {
		r, err := labels.Validate(f)
		if err != nil {
			fmt.Fprintf(o.IO.Out, "%s: cannot read: %s\n", f, labelOneLine(err.Error()))
			bad++
			errCount++
			continue
		}
		for _, e := range r.Errors {
			fmt.Fprintf(o.IO.Out, "%s\n", labelOneLine(e.Error()))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(o.IO.Out, "%s (note)\n", labelOneLine(n.Error()))
		}
		for _, c := range r.Conflicts {
			fmt.Fprintf(o.IO.Out, "%s: conflict: %s\n", f, labelOneLine(c.String()))
		}
		if r.OK() {
			fmt.Fprintf(o.IO.Out, "%s: OK (%s, %d labels)\n", f, r.Format, r.Entries)
		} else {
			bad++
			errCount += len(r.Errors)
		}
	}
	if bad > 0 {
		return badInput("%d error%s in %d of %d label file%s", errCount, labelPlural(errCount), bad, len(o.Files), labelPlural(len(o.Files)))
	}
	return nil
}

func labelPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func labelContains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// labelCells are one entry's text cells before any shortening.
type labelCells struct{ chain, address, category, conf, label, source string }

func entryCells(e labels.Entry) labelCells {
	c := labelCells{chain: e.Chain, address: e.Address, category: e.Category,
		conf: strconv.Itoa(e.Confidence), label: e.Name, source: e.Source}
	if c.chain == "" {
		c.chain = "*"
	}
	if e.DestChain != "" {
		c.label += " (→ " + e.DestChain + ")"
	}
	return c
}

// labelFit is one layout of the text table. writeFittedEntries tries them in
// order and keeps the first that fits: sources are cut first (a URL is the
// least read cell on a screen, and `labels show` or the CSV has it whole),
// then left out, then the longest (Bitcoin) addresses lose their middle, then
// labels are cut, then every address keeps only its start and end (what
// people compare), then everything gets tighter.
type labelFit struct {
	sourceMin int // 0: whole; else cut to the room left, down to this many runes
	noSource  bool
	labelMin  int // as sourceMin, for labels
	addr      [2]int
}

var labelFits = []labelFit{
	{},
	{sourceMin: 24},
	{noSource: true},
	{noSource: true, addr: [2]int{21, 20}}, // EVM addresses whole, long Bitcoin ones cut
	{noSource: true, labelMin: 24, addr: [2]int{21, 20}},
	{noSource: true, labelMin: 24, addr: [2]int{10, 8}},
	{noSource: true, labelMin: 12, addr: [2]int{10, 8}},
	{noSource: true, labelMin: 8, addr: [2]int{6, 4}},
}

// writeLabelTable writes the label table, into width columns when width > 0,
// with a legend saying what was shortened and where the whole values are.
func writeLabelTable(w io.Writer, es []labels.Entry, width int) error {
	cells := make([]labelCells, len(es))
	for i, e := range es {
		cells[i] = entryCells(e)
		cells[i].label = escape.Display(cells[i].label, labelMaxDisplay)
		cells[i].source = escape.Display(cells[i].source, labelMaxDisplay)
	}
	var lines []string
	var cut labelCut
	for _, f := range labelFits {
		lines, cut = layoutLabels(cells, f, width)
		if width <= 0 || tableWidth(lines) <= width {
			break
		}
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	for _, l := range cut.legend(width) {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d label%s\n", len(es), labelPlural(len(es)))
	return err
}

// labelCut is what a layout shortened.
type labelCut struct{ address, label, source, noSource bool }

func (c labelCut) legend(width int) []string {
	var what []string
	for _, x := range []struct {
		on   bool
		name string
	}{{c.address, "addresses"}, {c.label, "labels"}, {c.source, "sources"}} {
		if x.on {
			what = append(what, x.name)
		}
	}
	fit := fmt.Sprintf("to fit %d columns", width)
	var ls []string
	if len(what) > 0 {
		ls = append(ls, strings.Join(what, ", ")+" shortened with … "+fit+" (whole with --width 0 or --format csv)")
	}
	if c.noSource {
		ls = append(ls, "SOURCE left out "+fit+" (labels show ADDRESS or --format csv has it)")
	}
	var out []string
	for _, l := range ls {
		out = append(out, wrapWords(l, width)...)
	}
	return out
}

// layoutLabels lays the table out under f for width columns.
func layoutLabels(cells []labelCells, f labelFit, width int) ([]string, labelCut) {
	var cut labelCut
	header := []string{"CHAIN", "ADDRESS", "CATEGORY", "CONF", "LABEL", "SOURCE"}
	if f.noSource {
		header = header[:5]
		cut.noSource = len(cells) > 0
	}
	rows := make([][]string, len(cells))
	for i, c := range cells {
		addr := c.address
		if f.addr[0] > 0 {
			addr = middleCut(addr, f.addr[0], f.addr[1])
			cut.address = cut.address || addr != c.address
		}
		rows[i] = []string{c.chain, addr, c.category, c.conf, c.label, c.source}[:len(header)]
	}
	widths := columnWidths(header, rows)
	// Cut the label, then the source, to the room the other columns leave.
	room := func(col int) int {
		used := 0
		for i, w := range widths {
			if i != col {
				used += w + 2
			}
		}
		return width - used
	}
	shrink := func(col, min int) bool {
		r := max(room(col), min)
		if r >= widths[col] {
			return false
		}
		any := false
		for _, row := range rows {
			if utf8.RuneCountInString(row[col]) > r {
				row[col] = escape.Truncate(row[col], r)
				any = true
			}
		}
		widths[col] = r
		return any
	}
	if f.sourceMin > 0 && !f.noSource {
		cut.source = shrink(5, f.sourceMin)
	}
	if f.labelMin > 0 {
		cut.label = shrink(4, f.labelMin)
	}
	return renderColumns(header, rows, widths, []bool{false, false, false, true, false, false}), cut
}

// middleCut keeps the first head and last tail runes of s with … between.
func middleCut(s string, head, tail int) string {
	rs := []rune(s)
	if len(rs) <= head+tail+1 {
		return s
	}
	return string(rs[:head]) + "…" + string(rs[len(rs)-tail:])
}

func columnWidths(header []string, rows [][]string) []int {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	return widths
}

// renderColumns aligns the cells by rune count, two spaces apart, trailing
// spaces trimmed; right marks right-aligned columns.
func renderColumns(header []string, rows [][]string, widths []int, right []bool) []string {
	out := make([]string, 0, len(rows)+1)
	for _, row := range append([][]string{header}, rows...) {
		var b strings.Builder
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", max(0, widths[i]-utf8.RuneCountInString(c)))
			if right[i] {
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

// wrapWords breaks s at spaces into lines of at most width runes (a word
// longer than width stays whole on its own line).
func wrapWords(s string, width int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
