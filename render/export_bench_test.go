package render

import (
	"fmt"
	"io"
	"math/big"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// bigResult is a synthetic trace of the size a busy theft reaches: a fan-out of
// holders, each paying several parallel transfers onward, one endpoint per leaf.
func bigResult(holders, perHolder int) *graph.Result {
	f := graph.NewFlow()
	seed := "0x" + fmt.Sprintf("%040x", 1)
	f.Node(seed, graph.RoleSeed, 0)
	r := &graph.Result{Tool: "bench", Chain: "eth", Family: graph.FamilyAccount, Policy: "haircut", Seeds: []string{seed},
		Assets: map[string]graph.Asset{"ETH": ethAsset}, Flow: f, Totals: map[string]*graph.Totals{}}
	total := new(big.Int)
	for i := 0; i < holders; i++ {
		h := fmt.Sprintf("0x%040x", 1000+i)
		leaf := fmt.Sprintf("0x%040x", 1000000+i)
		f.Node(h, graph.RoleHop, 1)
		ln := f.Node(leaf, graph.EndExchangeDeposit, 2)
		ln.Label = fmt.Sprintf("Exchange %d", i%17)
		amt := big.NewInt(int64(1e15) * int64(i+1))
		f.AddEdge(&graph.Edge{Tx: fmt.Sprintf("0x%064x", i), Position: "value", From: seed, To: h, Asset: "ETH",
			Amount: amt, Taint: amt, Block: uint64(100 + i), Time: t0 + int64(i), Hop: 1, Kind: "value"})
		sum := new(big.Int)
		for j := 0; j < perHolder; j++ {
			part := new(big.Int).Div(amt, big.NewInt(int64(perHolder)))
			if j == perHolder-1 {
				part.Sub(amt, sum)
			}
			sum.Add(sum, part)
			f.AddEdge(&graph.Edge{Tx: fmt.Sprintf("0x%032x%032x", i, j), Position: fmt.Sprintf("call %d", j), From: h, To: leaf, Asset: "ETH",
				Amount: part, Taint: part, Block: uint64(100000 + i*perHolder + j), Time: t0 + int64(1000+i), Hop: 2, Kind: "internal"})
		}
		r.Endpoints = append(r.Endpoints, &graph.Endpoint{Kind: graph.EndExchangeDeposit, Address: leaf, Asset: "ETH", Amount: amt, Hops: 2,
			Path: []string{fmt.Sprintf("0x%064x", i)}, Inflows: []graph.Inflow{{Tx: fmt.Sprintf("0x%064x", i), Block: uint64(100 + i), From: h, Amount: amt}}})
		total.Add(total, amt)
	}
	r.Totals["ETH"] = &graph.Totals{Seed: total, Fees: new(big.Int), ByKind: map[string]*big.Int{graph.EndExchangeDeposit: total}}
	return r
}

func BenchmarkExport(b *testing.B) {
	r := bigResult(2000, 5) // 4,001 nodes, 12,000 transfers, 2,000 endpoints
	for _, f := range []struct {
		name  string
		write func(io.Writer, *graph.Result) error
	}{
		{"json", WriteJSON},
		{"dot", WriteDOT},
		{"csv", WriteCSV},
		{"nodescsv", WriteNodesCSV},
		{"text", func(w io.Writer, r *graph.Result) error { return WriteText(w, r, TextOptions{Width: 120}) }},
	} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if err := f.write(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
