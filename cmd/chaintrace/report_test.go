package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The report's case header from the CLI: the investigator from the flag or the
// environment, the generation time from SOURCE_DATE_EPOCH (so two runs are
// byte-identical), the demo's own description and source note, and a
// reproduce command that, run again, gives the same result.
func TestReportCaseHeaderCLI(t *testing.T) {
	env := map[string]string{"SOURCE_DATE_EPOCH": "1764780000", "CHAINTRACE_INVESTIGATOR": "J. Doe (env)"}
	args := []string{"trace", "--case", "demo-btc", "--format", "report", "--hops", "4", "--case-name", "CERT-17"}
	r := runCLI(t, env, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{
		"| Case | CERT-17 |",
		"| Investigator | J. Doe (env) |",
		"| Generated | 2025-12-03 16:40:00 UTC |",
		"| Description | ",
		"| Sources | ",
		"| Reproduce | `chaintrace trace --case=demo-btc --hops=4` |",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if again := runCLI(t, env, args...); again.out != r.out {
		t.Error("two runs with SOURCE_DATE_EPOCH differ")
	}
	// The flag wins over the environment; without --case-name the demo names itself.
	r2 := runCLI(t, env, "trace", "--case", "demo-btc", "--format", "html", "--investigator", "A. Flag")
	if !strings.Contains(r2.out, "<tr><th>Investigator</th><td>A. Flag</td></tr>") || !strings.Contains(r2.out, "<tr><th>Case</th><td>demo-btc (embedded demo)</td></tr>") {
		t.Errorf("html header:\n%.3000s", r2.out)
	}
	if bad := runCLI(t, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, "trace", "--case", "demo", "--format", "report"); bad.code != exitInput || !strings.Contains(bad.errOut, "SOURCE_DATE_EPOCH") {
		t.Errorf("bad SOURCE_DATE_EPOCH: exit %d, %s", bad.code, bad.errOut)
	}

	// Run the reproduce command as printed: the same JSON as the original flags.
	cmdline := regexp.MustCompile("\\| Reproduce \\| `([^`]*)` \\|").FindStringSubmatch(r.out)
	if cmdline == nil {
		t.Fatal("no reproduce command")
	}
	words, err := shellSplit(cmdline[1])
	if err != nil || len(words) < 2 || words[0] != "chaintrace" {
		t.Fatalf("reproduce command %q: %v", cmdline[1], err)
	}
	want := runCLI(t, nil, "trace", "--case", "demo-btc", "--hops", "4", "--format", "json")
	got := runCLI(t, nil, append(words[1:], "--format", "json")...)
	if got.code != 0 || got.out != want.out {
		t.Errorf("the reproduce command gives another result (exit %d): %s", got.code, got.errOut)
	}
}

func TestReproduceQuotingAndSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"plain":     "plain",
		"two words": "'two words'",
		"it's":      `'it'\''s'`,
		"":          "''",
		"$HOME":     "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
		if w, err := shellSplit(shellQuote(in)); err != nil || len(w) != 1 || w[0] != in {
			t.Errorf("shellSplit(shellQuote(%q)) = %q, %v", in, w, err)
		}
	}
	cmd := newTraceCmd(&IOStreams{})
	if err := cmd.ParseFlags([]string{"--rpc", "https://user:Pa55w0rd@node.example/v3/0123456789abcdef0123456789abcdef", "--labels", "a b.csv", "--labels", "c.csv",
		"--stop-at", "exchange,mixer", "--format", "html", "--out", "x.html", "--investigator", "me"}); err != nil {
		t.Fatal(err)
	}
	got := reproduceCommand(cmd, []string{"0xabc"})
	for _, bad := range []string{"Pa55w0rd", "0123456789abcdef0123456789abcdef", "--format", "--out", "--investigator"} {
		if strings.Contains(got, bad) {
			t.Errorf("reproduce command %s contains %q", got, bad)
		}
	}
	for _, want := range []string{"'--labels=a b.csv' --labels=c.csv", "--stop-at=exchange,mixer", "--rpc=https://", " 0xabc"} {
		if !strings.Contains(got, want) {
			t.Errorf("reproduce command %s lacks %q", got, want)
		}
	}
}

