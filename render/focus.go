package render

import (
	"github.com/chaintrace/chaintrace/graph"
)

// Focus returns a copy of r that holds only how the taint reached the given
// endpoints (e.g. one exchange's deposit addresses and hot wallets): their
// nodes, every node from which a chain of tainted transfers leads to one of
// them, and those transfers. The chains are followed in the target's asset,
// and into other assets only where the asset changed (a swap, a crossing: see
// below), so a transfer of another asset that never became the target's is
// left out. Every transfer kept is
// on a path from the theft to a target, so nothing in the copy is an orphan or
// a dead end other than a target; clean transfers (taint zero, e.g. another
// customer's inputs) are left out. The copy keeps the result's endpoints at the
// kept nodes (their amounts label the nodes, the deposits' sweeps are drawn)
// and drops the mixer candidate search (r.Demix), which leads elsewhere.
// r is not changed. Targets not in the graph are ignored; with none left, or
// no graph, the copy has an empty graph.
func Focus(r *graph.Result, targets []*graph.Endpoint) *graph.Result {
	c := *r
	c.Demix = nil
	c.Flow = graph.NewFlow()
	c.Endpoints = nil
	if r.Flow == nil {
		return &c
	}
	// The walk goes backwards from each target in the target's asset: a
	// transfer of another asset into a holder carried no taint that reached the
	// target, unless the holder received none of that asset, so that the asset
	// changed there (a swap venue paying the swap's output, a crossing, a wrap),
	// and then its tainted transfers in any asset are how the taint came.
	type want struct{ id, asset string }
	keep := map[string]bool{}
	seen := map[want]bool{}
	var queue []want
	push := func(w want) {
		if _, ok := r.Flow.Lookup(w.id); ok && !seen[w] {
			seen[w], keep[w.id] = true, true
			queue = append(queue, w)
		}
	}
	for _, e := range targets {
		push(want{endpointNode(e), e.Asset})
	}
	kept := map[*graph.Edge]bool{}
	var edges []*graph.Edge
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		var in, same []*graph.Edge
		for _, e := range r.Flow.In(w.id) {
			if e.Taint != nil && e.Taint.Sign() > 0 {
				in = append(in, e)
				if e.Asset == w.asset {
					same = append(same, e)
				}
			}
		}
		if len(same) > 0 {
			in = same
		}
		for _, e := range in {
			if !kept[e] {
				kept[e] = true
				edges = append(edges, e)
			}
			push(want{e.From, e.Asset})
		}
	}
	for _, n := range r.Flow.Nodes() { // sorted: the copy's order is deterministic
		if keep[n.ID] {
			m := c.Flow.Node(n.ID, n.Role, n.Hop)
			*m = *n
		}
	}
	for _, e := range edges {
		if _, ok := r.Flow.Lookup(e.From); !ok {
			continue // an edge from a node never created is drawn by no exporter
		}
		cp := *e
		c.Flow.AddEdge(&cp)
	}
	for _, e := range r.Endpoints {
		if keep[endpointNode(e)] {
			c.Endpoints = append(c.Endpoints, e)
		}
	}
	return &c
}

// endpointNode is the graph node an endpoint ended at: its address, or on a
// UTXO chain an output without one, "out:<outpoint>", as the tracer names
// them; in a multi-chain result qualified by its chain ("<chain>/<id>"), as
// the merged graph names every node.
func endpointNode(e *graph.Endpoint) string {
	id := e.Address
	if id == "" {
		id = "out:" + e.Outpoint
	}
	if e.Chain != "" {
		id = e.Chain + "/" + id
	}
	return id
}
