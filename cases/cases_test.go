package cases

import (
	"bytes"
	"context"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

func load(t *testing.T, name string) (Demo, *jsoncase.Case) {
	t.Helper()
	d, ok := Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q) failed", name)
	}
	c, err := jsoncase.Parse(d.JSON)
	if err != nil {
		t.Fatalf("%s: %v", d.File, err)
	}
	return d, c
}

func TestDemosLoad(t *testing.T) {
	for _, n := range Names() {
		d, c := load(t, n)
		if len(c.Seeds) == 0 || c.Description == "" || c.SourceNote == "" {
			t.Errorf("%s: seeds, description and source are required for a demo", n)
		}
		s := labels.New()
		if err := s.AddData(d.File, d.Labels); err != nil {
			t.Errorf("%s labels: %v", n, err)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) succeeded")
	}
}

// The Ronin demo's figures, worked out by hand from the generator's script.
func TestRoninFigures(t *testing.T) {
	_, c := load(t, "demo")
	src := c.Source().(*jsoncase.Account)
	ctx := context.Background()
	eth := func(s string) *big.Int { v, _ := graph.ParseUnits(s, 18); return v }
	gwei := func(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e9)) }

	// Seed 1 moves 1,736 ETH from the bridge; seed 2 moves 255,000 USDC.
	trs, err := src.TxTransfers(ctx, c.Seeds[0])
	if err != nil || len(trs) != 2 || trs[1].Amount.Cmp(eth("1736")) != 0 || trs[0].Kind != graph.KindFee {
		t.Fatalf("seed 1 = %+v, %v", trs, err)
	}
	trs, err = src.TxTransfers(ctx, c.Seeds[1])
	if err != nil || len(trs) != 2 || trs[1].Amount.Cmp(big.NewInt(255000_000000)) != 0 || trs[1].Asset.Symbol != "USDC" {
		t.Fatalf("seed 2 = %+v, %v", trs, err)
	}
	thief := trs[1].To

	// The thief's balance at the tip: 2.5 clean + 1,736 + 85.6286 back from the
	// swap − 0.00001 test − 5×12.5 fan-out − 301 to "Exploiter 8" − gas.
	// Gas: theft 112,000×40 + 98,000×40 gwei, test 21,000×35, USDC hand-off
	// 65,000×30, fan-out 5×21,000×32, two batches 2×21,000×45.
	gas := new(big.Int)
	for _, g := range [][2]int64{{112000, 40}, {98000, 40}, {21000, 35}, {65000, 30}, {21000 * 5, 32}, {21000 * 2, 45}} {
		gas.Add(gas, new(big.Int).Mul(big.NewInt(g[0]), gwei(g[1])))
	}
	want := eth("2.5")
	want.Add(want, eth("1736"))
	want.Add(want, eth("85.6286"))
	want.Sub(want, eth("0.00001"))
	want.Sub(want, eth("62.5"))
	want.Sub(want, eth("301"))
	want.Sub(want, gas)
	got, err := src.Balance(ctx, thief, c.Native, c.Tip)
	if err != nil || got.Cmp(want) != 0 {
		t.Errorf("thief's balance at tip = %v, %v; want %v", got, err, want)
	}
	h, err := src.History(ctx, trace.HistoryQuery{Address: thief})
	if err != nil || len(h.Transfers) != 23 { // 2 seeds×2 + test 2 + USDC 2 + back 1 + fan-out 5×2 + batches 2×2
		t.Errorf("thief's history has %d transfers (%v), want 23", len(h.Transfers), err)
	}
}

// The committed files are what the generator writes.
func TestDemoFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/gendemo", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gendemo: %v\n%s", err, out)
	}
	ents, _ := os.ReadDir("demo")
	for _, e := range ents {
		want, _ := os.ReadFile(filepath.Join("demo", e.Name()))
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("demo/%s differs from the generator's output; run go generate ./cases", e.Name())
		}
	}
}

func BenchmarkParseRonin(b *testing.B) {
	d, _ := Lookup("ronin")
	b.SetBytes(int64(len(d.JSON)))
	for b.Loop() {
		if _, err := jsoncase.Parse(d.JSON); err != nil {
			b.Fatal(err)
		}
	}
}
