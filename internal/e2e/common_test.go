package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/report"
)

// loadLabels builds the label store a user's --labels file would give: only the
// rows passed (no built-in set), read through the CSV parser.
func loadLabels(t *testing.T, rows ...string) *labels.Store {
	t.Helper()
	csv := "chain,address,label,category,source,confidence\n" + strings.Join(rows, "\n") + "\n"
	s := labels.New()
	if err := s.AddData("e2e-labels.csv", []byte(csv)); err != nil {
		t.Fatalf("labels: %v", err)
	}
	if s.Len() != len(rows) {
		t.Fatalf("label store holds %d entries, want %d", s.Len(), len(rows))
	}
	return s
}

// wantEP is an endpoint as a test expects it. Zero Exchange/Sweep/Confidence
// mean the endpoint must not carry them.
type wantEP struct {
	kind, addr, asset string
	amount            *big.Int
	exchange, sweep   string
	confidence        int
	outpoint          string // UTXO endpoints: which output
}

func (w wantEP) key() string { return w.kind + " " + w.addr + " " + w.outpoint + " " + w.asset }

func epKey(e *graph.Endpoint) string {
	return e.Kind + " " + e.Address + " " + e.Outpoint + " " + e.Asset
}

// checkEndpoints asserts that res has exactly the wanted endpoints.
func checkEndpoints(t *testing.T, res *graph.Result, want []wantEP) {
	t.Helper()
	got := map[string]*graph.Endpoint{}
	for _, e := range res.Endpoints {
		if got[epKey(e)] != nil {
			t.Errorf("endpoint %s listed twice", epKey(e))
		}
		got[epKey(e)] = e
	}
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.key()] = true
		e := got[w.key()]
		if e == nil {
			t.Errorf("missing endpoint %s (want %s)", w.key(), w.amount)
			continue
		}
		if e.Amount.Cmp(w.amount) != 0 {
			t.Errorf("endpoint %s: amount %s, want %s", w.key(), e.Amount, w.amount)
		}
		if e.Exchange != w.exchange || e.SweepTx != w.sweep || e.Confidence != w.confidence {
			t.Errorf("endpoint %s: exchange %q sweep %q κ %d‰, want %q %q %d‰", w.key(), e.Exchange, e.SweepTx, e.Confidence, w.exchange, w.sweep, w.confidence)
		}
	}
	for k, e := range got {
		if !seen[k] {
			t.Errorf("unexpected endpoint %s = %s (exchange %q, sweep %q)", k, e.Amount, e.Exchange, e.SweepTx)
		}
	}
	if t.Failed() {
		t.Logf("endpoints:\n%s", dumpEndpoints(res))
	}
}

func dumpEndpoints(res *graph.Result) string {
	var ls []string
	for _, e := range res.Endpoints {
		ls = append(ls, fmt.Sprintf("  %s = %s hops %d exchange %q sweep %q κ %d inflows %d", epKey(e), e.Amount, e.Hops, e.Exchange, e.SweepTx, e.Confidence, len(e.Inflows)))
	}
	sort.Strings(ls)
	return strings.Join(ls, "\n") + fmt.Sprintf("\n  warnings: %q", res.Warnings)
}

// checkBalance asserts seed + wrapped in = Σ endpoints + fees + wrapped out for
// asset, with the endpoints summed here (not read from Totals.ByKind), and that
// Totals agrees with the endpoints and with the expected seed and fees.
func checkBalance(t *testing.T, res *graph.Result, asset string, seed, fees *big.Int) {
	t.Helper()
	tot := res.Totals[asset]
	if tot == nil {
		t.Errorf("no totals for %s", asset)
		return
	}
	if tot.Seed.Cmp(seed) != 0 {
		t.Errorf("%s seed %s, want %s", asset, tot.Seed, seed)
	}
	if tot.Fees.Cmp(fees) != 0 {
		t.Errorf("%s fees %s, want %s", asset, tot.Fees, fees)
	}
	sum := new(big.Int)
	byKind := map[string]*big.Int{}
	for _, e := range res.Endpoints {
		if e.Asset != asset {
			continue
		}
		sum.Add(sum, e.Amount)
		if byKind[e.Kind] == nil {
			byKind[e.Kind] = new(big.Int)
		}
		byKind[e.Kind].Add(byKind[e.Kind], e.Amount)
	}
	for k, v := range byKind {
		if tv := tot.ByKind[k]; tv == nil || tv.Cmp(v) != 0 {
			t.Errorf("%s totals by kind %s = %v, endpoints sum to %s", asset, k, tv, v)
		}
	}
	sum.Add(sum, fees)
	if tot.WrappedOut != nil {
		sum.Add(sum, tot.WrappedOut)
	}
	in := new(big.Int).Set(seed)
	if tot.WrappedIn != nil {
		in.Add(in, tot.WrappedIn)
	}
	if sum.Cmp(in) != 0 {
		t.Errorf("%s does not balance: endpoints + fees (+ wrapped out) = %s, seed (+ wrapped in) = %s", asset, sum, in)
	}
}

