package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// TestDepositNodeNamed: an exchange deposit address found by the deposit rule
// has no label of its own; every machine export names it "deposit of
// <exchange>" with category "deposit" (as the text output does), a labelled
// node keeps its label, and a deposit of an unknown exchange gets the category.
func TestDepositNodeNamed(t *testing.T) {
	r := accountResult(0)
	var j struct {
		Nodes []struct{ ID, Label, Category string }
	}
	if err := json.Unmarshal(render(t, formats[0], r), &j); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range j.Nodes {
		got[n.ID] = n.Label + "|" + n.Category
	}
	if got[aDeposit] != "deposit of Binance|deposit" || got[aKraken] != "Kraken 4|exchange" || got[aHop] != "|" {
		t.Errorf("JSON nodes: deposit %q, Kraken %q, hop %q", got[aDeposit], got[aKraken], got[aHop])
	}

	csvRow := func(data []byte, idCol int, id string) map[string]string {
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			if rec[idCol] == id {
				m := map[string]string{}
				for i, h := range recs[0] {
					m[h] = rec[i]
				}
				return m
			}
		}
		t.Fatalf("no row %s", id)
		return nil
	}
	if n := csvRow(render(t, formats[3], r), 0, aDeposit); n["name"] != "deposit of Binance" || n["category"] != "deposit" || n["Label"] != "deposit of Binance" {
		t.Errorf("nodes CSV deposit row %v", n)
	}
	var nb bytes.Buffer
	if err := WriteNeo4jNodes(&nb, r); err != nil {
		t.Fatal(err)
	}
	if n := csvRow(nb.Bytes(), 0, aDeposit); n["name"] != "deposit of Binance" || n["category"] != "deposit" {
		t.Errorf("neo4j nodes deposit row %v", n)
	}
	g := string(render(t, formats[7], r))
	i := strings.Index(g, `<node id="`+aDeposit+`">`)
	if i < 0 || !strings.Contains(g[i:i+600], `<data key="n_name">deposit of Binance</data>`) || !strings.Contains(g[i:i+600], `<data key="n_category">deposit</data>`) {
		t.Errorf("GraphML deposit node lacks name/category:\n%.600s", g[max(i, 0):])
	}

	// A label of its own wins; an unknown exchange leaves the name empty.
	for _, n := range r.Flow.Nodes() {
		if n.ID == aDeposit {
			n.Label, n.Category = "Binance 14", "exchange"
		}
	}
	if name, cat := nodeName(r.Flow.Nodes()[0], nil); name != "" || cat != "" {
		t.Errorf("no endpoint: %q %q", name, cat)
	}
	for _, n := range r.Flow.Nodes() {
		if n.ID == aDeposit {
			if name, cat := nodeName(n, endpointsByNode(r)[n.ID]); name != "Binance 14" || cat != "exchange" {
				t.Errorf("labelled deposit: %q %q", name, cat)
			}
		}
	}
	n := &graph.Node{ID: "x", Address: "x", Role: graph.EndExchangeDeposit}
	if name, cat := nodeName(n, []*graph.Endpoint{{Kind: graph.EndExchangeDeposit, Address: "x"}}); name != "" || cat != "deposit" {
		t.Errorf("deposit of an unknown exchange: %q %q", name, cat)
	}
}
