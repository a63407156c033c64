package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/golden"
)

const goldenDir = "../testdata/golden"

type format struct {
	ext   string
	write func(*bytes.Buffer, *graph.Result) error
}

var formats = []format{
	{"json", func(b *bytes.Buffer, r *graph.Result) error { return WriteJSON(b, r) }},
	{"dot", func(b *bytes.Buffer, r *graph.Result) error { return WriteDOT(b, r) }},
	{"edges.csv", func(b *bytes.Buffer, r *graph.Result) error { return WriteCSV(b, r) }},
	{"nodes.csv", func(b *bytes.Buffer, r *graph.Result) error { return WriteNodesCSV(b, r) }},
	{"txt", func(b *bytes.Buffer, r *graph.Result) error { return WriteText(b, r, TextOptions{}) }},
	{"paths.txt", func(b *bytes.Buffer, r *graph.Result) error { return WriteText(b, r, TextOptions{Paths: true}) }},
	{"w100.txt", func(b *bytes.Buffer, r *graph.Result) error {
		return WriteText(b, r, TextOptions{Width: 100, MaxRows: 3})
	}},
	{"graphml", func(b *bytes.Buffer, r *graph.Result) error { return WriteGraphML(b, r) }},
	{"neo4j-nodes.csv", func(b *bytes.Buffer, r *graph.Result) error { return WriteNeo4jNodes(b, r) }},
	{"neo4j-relationships.csv", func(b *bytes.Buffer, r *graph.Result) error { return WriteNeo4jRelationships(b, r) }},
}

var fixtures = map[string]func() *graph.Result{
	"account": func() *graph.Result { return accountResult(0) },
	"utxo":    utxoResult,
	"poison":  poisonResult,
	"nasty":   nastyResult,
}