// shellSplit splits a command line the way a POSIX shell splits words made of
// bare characters and single-quoted strings (all shellQuote writes).
func shellSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '\'':
			quoted, in = true, true
		case c == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == '\\' || c == '"' || c == '$' || c == '`':
			return nil, errors.New("unquoted shell metacharacter")
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// Every node of every demo's graph touches an edge (issue 15 item 5: the BTC
// demo's three victims had none), in the JSON and in the DOT.
func TestNoOrphanNodes(t *testing.T) {
	// The demos, and the three-chain fixture (node ids "<chain>/<address>").
	for _, demo := range []string{"demo", "demo-btc", "ronin", "bitfinex", filepath.Join("..", "..", "testdata", "cases", "bybit-2025-xchain.case")} {
		r := runCLI(t, nil, "trace", "--case", demo, "--format", "json")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", demo, r.code, r.errOut)
		}
		var doc struct {
			Nodes []struct{ ID, Role string }
			Edges []struct{ From, To string }
		}
		if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
			t.Fatal(err)
		}
		touched, into := map[string]bool{}, map[string]bool{}
		for _, e := range doc.Edges {
			touched[e.From], touched[e.To] = true, true
			into[e.To] = true
		}
		// A UTXO transaction is drawn with its inputs: the seed's from its
		// victims, a crossing payout's from the vault or bridge paying it.
		for _, n := range doc.Nodes {
			if n.Role == "tx" && !into[n.ID] {
				t.Errorf("%s: transaction node %s has no input edge", demo, n.ID)
			}
		}
		victims := 0
		for _, n := range doc.Nodes {
			if !touched[n.ID] {
				t.Errorf("%s: node %s (%s) has no edge", demo, n.ID, n.Role)
			}
			if n.Role == "victim" {
				victims++
			}
		}
		if victims == 0 {
			t.Errorf("%s: no victim node", demo)
		}
		dot := runCLI(t, nil, "trace", "--case", demo, "--format", "dot").out
		for _, n := range doc.Nodes {
			q := strconv.Quote(n.ID)
			if !strings.Contains(dot, q+" -> ") && !strings.Contains(dot, "-> "+q) {
				t.Errorf("%s: DOT node %s is not on an edge", demo, q)
			}
		}
		// Nor does DOT draw from or to a node the graph lacks (a sweep from a
		// deposit named otherwise than its node): every end of every DOT edge
		// is a JSON node, or the exchange a sweep goes into.
		known := map[string]bool{}
		for _, n := range doc.Nodes {
			known[n.ID] = true
		}
		for _, m := range dotEdgeRE.FindAllStringSubmatch(dot, -1) {
			for _, q := range m[1:] {
				id, err := strconv.Unquote(q)
				if err != nil {
					t.Fatalf("%s: DOT id %s: %v", demo, q, err)
				}
				if !known[id] && !strings.HasPrefix(id, "exchange:") {
					t.Errorf("%s: DOT edge %s -> %s ends at %s, which is not a node of the graph", demo, m[1], m[2], q)
				}
			}
		}
	}
}

var dotEdgeRE = regexp.MustCompile(`(?m)^  ("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*") \[`)

// The README's report excerpt is what the command it shows prints.
func TestReadmeReportExcerpt(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "The case header (`--format report`, abridged):\n\n```\n")
	excerpt, rest, ok2 := strings.Cut(rest, "```\n")
	// and the freeze table that follows it
	_, rest, ok3 := strings.Cut(rest, "```\n")
	table, _, ok4 := strings.Cut(rest, "```\n")
	if !ok || !ok2 || !ok3 || !ok4 || !strings.Contains(table, "| Address | Type | Tx into it |") {
		t.Fatal("README.md has no report excerpt with a case header and a freeze table")
	}
	excerpt += table
	r := runCLI(t, nil, "trace", "--case", "demo-btc", "--format", "report", "--investigator", "J. Doe, Example CERT", "--case-name", "CERT-2025-017")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	lines := strings.Split(r.out, "\n")
	for _, line := range strings.Split(strings.TrimRight(excerpt, "\n"), "\n") {
		if !slices.Contains(lines, line) {
			t.Errorf("README.md shows a report line the command does not print:\n%s", line)
		}
	}
}