// kappa is the deposit rule's confidence in permille, rounded down, worked out
// from ../shared/TRACING.md's formula with exact rationals:
// κ = 1 − (½·(aᵣ − a_f)/α + ½·(t_f − tᵣ)/τ). alpha nil: tokens (no amount term).
func kappa(diff, alpha *big.Int, dt, tau uint64) int {
	k := big.NewRat(1, 1)
	if alpha != nil {
		k.Sub(k, new(big.Rat).SetFrac(diff, new(big.Int).Mul(big.NewInt(2), alpha)))
	}
	k.Sub(k, big.NewRat(int64(dt), 2*int64(tau)))
	k.Mul(k, big.NewRat(1000, 1))
	return int(new(big.Int).Quo(k.Num(), k.Denom()).Int64()) // k > 0 here, so Quo floors
}

// jsonEP is an endpoint as render.WriteJSON prints it.
type jsonEP struct {
	Kind       string `json:"kind"`
	Address    string `json:"address"`
	Outpoint   string `json:"outpoint"`
	Asset      string `json:"asset"`
	Amount     string `json:"amount"`
	Exchange   string `json:"exchange"`
	SweepTx    string `json:"sweep_tx"`
	Confidence int    `json:"confidence_permille"`
}

// checkJSON runs the JSON exporter and asserts every deposit appears in it as
// kind "exchange-deposit" with its exchange, amount, sweep and confidence, and
// that no other endpoint is called a deposit.
func checkJSON(t *testing.T, res *graph.Result, deposits []wantEP) {
	t.Helper()
	var buf bytes.Buffer
	if err := render.WriteJSON(&buf, res); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"kind": "exchange-deposit"`)) {
		t.Errorf(`JSON output has no "kind": "exchange-deposit"`)
	}
	var doc struct {
		Complete  bool     `json:"complete"`
		Endpoints []jsonEP `json:"endpoints"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JSON output does not parse: %v", err)
	}
	if !doc.Complete {
		t.Errorf("JSON says the trace is incomplete")
	}
	found := map[string]jsonEP{}
	for _, e := range doc.Endpoints {
		if e.Kind == graph.EndExchangeDeposit {
			found[e.Address+" "+e.Outpoint+" "+e.Asset] = e
		}
	}
	for _, d := range deposits {
		k := d.addr + " " + d.outpoint + " " + d.asset
		e, ok := found[k]
		if !ok {
			t.Errorf("JSON lists no exchange-deposit %s", k)
			continue
		}
		delete(found, k)
		if e.Exchange != d.exchange || e.Amount != d.amount.String() || e.SweepTx != d.sweep || e.Confidence != d.confidence {
			t.Errorf("JSON deposit %s: exchange %q amount %s sweep %q κ %d, want %q %s %q %d", k, e.Exchange, e.Amount, e.SweepTx, e.Confidence, d.exchange, d.amount, d.sweep, d.confidence)
		}
	}
	for k := range found {
		t.Errorf("JSON lists an unexpected exchange-deposit %s", k)
	}
}

// sameJSON asserts that run gives byte-identical JSON output to res.
func sameJSON(t *testing.T, res *graph.Result, run func() (*graph.Result, error)) {
	t.Helper()
	res2, err := run()
	if err != nil {
		t.Fatal(err)
	}
	var b1, b2 bytes.Buffer
	if err := render.WriteJSON(&b1, res); err != nil {
		t.Fatal(err)
	}
	if err := render.WriteJSON(&b2, res2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Errorf("the same trace gave different JSON (%d vs %d bytes)", b1.Len(), b2.Len())
	}
}