func render(t *testing.T, f format, r *graph.Result) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f.write(&b, r); err != nil {
		t.Fatalf("%s: %v", f.ext, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for name, mk := range fixtures {
		for _, f := range formats {
			t.Run(name+"."+f.ext, func(t *testing.T) {
				got := render(t, f, mk())
				golden.Check(t, filepath.Join(goldenDir, name+"."+f.ext), got)
			})
		}
	}
}

// Two renders of the same result, and renders of results built with transfers
// and endpoints inserted in a different order, must be byte-identical.
func TestDeterministic(t *testing.T) {
	for _, f := range formats {
		base := render(t, f, accountResult(0))
		if again := render(t, f, accountResult(0)); !bytes.Equal(base, again) {
			t.Errorf("%s: two renders differ", f.ext)
		}
		for seed := int64(1); seed <= 5; seed++ {
			if got := render(t, f, accountResult(seed)); !bytes.Equal(base, got) {
				t.Errorf("%s: insertion order %d changes the output", f.ext, seed)
			}
		}
	}
}

func TestExportersDoNotReorderResult(t *testing.T) {
	r := accountResult(0)
	first := r.Endpoints[0]
	for _, f := range formats {
		render(t, f, r)
	}
	if r.Endpoints[0] != first {
		t.Error("an exporter reordered r.Endpoints")
	}
}

func TestJSONContent(t *testing.T) {
	out := render(t, formats[0], accountResult(0))
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.HasPrefix(out, []byte("{\n  \"schema\": 2,\n")) {
		t.Fatalf("want 2-space indented object with trailing newline, got prefix %q", out[:20])
	}
	var doc struct {
		Chain     string
		Complete  bool
		Endpoints []struct {
			Kind, Address, Asset, Amount, Exchange string
			Sweep                                  string `json:"sweep_tx"`
			Confidence                             int    `json:"confidence_permille"`
			Path                                   []string
			Inflows                                []struct{ Tx, Time, Amount string }
		}
		Totals map[string]struct {
			Seed, Fees, Located, Untraced, Growth string
			ByKind                                map[string]string `json:"by_kind"`
		}
		Edges []struct {
			Tx, Amount, Taint, Time string
			TimeUnix                int64 `json:"time_unix"`
		}
		Nodes    []struct{ ID string }
		Warnings []string
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	// Amounts are strings, never JSON numbers: a number would fail to decode into string.
	eth := doc.Totals["ETH"]
	if eth.Seed != "10000000000000000000" || eth.Fees != "4000000000000000" || eth.Untraced != "1" || eth.Growth != "0" {
		t.Errorf("ETH totals = %+v", eth)
	}
	// located = 4 + 1 + 2 + 2.995999999999999999 ETH = 9.995999999999999999 ETH
	if eth.Located != "9995999999999999999" {
		t.Errorf("ETH located = %s, want 9995999999999999999", eth.Located)
	}
	// every kind but budget, which only a trace a budget ended lists
	if _, ok := eth.ByKind[graph.EndBudget]; ok || len(eth.ByKind) != len(graph.EndpointKinds)-1 || eth.ByKind[graph.EndBridge] != "0" || eth.ByKind[graph.EndExchangeDeposit] != "4000000000000000000" {
		t.Errorf("by_kind = %v, want every kind but budget with zeros filled", eth.ByKind)
	}
	usdc := doc.Totals[usdcAsset.ID]
	if usdc.Seed != "5000000000" || usdc.Located != "4500000000" || usdc.Untraced != "500000000" {
		t.Errorf("USDC totals = %+v", usdc)
	}
	// Endpoint order: by asset id ("0xA0…" < "ETH"), then amount descending.
	var order []string
	for _, e := range doc.Endpoints {
		order = append(order, e.Kind)
	}
	want := []string{graph.EndBridge, graph.EndService, graph.EndHopLimit, graph.EndExchangeDeposit, graph.EndUnspent, graph.EndExchange, graph.EndMixer, graph.EndBelowThreshold}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("endpoint order = %v, want %v", order, want)
	}
	dep := doc.Endpoints[3]
	if dep.Exchange != "Binance" || dep.Sweep != hash('c') || dep.Confidence != 950 || dep.Amount != "4000000000000000000" {
		t.Errorf("deposit endpoint = %+v", dep)
	}
	kr := doc.Endpoints[5]
	if len(kr.Inflows) != 2 || kr.Inflows[0].Tx != hash('6') || kr.Inflows[0].Time != "2024-01-01T00:04:00Z" {
		t.Errorf("Kraken inflows = %+v, want tx 6 first at block 19000020 = t0+240s", kr.Inflows)
	}
	if len(doc.Edges) != 12 || len(doc.Nodes) != 11 {
		t.Errorf("got %d edges, %d nodes; want 12, 11", len(doc.Edges), len(doc.Nodes))
	}
	if e := doc.Edges[0]; e.Tx != hash('1') || e.Time != "2024-01-01T00:00:00Z" || e.TimeUnix != 1704067200 {
		t.Errorf("first edge = %+v", e)
	}
	if doc.Warnings[0][0] != 'a' || !doc.Complete {
		t.Errorf("warnings not sorted or complete wrong: %v %v", doc.Warnings, doc.Complete)
	}
}

func TestJSONEmptyResult(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, &graph.Result{Chain: "eth"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"endpoints": []`, `"nodes": []`, `"edges": []`, `"warnings": []`, `"seeds": []`, `"params": {}`, `"assets": {}`, `"totals": {}`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("empty result JSON lacks %s:\n%s", want, b.String())
		}
	}
	for _, f := range formats {
		render(t, f, &graph.Result{})
	}
}

func TestDOTAggregatesParallelTransfers(t *testing.T) {
	out := string(render(t, formats[1], accountResult(0)))
	var hopToKraken []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"`+aHop+`" -> "`+aKraken+`"`) {
			hopToKraken = append(hopToKraken, l)
		}
	}
	if len(hopToKraken) != 1 {
		t.Fatalf("want one aggregated hop→Kraken edge, got %d:\n%s", len(hopToKraken), strings.Join(hopToKraken, "\n"))
	}
	// 1 ETH + 1 ETH in two transfers; all of it tainted → penwidth 1 + 4·0.2 = 1.8.
	for _, want := range []string{"amount 2 ETH", "taint 2 ETH", "2 transfers", "penwidth=1.8"} {
		if !strings.Contains(hopToKraken[0], want) {
			t.Errorf("hop→Kraken edge %q lacks %q", hopToKraken[0], want)
		}
	}
	// thief → router: 2000 USDC of which 1500 tainted = 75.0%.
	if !strings.Contains(out, "amount 2000 USDC<BR/>taint 1500 USDC (75.0%)") {
		t.Error("partial-taint edge label missing")
	}
	// The clean inflow is drawn dashed.
	if !strings.Contains(out, `"`+aClean+`" -> "`+aHop+`" [label=<amount 1 ETH<BR/>taint 0 ETH<BR/>tx 0x555555…555555>, style=dashed`) {
		t.Error("clean edge not dashed or label wrong")
	}
}

