package render

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// gmlDoc is GraphML as encoding/xml reads it: an independent parser of the
// file, not the writer's own types.
type gmlDoc struct {
	XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
	Keys    []struct {
		ID   string `xml:"id,attr"`
		For  string `xml:"for,attr"`
		Name string `xml:"attr.name,attr"`
		Type string `xml:"attr.type,attr"`
	} `xml:"key"`
	Graph struct {
		EdgeDefault string    `xml:"edgedefault,attr"`
		Nodes       []gmlElem `xml:"node"`
		Edges       []gmlElem `xml:"edge"`
	} `xml:"graph"`
}

type gmlElem struct {
	ID     string `xml:"id,attr"`
	Source string `xml:"source,attr"`
	Target string `xml:"target,attr"`
	Data   []struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	} `xml:"data"`
}

func (e gmlElem) get(key string) string {
	for _, d := range e.Data {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

func parseGraphML(t *testing.T, b []byte) gmlDoc {
	t.Helper()
	var d gmlDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("GraphML does not parse: %v", err)
	}
	return d
}

func TestGraphMLStructure(t *testing.T) {
	d := parseGraphML(t, render(t, formats[7], accountResult(0)))
	if d.Graph.EdgeDefault != "directed" {
		t.Errorf("edgedefault = %q", d.Graph.EdgeDefault)
	}
	keys := map[string]string{} // id → for/name/type
	for _, k := range d.Keys {
		if _, dup := keys[k.ID]; dup {
			t.Errorf("key %s declared twice", k.ID)
		}
		keys[k.ID] = k.For + "/" + k.Name + "/" + k.Type
	}
	for id, want := range map[string]string{
		"n_label": "node/label/string", "n_hop": "node/hop/int", "n_category": "node/category/string",
		"e_weight": "edge/weight/double", "e_amount": "edge/amount/string", "e_taint": "edge/taint/string",
		"e_decimals": "edge/decimals/int", "e_symbol": "edge/symbol/string", "e_block": "edge/block/long",
		"e_taint_units": "edge/taint_units/string",
	} {
		if keys[id] != want {
			t.Errorf("key %s = %q, want %q", id, keys[id], want)
		}
	}
	// Same counts as the CSV exports (11 nodes, 12 transfers), every data key
	// declared for its element, every edge between declared nodes.
	if len(d.Graph.Nodes) != 11 || len(d.Graph.Edges) != 12 {
		t.Fatalf("%d nodes, %d edges; want 11, 12", len(d.Graph.Nodes), len(d.Graph.Edges))
	}
	nodes := map[string]gmlElem{}
	for _, n := range d.Graph.Nodes {
		nodes[n.ID] = n
		for _, dd := range n.Data {
			if !strings.HasPrefix(keys[dd.Key], "node/") {
				t.Errorf("node %s uses undeclared key %s", n.ID, dd.Key)
			}
		}
	}
	var tx9 gmlElem
	for i, e := range d.Graph.Edges {
		if _, ok := nodes[e.Source]; !ok {
			t.Errorf("edge %s source %s is not a node", e.ID, e.Source)
		}
		if _, ok := nodes[e.Target]; !ok {
			t.Errorf("edge %s target %s is not a node", e.ID, e.Target)
		}
		if want := "e" + strconv.Itoa(i+1); e.ID != want {
			t.Errorf("edge %d id %s, want %s (the CSV's ids)", i, e.ID, want)
		}
		for _, dd := range e.Data {
			if !strings.HasPrefix(keys[dd.Key], "edge/") {
				t.Errorf("edge %s uses undeclared key %s", e.ID, dd.Key)
			}
		}
		if e.get("e_tx") == hash('9') {
			tx9 = e
		}
	}
	// Tx 9: thief → router, 2000 USDC moved, 1500 tainted (fixtures_test.go).
	for key, want := range map[string]string{
		"e_amount": "2000000000", "e_taint": "1500000000", "e_amount_units": "2000", "e_taint_units": "1500",
		"e_weight": "1500", "e_decimals": "6", "e_symbol": "USDC", "e_asset": usdcAsset.ID,
		"e_block": "19000030", "e_time": "2024-01-01T00:06:00Z", "e_label": "1500 USDC", "e_kind": "token",
	} {
		if got := tx9.get(key); got != want {
			t.Errorf("tx 9 %s = %q, want %q", key, got, want)
		}
	}
	if tx9.Source != aThief || tx9.Target != aRouter {
		t.Errorf("tx 9 %s → %s", tx9.Source, tx9.Target)
	}

	// Hostile labels: still well-formed XML, quotes and backslashes intact.
	nasty := parseGraphML(t, render(t, formats[7], nastyResult()))
	found := false
	for _, n := range nasty.Graph.Nodes {
		if n.get("n_name") == `Evil "quoted" \ back\slash` {
			found = true
		}
	}
	if !found {
		t.Error("quoted label did not round-trip through GraphML")
	}
}

// TestGraphMLNetworkX loads the export with networkx's read_graphml, a real
// GraphML consumer (the reader Gephi-style pipelines and Cytoscape scripts use),
// and checks the typed attributes it reports. Skipped when python3 with
// networkx is not installed.
func TestGraphMLNetworkX(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if exec.Command(py, "-c", "import networkx").Run() != nil {
		t.Skip("networkx not installed (pip install networkx)")
	}
	for name, mk := range fixtures {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "g.graphml")
			if err := os.WriteFile(f, render(t, formats[7], mk()), 0o644); err != nil {
				t.Fatal(err)
			}
			script := `
import json, sys, networkx as nx
g = nx.read_graphml(sys.argv[1])
out = {"directed": g.is_directed(), "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
       "types": {}, "tx9": None}
for u, v, d in g.edges(data=True):
    for k, x in d.items():
        out["types"]["e_" + k] = type(x).__name__
    if d.get("tx") == sys.argv[2]:
        out["tx9"] = {"u": u, "v": v, "weight": d["weight"], "amount": d["amount"], "decimals": d["decimals"]}
for n, d in g.nodes(data=True):
    for k, x in d.items():
        out["types"]["n_" + k] = type(x).__name__
print(json.dumps(out))
`
			raw, err := exec.Command(py, "-c", script, f, hash('9')).CombinedOutput()
			if err != nil {
				t.Fatalf("networkx read_graphml: %v\n%s", err, raw)
			}
			var got struct {
				Directed     bool
				Nodes, Edges int
				Types        map[string]string
				Tx9          *struct {
					U, V     string
					Weight   float64
					Amount   string
					Decimals int
				}
			}
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			r := mk()
			if !got.Directed || got.Nodes != len(r.Flow.Nodes()) || got.Edges != len(r.Flow.Edges()) {
				t.Errorf("networkx sees directed=%v %d nodes %d edges; want %d, %d", got.Directed, got.Nodes, got.Edges, len(r.Flow.Nodes()), len(r.Flow.Edges()))
			}
			for k, want := range map[string]string{"e_weight": "float", "e_amount": "str", "e_decimals": "int", "e_block": "int", "n_hop": "int", "n_role": "str"} {
				if got.Types[k] != want {
					t.Errorf("networkx type of %s = %q, want %q", k, got.Types[k], want)
				}
			}
			if name == "account" {
				if got.Tx9 == nil {
					t.Fatal("networkx did not find tx 9's edge")
				}
				if got.Tx9.U != aThief || got.Tx9.V != aRouter || got.Tx9.Weight != 1500 || got.Tx9.Amount != "2000000000" || got.Tx9.Decimals != 6 {
					t.Errorf("tx 9 as networkx reads it: %+v", *got.Tx9)
				}
			}
		})
	}
}
