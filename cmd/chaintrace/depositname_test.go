package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoDepositNodesNamed: on every demo, each exchange deposit node has a
// name ("deposit of <exchange>", the exchange of its endpoint) and category
// "deposit" in the JSON nodes and the nodes CSV; they used to be empty.
func TestDemoDepositNodesNamed(t *testing.T) {
	for _, c := range []string{"demo", "demo-btc", "ronin", "bitfinex"} {
		t.Run(c, func(t *testing.T) {
			j := runCLI(t, nil, "trace", "--case", c, "--format", "json")
			if j.code != 0 {
				t.Fatalf("exit %d: %s", j.code, j.errOut)
			}
			var doc struct {
				Endpoints []struct{ Kind, Address, Exchange string }
				Nodes     []struct{ ID, Role, Label, Category string }
			}
			if err := json.Unmarshal([]byte(j.out), &doc); err != nil {
				t.Fatal(err)
			}
			exchange := map[string]string{}
			for _, e := range doc.Endpoints {
				if e.Kind == "exchange-deposit" {
					exchange[e.Address] = e.Exchange
				}
			}
			if len(exchange) == 0 {
				t.Fatal("no deposit endpoint in the demo")
			}
			deposits := 0
			for _, n := range doc.Nodes {
				if n.Role != "exchange-deposit" {
					continue
				}
				deposits++
				if want := "deposit of " + exchange[n.ID]; exchange[n.ID] == "" || n.Label != want || n.Category != "deposit" {
					t.Errorf("JSON node %s: label %q category %q, want %q, deposit", n.ID, n.Label, n.Category, want)
				}
			}
			nodes := filepath.Join(t.TempDir(), "nodes.csv")
			r := runCLI(t, nil, "trace", "--case", c, "--format", "csv", "--out", filepath.Join(t.TempDir(), "e.csv"), "--nodes-out", nodes)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			f, _ := os.ReadFile(nodes)
			recs, err := csv.NewReader(strings.NewReader(string(f))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for _, rec := range recs[1:] { // Id,Label,role,address,tx,name,category,...
				if rec[2] == "exchange-deposit" {
					rows++
					if !strings.HasPrefix(rec[5], "deposit of ") || rec[6] != "deposit" {
						t.Errorf("nodes CSV %s: name %q category %q", rec[0], rec[5], rec[6])
					}
				}
			}
			if rows != deposits || rows == 0 {
				t.Errorf("%d deposit rows in the nodes CSV, %d deposit nodes in JSON", rows, deposits)
			}
		})
	}
}
