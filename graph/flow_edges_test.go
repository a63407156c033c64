package graph

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"testing"
)

// AddTransfer keeps a compact copy; the edges built from it must be the edges
// AddEdge would have kept, field for field, whatever the amounts (nil, zero,
// 256 bits, wider, negative) and the rarely set fields.
func TestFlowAddTransferRoundTrip(t *testing.T) {
	max256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	wide := new(big.Int).Lsh(big.NewInt(3), 300)
	cases := []struct {
		e             Edge
		amount, taint *big.Int
	}{
		{Edge{Tx: "t1", Position: "log 3", From: "a", To: "b", Asset: "ETH", Block: 7, Time: 1700000000, Hop: 1, Kind: "native"}, n("1000000000000000000"), n("250")},
		{Edge{Tx: "t2", From: "b", To: "c", Asset: "USDC", Hop: 2}, n("0"), nil},
		{Edge{Tx: "t3", From: "c", To: "c", Asset: "ETH", Hop: 3}, nil, n("0")},
		{Edge{Tx: "t4", Position: "vout 1", From: "tx:t4", To: "d", Asset: "BTC", Kind: "utxo", Heuristics: []string{"change", "round"}}, max256, max256},
		{Edge{Tx: "t5", From: "d", To: "e", Asset: "X", Hop: math.MaxInt32 + 5}, wide, new(big.Int).Neg(wide)},
		{Edge{Tx: "t6", From: "e", To: "f", Asset: "X", Hop: -1, Kind: CrossEdgeKind, Chain: "btc", Rule: "memo", Confidence: 900, InTx: "in6"}, n("-5"), n("18446744073709551616")},
		{Edge{Tx: "t7", From: "f", To: "g", Asset: "X", Heuristics: []string{}}, n("18446744073709551615"), n("1")},
	}
	compact, kept := NewFlow(), NewFlow()
	for _, c := range cases {
		e := c.e
		compact.AddTransfer(&e, c.amount, c.taint)
		k := c.e
		k.Amount, k.Taint = c.amount, c.taint
		kept.AddEdge(&k)
		if e.Amount != nil || e.Taint != nil {
			t.Fatal("AddTransfer must not set the caller's edge")
		}
	}
	got, want := compact.Edges(), kept.Edges()
	if len(got) != len(want) {
		t.Fatalf("%d edges, want %d", len(got), len(want))
	}
	for i := range got {
		if !sameEdge(got[i], want[i]) {
			t.Errorf("edge %d:\n got %s\nwant %s", i, show(got[i]), show(want[i]))
		}
	}
	// The amounts are copies: changing the caller's values changes nothing.
	cases[0].amount.SetInt64(1)
	if e := compact.Out("a")[0]; e.Amount.String() != "1000000000000000000" {
		t.Errorf("recorded amount follows the caller's value: %s", e.Amount)
	}
	// One pointer per edge, whichever call built it.
	if a, b := compact.Out("tx:t4")[0], compact.In("d")[0]; a != b || a != compact.Edges()[2] || a.Tx != "t4" {
		t.Error("Out, In and Edges return different pointers for one transfer")
	}
	wide.SetInt64(0)
	if compact.Out("d")[0].Amount.Cmp(new(big.Int).Lsh(big.NewInt(3), 300)) != 0 {
		t.Error("a wide amount was not copied")
	}
	r := &Result{Flow: compact}
	if ids := fmt.Sprint(r.AssetIDs()); ids != "[BTC ETH USDC X]" {
		t.Errorf("AssetIDs = %s", ids)
	}
}

