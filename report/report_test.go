package report

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	goldenfile "github.com/chaintrace/chaintrace/internal/golden"
	"github.com/chaintrace/chaintrace/render"
)

func n(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return v
}

const (
	e18 = "000000000000000000"
	t0  = 1704067200 // 2024-01-01 00:00:00 UTC, block 19000000
)

// withValue sets the credit's whole amount (the transfer), of which in.Amount is tainted.
func withValue(in graph.Inflow, v string) graph.Inflow { in.Value = n(v); return in }

func bt(b uint64) int64 { return t0 + int64(b-19000000)*12 }

func h(c byte) string { return "0x" + strings.Repeat(string(c), 64) }

var (
	eth  = graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}
	usdc = graph.Asset{ID: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", Symbol: "USDC", Decimals: 6, Contract: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"}
)

const (
	victim  = "0x1111111111111111111111111111111111111111"
	thief   = "0x2222222222222222222222222222222222222222"
	dep1    = "0x3333333333333333333333333333333333333333"
	dep2    = "0x8888888888888888888888888888888888888888"
	tornado = "0x47CE0C6eD5B0Ce3d3A51fdb1C52DC66a7c3c2936"
	hop     = "0x4444444444444444444444444444444444444444"
	kraken  = "0x267be1C1D684F78cb4F6a176C4911b741E4Ffdc0"
	dust    = "0x5555555555555555555555555555555555555555"
	bridge  = "0x8484Ef722627bf18ca5Ae6BcF031c23E6e922B30"
	far     = "0x7777777777777777777777777777777777777777"
)