func TestDOTEscapesNastyLabels(t *testing.T) {
	out := string(render(t, formats[1], nastyResult()))
	for _, bad := range []string{"<script>", "\u202e", "\xff", "line1\nline2", "\r", "\t", `<B>bold`} {
		if strings.Contains(out, bad) {
			t.Errorf("DOT output contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co",
		"Ünïcødé 交易所 😀",
		"&amp;amp; &amp;lt; &amp;#65; entities",
		`U$&quot;D&lt;T&gt;\\`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("DOT output lacks escaped %q", want)
		}
	}
}

// Every golden DOT file must render with Graphviz without a single warning.
// Skipped when dot is not installed; .ci/run installs graphviz so CI runs it.
func TestDOTRendersWithGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("graphviz dot not on PATH")
	}
	for name, mk := range fixtures {
		t.Run(name, func(t *testing.T) {
			src := render(t, formats[1], mk())
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin = bytes.NewReader(src)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("dot -Tsvg: %v\n%s", err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Fatalf("dot -Tsvg wrote to stderr:\n%s", stderr.String())
			}
			if !bytes.Contains(stdout.Bytes(), []byte("</svg>")) {
				t.Fatal("no SVG produced")
			}
			if name == "nasty" {
				// The hostile label must come out as text, not as SVG markup.
				if bytes.Contains(stdout.Bytes(), []byte("<script>")) {
					t.Error("SVG contains a <script> element from a label")
				}
				// Each hostile label must be drawn exactly as written (SVG-escaped),
				// with no Graphviz substitution (\N → node name) or entity decoding.
				for _, want := range []string{
					"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co &lt;B&gt;bol…",
					`\N \G \l \n escapes`,
					`Evil &quot;quoted&quot; \ back\slash`,
					`trailing backslash \<`,
					"&amp;amp; &amp;lt; &amp;#65; entities",
					"line1 line2 tab",
					`1 U$&quot;D&lt;T&gt;\<`,
				} {
					if !bytes.Contains(stdout.Bytes(), []byte(want)) {
						t.Errorf("SVG lacks the label text %q", want)
					}
				}
			}
		})
	}
}

