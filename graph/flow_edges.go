package graph

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/holiman/uint256"
)

// The flow index keeps its transfers compact (issue 14 item 1: a trace of 10⁷
// transfers must fit in a few GiB, and the edges were the largest part of the
// result): a record of 136 bytes per transfer in fixed-size chunks, with the
// amounts as uint256, the two ends as vertex numbers and the short strings
// (position, asset, kind) as numbers in a table of their distinct values. An
// *Edge is built from a record when Out, In or Graph first asks for it and then
// kept, so every later call returns the same pointer, as before; AddEdge keeps
// the pointer it is given the same way. Edges, which the exporters call once for
// every transfer, returns the kept pointers and builds the rest anew, in one
// block it does not keep. Only AddTransfer, the tracer's path, stores nothing
// but the record.

// edgeChunk is how many records a chunk holds: growth never copies records.
const edgeChunk = 4096

// edgeRec is one transfer as the index keeps it.
type edgeRec struct {
	tx       string
	amt, tnt uint256.Int
	block    uint64
	time     int64
	from, to uint32 // vertex numbers
	pos      uint32 // names
	asset    uint32 // names
	hop      int32
	extra    int32  // 1 + index in Flow.extras; 0: none
	kind     uint16 // names
	flags    uint16
	// 1 + the number of the next transfer leaving from / entering to; 0: none
	nextOut, nextIn uint32
}

// edgeList is a vertex's transfers one way: 1 + the numbers of the first and
// the last, 0 when there is none; the records link the rest in order.
type edgeList struct{ first, last uint32 }

const (
	recAmtNil  = 1 << iota // Amount is nil
	recTntNil              // Taint is nil
	recAmtBig              // Amount is in extras (negative, or wider than 256 bits)
	recTntBig              // Taint is in extras
	recHopBig              // Hop is in extras (does not fit 32 bits)
	recKindBig             // Kind is in extras (the names table outgrew 16 bits)
)

// edgeExtra holds the fields most transfers leave empty.
type edgeExtra struct {
	heur       []string
	chain      string
	rule       string
	inTx       string
	confidence int
	hop        int
	kind       string
	amt, tnt   *big.Int
}

func (x *edgeExtra) empty() bool {
	return x.heur == nil && x.chain == "" && x.rule == "" && x.inTx == "" && x.confidence == 0 &&
		x.hop == 0 && x.kind == "" && x.amt == nil && x.tnt == nil
}

// name is s's number in the table of short strings, adding it when new.
func (f *Flow) name(s string) uint32 {
	if i, ok := f.nameIdx[s]; ok {
		return i
	}
	if f.nameIdx == nil {
		f.nameIdx = map[string]uint32{}
	}
	i := uint32(len(f.names))
	f.names = append(f.names, s)
	f.nameIdx[s] = i
	return i
}

// rec is the record of edge i.
func (f *Flow) rec(i int) *edgeRec {
	return &f.recs[i/edgeChunk][i%edgeChunk]
}

// addRec appends the record of e (amount and taint as given: e's own are not
// read), links it at the end of its ends' lists and returns its number. keep: e
// itself is kept as the edge (AddEdge); then only the ends are recorded.
func (f *Flow) addRec(e *Edge, from, to *vertex, amount, taint *big.Int, keep bool) int {
	n := f.nEdges
	c := n / edgeChunk
	switch {
	case c < len(f.recs):
	case c == 0:
		f.recs = append(f.recs, nil) // the first chunk grows as small flows do
	default:
		f.recs = append(f.recs, make([]edgeRec, 0, edgeChunk))
	}
	f.recs[c] = append(f.recs[c], edgeRec{})
	f.nEdges++
	r := f.rec(n)
	r.from, r.to = from.num, to.num
	// link after the rest: a self-loop is in both lists of one vertex
	if l := from.out.last; l != 0 {
		f.rec(int(l - 1)).nextOut = uint32(n + 1)
	} else {
		from.out.first = uint32(n + 1)
	}
	from.out.last = uint32(n + 1)
	if l := to.in.last; l != 0 {
		f.rec(int(l - 1)).nextIn = uint32(n + 1)
	} else {
		to.in.first = uint32(n + 1)
	}
	to.in.last = uint32(n + 1)
	if keep {
		return n
	}
	var x edgeExtra
	r.tx, r.block, r.time = e.Tx, e.Block, e.Time
	r.pos, r.asset = f.name(e.Position), f.name(e.Asset)
	if k := f.name(e.Kind); k <= math.MaxUint16 {
		r.kind = uint16(k)
	} else {
		r.flags |= recKindBig
		x.kind = e.Kind
	}
	if e.Hop >= math.MinInt32 && e.Hop <= math.MaxInt32 {
		r.hop = int32(e.Hop)
	} else {
		r.flags |= recHopBig
		x.hop = e.Hop
	}
	switch {
	case amount == nil:
		r.flags |= recAmtNil
	case amount.Sign() < 0 || r.amt.SetFromBig(amount):
		r.flags |= recAmtBig
		r.amt.Clear()
		x.amt = new(big.Int).Set(amount)
	}
	switch {
	case taint == nil:
		r.flags |= recTntNil
	case taint.Sign() < 0 || r.tnt.SetFromBig(taint):
		r.flags |= recTntBig
		r.tnt.Clear()
		x.tnt = new(big.Int).Set(taint)
	}
	x.heur, x.chain, x.rule, x.inTx, x.confidence = e.Heuristics, e.Chain, e.Rule, e.InTx, e.Confidence
	if !x.empty() {
		f.extras = append(f.extras, x)
		r.extra = int32(len(f.extras))
	}
	return n
}