// accountResult, summed by hand:
//
// ETH, seed 10: deposit dep1 4 (tx 2, Binance, swept in tx c, κ 0.95), Tornado 1
// (tx 3), Kraken 4 receives 1 + 1 (tx 6, tx 7), hop keeps 2.995999999999999999,
// dust 1 wei below threshold, fees 0.004.
// 4 + 1 + 2 + 2.995999999999999999 + 0.000000000000000001 + 0.004 = 10.
//
// USDC, seed 5000: deposit dep2 1500 (tx 9, Binance hot wallet 6, swept in tx d,
// κ 1.0), Polygon bridge 3000 (tx a), hop limit 500 (tx b). 1500+3000+500 = 5000.
func accountResult() *graph.Result {
	f := graph.NewFlow()
	f.Node(victim, graph.RoleVictim, 0)
	f.Node(thief, graph.RoleSeed, 0)
	f.Node(dep1, graph.EndExchangeDeposit, 1)
	f.Node(dep2, graph.EndExchangeDeposit, 1)
	tn := f.Node(tornado, graph.EndMixer, 1)
	tn.Label, tn.Category = "Tornado Cash: 1 ETH", "mixer"
	f.Node(hop, graph.EndUnspent, 1)
	k := f.Node(kraken, graph.EndExchange, 2)
	k.Label, k.Category = "Kraken 4", "exchange"
	f.Node(dust, graph.EndBelowThreshold, 2)
	b := f.Node(bridge, graph.EndBridge, 1)
	b.Label, b.Category = "Polygon (Matic): Ether Bridge", "bridge"
	f.Node(far, graph.EndHopLimit, 1)
	edge := func(tx byte, from, to string, a graph.Asset, amt string, block uint64, hopN int) {
		f.AddEdge(&graph.Edge{Tx: h(tx), Position: "value", From: from, To: to, Asset: a.ID, Amount: n(amt), Taint: n(amt), Block: block, Time: bt(block), Hop: hopN})
	}
	edge('1', victim, thief, eth, "10"+e18, 19000000, 0)
	edge('2', thief, dep1, eth, "4"+e18, 19000010, 1)
	edge('3', thief, tornado, eth, "1"+e18, 19000011, 1)
	edge('4', thief, hop, eth, "4997000000000000000", 19000012, 1)
	edge('6', hop, kraken, eth, "1"+e18, 19000020, 2)
	edge('7', hop, kraken, eth, "1"+e18, 19000021, 2)
	edge('8', hop, dust, eth, "1", 19000022, 2)
	edge('0', victim, thief, usdc, "5000000000", 19000001, 0)
	edge('9', thief, dep2, usdc, "1500000000", 19000030, 1)
	edge('a', thief, bridge, usdc, "3000000000", 19000031, 1)
	edge('b', thief, far, usdc, "500000000", 19000032, 1)
	in := func(tx byte, block uint64, from, amt string) graph.Inflow {
		return graph.Inflow{Tx: h(tx), Block: block, Time: bt(block), From: from, Amount: n(amt)}
	}
	return &graph.Result{
		Tool: "chaintrace v0.9.0-test", Chain: "eth", Family: graph.FamilyAccount, Policy: "haircut",
		Seeds:  []string{h('1'), h('0')},
		Params: map[string]string{"hops": "5", "min-amount": "0.01", "deposit-alpha": "0.01", "deposit-tau": "3200"},
		Tip:    19000100,
		Assets: map[string]graph.Asset{eth.ID: eth, usdc.ID: usdc},
		Flow:   f,
		Totals: map[string]*graph.Totals{
			"ETH": {Seed: n("10" + e18), Fees: n("4000000000000000"), Untraced: n("1"),
				ByKind: map[string]*big.Int{graph.EndExchangeDeposit: n("4" + e18), graph.EndMixer: n("1" + e18),
					graph.EndExchange: n("2" + e18), graph.EndUnspent: n("2995999999999999999"), graph.EndBelowThreshold: n("1")}},
			usdc.ID: {Seed: n("5000000000"), Fees: n("0"), Untraced: n("500000000"),
				ByKind: map[string]*big.Int{graph.EndExchangeDeposit: n("1500000000"), graph.EndBridge: n("3000000000"), graph.EndHopLimit: n("500000000")}},
		},
		Warnings: []string{"trace_filter unavailable; internal transfers from debug_traceTransaction"},
		// Deliberately not in report order, to check the report sorts.
		Endpoints: []*graph.Endpoint{
			{Kind: graph.EndUnspent, Address: hop, Asset: "ETH", Amount: n("2995999999999999999"), Hops: 1, Path: []string{h('1'), h('4')},
				Inflows: []graph.Inflow{in('4', 19000012, thief, "4997000000000000000")}},
			{Kind: graph.EndExchange, Address: kraken, Label: "Kraken 4", Category: "exchange", Asset: "ETH", Amount: n("2" + e18), Hops: 2,
				Path: []string{h('1'), h('4'), h('6')}, Inflows: []graph.Inflow{in('7', 19000021, hop, "1"+e18), in('6', 19000020, hop, "1"+e18)}},
			{Kind: graph.EndExchangeDeposit, Address: dep1, Asset: "ETH", Amount: n("4" + e18), Hops: 1, Path: []string{h('1'), h('2')},
				Inflows: []graph.Inflow{withValue(in('2', 19000010, thief, "4"+e18), "4500000000000000000")}, Exchange: "Binance 14", SweepTx: h('c'), Confidence: 950},
			{Kind: graph.EndMixer, Address: tornado, Label: "Tornado Cash: 1 ETH", Category: "mixer", Asset: "ETH", Amount: n("1" + e18), Hops: 1,
				Path: []string{h('1'), h('3')}, Inflows: []graph.Inflow{in('3', 19000011, thief, "1"+e18)}},
			{Kind: graph.EndBelowThreshold, Address: dust, Asset: "ETH", Amount: n("1"), Hops: 2, Path: []string{h('1'), h('4'), h('8')},
				Inflows: []graph.Inflow{in('8', 19000022, hop, "1")}},
			{Kind: graph.EndExchangeDeposit, Address: dep2, Asset: usdc.ID, Amount: n("1500000000"), Hops: 1, Path: []string{h('0'), h('9')},
				Inflows: []graph.Inflow{in('9', 19000030, thief, "1500000000")}, Exchange: "Binance: Hot Wallet 6", SweepTx: h('d'), Confidence: 1000},
			{Kind: graph.EndBridge, Address: bridge, Label: "Polygon (Matic): Ether Bridge", Category: "bridge", Asset: usdc.ID, Amount: n("3000000000"), Hops: 1,
				Path: []string{h('0'), h('a')}, Inflows: []graph.Inflow{in('a', 19000031, thief, "3000000000")}, DestChain: "polygon"},
			{Kind: graph.EndHopLimit, Address: far, Asset: usdc.ID, Amount: n("500000000"), Hops: 1, Path: []string{h('0'), h('b')},
				Inflows: []graph.Inflow{in('b', 19000032, thief, "500000000")}},
		},
	}
}

