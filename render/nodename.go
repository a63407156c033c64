package render

import (
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// depositCategory is the label category of exchange deposit addresses
// (trace.CatDeposit, which --stop-at and label files name "deposit").
const depositCategory = "deposit"

// nodeName is a node's name and category in the machine exports (JSON nodes,
// nodes CSV, GraphML, neo4j-admin): its label's, or, for an exchange deposit
// address the deposit rule found and no label names, "deposit of <exchange>"
// (the exchange its sweep went to, as the text output and the endpoint's
// "exchange" say) and category "deposit". A deposit whose exchange is unknown
// keeps an empty name but gets the category. ends are the node's endpoints
// (endpointsByNode).
func nodeName(n *graph.Node, ends []*graph.Endpoint) (name, category string) {
	if n.Label != "" || n.Category != "" {
		return n.Label, n.Category
	}
	for _, e := range ends {
		if e.Kind != graph.EndExchangeDeposit {
			continue
		}
		category = depositCategory
		if e.Exchange != "" {
			return "deposit of " + e.Exchange, category
		}
	}
	return "", category
}

// nodeFacts is what the node tables (nodes CSV, GraphML, neo4j-admin) say about
// a node beyond its own fields, computed in one place so the three exports
// cannot drift apart.
type nodeFacts struct {
	name, category string
	display        string // name, else the shortened address, tx or id
	kinds          string // the distinct endpoint kinds ending at the node, sorted, joined by ';'
}

func factsOf(n *graph.Node, ends []*graph.Endpoint) nodeFacts {
	f := nodeFacts{}
	f.name, f.category = nodeName(n, ends)
	f.display = f.name
	if f.display == "" {
		f.display = shortID(firstNonEmpty(n.Address, n.Tx, n.ID))
	}
	var kinds []string
	seen := map[string]bool{}
	for _, e := range ends {
		if !seen[e.Kind] {
			seen[e.Kind] = true
			kinds = append(kinds, e.Kind)
		}
	}
	f.kinds = strings.Join(sortedStrings(kinds), ";")
	return f
}