func TestCSV(t *testing.T) {
	r := accountResult(0)
	recs, err := csv.NewReader(bytes.NewReader(render(t, formats[2], r))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "Source,Target,Type,Id,Label,tx,asset,amount,taint,block,time,hop,position,kind,heuristics,Weight,symbol,decimals,amount_units,taint_units" {
		t.Errorf("edges header = %s", got)
	}
	if len(recs) != 1+12 {
		t.Fatalf("want 12 edge rows, got %d", len(recs)-1)
	}
	ids := map[string]bool{}
	for _, rec := range recs[1:] {
		if rec[2] != "Directed" {
			t.Errorf("Type = %q", rec[2])
		}
		if ids[rec[3]] {
			t.Errorf("duplicate Id %s", rec[3])
		}
		ids[rec[3]] = true
	}
	// Row of tx 9: thief → router, 2000 USDC, 1500 tainted, block 19000030 = t0 + 360 s.
	var row []string
	for _, rec := range recs[1:] {
		if rec[5] == hash('9') {
			row = rec
		}
	}
	want := []string{aThief, aRouter, "Directed", row[3], "1500 USDC", hash('9'), usdcAsset.ID, "2000000000", "1500000000", "19000030", "2024-01-01T00:06:00Z", "1", "log 3", "token", "",
		"1500", "USDC", "6", "2000", "1500"}
	if strings.Join(row, "|") != strings.Join(want, "|") {
		t.Errorf("tx 9 row =\n%v\nwant\n%v", row, want)
	}
	// The human-unit columns are exact: the 1-wei dust row (tx 8) keeps all 18
	// decimals, the untainted row (tx 5) weighs 0, and every row's Weight,
	// taint_units and amount_units times 10^decimals give back the base units.
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, rec := range recs[1:] {
		switch rec[col["tx"]] {
		case hash('8'):
			if rec[col["Weight"]] != "0.000000000000000001" || rec[col["amount_units"]] != "0.000000000000000001" || rec[col["symbol"]] != "ETH" || rec[col["decimals"]] != "18" {
				t.Errorf("1-wei row: Weight %q amount_units %q symbol %q decimals %q", rec[col["Weight"]], rec[col["amount_units"]], rec[col["symbol"]], rec[col["decimals"]])
			}
		case hash('5'):
			if rec[col["Weight"]] != "0" || rec[col["amount_units"]] != "1" {
				t.Errorf("untainted row: Weight %q amount_units %q", rec[col["Weight"]], rec[col["amount_units"]])
			}
		}
		d, err := strconv.Atoi(rec[col["decimals"]])
		if err != nil {
			t.Fatalf("decimals %q: %v", rec[col["decimals"]], err)
		}
		for units, base := range map[string]string{"Weight": "taint", "taint_units": "taint", "amount_units": "amount"} {
			v, err := graph.ParseUnits(rec[col[units]], uint8(d))
			if err != nil || v.String() != rec[col[base]] {
				t.Errorf("%s %s = %q (%v) is not %s %s at %d decimals", rec[col["Id"]], units, rec[col[units]], err, base, rec[col[base]], d)
			}
		}
	}

	nodes, err := csv.NewReader(bytes.NewReader(render(t, formats[3], r))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(nodes[0][:2], ",") != "Id,Label" || len(nodes) != 1+11 {
		t.Errorf("nodes header %v, %d rows", nodes[0], len(nodes)-1)
	}
	// Every edge endpoint is a node Id.
	nodeIDs := map[string]bool{}
	for _, rec := range nodes[1:] {
		nodeIDs[rec[0]] = true
	}
	for _, rec := range recs[1:] {
		if !nodeIDs[rec[0]] || !nodeIDs[rec[1]] {
			t.Errorf("edge %s refers to a missing node", rec[3])
		}
	}
	// Nasty labels survive CSV quoting intact except for control characters.
	nasty, err := csv.NewReader(bytes.NewReader(render(t, formats[3], nastyResult()))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range nasty[1:] {
		if rec[5] == `Evil "quoted" \ back\slash` {
			found = true
		}
	}
	if !found {
		t.Error("quoted label did not round-trip through the nodes CSV")
	}
}

func TestText(t *testing.T) {
	out := string(render(t, formats[4], accountResult(0)))
	// ETH: exchanges 4 + 2 = 6 of 10 → 60.0%; mixer 1 → 10.0%; unspent
	// 2.995999999999999999 → 299.5999… permille → 30.0%; fees 0.004 → 0.04%,
	// which rounds to 0 permille → "<0.1%"; untraced 1 wei → "<0.1%".
	// USDC: bridge 3000 of 5000 → 60.0%; hop-limit 500 → 10.0%.
	for _, want := range []string{
		"  reached exchanges      6                    ETH  60.0%  2 endpoints\n",
		"  reached mixers         1                    ETH  10.0%  1 endpoint\n",
		"  still unspent          2.995999999999999999 ETH  30.0%  1 endpoint\n",
		"  fees                   0.004                ETH  <0.1%\n",
		"  untraced               0.000000000000000001 ETH  <0.1%  1 endpoint\n",
		"    below-threshold      0.000000000000000001 ETH  <0.1%  1 endpoint\n",
		"deposit of Binance",
		"USDC (token 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48, 6 decimals)",
		"  reached bridges       3000 USDC  60.0%  1 endpoint\n",
		"    hop-limit            500 USDC  10.0%  1 endpoint\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// Native asset first, endpoints largest first.
	if strings.Index(out, "ETH (native") > strings.Index(out, "USDC (token") {
		t.Error("native asset should come first")
	}
	if strings.Index(out, aDeposit) > strings.Index(out, aHop) || strings.Index(out, aHop) > strings.Index(out, aKraken) {
		t.Error("endpoints not largest first")
	}
	// Kraken got two inflows: the first (tx 6) is shown with "+1".
	if !strings.Contains(out, hash('6')+" +1") {
		t.Error("inflow count missing")
	}
}

func TestTextWidthAndPaths(t *testing.T) {
	narrow := string(render(t, formats[6], accountResult(0)))
	for _, l := range strings.Split(narrow, "\n") {
		if strings.HasPrefix(l, "  KIND") || strings.HasPrefix(l, "  exchange") {
			if n := len([]rune(l)); n > 100 {
				t.Errorf("table line %d wide at Width 100: %q", n, l)
			}
		}
	}
	if !strings.Contains(narrow, "… 2 more endpoints not shown") {
		t.Error("MaxRows note missing (ETH has 5 endpoints, limit 3)")
	}
	paths := string(render(t, formats[5], accountResult(0)))
	if !strings.Contains(paths, "path: "+hash('1')+" → "+hash('4')+" → "+hash('6')) {
		t.Error("full path missing")
	}
	if !strings.Contains(paths, "sweep: "+hash('c')+" to Binance (confidence 95.0%)") {
		t.Error("deposit sweep line missing")
	}
}

func TestTextPoisonAndIncomplete(t *testing.T) {
	out := string(render(t, formats[4], poisonResult()))
	// 3.9999 BTC unspent of a 1 BTC seed: 399.99% → "400.0%"; growth 3 BTC = 300.0%.
	for _, want := range []string{"still unspent         3.9999 BTC  400.0%", "growth (poison)       3      BTC  300.0%"} {
		if !strings.Contains(out, want) {
			t.Errorf("poison text lacks %q:\n%s", want, out)
		}
	}
	nasty := string(render(t, formats[4], nastyResult()))
	if !strings.Contains(nasty, "INCOMPLETE") || !strings.Contains(nasty, "error: node at 127.0.0.1:8545 timed out after 30s") {
		t.Errorf("incomplete trace not reported:\n%s", nasty)
	}
	if strings.ContainsAny(nasty, "\u202e\r\t") {
		t.Error("text output contains control or bidi characters")
	}
}