// boxedEdge is an edge built from a record, with room for its two amounts: one
// allocation per edge.
type boxedEdge struct {
	e        Edge
	amt, tnt big.Int
	w        [8]big.Word
}

// setU256 sets z to u using ws (room for 256 bits) as its words.
func setU256(z *big.Int, u *uint256.Int, ws []big.Word) *big.Int {
	if bits.UintSize == 64 {
		ws = ws[:4]
		for i := range 4 {
			ws[i] = big.Word(u[i])
		}
		return z.SetBits(ws) // normalises: leading zero words dropped
	}
	return z.Set(u.ToBig())
}

// edge is edge i, built from its record on first use and kept. Readers may
// call it concurrently (Edges, Out and In were read-only before the records):
// the cache of built edges is behind a mutex.
func (f *Flow) edge(i int) *Edge {
	f.matMu.Lock()
	defer f.matMu.Unlock()
	if e := f.built(i); e != nil {
		return e
	}
	e := f.build(i, &boxedEdge{})
	f.keep(i, e)
	return e
}

// built is edge i's kept pointer, nil when none was built (f.matMu held).
func (f *Flow) built(i int) *Edge {
	if i < len(f.mat) {
		return f.mat[i]
	}
	return nil
}

// allEdges returns every edge in insertion order: the kept pointers where there
// are some, the others built into one block and not kept (an export reads them
// once; keeping them would hold a second copy of every transfer until the flow
// is dropped).
func (f *Flow) allEdges() []*Edge {
	f.matMu.Lock()
	defer f.matMu.Unlock()
	es := make([]*Edge, f.nEdges)
	n := 0
	for i := range es {
		if es[i] = f.built(i); es[i] == nil {
			n++
		}
	}
	block := make([]boxedEdge, n)
	for i := range es {
		if es[i] == nil {
			es[i] = f.build(i, &block[0])
			block = block[1:]
		}
	}
	return es
}

// build fills b from edge i's record and returns its edge.
func (f *Flow) build(i int, b *boxedEdge) *Edge {
	r := f.rec(i)
	e := &b.e
	e.Tx, e.Block, e.Time = r.tx, r.block, r.time
	e.From, e.To = f.verts[r.from].id, f.verts[r.to].id
	e.Position, e.Asset, e.Kind, e.Hop = f.names[r.pos], f.names[r.asset], f.names[r.kind], int(r.hop)
	var x *edgeExtra
	if r.extra > 0 {
		x = &f.extras[r.extra-1]
		e.Heuristics, e.Chain, e.Rule, e.InTx, e.Confidence = x.heur, x.chain, x.rule, x.inTx, x.confidence
		if r.flags&recHopBig != 0 {
			e.Hop = x.hop
		}
		if r.flags&recKindBig != 0 {
			e.Kind = x.kind
		}
	}
	switch {
	case r.flags&recAmtNil != 0:
	case r.flags&recAmtBig != 0:
		e.Amount = new(big.Int).Set(x.amt)
	default:
		e.Amount = setU256(&b.amt, &r.amt, b.w[0:4:4])
	}
	switch {
	case r.flags&recTntNil != 0:
	case r.flags&recTntBig != 0:
		e.Taint = new(big.Int).Set(x.tnt)
	default:
		e.Taint = setU256(&b.tnt, &r.tnt, b.w[4:8:8])
	}
	return e
}

// keep makes e edge i's pointer from now on (f.matMu held, or f being written).
func (f *Flow) keep(i int, e *Edge) {
	if i >= len(f.mat) {
		n := f.nEdges
		if n < 2*len(f.mat) {
			n = 2 * len(f.mat)
		}
		m := make([]*Edge, n)
		copy(m, f.mat)
		f.mat = m
	}
	f.mat[i] = e
}

// edgeAsset is edge i's asset, without building the edge.
func (f *Flow) edgeAsset(i int) string {
	f.matMu.Lock()
	defer f.matMu.Unlock()
	if i < len(f.mat) && f.mat[i] != nil {
		return f.mat[i].Asset
	}
	return f.names[f.rec(i).asset]
}

// edgesOf builds the edges of list l (in: linked by nextIn, else by nextOut).
func (f *Flow) edgesOf(l edgeList, in bool) []*Edge {
	next := func(k uint32) uint32 {
		if in {
			return f.rec(int(k - 1)).nextIn
		}
		return f.rec(int(k - 1)).nextOut
	}
	n := 0
	for k := l.first; k != 0; k = next(k) {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]*Edge, 0, n)
	for k := l.first; k != 0; k = next(k) {
		out = append(out, f.edge(int(k-1)))
	}
	return out
}
