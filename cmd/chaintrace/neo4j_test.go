package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/render"
)

// readCSVFile parses a file the trace wrote with encoding/csv.
func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// TestDemoNeo4jAdmin: `--csv-dialect neo4j-admin --out PREFIX` on both demos
// writes PREFIX_nodes.csv and PREFIX_relationships.csv (nothing on standard
// output) with neo4j-admin headers; every :START_ID and :END_ID is a node's
// :ID, and nodes and transfers are those of the JSON export. --out R.csv
// --nodes-out N.csv writes the same bytes under the names given.
func TestDemoNeo4jAdmin(t *testing.T) {
	for _, c := range []string{"demo", "demo-btc"} {
		t.Run(c, func(t *testing.T) {
			dir := t.TempDir()
			prefix := filepath.Join(dir, "trace")
			r := runCLI(t, nil, "trace", "--case", c, "--format", "csv", "--csv-dialect", "neo4j-admin", "--out", prefix)
			if r.code != 0 || r.out != "" {
				t.Fatalf("exit %d, stdout %q: %s", r.code, r.out, r.errOut)
			}
			nodes := readCSVFile(t, prefix+"_nodes.csv")
			rels := readCSVFile(t, prefix+"_relationships.csv")
			if !slices.Equal(nodes[0], render.Neo4jNodesHeader) || !slices.Equal(rels[0], render.Neo4jRelationshipsHeader) {
				t.Fatalf("headers %v / %v", nodes[0], rels[0])
			}
			ids := map[string]bool{}
			for _, n := range nodes[1:] {
				if n[0] == "" || ids[n[0]] {
					t.Errorf("node :ID %q empty or twice", n[0])
				}
				ids[n[0]] = true
			}
			for _, e := range rels[1:] {
				if !ids[e[0]] || !ids[e[1]] || e[2] != "TRANSFER" {
					t.Errorf("relationship %s: %s -> %s (%s) refers to a missing node or has another :TYPE", e[3], e[0], e[1], e[2])
				}
			}
			j := runCLI(t, nil, "trace", "--case", c, "--format", "json")
			var js struct {
				Nodes []struct{ ID string }
				Edges []struct{ From, To, Tx, Taint string }
			}
			if err := json.Unmarshal([]byte(j.out), &js); err != nil {
				t.Fatal(err)
			}
			if len(nodes)-1 != len(js.Nodes) || len(rels)-1 != len(js.Edges) || len(js.Edges) == 0 {
				t.Fatalf("neo4j %d nodes %d relationships, JSON %d nodes %d edges", len(nodes)-1, len(rels)-1, len(js.Nodes), len(js.Edges))
			}
			col := map[string]int{}
			for i, h := range rels[0] {
				col[h] = i
			}
			want := map[string]int{}
			for _, e := range js.Edges {
				want[e.From+">"+e.To+">"+e.Tx+">"+e.Taint]++
			}
			for _, e := range rels[1:] {
				k := e[0] + ">" + e[1] + ">" + e[col["tx"]] + ">" + e[col["taint"]]
				if want[k] == 0 {
					t.Errorf("relationship %s not in the JSON export", k)
				}
				want[k]--
			}

			// The two files named one by one: the same bytes.
			rf, nf := filepath.Join(dir, "rels.csv"), filepath.Join(dir, "nodes.csv")
			r = runCLI(t, nil, "trace", "--case", c, "--format", "csv", "--csv-dialect", "neo4j-admin", "--out", rf, "--nodes-out", nf)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			for got, want := range map[string]string{rf: prefix + "_relationships.csv", nf: prefix + "_nodes.csv"} {
				a, _ := os.ReadFile(got)
				b, _ := os.ReadFile(want)
				if string(a) != string(b) || len(a) == 0 {
					t.Errorf("%s differs from %s", got, want)
				}
			}
		})
	}
}

// TestNeo4jDialectFlagErrors: an output naming that cannot say which file is
// which, or a dialect for another format, is refused before tracing, exit 2,
// with the way out in the message.
func TestNeo4jDialectFlagErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "old")
	if err := os.WriteFile(existing+"_nodes.csv", []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	neo := []string{"trace", "--case", "demo", "--format", "csv", "--csv-dialect", "neo4j-admin"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"stdout", nil, neo, []string{"two files", "--out PREFIX", "PREFIX_nodes.csv", "--nodes-out NODES.csv"}},
		{"one csv file", nil, append(slices.Clone(neo), "--out", filepath.Join(dir, "t.csv")),
			[]string{"names one file", "--out " + filepath.Join(dir, "t"), "t_nodes.csv", "--nodes-out"}},
		{"directory", nil, append(slices.Clone(neo), "--out", dir), []string{"is a directory", filepath.Join(dir, "trace")}},
		{"existing file", nil, append(slices.Clone(neo), "--out", existing), []string{existing + "_nodes.csv exists", "--force"}},
		{"bad dialect", nil, []string{"trace", "--case", "demo", "--format", "csv", "--csv-dialect", "neo4j"}, []string{`--csv-dialect "neo4j"`, "gephi, neo4j-admin"}},
		{"other format", nil, []string{"trace", "--case", "demo", "--format", "json", "--csv-dialect", "neo4j-admin"}, []string{"--format csv", "--format json"}},
		{"from the environment", map[string]string{"CHAINTRACE_CSV_DIALECT": "neo4j-admin"}, []string{"trace", "--case", "demo", "--format", "csv"},
			[]string{"two files", "CHAINTRACE_CSV_DIALECT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != 2 || r.out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.out, r.errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
		})
	}
	if b, _ := os.ReadFile(existing + "_nodes.csv"); string(b) != "keep" {
		t.Errorf("refused run changed %s: %q", existing+"_nodes.csv", b)
	}
	if _, err := os.Stat(existing + "_relationships.csv"); err == nil {
		t.Error("refused run wrote the relationships file")
	}
	// --force replaces both.
	r := runCLI(t, nil, append(slices.Clone(neo), "--out", existing, "--force")...)
	if b, _ := os.ReadFile(existing + "_nodes.csv"); r.code != 0 || !strings.HasPrefix(string(b), "id:ID,:LABEL,") {
		t.Errorf("--force: exit %d, nodes file %.40q: %s", r.code, b, r.errOut)
	}
	// Relationships on standard output with the nodes in a file is one document per stream.
	nf := filepath.Join(dir, "n.csv")
	r = runCLI(t, nil, append(slices.Clone(neo), "--nodes-out", nf)...)
	if r.code != 0 || !strings.HasPrefix(r.out, ":START_ID,:END_ID,:TYPE,") {
		t.Errorf("stdout + --nodes-out: exit %d, stdout %.40q: %s", r.code, r.out, r.errOut)
	}
}

func TestCSVDialectCompletion(t *testing.T) {
	got := complete(t, "trace", "--csv-dialect", "")
	if !slices.Equal(got, []string{"gephi", "neo4j-admin"}) {
		t.Errorf("--csv-dialect completes to %v", got)
	}
	if got := complete(t, "trace", "--csv-dialect", "ne"); !slices.Equal(got, []string{"neo4j-admin"}) {
		t.Errorf("--csv-dialect ne completes to %v", got)
	}
}