// freezeRow is one row of a report's freeze-request table.
type freezeRow struct {
	Address, Kind, Tx, Amount, Time, Hops, Sweep, Confidence string
}

// freezeTables runs the Markdown report and parses its "Freeze requests"
// section: exchange name → rows.
func freezeTables(t *testing.T, res *graph.Result) (map[string][]freezeRow, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Markdown(&buf, res, report.Options{NoGraphviz: true}); err != nil {
		t.Fatalf("report.Markdown: %v", err)
	}
	md := buf.String()
	_, sec, ok := strings.Cut(md, "\n## Freeze requests\n")
	if !ok {
		t.Fatalf("report has no Freeze requests section:\n%s", md)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	out := map[string][]freezeRow{}
	cur := ""
	for _, ln := range strings.Split(sec, "\n") {
		switch {
		case strings.HasPrefix(ln, "### "):
			cur = strings.TrimPrefix(ln, "### ")
			out[cur] = []freezeRow{}
		case strings.HasPrefix(ln, "| `") && cur != "":
			cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(ln, "| "), " |"), " | ")
			// Address | Type | Tx into it | Block | Time | Tx amount | Tainted | Hops | Sweep | Confidence;
			// the whole-amount and block columns are checked by the report tests.
			if len(cells) != 10 {
				t.Errorf("freeze table row with %d cells: %q", len(cells), ln)
				continue
			}
			addr, _, _ := strings.Cut(cells[0], "<br>")
			out[cur] = append(out[cur], freezeRow{
				Address: strings.Trim(addr, "`"), Kind: cells[1], Tx: strings.Trim(cells[2], "`"), Amount: cells[6],
				Time: cells[4], Hops: cells[7], Sweep: strings.Trim(cells[8], "`"), Confidence: cells[9],
			})
		}
	}
	return out, md
}

// depositRow is the freeze-table row a deposit must have.
func depositRow(addr, tx, amount string, unix int64, hops int, sweep string, permille int) freezeRow {
	return freezeRow{
		Address: addr, Kind: "deposit", Tx: tx, Amount: amount,
		Time: time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05") + " UTC", Hops: fmt.Sprint(hops),
		Sweep: sweep, Confidence: fmt.Sprintf("%d.%d%%", permille/10, permille%10),
	}
}

// checkFreeze asserts that exchange's table lists exactly the wanted deposit
// rows (hot-wallet rows are checked by address only, in wantHot).
func checkFreeze(t *testing.T, tables map[string][]freezeRow, md, exchange string, wantDeps []freezeRow, wantHot []string) {
	t.Helper()
	rows, ok := tables[exchange]
	if !ok {
		t.Errorf("report has no freeze-request table for %q (tables: %v)\n%s", exchange, keys(tables), md)
		return
	}
	var deps []freezeRow
	hot := map[string]bool{}
	for _, r := range rows {
		switch r.Kind {
		case "deposit":
			deps = append(deps, r)
		case "hot wallet":
			hot[r.Address] = true
		default:
			t.Errorf("%s: row of kind %q: %+v", exchange, r.Kind, r)
		}
	}
	if fmt.Sprint(sortRows(deps)) != fmt.Sprint(sortRows(wantDeps)) {
		t.Errorf("%s freeze table deposits:\n got  %+v\n want %+v", exchange, sortRows(deps), sortRows(wantDeps))
	}
	for _, h := range wantHot {
		if !hot[h] {
			t.Errorf("%s freeze table has no hot-wallet row for %s", exchange, h)
		}
		delete(hot, h)
	}
	for h := range hot {
		t.Errorf("%s freeze table has an unexpected hot-wallet row for %s", exchange, h)
	}
}

func sortRows(rs []freezeRow) []freezeRow {
	c := append([]freezeRow(nil), rs...)
	sort.Slice(c, func(i, j int) bool { return fmt.Sprint(c[i]) < fmt.Sprint(c[j]) })
	return c
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