// --format pdf: the HTML report printed by headless Chromium. Its pages are
// rendered to PNG (poppler's pdftoppm) and its text extracted (pdftotext):
// every deposit address, transaction and sweep hash of the freeze tables is in
// the text whole, never broken across lines, and the graph page is landscape.
func TestReportPDF(t *testing.T) {
	for _, tool := range []string{"chromium", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (.ci/run installs chromium and poppler-utils)", tool)
		}
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "freeze.pdf")
	env := map[string]string{"SOURCE_DATE_EPOCH": "1764780000"}
	r := runCLI(t, env, "trace", "--case", "demo", "--format", "pdf", "--out", pdf, "--investigator", "J. Doe")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	data, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("no PDF written: %v %.20q", err, data)
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// What must be findable whole: the freeze tables' evidence, from the JSON.
	var doc struct {
		Endpoints []struct {
			Kind, Address string
			SweepTx       string `json:"sweep_tx"`
			Inflows       []struct{ Tx string }
		}
	}
	js := runCLI(t, nil, "trace", "--case", "demo", "--format", "json")
	if err := json.Unmarshal([]byte(js.out), &doc); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(string(text)) {
		words[strings.Trim(w, ".,:;()")] = true
	}
	n := 0
	for _, e := range doc.Endpoints {
		if e.Kind != "exchange" && e.Kind != "exchange-deposit" {
			continue
		}
		want := []string{e.Address}
		if e.SweepTx != "" {
			want = append(want, e.SweepTx)
		}
		for _, in := range e.Inflows {
			want = append(want, in.Tx)
		}
		for _, w := range want {
			n++
			if !words[w] {
				t.Errorf("the PDF's text lacks %s as one word (broken across lines, or missing)", w)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d hashes checked", n)
	}
	want := []string{"J. Doe", "2025-12-03 16:40:00 UTC", "Tx amount", "Tainted"}
	if _, err := exec.LookPath("dot"); err == nil {
		for _, x := range []string{"A", "B", "C"} { // each exchange's own graph (TestReportExchangeGraphsLegible)
			want = append(want, "How the stolen funds reached Exchange "+x+" hot wallet (demo)")
		}
	}
	for _, want := range want {
		if !bytes.Contains(text, []byte(want)) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	// Render every page; at least one portrait text page and, with Graphviz, a
	// landscape graph page; none blank.
	if out, err := exec.Command("pdftoppm", "-r", "30", "-png", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) < 2 {
		t.Fatalf("%d pages rendered", len(pages))
	}
	portrait, landscape := 0, 0
	for _, p := range pages {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b := img.Bounds()
		if b.Dx() > b.Dy() {
			landscape++
		} else {
			portrait++
		}
		inked := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xc000 || g < 0xc000 || bl < 0xc000 {
					inked++
				}
			}
		}
		if inked < 200 {
			t.Errorf("%s looks blank (%d inked pixels at 30 dpi)", filepath.Base(p), inked)
		}
	}
	if portrait == 0 {
		t.Error("no portrait page")
	}
	if _, err := exec.LookPath("dot"); err == nil && landscape == 0 {
		t.Error("the graph is not on a landscape page")
	}
}

// Without Chromium, --format pdf says what is missing and how to get it, and
// writes no file.
func TestReportPDFWithoutChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "x.pdf")
	r := runCLI(t, nil, "trace", "--case", "demo", "--format", "pdf", "--out", out)
	if r.code == 0 || !strings.Contains(r.errOut, "Chromium") || !strings.Contains(r.errOut, "apt-get install chromium") {
		t.Errorf("exit %d: %s", r.code, r.errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a PDF file was written")
	}
}