// Transfers past one chunk of records keep their order and their ends.
func TestFlowAddTransferManyChunks(t *testing.T) {
	f := NewFlow()
	const total = 3*edgeChunk + 17
	for i := range total {
		f.AddTransfer(&Edge{Tx: fmt.Sprintf("t%06d", i), From: fmt.Sprintf("a%d", i%7), To: fmt.Sprintf("b%d", i%5), Asset: "ETH", Block: uint64(i)}, big.NewInt(int64(i)), big.NewInt(int64(i/2)))
	}
	es := f.Edges()
	if len(es) != total {
		t.Fatalf("%d edges", len(es))
	}
	for i, e := range es {
		if e.Block != uint64(i) || e.Amount.Int64() != int64(i) || e.Taint.Int64() != int64(i/2) || e.From != fmt.Sprintf("a%d", i%7) || e.To != fmt.Sprintf("b%d", i%5) {
			t.Fatalf("edge %d = %s", i, show(e))
		}
	}
	if n := len(f.Out("a3")); n != (total+3)/7 {
		t.Errorf("Out(a3) = %d", n)
	}
	// Edges builds what Out/In did not keep anew each call: equal, independent.
	es[1].Amount.SetInt64(99)
	if again := f.Edges(); again[1] == es[1] || again[1].Amount.Int64() != 1 || !sameEdge(again[2], es[2]) {
		t.Error("Edges kept an edge it built, or built a different one")
	}
	if kept := f.Out("a3")[0]; f.Edges()[3] != kept {
		t.Error("Edges does not return the edge Out kept")
	}
}

// sameEdge compares every field, amounts by value (nil only equals nil).
func sameEdge(a, b *Edge) bool {
	x, y := *a, *b
	x.Amount, x.Taint, y.Amount, y.Taint = nil, nil, nil, nil
	return reflect.DeepEqual(x, y) && sameInt(a.Amount, b.Amount) && sameInt(a.Taint, b.Taint)
}

func sameInt(a, b *big.Int) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}

func show(e *Edge) string {
	return fmt.Sprintf("%+v amount=%v taint=%v", *e, e.Amount, e.Taint)
}

// Nodes live inside their vertices, in chunks: the pointers Node returns stay
// valid and are the ones Lookup and Nodes return, however many follow.
func TestFlowNodePointersStable(t *testing.T) {
	f := NewFlow()
	const total = 3*vchunkMax + 5
	ns := make([]*Node, total)
	for i := range ns {
		ns[i] = f.Node(fmt.Sprintf("v%05d", i), RoleHop, i)
		if i > 0 {
			f.AddTransfer(&Edge{Tx: fmt.Sprint(i), From: ns[i-1].ID, To: ns[i].ID}, big.NewInt(1), big.NewInt(1))
		}
	}
	for i, n := range ns {
		if m, ok := f.Lookup(n.ID); !ok || m != n || n.Hop != i || f.Node(n.ID, RoleUnknown, i+1) != n {
			t.Fatalf("node %d moved or changed: %+v", i, n)
		}
	}
	for i, n := range f.Nodes() {
		if n != ns[i] {
			t.Fatalf("Nodes()[%d] is not the node Node returned", i)
		}
	}
	if in, out := f.In("v00007"), f.Out("v00007"); len(in) != 1 || len(out) != 1 || in[0].From != "v00006" || out[0].To != "v00008" {
		t.Errorf("In/Out of v00007: %d %d", len(in), len(out))
	}
}

// Readers of one flow may run at once (the edge cache is locked): go test -race.
func TestFlowConcurrentReaders(t *testing.T) {
	f := NewFlow()
	for i := range 200 {
		f.AddTransfer(&Edge{Tx: fmt.Sprint(i), From: "a", To: fmt.Sprintf("b%d", i%3), Asset: "ETH"}, big.NewInt(int64(i)), big.NewInt(1))
	}
	done := make(chan []*Edge, 4)
	for range 4 {
		go func() { done <- append(f.Out("a"), f.In("b1")...) }()
	}
	first := <-done
	for range 3 {
		if got := <-done; len(got) != len(first) || got[0] != first[0] || got[len(got)-1] != first[len(first)-1] {
			t.Fatal("concurrent readers got different edges")
		}
	}
}
