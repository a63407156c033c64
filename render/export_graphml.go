package render

import (
	"bufio"
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// graphMLKey is one <key> declaration: the attribute's id (also its name, so
// Gephi, yEd, Cytoscape and networkx show the same column name), what it
// belongs to and its GraphML type.
type graphMLKey struct{ id, scope, typ string }

// GraphMLNodeKeys and GraphMLEdgeKeys are the data keys of WriteGraphML, in the
// order each element carries them.
//
// Amounts: "amount" and "taint" are exact base-unit integers as strings (wei
// exceed 64 bits, so no GraphML numeric type holds them); "amount_units" and
// "taint_units" are the same amounts exactly in human units, also strings;
// "weight" is the taint in human units declared as a double, because Gephi,
// Cytoscape and networkx size edges by a numeric weight: it is for the picture,
// never for sums (write the exact decimal, a reader's double may round it).
var (
	GraphMLNodeKeys = []graphMLKey{
		{"label", "node", "string"}, {"role", "node", "string"}, {"address", "node", "string"},
		{"tx", "node", "string"}, {"name", "node", "string"}, {"category", "node", "string"},
		{"hop", "node", "int"}, {"chain", "node", "string"}, {"endpoint_kinds", "node", "string"},
	}
	GraphMLEdgeKeys = []graphMLKey{
		{"label", "edge", "string"}, {"weight", "edge", "double"}, {"tx", "edge", "string"},
		{"asset", "edge", "string"}, {"symbol", "edge", "string"}, {"decimals", "edge", "int"},
		{"amount", "edge", "string"}, {"taint", "edge", "string"},
		{"amount_units", "edge", "string"}, {"taint_units", "edge", "string"},
		{"block", "edge", "long"}, {"time", "edge", "string"}, {"hop", "edge", "int"},
		{"position", "edge", "string"}, {"kind", "edge", "string"}, {"heuristics", "edge", "string"},
		{"chain", "edge", "string"},
	}
)

// WriteGraphML writes r's fund-flow graph as GraphML
// (http://graphml.graphdrawing.org/specification.html) for Gephi, yEd,
// Cytoscape, networkx and Neo4j's APOC import: one <node> per graph node (sorted by id) and one
// directed <edge> per transfer, ids "e1", "e2", … in the same order and with the
// same ids as the edges CSV. Keys are declared with attr.name equal to their id
// and a GraphML type (GraphMLNodeKeys, GraphMLEdgeKeys); nodes and edges both
// have "label", "tx", "hop" and "chain", so every key's XML id carries its scope
// ("n_label", "e_label") and attr.name the plain name. Empty values are left out. Every text is escaped by encoding/xml
// after cleanText, so label names from files cannot break the document.
// Output is deterministic.
func WriteGraphML(w io.Writer, r *graph.Result) error {
	bw := bufio.NewWriter(w)
	p := func(s ...string) {
		for _, x := range s {
			bw.WriteString(x)
		}
	}
	p(xml.Header)
	p(`<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">`, "\n")
	for _, ks := range [][]graphMLKey{GraphMLNodeKeys, GraphMLEdgeKeys} {
		for _, k := range ks {
			p(`  <key id="`, graphMLKeyID(k), `" for="`, k.scope, `" attr.name="`, k.id, `" attr.type="`, k.typ, `"/>`, "\n")
		}
	}
	p(`  <graph id="chaintrace" edgedefault="directed">`, "\n")
	data := func(scope, key, value string) {
		if value == "" {
			return
		}
		p(`      <data key="`, scope[:1], "_", key, `">`, xmlText(value), "</data>\n")
	}
	if r.Flow != nil {
		ends := endpointsByNode(r)
		for _, n := range r.Flow.Nodes() {
			f := factsOf(n, ends[n.ID])
			p(`    <node id="`, xmlText(cleanText(n.ID)), `">`, "\n")
			data("node", "label", cleanText(f.display))
			data("node", "role", n.Role)
			data("node", "address", cleanText(n.Address))
			data("node", "tx", n.Tx)
			data("node", "name", cleanText(f.name))
			data("node", "category", cleanText(f.category))
			data("node", "hop", strconv.Itoa(n.Hop))
			data("node", "chain", cleanText(n.Chain))
			data("node", "endpoint_kinds", f.kinds)
			p("    </node>\n")
		}
		for i, e := range sortedEdges(r.Flow) {
			a := r.AssetOf(e.Asset)
			p(`    <edge id="e`, strconv.Itoa(i+1), `" source="`, xmlText(cleanText(e.From)), `" target="`, xmlText(cleanText(e.To)), `">`, "\n")
			data("edge", "label", cleanText(RoundedAmount(e.Taint, a)))
			data("edge", "weight", graph.FormatUnits(e.Taint, a.Decimals))
			data("edge", "tx", e.Tx)
			data("edge", "asset", e.Asset)
			data("edge", "symbol", cleanText(a.Symbol))
			data("edge", "decimals", strconv.Itoa(int(a.Decimals)))
			data("edge", "amount", dec(e.Amount))
			data("edge", "taint", dec(e.Taint))
			data("edge", "amount_units", graph.FormatUnits(e.Amount, a.Decimals))
			data("edge", "taint_units", graph.FormatUnits(e.Taint, a.Decimals))
			data("edge", "block", strconv.FormatUint(e.Block, 10))
			data("edge", "time", rfc3339(e.Time))
			data("edge", "hop", strconv.Itoa(e.Hop))
			data("edge", "position", cleanText(e.Position))
			data("edge", "kind", e.Kind)
			data("edge", "heuristics", strings.Join(sortedStrings(e.Heuristics), ";"))
			data("edge", "chain", cleanText(e.Chain))
			p("    </edge>\n")
		}
	}
	p("  </graph>\n</graphml>\n")
	return bw.Flush()
}

func graphMLKeyID(k graphMLKey) string { return k.scope[:1] + "_" + k.id }

// xmlText escapes s for XML text and attribute values; characters XML cannot
// hold become U+FFFD (encoding/xml.EscapeText).
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}
