package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// Neo4jNodesHeader and Neo4jRelationshipsHeader are the first rows of the two
// files of the neo4j-admin CSV dialect, in the header format of
// `neo4j-admin database import` (https://neo4j.com/docs/operations-manual/current/import/header-format/):
//
//	neo4j-admin database import full --nodes=trace_nodes.csv \
//	    --relationships=trace_relationships.csv neo4j
//
// A field is NAME:TYPE. "id:ID" is the node's identifier (an address, or
// "tx:<txid>" for a UTXO transaction node), also kept as the property id;
// ":LABEL" carries the node's labels joined by ';' (Address or Transaction, then
// the role in PascalCase: Seed, Victim, Hop, Exchange, ExchangeDeposit, …);
// ":START_ID" and ":END_ID" are node ids and ":TYPE" is TRANSFER. Typed
// properties: hop:int, decimals:int, block:long, time:datetime (RFC 3339 UTC),
// weight:double, endpoint_kinds and heuristics as string[] (the import's
// default array delimiter ';'). amount and taint are base-unit integers kept as
// strings (wei exceed a long), amount_units and taint_units the same exactly in
// human units, also strings; weight is the taint in human units as a double for
// weighted graph algorithms and the picture, never for sums (a double rounds).
// An empty field is no property.
var (
	Neo4jNodesHeader = []string{"id:ID", ":LABEL", "label", "role", "address", "tx", "name", "category",
		"hop:int", "chain", "endpoint_kinds:string[]"}
	Neo4jRelationshipsHeader = []string{":START_ID", ":END_ID", ":TYPE", "id", "label", "tx", "asset", "symbol",
		"decimals:int", "amount", "taint", "amount_units", "taint_units", "weight:double", "block:long",
		"time:datetime", "hop:int", "position", "kind", "heuristics:string[]", "chain"}
)

// Neo4jRelationshipType is the :TYPE of every relationship: one transfer.
const Neo4jRelationshipType = "TRANSFER"

// WriteNeo4jNodes writes the nodes file of the neo4j-admin dialect: one row
// per node of r's graph, sorted by id, header Neo4jNodesHeader. Text cells are
// made safe as in WriteCSV (escape.Terminal, then escape.CSVCell), so no cell
// holds a line break (neo4j-admin's default --multiline-fields=false) or a
// spreadsheet formula.
func WriteNeo4jNodes(w io.Writer, r *graph.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Neo4jNodesHeader); err != nil {
		return err
	}
	if r.Flow != nil {
		ends := endpointsByNode(r)
		for _, n := range r.Flow.Nodes() {
			f := factsOf(n, ends[n.ID])
			rec := []string{
				cleanText(n.ID), strings.Join(neo4jLabels(n), ";"), cleanText(f.display), n.Role,
				cleanText(n.Address), n.Tx, cleanText(f.name), cleanText(f.category),
				strconv.Itoa(n.Hop), cleanText(n.Chain), f.kinds,
			}
			if err := cw.Write(safeCells(rec)); err != nil {
				return fmt.Errorf("neo4j nodes csv: %w", err)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteNeo4jRelationships writes the relationships file of the neo4j-admin
// dialect: one TRANSFER per transfer of r's graph in the documented edge order,
// header Neo4jRelationshipsHeader, id "e1", "e2", … as in WriteCSV.
func WriteNeo4jRelationships(w io.Writer, r *graph.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Neo4jRelationshipsHeader); err != nil {
		return err
	}
	if r.Flow != nil {
		for i, e := range sortedEdges(r.Flow) {
			a := r.AssetOf(e.Asset)
			taintUnits := graph.FormatUnits(e.Taint, a.Decimals)
			rec := []string{
				cleanText(e.From), cleanText(e.To), Neo4jRelationshipType, "e" + strconv.Itoa(i+1),
				cleanText(RoundedAmount(e.Taint, a)), e.Tx, e.Asset, cleanText(a.Symbol),
				strconv.Itoa(int(a.Decimals)), dec(e.Amount), dec(e.Taint),
				graph.FormatUnits(e.Amount, a.Decimals), taintUnits, taintUnits,
				strconv.FormatUint(e.Block, 10), rfc3339(e.Time), strconv.Itoa(e.Hop),
				cleanText(e.Position), e.Kind, strings.Join(sortedStrings(e.Heuristics), ";"),
				cleanText(e.Chain),
			}
			if err := cw.Write(safeCells(rec)); err != nil {
				return fmt.Errorf("neo4j relationships csv: %w", err)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// neo4jLabels are a node's Neo4j labels: what it is (Address, or Transaction
// for a UTXO transaction node) and its role in PascalCase (none more for a
// transaction node, whose role says the same).
func neo4jLabels(n *graph.Node) []string {
	kind := "Address"
	if n.Address == "" && n.Tx != "" {
		kind = "Transaction"
	}
	out := []string{kind}
	if role := pascalCase(n.Role); role != "" && n.Role != graph.RoleTx {
		out = append(out, role)
	}
	return out
}

// pascalCase turns a role such as "exchange-deposit" into "ExchangeDeposit":
// letters and digits only, so a label never needs quoting in Cypher.
func pascalCase(s string) string {
	var b strings.Builder
	up := true
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && b.Len() > 0:
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}
