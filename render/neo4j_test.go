package render

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
)

// neo4jField is one parsed header field of the neo4j-admin import format:
// NAME:TYPE, NAME alone (a string property) or :SPECIAL.
type neo4jField struct {
	name, typ string
	array     bool
}

// neo4jFieldRE is the header grammar of `neo4j-admin database import`
// (operations manual, "Import header format"): an optional property name, then
// an optional ':' with a special field or a property type, "[]" for an array.
var neo4jFieldRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)?(?::(ID|LABEL|START_ID|END_ID|TYPE|IGNORE|int|long|float|double|boolean|byte|short|char|string|point|date|localtime|time|localdatetime|datetime|duration)(\[\])?)?$`)

// parseNeo4jHeader checks a header row against the grammar and the rules of
// its file kind ("nodes": exactly one :ID, at most one :LABEL, no relationship
// fields; "relationships": exactly one each of :START_ID, :END_ID, :TYPE, no
// :ID or :LABEL) and that no property is named twice; it returns the fields and
// what is wrong.
func parseNeo4jHeader(kind string, row []string) (out []neo4jField, problems []string) {
	errorf := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	count := map[string]int{}
	props := map[string]bool{}
	for _, h := range row {
		m := neo4jFieldRE.FindStringSubmatch(h)
		if m == nil {
			errorf("%s header field %q is not NAME[:TYPE]", kind, h)
			continue
		}
		f := neo4jField{name: m[1], typ: m[2], array: m[3] != ""}
		switch f.typ {
		case "ID", "LABEL", "START_ID", "END_ID", "TYPE":
			count[f.typ]++
			if f.array {
				errorf("%s header %q: a special field cannot be an array", kind, h)
			}
		default:
			if f.name == "" {
				errorf("%s header %q: a property needs a name", kind, h)
			}
		}
		if f.name != "" && f.typ != "LABEL" && f.typ != "TYPE" && f.typ != "START_ID" && f.typ != "END_ID" {
			if props[f.name] {
				errorf("%s header: property %q named twice", kind, f.name)
			}
			props[f.name] = true
		}
		out = append(out, f)
	}
	want := map[string]map[string]int{
		"nodes":         {"ID": 1, "LABEL": 1, "START_ID": 0, "END_ID": 0, "TYPE": 0},
		"relationships": {"ID": 0, "LABEL": 0, "START_ID": 1, "END_ID": 1, "TYPE": 1},
	}[kind]
	for k, n := range want {
		if count[k] != n {
			errorf("%s header has %d :%s fields, want %d", kind, count[k], k, n)
		}
	}
	return out, problems
}

var (
	neo4jLabelRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	neo4jTypeRE  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// checkNeo4jValue checks that neo4j-admin would read cell as the field's type.
// An empty cell is no property, which every type allows.
func checkNeo4jValue(t *testing.T, where string, f neo4jField, cell string) {
	t.Helper()
	if strings.ContainsAny(cell, "\r\n") {
		t.Errorf("%s %s: a line break in a cell needs --multiline-fields: %q", where, f.name, cell)
	}
	if cell == "" {
		if f.typ == "ID" || f.typ == "START_ID" || f.typ == "END_ID" || f.typ == "TYPE" || f.typ == "LABEL" {
			t.Errorf("%s: empty :%s", where, f.typ)
		}
		return
	}
	values := []string{cell}
	if f.array || f.typ == "LABEL" {
		values = strings.Split(cell, ";")
	}
	for _, v := range values {
		var err error
		switch f.typ {
		case "int":
			_, err = strconv.ParseInt(v, 10, 32)
		case "long":
			_, err = strconv.ParseInt(v, 10, 64)
		case "double":
			_, err = strconv.ParseFloat(v, 64)
		case "datetime":
			_, err = time.Parse(time.RFC3339, v)
		case "LABEL":
			if !neo4jLabelRE.MatchString(v) {
				t.Errorf("%s: label %q needs quoting in Cypher", where, v)
			}
		case "TYPE":
			if !neo4jTypeRE.MatchString(v) {
				t.Errorf("%s: relationship type %q", where, v)
			}
		case "", "string", "ID", "START_ID", "END_ID":
			if f.array && v == "" {
				t.Errorf("%s %s: empty array element in %q", where, f.name, cell)
			}
		default:
			t.Errorf("%s: no check for type %s", where, f.typ)
		}
		if err != nil {
			t.Errorf("%s %s:%s = %q: %v", where, f.name, f.typ, v, err)
		}
	}
}

// readNeo4j renders both files of r and checks them as neo4j-admin would read
// them: RFC 4180 rows of the header's width, typed values, unique node ids and
// every relationship's :START_ID and :END_ID a node's :ID. It returns the rows
// as maps keyed by the header field.
func readNeo4j(t *testing.T, r *graph.Result) (nodes, rels []map[string]string) {
	t.Helper()
	var nb, rb bytes.Buffer
	if err := WriteNeo4jNodes(&nb, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteNeo4jRelationships(&rb, r); err != nil {
		t.Fatal(err)
	}
	read := func(kind string, data []byte) []map[string]string {
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		head, problems := parseNeo4jHeader(kind, recs[0])
		for _, p := range problems {
			t.Error(p)
		}
		if len(problems) > 0 {
			t.FailNow()
		}
		var out []map[string]string
		for i, rec := range recs[1:] {
			m := map[string]string{}
			for j, f := range head {
				checkNeo4jValue(t, kind+" row "+strconv.Itoa(i+1), f, rec[j])
				m[recs[0][j]] = rec[j]
			}
			out = append(out, m)
		}
		return out
	}
	nodes, rels = read("nodes", nb.Bytes()), read("relationships", rb.Bytes())
	ids := map[string]bool{}
	for _, n := range nodes {
		if ids[n["id:ID"]] {
			t.Errorf("node id %s twice", n["id:ID"])
		}
		ids[n["id:ID"]] = true
	}
	for _, e := range rels {
		for _, end := range []string{":START_ID", ":END_ID"} {
			if !ids[e[end]] {
				t.Errorf("relationship %s: %s %q is no node's :ID", e["id"], end, e[end])
			}
		}
	}
	return nodes, rels
}

func TestNeo4jHeaders(t *testing.T) {
	// The exact shape: a change here changes every import script written
	// against it, so it is spelled out.
	if got := strings.Join(Neo4jNodesHeader, ","); got != "id:ID,:LABEL,label,role,address,tx,name,category,hop:int,chain,endpoint_kinds:string[]" {
		t.Errorf("nodes header = %s", got)
	}
	if got := strings.Join(Neo4jRelationshipsHeader, ","); got != ":START_ID,:END_ID,:TYPE,id,label,tx,asset,symbol,decimals:int,amount,taint,amount_units,taint_units,weight:double,block:long,time:datetime,hop:int,position,kind,heuristics:string[],chain" {
		t.Errorf("relationships header = %s", got)
	}
	// The header checker itself rejects what neo4j-admin rejects.
	for _, bad := range [][]string{{"id", "name"}, {"id:ID", "id:ID"}, {"a:ID", "b:bigint"}, {"a:ID", ":LABEL", ":LABEL"}, {"a:ID", ":START_ID"}, {"a:ID", "x y"}} {
		if _, problems := parseNeo4jHeader("nodes", bad); len(problems) == 0 {
			t.Errorf("nodes header %v accepted", bad)
		}
	}
	for _, bad := range [][]string{{":START_ID", ":END_ID"}, {":START_ID", ":END_ID", ":TYPE", "a:ID"}} {
		if _, problems := parseNeo4jHeader("relationships", bad); len(problems) == 0 {
			t.Errorf("relationships header %v accepted", bad)
		}
	}
	for kind, h := range map[string][]string{"nodes": Neo4jNodesHeader, "relationships": Neo4jRelationshipsHeader} {
		if _, problems := parseNeo4jHeader(kind, h); len(problems) > 0 {
			t.Errorf("%s header: %v", kind, problems)
		}
	}
}

func TestNeo4jFiles(t *testing.T) {
	for name, mk := range fixtures {
		t.Run(name, func(t *testing.T) {
			r := mk()
			nodes, rels := readNeo4j(t, r)
			if len(nodes) != len(r.Flow.Nodes()) || len(rels) != len(r.Flow.Edges()) {
				t.Errorf("%d nodes, %d relationships; graph has %d, %d", len(nodes), len(rels), len(r.Flow.Nodes()), len(r.Flow.Edges()))
			}
			for _, e := range rels {
				if e[":TYPE"] != "TRANSFER" {
					t.Errorf("%s :TYPE %q", e["id"], e[":TYPE"])
				}
				d, _ := strconv.Atoi(e["decimals:int"])
				// Base units stay exact strings; human units give them back.
				for units, base := range map[string]string{"amount_units": "amount", "taint_units": "taint"} {
					if _, ok := new(big.Int).SetString(e[base], 10); !ok {
						t.Errorf("%s %s %q is not an integer", e["id"], base, e[base])
					}
					v, err := graph.ParseUnits(e[units], uint8(d))
					if err != nil || v.String() != e[base] {
						t.Errorf("%s %s %q (%v) is not %s %s", e["id"], units, e[units], err, base, e[base])
					}
				}
				if e["weight:double"] != e["taint_units"] {
					t.Errorf("%s weight %q, taint_units %q", e["id"], e["weight:double"], e["taint_units"])
				}
			}
		})
	}
}

func TestNeo4jAccountRows(t *testing.T) {
	nodes, rels := readNeo4j(t, accountResult(0))
	byID := map[string]map[string]string{}
	for _, n := range nodes {
		byID[n["id:ID"]] = n
	}
	for id, want := range map[string]string{
		aThief: "Address;Seed", aDeposit: "Address;ExchangeDeposit", aKraken: "Address;Exchange",
		aFar: "Address;HopLimit", aDust: "Address;BelowThreshold", aVictim: "Address;Victim",
	} {
		if got := byID[id][":LABEL"]; got != want {
			t.Errorf("%s :LABEL %q, want %q", id, got, want)
		}
	}
	if k := byID[aKraken]; k["name"] != "Kraken 4" || k["category"] != "exchange" || k["hop:int"] != "2" || k["endpoint_kinds:string[]"] != "exchange" {
		t.Errorf("Kraken node %v", k)
	}
	var dust, usdc map[string]string
	for _, e := range rels {
		switch e["tx"] {
		case hash('8'):
			dust = e
		case hash('9'):
			usdc = e
		}
	}
	// 1 wei: every decimal kept, as a string; the block as a long.
	if dust["amount"] != "1" || dust["taint_units"] != "0.000000000000000001" || dust["symbol"] != "ETH" || dust["block:long"] != "19000022" {
		t.Errorf("1-wei relationship %v", dust)
	}
	want := map[string]string{":START_ID": aThief, ":END_ID": aRouter, "symbol": "USDC", "decimals:int": "6",
		"amount": "2000000000", "taint": "1500000000", "amount_units": "2000", "taint_units": "1500",
		"time:datetime": "2024-01-01T00:06:00Z", "hop:int": "1", "kind": "token", "asset": usdcAsset.ID}
	for k, v := range want {
		if usdc[k] != v {
			t.Errorf("tx 9 %s = %q, want %q", k, usdc[k], v)
		}
	}
	// A UTXO transaction node is a Transaction; the change output's heuristic
	// is an array element.
	un, ur := readNeo4j(t, utxoResult())
	for _, n := range un {
		if strings.HasPrefix(n["id:ID"], "tx:") && n[":LABEL"] != "Transaction" {
			t.Errorf("tx node :LABEL %q", n[":LABEL"])
		}
	}
	found := false
	for _, e := range ur {
		found = found || e["heuristics:string[]"] == "change"
	}
	if !found {
		t.Error("no relationship with heuristics [change]")
	}
}

func TestPascalCase(t *testing.T) {
	for in, want := range map[string]string{"exchange-deposit": "ExchangeDeposit", "hop": "Hop", "address-limit": "AddressLimit", "": "", "9x": "X", "a1b": "A1b"} {
		if got := pascalCase(in); got != want {
			t.Errorf("pascalCase(%q) = %q, want %q", in, got, want)
		}
	}
}