// utxoResult: 1 BTC stolen in aaaa…01:0, interrupted trace under poison. The
// output's spender pays 0.7 BTC to a deposit address co-spent with an exchange
// cluster (κ 0.5, low confidence) and 0.7999 BTC change that is still unspent;
// fee 0.0001. Poison taints both outputs fully, so taint grew by 0.5 BTC from the
// clean input: 0.7 + 0.7999 + 0.0001 = 1.5 = seed 1 + growth 0.5.
func utxoResult() *graph.Result {
	btc := graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}
	seed := "aaaa" + strings.Repeat("0", 59) + "1"
	spend := "bbbb" + strings.Repeat("0", 59) + "2"
	sweep := "dddd" + strings.Repeat("0", 59) + "4"
	return &graph.Result{
		Tool: "chaintrace v0.9.0-test", Chain: "btc", Family: graph.FamilyUTXO, Policy: "poison",
		Seeds: []string{seed + ":0"}, Tip: 820010,
		Assets: map[string]graph.Asset{"BTC": btc},
		Totals: map[string]*graph.Totals{"BTC": {Seed: n("100000000"), Fees: n("10000"), Growth: n("50000000"),
			ByKind: map[string]*big.Int{graph.EndExchangeDeposit: n("70000000"), graph.EndUnspent: n("79990000")}, Untraced: n("0")}},
		Endpoints: []*graph.Endpoint{
			{Kind: graph.EndExchangeDeposit, Address: "bc1qm34lsc65zpw79lxes69zkqmk6ee3ewf0j77s3h", Outpoint: spend + ":0",
				Asset: "BTC", Amount: n("70000000"), Hops: 1, Path: []string{seed, spend},
				Inflows:  []graph.Inflow{{Tx: spend, Block: 820000, Time: 1700000000, From: "", Amount: n("70000000")}},
				Exchange: "Binance: Reserve 4", SweepTx: sweep, Confidence: 500, LowConfidence: true},
			{Kind: graph.EndUnspent, Address: "bc1qgdjqv0av3q56jvd82tkdjpy7gdp9ut8tlqmgrpmv24sq90ecnvqqjwvw97", Outpoint: spend + ":1",
				Asset: "BTC", Amount: n("79990000"), Hops: 1, Path: []string{seed, spend}, Note: "change (heuristic)"},
		},
		Error: "esplora: 429 Too Many Requests after 5 retries",
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("..", "testdata", "report", name), got)
}