// Each exchange's freeze table comes with a graph of only the paths from the
// theft to that exchange, drawn top to bottom so that it is legible printed
// (issue 15, "a readable graph"): fitted into an A4 portrait page's text area
// (186 × 250 mm, the report's print CSS), its 9 pt edge labels print at 5 pt or
// more (the demos' exchanges: 5.3 to 7.7 pt). The whole trace's graph, fitted to a landscape page, cannot be: the
// demo's prints its labels at about 3 pt, which is why the per-exchange graphs
// exist.
func TestReportExchangeGraphsLegible(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz dot not on PATH (.ci/run installs graphviz)")
	}
	const mm = 72 / 25.4
	sizeRE := regexp.MustCompile(`<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)
	size := func(svg string) (w, h float64) {
		m := sizeRE.FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("no SVG size in %.200s", svg)
		}
		w, _ = strconv.ParseFloat(m[1], 64)
		h, _ = strconv.ParseFloat(m[2], 64)
		return w, h
	}
	for demo, exchanges := range map[string][]string{
		"demo":     {"Exchange A hot wallet (demo)", "Exchange B hot wallet (demo)", "Exchange C hot wallet (demo)"},
		"demo-btc": {"Exchange D hot wallet (demo)"},
	} {
		r := runCLI(t, nil, "trace", "--case", demo, "--format", "html")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", demo, r.code, r.errOut)
		}
		figs := strings.Split(r.out, `<figure class="xgraph">`)[1:]
		if len(figs) != len(exchanges) {
			t.Fatalf("%s: %d exchange graphs, want %d", demo, len(figs), len(exchanges))
		}
		for i, fig := range figs {
			fig = fig[:strings.Index(fig, "</figure>")]
			if !strings.Contains(fig, "How the stolen funds reached "+exchanges[i]) {
				t.Errorf("%s: graph %d is not %s's", demo, i, exchanges[i])
			}
			w, h := size(fig)
			scale := min(1, 186*mm/w, 250*mm/h)
			if 9*scale < 5 {
				t.Errorf("%s: %s's graph is %.0f × %.0f pt: its labels print at %.1f pt", demo, exchanges[i], w, h, 9*scale)
			}
		}
		ids := map[string]bool{}
		for _, m := range regexp.MustCompile(` id="([^"]*)"`).FindAllStringSubmatch(r.out, -1) {
			if ids[m[1]] {
				t.Errorf("%s: id %q twice in the page", demo, m[1])
				break
			}
			ids[m[1]] = true
		}
		whole := r.out[strings.Index(r.out, `<div class="graph">`):]
		w, h := size(whole)
		t.Logf("%s: whole graph %.0f × %.0f pt, labels at %.1f pt on a landscape page", demo, w, h, 9*min(1, 277*mm/w, 170*mm/h))
	}
	// Exchange B's deposits got part of their taint through the demo's USDC →
	// ETH swap: its graph follows the swap back into the USDC (the pool and
	// the USDC transfers), Exchange A's too; the darknet market and Tornado
	// Cash are on no exchange's path.
	r := runCLI(t, nil, "trace", "--case", "demo", "--format", "html")
	figs := strings.Split(r.out, `<figure class="xgraph">`)[1:]
	b := figs[1][:strings.Index(figs[1], "</figure>")]
	for _, want := range []string{"DEX USDC/WETH pool (demo)", "255000 USDC", "0x5AfAE3890dce0a09edBDAc77749eC197cBbC4baE", "0x6B71363CB25eC9c9bD79Aa5633BE5483806961A2"} {
		if !strings.Contains(b, want) {
			t.Errorf("Exchange B's graph lacks %s", want)
		}
	}
	for _, bad := range []string{"Tornado Cash", "0x2A691401EE897944a5b611186b4169F599A6A6f4", "0xeCf60F1113F91213b3B44bC5fBe4867d1BfefeF8"} {
		if strings.Contains(b, bad) {
			t.Errorf("Exchange B's graph has %s, which is not on its paths", bad)
		}
	}
}
