package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
)

// EdgesCSVHeader and NodesCSVHeader are the first rows of the two CSV files.
//
// They follow Gephi's spreadsheet import (Data Laboratory → Import Spreadsheet,
// https://gephi.org/users/supported-graph-formats/spreadsheet): the node table's
// identifier column must be named "Id" and its display column "Label"; the edge
// table's endpoints "Source" and "Target", its identifier "Id", its label "Label"
// and its direction "Type" with the value "Directed"; every other column becomes
// an attribute. "Weight" is the taint in human units: Gephi reads it as the
// edge's weight (a double, for edge thickness); no column is named "Time
// Interval", which Gephi would parse as a time interval.
//
// For neo4j-admin database import, which needs typed headers (:ID,
// :START_ID, …), see WriteNeo4jNodes and WriteNeo4jRelationships instead.
// Neo4j reads these files with LOAD CSV WITH HEADERS, where each row is a map
// keyed by the header (https://guides.neo4j.com/fundamentals/import.html), e.g.
//
//	LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
//	MERGE (n:Holder {id: row.Id}) SET n.role = row.role, n.label = row.name;
//	LOAD CSV WITH HEADERS FROM 'file:///edges.csv' AS row
//	MATCH (a:Holder {id: row.Source}), (b:Holder {id: row.Target})
//	CREATE (a)-[:TRANSFER {id: row.Id, tx: row.tx, asset: row.asset,
//	        amount: row.amount, taint: row.taint, block: toInteger(row.block)}]->(b);
//
// amount and taint stay base-unit integers in decimal (they exceed 64 bits for
// wei, so a database must keep them as strings or as decimals wide enough);
// amount_units, taint_units and Weight are the same amounts exactly in human
// units (every decimal kept, never rounded through a float), with the asset's
// symbol and decimals beside them, so a spreadsheet or SQL table can sum a
// column without knowing each asset's decimals. The last five columns were
// added after the first fifteen, which keep their order.
var (
	EdgesCSVHeader = []string{"Source", "Target", "Type", "Id", "Label", "tx", "asset", "amount", "taint", "block", "time", "hop", "position", "kind", "heuristics",
		"Weight", "symbol", "decimals", "amount_units", "taint_units"}
	NodesCSVHeader = []string{"Id", "Label", "role", "address", "tx", "name", "category", "hop", "endpoint_kinds"}
)

// WriteCSV writes one row per transfer of r's graph (RFC 4180, CRLF line ends as
// encoding/csv writes them with UseCRLF, header EdgesCSVHeader). Id is "e1", "e2",
// … in the documented edge order, so it is stable for the same result. Label is
// the taint in human units with the asset symbol; amount and taint are base-unit
// integers; time is RFC 3339 UTC ("" when unknown); heuristics are joined by ';'.
// Weight and taint_units are the taint in human units and amount_units the
// amount, exact decimals (graph.FormatUnits: big-integer arithmetic, trailing
// zeros dropped); symbol is the asset's symbol (a token's own, not its contract
// address, whenever the result knows the token) and decimals its decimals.
//
// Text cells are made safe for a terminal (escape.Terminal) and a cell a
// spreadsheet would evaluate as a formula (starting with = + - @, tab or CR)
// gets a leading apostrophe (escape.CSVCell), so a hostile label or symbol
// cannot run when the file is opened in Excel, LibreOffice or Google Sheets.
func WriteCSV(w io.Writer, r *graph.Result) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(EdgesCSVHeader); err != nil {
		return err
	}
	if r.Flow != nil {
		for i, e := range sortedEdges(r.Flow) {
			a := r.AssetOf(e.Asset)
			taintUnits := graph.FormatUnits(e.Taint, a.Decimals)
			rec := []string{
				cleanText(e.From), cleanText(e.To), "Directed", "e" + strconv.Itoa(i+1),
				cleanText(graph.FormatAmount(e.Taint, a)),
				e.Tx, e.Asset, dec(e.Amount), dec(e.Taint),
				strconv.FormatUint(e.Block, 10), rfc3339(e.Time), strconv.Itoa(e.Hop),
				cleanText(e.Position), e.Kind, strings.Join(sortedStrings(e.Heuristics), ";"),
				taintUnits, cleanText(a.Symbol), strconv.Itoa(int(a.Decimals)),
				graph.FormatUnits(e.Amount, a.Decimals), taintUnits,
			}
			if err := cw.Write(safeCells(rec)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteNodesCSV writes one row per node of r's graph, sorted by Id (header
// NodesCSVHeader). Label is what Gephi shows: the label name, else the short
// address or transaction id; name is the label name alone; endpoint_kinds lists
// the endpoint kinds that ended at the node, joined by ';'.
func WriteNodesCSV(w io.Writer, r *graph.Result) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(NodesCSVHeader); err != nil {
		return err
	}
	if r.Flow != nil {
		ends := endpointsByNode(r)
		for _, n := range r.Flow.Nodes() {
			f := factsOf(n, ends[n.ID])
			rec := []string{
				cleanText(n.ID), cleanText(f.display), n.Role, cleanText(n.Address), n.Tx,
				cleanText(f.name), cleanText(f.category), strconv.Itoa(n.Hop),
				f.kinds,
			}
			if err := cw.Write(safeCells(rec)); err != nil {
				return fmt.Errorf("nodes csv: %w", err)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCells neutralises formula cells (escape.CSVCell) in place and returns rec.
func safeCells(rec []string) []string {
	for i, c := range rec {
		rec[i] = escape.CSVCell(c)
	}
	return rec
}