func renderDoc(t *testing.T, f func(*bytes.Buffer, *graph.Result, Options) error, r *graph.Result, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, r, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mdR(b *bytes.Buffer, r *graph.Result, o Options) error   { return Markdown(b, r, o) }
func htmlR(b *bytes.Buffer, r *graph.Result, o Options) error { return HTML(b, r, o) }

func TestMarkdownAccount(t *testing.T) {
	r := accountResult()
	before := append([]*graph.Endpoint(nil), r.Endpoints...)
	out := renderDoc(t, mdR, r, Options{DOTFile: "case.dot"})
	golden(t, "account.md", []byte(out))
	for i := range before {
		if r.Endpoints[i] != before[i] {
			t.Fatal("Markdown reordered the caller's endpoints")
		}
	}
	// Expected lines, computed by hand from the fixture.
	for _, want := range []string{
		"| Seeds | `" + h('1') + "`<br>`" + h('0') + "` |",
		"| Block height seen | 19000100 |",
		"| Tool | chaintrace v0.9.0-test |",
		"| **Stolen (seed)** | 10 ETH | 100% |",
		"| Exchanges (labelled wallets) | 2 ETH | 20.0% | 1 endpoint |",
		"| Exchange deposit addresses | 4 ETH | 40.0% | 1 endpoint |",
		"| Mixers | 1 ETH | 10.0% | 1 endpoint |",
		"| Still unspent | 2.995999999999999999 ETH | 30.0% | 1 endpoint |",
		"| Fees | 0.004 ETH | <0.1% |",
		"| Untraced (lost from view) | 0.000000000000000001 ETH | <0.1% | 1 endpoint |",
		"| Exchange deposit addresses | 1500 USDC | 30.0% | 1 endpoint |",
		"| Bridges | 3000 USDC | 60.0% | 1 endpoint |",
		"Stolen funds credited to Binance: **4 ETH + 1500 USDC**",
		// block 19000010 = t0 + 120 s
		// The transaction paid 4.5 ETH into the deposit, 4 of it stolen: the desk sees both.
		"| `" + dep1 + "` | deposit | `" + h('2') + "` | 19000010 | 2024-01-01 00:02:00 UTC | 4.5 ETH | 4 ETH | 1 | `" + h('c') + "` | 95.0% |",
		// No whole amount known (a source that gave only the taint): a dash, never the taint again.
		"| `" + dep2 + "` | deposit | `" + h('9') + "` | 19000030 | 2024-01-01 00:06:00 UTC | — | 1500 USDC | 1 | `" + h('d') + "` | 100.0% |",
		"Stolen funds credited to Kraken: **2 ETH**",
		"   - destination chain: polygon",
		"`dot -Tsvg case.dot > trace.svg`",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Kraken's two credits in block order (tx 6 at block 19000020 first), Binance before Kraken.
	i6, i7 := strings.Index(out, "| `"+h('6')+"` |"), strings.Index(out, "| `"+h('7')+"` |")
	if i6 < 0 || i7 < 0 || i6 > i7 {
		t.Errorf("Kraken rows not in block order (%d, %d)", i6, i7)
	}
	if strings.Index(out, "### Binance") > strings.Index(out, "### Kraken") {
		t.Error("exchanges not in name order")
	}
	// Paths: largest first within an asset; the 4 ETH deposit is endpoint 1.
	if !strings.Contains(out, "1. **exchange-deposit** `"+dep1+"`: 4 ETH (40.0%), 1 hop\n   1. `"+h('1')+"`\n   2. `"+h('2')+"`\n   - sweep into Binance 14: `"+h('c')+"`") {
		t.Error("path of endpoint 1 is not as expected")
	}
}

func TestMarkdownUTXOIncomplete(t *testing.T) {
	out := renderDoc(t, mdR, utxoResult(), Options{})
	golden(t, "utxo.md", []byte(out))
	for _, want := range []string{
		"> **INCOMPLETE.** The trace stopped early: esplora: 429 Too Many Requests after 5 retries.",
		"| Growth (poison policy) | 0.5 BTC | 50.0% | taint the policy added; not part of the seed |",
		"| 50.0% (low) |",
		"Stolen funds credited to Binance: **0.7 BTC**",
		"(output `bbbb",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestMarkdownEscapesLabels(t *testing.T) {
	r := accountResult()
	r.Endpoints[1].Label = "Evil | *bold* <b>x</b>\u202e"
	out := renderDoc(t, mdR, r, Options{})
	if !strings.Contains(out, "Evil \\| \\*bold\\* \\<b>x\\</b>") || strings.Contains(out, "\u202e") {
		t.Errorf("label not escaped:\n%s", out)
	}
}

func TestHTMLAccount(t *testing.T) {
	out := renderDoc(t, htmlR, accountResult(), Options{NoGraphviz: true})
	golden(t, "account.html", []byte(out))
	for _, want := range []string{
		`<a href="https://etherscan.io/tx/` + h('2') + `"><code>` + h('2') + `</code></a>`,
		`<td class="num">4 ETH</td>`,
		`<td class="mono">19000010 · 2024-01-01 00:02:00 UTC</td>`,
		`<tr><th>Tx amount</th><td class="amt">4.5 ETH</td></tr>`,
		`<tr><th>Tainted</th><td class="amt"><strong>4 ETH</strong></td></tr>`,
		`<code class="id">` + dep1 + `</code>`,
		"Graphviz was not used, so the graph is not embedded.",
		"Stolen funds credited to Binance: <strong>4 ETH + 1500 USDC</strong>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=\"http", "<link"} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML must be self-contained and script-free, found %q", bad)
		}
	}
}

func TestHTMLEmbedsSVGAndEscapes(t *testing.T) {
	r := accountResult()
	r.Endpoints[1].Label = `<script>alert(1)</script>`
	var gotDOT []byte
	fake := func(dot []byte) ([]byte, error) {
		gotDOT = dot
		return []byte(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">` + "\n" + `<svg width="10" height="10"><g id="graph0"></g></svg>`), nil
	}
	out := renderDoc(t, htmlR, r, Options{SVG: fake})
	if !bytes.Contains(gotDOT, []byte("digraph")) {
		t.Errorf("renderer did not get the DOT graph: %q", gotDOT)
	}
	if !strings.Contains(out, `<div class="graph"><svg width="10" height="10">`) || strings.Contains(out, "<?xml") || strings.Contains(out, "<!DOCTYPE svg") {
		t.Error("SVG not embedded inline without its prolog")
	}
	if strings.Contains(out, "<script>alert") || !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("label not escaped in HTML")
	}
}

func TestHTMLWithGraphviz(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz dot not on PATH")
	}
	// Two steps, so a failure says which one failed and why: Graphviz itself
	// (its exit status and stderr), then the embedding of exactly what it wrote.
	var dot bytes.Buffer
	if err := render.WriteDOT(&dot, accountResult()); err != nil {
		t.Fatal(err)
	}
	svg, err := GraphvizSVG(dot.Bytes())
	if err != nil {
		t.Fatalf("Graphviz failed on the DOT of accountResult: %v\n--- DOT ---\n%s", err, dot.Bytes())
	}
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("Kraken 4")) {
		t.Fatalf("dot -Tsvg wrote no SVG with the Kraken 4 label:\n%s", svg)
	}
	var calls int
	out := renderDoc(t, htmlR, accountResult(), Options{SVG: func(got []byte) ([]byte, error) {
		calls++
		if calls == 1 && !bytes.Equal(got, dot.Bytes()) {
			t.Errorf("the report rendered other DOT than render.WriteDOT writes")
		}
		if calls > 1 { // one graph per exchange (TestHTMLGraphPerExchange)
			return GraphvizSVG(got)
		}
		return svg, nil
	}})
	// The whole graph, then Binance's and Kraken's.
	if calls != 3 || !strings.Contains(out, "<svg") || !strings.Contains(out, "Kraken 4") || strings.Count(out, `<figure class="xgraph"><svg`) != 2 {
		note := out
		if i := strings.Index(out, "The graph"); i >= 0 {
			note = out[i:min(len(out), i+300)]
		}
		t.Errorf("Graphviz SVG not embedded (%d renderer calls); the report says: %s", calls, note)
	}
}

