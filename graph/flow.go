package graph

import (
	"errors"
	"math/big"
	"sort"
	"sync"

	dgraph "github.com/dominikbraun/graph"
)

// Node roles (styling and the nodes CSV). An endpoint node carries its endpoint kind.
const (
	RoleSeed     = "seed"
	RoleHop      = "hop"      // a holder the tracer followed through
	RoleTx       = "tx"       // a UTXO transaction node
	RoleVictim   = "victim"   // sender of a seed transfer
	RoleUnknown  = "unknown"  // touched but not followed (clean counterparty)
	RoleSwap     = "swap"     // a pool or router the swap rule converted taint through
	RoleCrossing = "crossing" // a bridge, vault or router that paid a crossing out on its chain
)

// Node is a vertex of the fund-flow graph: an address, or on UTXO chains a
// transaction (ID "tx:<txid>") so that inputs and outputs keep their identity.
type Node struct {
	ID       string `json:"id"`
	Address  string `json:"address,omitempty"`
	Tx       string `json:"tx,omitempty"`
	Role     string `json:"role"`
	Label    string `json:"label,omitempty"`
	Category string `json:"category,omitempty"`
	Hop      int    `json:"hop"`
	Chain    string `json:"chain,omitempty"` // multi-chain traces only
}

// Edge is one transfer in the traced graph with the taint it carried.
type Edge struct {
	Tx         string   `json:"tx"`
	Position   string   `json:"position,omitempty"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Asset      string   `json:"asset"`
	Amount     *big.Int `json:"amount"`
	Taint      *big.Int `json:"taint"`
	Block      uint64   `json:"block"`
	Time       int64    `json:"time"`
	Hop        int      `json:"hop"`
	Kind       string   `json:"kind,omitempty"`
	Heuristics []string `json:"heuristics,omitempty"` // e.g. "change", "coinjoin"
	// Multi-chain traces only: the edge's chain; on a crossing edge (Kind
	// "crossing", From on one chain, To on another) the rule, its confidence
	// (permille) and the inbound tx (Tx is the payout).
	Chain      string `json:"chain,omitempty"`
	Rule       string `json:"rule,omitempty"`
	Confidence int    `json:"confidence,omitempty"`
	InTx       string `json:"in_tx,omitempty"`
}

// Aggregate is the edge data kept in the dominikbraun graph: every transfer
// between an ordered pair of nodes summed per asset, since that library's graphs are
// simple (one edge per pair).
type Aggregate struct {
	Count  int
	Amount map[string]*big.Int
	Taint  map[string]*big.Int
}

// Flow is the traced fund-flow graph. Every node and every individual transfer is
// kept in an index of our own (the tracer adds one per tainted transfer, millions
// on a large case, and the library's store costs several maps per vertex and a
// lookup per edge); the dominikbraun/graph directed graph with aggregated edges,
// for its algorithms and for callers who want it, is built from that index when
// Graph is first called, and brought up to date on later calls. Transfers are
// kept as compact records (flow_edges.go); Edges, Out and In build *Edge values
// from them and may be called from several goroutines at once, as before;
// adding nodes and transfers, and Graph, may not.
type Flow struct {
	ids    map[string]*vertex
	verts  []*vertex // by number
	vchunk []vertex  // the chunk new vertices go to
	order  []*Node   // nodes in creation order
	seen   []int32   // seen[i]: how many nodes existed when edge i was added

	// the transfers (flow_edges.go)
	recs    [][]edgeRec
	nEdges  int
	mat     []*Edge // mat[i]: edge i as an *Edge, once built (or as AddEdge was given it)
	matMu   sync.Mutex
	extras  []edgeExtra
	names   []string
	nameIdx map[string]uint32

	g              dgraph.Graph[string, *Node]
	gNodes, gEdges int // how much of order and edges g holds
}

// NewFlow returns an empty graph.
func NewFlow() *Flow {
	return &Flow{ids: map[string]*vertex{}}
}

// vertex is everything the index keeps under one id (one map lookup per end of
// a transfer): the node, once created, and the transfers leaving and entering
// it, as lists linked through the edge records (flow_edges.go). Vertices live
// in chunks that never move (vchunk), the node inside its vertex: one
// allocation per chunk, not three per address.
type vertex struct {
	id      string // the id as first seen: edges and the node share its bytes
	node    Node   // valid when has
	has     bool
	num     uint32 // index in Flow.verts
	out, in edgeList
}

// vchunkMax bounds the vertex chunks, which double from 8.
const vchunkMax = 1024

func (f *Flow) vertex(id string) *vertex {
	v := f.ids[id]
	if v == nil {
		if len(f.vchunk) == cap(f.vchunk) {
			n := min(max(8, 2*cap(f.vchunk)), vchunkMax)
			f.vchunk = make([]vertex, 0, n)
		}
		f.vchunk = append(f.vchunk, vertex{id: id, num: uint32(len(f.verts))})
		v = &f.vchunk[len(f.vchunk)-1]
		f.ids[id] = v
		f.verts = append(f.verts, v)
	}
	return v
}

// Node returns the node with id, creating it with role when absent. An existing
// node keeps its role unless role outranks it (endpoint kinds and seed beat hop and
// unknown), and keeps the smallest hop seen.
func (f *Flow) Node(id, role string, hop int) *Node {
	v := f.vertex(id)
	n := &v.node
	if !v.has {
		v.has = true
		*n = Node{ID: v.id, Address: v.id, Role: role, Hop: hop}
		f.order = append(f.order, n)
		return n
	}
	if roleRank(role) > roleRank(n.Role) {
		n.Role = role
	}
	if hop < n.Hop {
		n.Hop = hop
	}
	return n
}

func roleRank(r string) int {
	switch r {
	case RoleUnknown:
		return 0
	case RoleVictim:
		return 1
	case RoleHop, RoleTx:
		return 2
	case RoleSeed:
		return 4
	default: // endpoint kinds
		return 3
	}
}

// Lookup returns a node by id.
func (f *Flow) Lookup(id string) (*Node, bool) {
	if v := f.ids[id]; v != nil && v.has {
		return &v.node, true
	}
	return nil, false
}

// AddEdge records one transfer. Both nodes must exist (an edge to a node created
// later is in the index but not in the library graph). The index keeps e itself:
// Edges, Out and In return it.
func (f *Flow) AddEdge(e *Edge) {
	from, to := f.ends(e)
	i := f.addRec(e, from, to, nil, nil, true)
	// Equal strings, one copy: a large trace holds millions of edges whose ends
	// each source answer spelled out anew.
	e.From, e.To = from.id, to.id
	f.keep(i, e)
}

// AddTransfer records one transfer like AddEdge, with amount and taint as its
// Amount and Taint (e's own are not read), but keeps neither e nor the amounts:
// the index stores a compact copy (flow_edges.go) and builds an *Edge from it
// when one is asked for. The tracer records every tainted transfer this way.
func (f *Flow) AddTransfer(e *Edge, amount, taint *big.Int) {
	from, to := f.ends(e)
	f.addRec(e, from, to, amount, taint, false)
}

// ends returns e's two vertices (addRec links the new record into their lists).
func (f *Flow) ends(e *Edge) (from, to *vertex) {
	f.seen = append(f.seen, int32(len(f.order)))
	return f.vertex(e.From), f.vertex(e.To)
}

// Graph exposes the underlying dominikbraun graph (aggregated edges, *Aggregate
// data). It replays the nodes and transfers added since the last call in the
// order they were added, so the graph is the one eager insertion would build.
func (f *Flow) Graph() dgraph.Graph[string, *Node] {
	if f.g == nil {
		f.g = dgraph.New(func(n *Node) string { return n.ID }, dgraph.Directed())
	}
	addNodes := func(upto int) {
		for ; f.gNodes < upto; f.gNodes++ {
			_ = f.g.AddVertex(f.order[f.gNodes])
		}
	}
	for ; f.gEdges < f.nEdges; f.gEdges++ {
		addNodes(int(f.seen[f.gEdges]))
		f.aggregate(f.edge(f.gEdges))
	}
	addNodes(len(f.order))
	return f.g
}

func (f *Flow) aggregate(e *Edge) {
	if e.From == e.To {
		return // the library's simple graph has no self-loops; the index keeps them
	}
	if old, err := f.g.Edge(e.From, e.To); err == nil {
		agg := old.Properties.Data.(*Aggregate)
		agg.add(e)
		return
	} else if !errors.Is(err, dgraph.ErrEdgeNotFound) {
		return
	}
	agg := &Aggregate{Amount: map[string]*big.Int{}, Taint: map[string]*big.Int{}}
	agg.add(e)
	_ = f.g.AddEdge(e.From, e.To, dgraph.EdgeData(agg))
}

func (a *Aggregate) add(e *Edge) {
	a.Count++
	for m, v := range map[*map[string]*big.Int]*big.Int{&a.Amount: e.Amount, &a.Taint: e.Taint} {
		if (*m)[e.Asset] == nil {
			(*m)[e.Asset] = new(big.Int)
		}
		if v != nil {
			(*m)[e.Asset].Add((*m)[e.Asset], v)
		}
	}
}

// Out returns the transfers leaving id, in insertion order.
func (f *Flow) Out(id string) []*Edge {
	if v := f.ids[id]; v != nil {
		return f.edgesOf(v.out, false)
	}
	return nil
}

// In returns the transfers entering id, in insertion order.
func (f *Flow) In(id string) []*Edge {
	if v := f.ids[id]; v != nil {
		return f.edgesOf(v.in, true)
	}
	return nil
}

// Nodes returns every node sorted by ID.
func (f *Flow) Nodes() []*Node {
	ns := append([]*Node(nil), f.order...)
	sort.Slice(ns, func(i, j int) bool { return ns[i].ID < ns[j].ID })
	return ns
}

// Edges returns every transfer sorted by block, tx, position, from, to, asset.
// A transfer recorded with AddTransfer that Out, In or Graph has not returned
// yet is built for this call only: a later call returns an equal edge, not the
// same pointer (mutating it changes nothing in the flow).
func (f *Flow) Edges() []*Edge {
	var es []*Edge
	if f.nEdges > 0 {
		es = f.allEdges()
	}
	sort.SliceStable(es, func(i, j int) bool { return edgeLess(es[i], es[j]) })
	return es
}

func edgeLess(a, b *Edge) bool {
	if a.Block != b.Block {
		return a.Block < b.Block
	}
	if a.Tx != b.Tx {
		return a.Tx < b.Tx
	}
	if a.Position != b.Position {
		return a.Position < b.Position
	}
	if a.From != b.From {
		return a.From < b.From
	}
	if a.To != b.To {
		return a.To < b.To
	}
	return a.Asset < b.Asset
}
