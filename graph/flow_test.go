package graph

import (
	"testing"
)

func TestFlowAggregatesParallelEdges(t *testing.T) {
	f := NewFlow()
	f.Node("a", RoleSeed, 0)
	f.Node("b", RoleHop, 1)
	e1 := &Edge{Tx: "t1", From: "a", To: "b", Asset: "ETH", Amount: n("100"), Taint: n("60")}
	e2 := &Edge{Tx: "t2", From: "a", To: "b", Asset: "ETH", Amount: n("50"), Taint: n("50")}
	e3 := &Edge{Tx: "t3", From: "a", To: "b", Asset: "USDC", Amount: n("7"), Taint: nil}
	e4 := &Edge{Tx: "t4", From: "b", To: "a", Asset: "ETH", Amount: n("1"), Taint: n("1")}
	loop := &Edge{Tx: "t5", From: "b", To: "b", Asset: "ETH", Amount: n("9"), Taint: n("9")}
	for _, e := range []*Edge{e1, e2, e3, e4, loop} {
		f.AddEdge(e)
	}

	ed, err := f.Graph().Edge("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	agg := ed.Properties.Data.(*Aggregate)
	// 100 + 50 ETH, taint 60 + 50; 7 USDC with no taint recorded → 0.
	if agg.Count != 3 || agg.Amount["ETH"].String() != "150" || agg.Taint["ETH"].String() != "110" ||
		agg.Amount["USDC"].String() != "7" || agg.Taint["USDC"].String() != "0" {
		t.Errorf("aggregate a→b = count %d amount %v taint %v", agg.Count, agg.Amount, agg.Taint)
	}
	back, err := f.Graph().Edge("b", "a")
	if err != nil {
		t.Fatal(err)
	}
	if a := back.Properties.Data.(*Aggregate); a.Count != 1 || a.Amount["ETH"].String() != "1" {
		t.Errorf("b→a aggregate = %+v", a)
	}
	if size, _ := f.Graph().Size(); size != 2 {
		t.Errorf("library graph has %d edges, want 2 (a→b, b→a; no self-loop)", size)
	}
	// The index keeps every transfer, self-loop included, in insertion order.
	if out := f.Out("a"); len(out) != 3 || out[0] != e1 || out[1] != e2 || out[2] != e3 {
		t.Errorf("Out(a) = %v", out)
	}
	if in := f.In("b"); len(in) != 4 || in[3] != loop {
		t.Errorf("In(b) has %d transfers, want 4 ending with the self-loop", len(in))
	}
	if len(f.Edges()) != 5 {
		t.Errorf("Edges() = %d, want 5", len(f.Edges()))
	}
	// The aggregate is a copy: the transfers' own amounts are untouched.
	if e1.Amount.String() != "100" || e1.Taint.String() != "60" {
		t.Error("aggregation mutated a transfer")
	}
}

func TestFlowNodeRoleAndHop(t *testing.T) {
	f := NewFlow()
	n1 := f.Node("x", RoleUnknown, 3)
	if f.Node("x", RoleHop, 2) != n1 || n1.Role != RoleHop || n1.Hop != 2 {
		t.Errorf("hop should outrank unknown and lower the hop: %+v", n1)
	}
	f.Node("x", EndExchange, 5)
	if n1.Role != EndExchange || n1.Hop != 2 {
		t.Errorf("endpoint kind should outrank hop, hop stays minimal: %+v", n1)
	}
	f.Node("x", RoleVictim, 1)
	if n1.Role != EndExchange || n1.Hop != 1 {
		t.Errorf("victim must not demote an endpoint: %+v", n1)
	}
	f.Node("x", RoleSeed, 0)
	if n1.Role != RoleSeed {
		t.Errorf("seed outranks everything: %+v", n1)
	}
	if order, _ := f.Graph().Order(); order != 1 {
		t.Errorf("library graph has %d vertices, want 1", order)
	}
}

func TestFlowEdgesSorted(t *testing.T) {
	f := NewFlow()
	for _, id := range []string{"a", "b", "c"} {
		f.Node(id, RoleHop, 0)
	}
	f.AddEdge(&Edge{Tx: "t2", Block: 2, From: "a", To: "b", Asset: "ETH", Amount: n("1")})
	f.AddEdge(&Edge{Tx: "t1", Block: 2, From: "b", To: "c", Asset: "ETH", Amount: n("1")})
	f.AddEdge(&Edge{Tx: "t9", Block: 1, From: "c", To: "a", Asset: "ETH", Amount: n("1")})
	var got []string
	for _, e := range f.Edges() {
		got = append(got, e.Tx)
	}
	if want := "t9,t1,t2"; joinStr(got) != want {
		t.Errorf("Edges order = %v, want %s (block, then tx)", got, want)
	}
	if ns := f.Nodes(); ns[0].ID != "a" || ns[2].ID != "c" {
		t.Error("Nodes not sorted by ID")
	}
}

func joinStr(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// The library graph is built on demand; it must be the graph eager insertion
// would have built, also when nodes and transfers arrive after a first Graph call
// and when a transfer names a node that did not exist yet.
func TestFlowGraphBuiltOnDemand(t *testing.T) {
	f := NewFlow()
	f.Node("a", RoleSeed, 0)
	f.AddEdge(&Edge{Tx: "t0", From: "a", To: "late", Asset: "ETH", Amount: n("5"), Taint: n("5")})
	f.Node("late", RoleHop, 1)
	f.Node("b", RoleHop, 1)
	f.AddEdge(&Edge{Tx: "t1", From: "a", To: "b", Asset: "ETH", Amount: n("10"), Taint: n("4")})
	if size, _ := f.Graph().Size(); size != 1 {
		t.Fatalf("library graph has %d edges, want 1 (a→late came before late existed)", size)
	}
	f.AddEdge(&Edge{Tx: "t2", From: "a", To: "b", Asset: "ETH", Amount: n("3"), Taint: n("3")})
	f.Node("c", RoleHop, 2)
	f.AddEdge(&Edge{Tx: "t3", From: "b", To: "c", Asset: "ETH", Amount: n("2"), Taint: n("2")})
	g := f.Graph()
	if order, _ := g.Order(); order != 4 {
		t.Errorf("library graph has %d vertices, want 4", order)
	}
	ed, err := g.Edge("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	if agg := ed.Properties.Data.(*Aggregate); agg.Count != 2 || agg.Amount["ETH"].String() != "13" || agg.Taint["ETH"].String() != "7" {
		t.Errorf("a→b aggregate after a second Graph call = %+v", agg)
	}
	if _, err := g.Edge("b", "c"); err != nil {
		t.Errorf("b→c missing: %v", err)
	}
	if _, err := g.Edge("a", "late"); err == nil {
		t.Error("a→late is in the library graph although late did not exist when it was added")
	}
	if len(f.Out("a")) != 3 {
		t.Errorf("index lost a transfer: Out(a) = %d", len(f.Out("a")))
	}
}