// TestSampleHTML writes the test case's HTML report, with the graph when
// Graphviz is installed, to $CHAINTRACE_SAMPLE_HTML (scripts/screenshot-report.sh).
func TestSampleHTML(t *testing.T) {
	p := os.Getenv("CHAINTRACE_SAMPLE_HTML")
	if p == "" {
		t.Skip("CHAINTRACE_SAMPLE_HTML not set")
	}
	if err := os.WriteFile(p, []byte(renderDoc(t, htmlR, accountResult(), Options{DOTFile: "case.dot"})), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHTMLScreenshot opens the report in headless Chromium (Debian's chromium
// package) and checks the screenshot shows a page: the right size and not one
// flat colour. scripts/screenshot-report.sh keeps the picture for a person to
// look at.
func TestHTMLScreenshot(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(renderDoc(t, htmlR, accountResult(), Options{})), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1280,2000", "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
	// Text and table borders make many distinct colours; a blank or error page few.
	colours := map[[4]uint32]bool{}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
			if r < 0x4000 && g < 0x4000 && bl < 0x4000 {
				dark++
			}
		}
	}
	if len(colours) < 20 || dark < 500 {
		t.Errorf("screenshot looks blank: %d colours, %d dark samples", len(colours), dark)
	}
}

// The case header an exchange's desk reads first (issue 15 item 2): who asks,
// about which case, when, with which tool, and how to recompute the answer.
func TestCaseHeader(t *testing.T) {
	opts := Options{
		CaseName:     "CERT-2024-017 | Example theft",
		Investigator: "J. Doe, Example CERT <jdoe@example.org>",
		Generated:    time.Date(2024, 2, 3, 4, 5, 6, 0, time.FixedZone("CET", 3600)),
		Description:  "Hot wallet drained on 1 January 2024.",
		Sources:      []string{"https://example.org/post-mortem", "victim's statement"},
		Reproduce:    "chaintrace trace --case=theft.db",
	}
	md := renderDoc(t, mdR, accountResult(), opts)
	golden(t, "account-header.md", []byte(md))
	id := TraceID(accountResult())
	for _, want := range []string{
		"| Case | CERT-2024-017 \\| Example theft |",
		"| Trace ID | `" + id + "` |",
		"| Investigator | J. Doe, Example CERT \\<jdoe@example.org> |",
		"| Generated | 2024-02-03 03:05:06 UTC |", // converted to UTC
		"| Description | Hot wallet drained on 1 January 2024. |",
		"| Sources | https://example.org/post-mortem<br>victim's statement |",
		"| Reproduce | `chaintrace trace --case=theft.db` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	page := renderDoc(t, htmlR, accountResult(), Options{NoGraphviz: true, CaseName: opts.CaseName, Investigator: opts.Investigator, Generated: opts.Generated, Reproduce: opts.Reproduce})
	for _, want := range []string{
		"<tr><th>Case</th><td>CERT-2024-017 | Example theft</td></tr>",
		"<tr><th>Investigator</th><td>J. Doe, Example CERT &lt;jdoe@example.org&gt;</td></tr>",
		"<tr><th>Generated</th><td>2024-02-03 03:05:06 UTC</td></tr>",
		"<code class=\"cmd\">chaintrace trace --case=theft.db</code>",
		"<code>" + id + "</code>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

// The trace ID depends on the question (seeds, policy, parameters, tip), not
// on the answer's presentation: equal for equal questions, different otherwise.
func TestTraceID(t *testing.T) {
	a, b := accountResult(), accountResult()
	if TraceID(a) != TraceID(b) || !strings.HasPrefix(TraceID(a), "ct-") || len(TraceID(a)) != 19 {
		t.Fatalf("trace IDs %s, %s", TraceID(a), TraceID(b))
	}
	b.Policy = "poison"
	c := accountResult()
	c.Params["hops"] = "6"
	d := accountResult()
	d.Tip++
	for _, r := range []*graph.Result{b, c, d} {
		if TraceID(r) == TraceID(a) {
			t.Errorf("trace ID did not change with the question")
		}
	}
}

// The Parameters row shows the deposit rule's α in the native coin's units, as
// the text output's params line does (issue 15 item 4); the trace ID still
// hashes the base units the result holds.
func TestReportParamsHumanUnits(t *testing.T) {
	r := accountResult()
	r.Params = map[string]string{"deposit_alpha": "10000000000000000", "hops": "5"}
	id := TraceID(r)
	md := renderDoc(t, mdR, r, Options{})
	if want := "deposit\\_alpha = `0.01 ETH`<br>hops = `5`"; !strings.Contains(md, want) {
		t.Errorf("Markdown lacks %q", want)
	}
	page := renderDoc(t, htmlR, r, Options{NoGraphviz: true})
	if !strings.Contains(page, "0.01 ETH") || strings.Contains(page, "10000000000000000") {
		t.Error("HTML Parameters do not show deposit_alpha as 0.01 ETH")
	}
	if TraceID(r) != id {
		t.Error("rendering changed the trace ID")
	}
}

// Beside each exchange's freeze table the HTML report draws only how the funds
// reached that exchange (render.Focus), top to bottom, so that it stays legible
// on a printed page: in accountResult, Binance is reached by victim → thief →
// dep1 (ETH) and → dep2 (USDC), Kraken by victim → thief → hop → Kraken.
func TestHTMLGraphPerExchange(t *testing.T) {
	var dots []string
	fake := func(dot []byte) ([]byte, error) {
		dots = append(dots, string(dot))
		return []byte(fmt.Sprintf(`<svg width="10" height="10"><g id="graph%d"></g></svg>`, len(dots))), nil
	}
	out := renderDoc(t, htmlR, accountResult(), Options{SVG: fake})
	if len(dots) != 3 {
		t.Fatalf("%d graphs rendered, want the whole one and one per exchange (2)", len(dots))
	}
	for i, c := range []struct {
		name       string
		has, lacks []string
	}{
		{"Binance", []string{victim, thief, dep1, dep2, "exchange:Binance 14", "exchange:Binance: Hot Wallet 6"}, []string{hop, kraken, tornado, bridge, far}},
		{"Kraken", []string{victim, thief, hop, kraken}, []string{dep1, dep2, tornado, bridge, far, dust}},
	} {
		d := dots[i+1]
		if !strings.Contains(d, "rankdir=TB") || !strings.Contains(d, "label=<How the stolen funds reached "+c.name) {
			t.Errorf("%s: graph is not the vertical per-exchange one:\n%s", c.name, d)
		}
		for _, a := range c.has {
			if !strings.Contains(d, `"`+a+`"`) {
				t.Errorf("%s: graph lacks %s", c.name, a)
			}
		}
		for _, a := range c.lacks {
			if strings.Contains(d, `"`+a+`"`) {
				t.Errorf("%s: graph has %s, which is not on its paths", c.name, a)
			}
		}
		// Embedded after the exchange's own table, before the next exchange.
		fig := strings.Index(out, fmt.Sprintf(`<figure class="xgraph"><svg width="10" height="10"><g id="x%d-graph%d">`, i+1, i+2))
		head := strings.Index(out, "<h3>"+c.name+"</h3>")
		if fig < 0 || head < 0 || fig < head {
			t.Errorf("%s: graph not embedded under its heading (%d, %d)", c.name, head, fig)
		}
		if next := strings.Index(out[head+1:], "<h3>"); c.name == "Binance" && (next < 0 || fig > head+1+next) {
			t.Errorf("%s: graph not before the next exchange", c.name)
		}
	}
	// Without a renderer, no figures and no error.
	if out := renderDoc(t, htmlR, accountResult(), Options{NoGraphviz: true}); strings.Contains(out, `<figure class="xgraph">`) {
		t.Error("figures without a renderer")
	}
}

// Mixer candidates are leads with four hashes or addresses each: the HTML
// report gives each its own key/value block, so that none of them is broken
// across lines when printed or copied (issue 15 item 2; before, their table
// wrapped hashes with word-break: break-all). Printed by Chromium when it is
// installed, every one is one word of the PDF's text.
func TestCandidateHashesNeverBreak(t *testing.T) {
	r := accountResult()
	wd := "0x" + strings.Repeat("9e", 32)
	r.Demix = &graph.Demix{Window: 50000, Pools: []graph.MixerPool{{Address: tornado, Label: "Tornado Cash: 1 ETH", Asset: "ETH", Denomination: n("1" + e18)}},
		Candidates: []*graph.Candidate{{Pool: tornado, PoolLabel: "Tornado Cash: 1 ETH", Asset: "ETH", Denomination: n("1" + e18),
			DepositTx: h('3'), DepositBlock: 19000011, Depositor: thief, WithdrawalTx: wd, WithdrawalBlock: 19000090,
			Recipient: far, Relayer: hop, Fee: n("10000000000000000"), Sender: hop,
			Heuristics: []string{"address-reuse"}, Evidence: []string{"the recipient " + far + " also deposited"}, Score: 60}}}
	page := renderDoc(t, htmlR, r, Options{NoGraphviz: true})
	if strings.Contains(page, "break-all") || strings.Contains(page, "word-break") {
		t.Error("the report lets hashes break")
	}
	for _, id := range []string{tornado, h('3'), thief, wd, far} {
		if !strings.Contains(page, `<code class="id">`+id+`</code>`) {
			t.Errorf("candidate value %s is not an unbreakable code", id)
		}
	}
	if !strings.Contains(page, `<table class="freeze cand">`) {
		t.Error("the candidate is not a key/value block")
	}
	for _, tool := range []string{"chromium", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (.ci/run installs chromium and poppler-utils)", tool)
		}
	}
	pdf, err := ChromiumPDF([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(string(text)) {
		words[strings.Trim(w, ".,:;()")] = true
	}
	for _, id := range []string{h('3'), wd, far, thief} {
		if !words[id] {
			t.Errorf("the PDF's text lacks %s as one word", id)
		}
	}
}

// An exchange reached through more nodes than a page can show legibly gets a
// note instead of a graph, and costs no Graphviz run.
func TestHTMLExchangeGraphTooLarge(t *testing.T) {
	r := accountResult()
	for i := 0; i < MaxExchangeGraphNodes; i++ {
		a := fmt.Sprintf("0x%040x", 0xa000+i)
		r.Flow.Node(a, graph.RoleHop, 2)
		r.Flow.AddEdge(&graph.Edge{Tx: fmt.Sprintf("0x%064x", 0xb000+i), From: hop, To: a, Asset: "ETH", Amount: n("1"), Taint: n("1"), Block: 19000040, Hop: 2})
		r.Flow.AddEdge(&graph.Edge{Tx: fmt.Sprintf("0x%064x", 0xc000+i), From: a, To: kraken, Asset: "ETH", Amount: n("1"), Taint: n("1"), Block: 19000041, Hop: 3})
	}
	calls := 0
	fake := func([]byte) ([]byte, error) {
		calls++
		return []byte(`<svg width="10" height="10"></svg>`), nil
	}
	out := renderDoc(t, htmlR, r, Options{SVG: fake})
	if calls != 2 { // the whole graph and Binance's
		t.Errorf("%d renderer calls, want 2", calls)
	}
	if want := fmt.Sprintf("The paths to Kraken pass through %d addresses and transactions, too many to draw legibly on a page (at most %d)", MaxExchangeGraphNodes+4, MaxExchangeGraphNodes); !strings.Contains(out, want) {
		t.Errorf("no note %q", want)
	}
	if strings.Count(out, `<figure class="xgraph">`) != 1 {
		t.Error("want Binance's graph alone")
	}
}
