package main

import (
	"encoding/json"
	"encoding/xml"
	"testing"
)

// TestDemoGraphML: `trace --format graphml` on both demos is a GraphML document
// encoding/xml reads, with the same nodes and transfers (by id, endpoints and
// tx) as the JSON export of the same trace.
func TestDemoGraphML(t *testing.T) {
	for _, c := range []string{"demo", "demo-btc"} {
		t.Run(c, func(t *testing.T) {
			g := runCLI(t, nil, "trace", "--case", c, "--format", "graphml")
			j := runCLI(t, nil, "trace", "--case", c, "--format", "json")
			if g.code != 0 || j.code != 0 {
				t.Fatalf("exit %d/%d: %s %s", g.code, j.code, g.errOut, j.errOut)
			}
			var doc struct {
				Nodes []struct {
					ID string `xml:"id,attr"`
				} `xml:"graph>node"`
				Edges []struct {
					Source string `xml:"source,attr"`
					Target string `xml:"target,attr"`
					Data   []struct {
						Key   string `xml:"key,attr"`
						Value string `xml:",chardata"`
					} `xml:"data"`
				} `xml:"graph>edge"`
			}
			if err := xml.Unmarshal([]byte(g.out), &doc); err != nil {
				t.Fatalf("GraphML does not parse: %v", err)
			}
			var js struct {
				Nodes []struct{ ID string }
				Edges []struct{ From, To, Tx, Taint string }
			}
			if err := json.Unmarshal([]byte(j.out), &js); err != nil {
				t.Fatal(err)
			}
			if len(doc.Nodes) != len(js.Nodes) || len(doc.Edges) != len(js.Edges) || len(js.Edges) == 0 {
				t.Fatalf("GraphML %d nodes %d edges, JSON %d nodes %d edges", len(doc.Nodes), len(doc.Edges), len(js.Nodes), len(js.Edges))
			}
			want := map[string]int{}
			for _, e := range js.Edges {
				want[e.From+">"+e.To+">"+e.Tx+">"+e.Taint]++
			}
			for _, e := range doc.Edges {
				var tx, taint string
				for _, d := range e.Data {
					switch d.Key {
					case "e_tx":
						tx = d.Value
					case "e_taint":
						taint = d.Value
					}
				}
				k := e.Source + ">" + e.Target + ">" + tx + ">" + taint
				if want[k] == 0 {
					t.Errorf("GraphML edge %s not in the JSON export", k)
				}
				want[k]--
			}
		})
	}
}
