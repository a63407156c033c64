package bitcoin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
)

// Backend names for Config.Backend.
const (
	BackendEsplora  = "esplora"
	BackendBtcd     = "btcd"
	BackendBitcoind = "bitcoind"
)

// Config opens an Adapter.
type Config struct {
	// Chain is the --chain name: btc, btc-testnet, btc-testnet4, btc-signet,
	// btc-regtest, btc-simnet.
	Chain string
	// Backend is esplora, btcd, bitcoind, or "" to detect it from URL (a
	// JSON-RPC server that knows getinfo is btcd, one that does not is Bitcoin
	// Core, anything answering /blocks/tip/height is Esplora). With no URL the
	// network's public Esplora is used.
	Backend string
	// URL of the API or node, e.g. http://user:pass@127.0.0.1:18334 (btcd) or
	// https://blockstream.info/api. Credentials are sent as HTTP basic auth and
	// never printed, stored or put in errors.
	URL string
	// RPS limits requests per second; 0: unlimited for nodes, DefaultEsploraRPS
	// for a public Esplora default.
	RPS float64
	// HTTPClient is used for every request; nil: a client with a 60 s timeout.
	HTTPClient *http.Client
	// Warnings receives each warning once, as it happens (nil: only Warnings()).
	Warnings io.Writer
	// ToBlock bounds bitcoind's forward scan for spenders (0: the tip).
	ToBlock uint64
	// MaxScanBlocks caps how many blocks bitcoind's spender scan reads per
	// output (0: DefaultMaxScanBlocks).
	MaxScanBlocks uint64
	// MaxBatch caps JSON-RPC batch sizes (0: DefaultBtcdBatch on btcd, 100
	// on bitcoind).
	MaxBatch int
	// RequestTimeout bounds one HTTP request [60 s, or HTTPClient.Timeout].
	RequestTimeout time.Duration
	// Policy replaces the transport's retry policy (tests inject a fake clock).
	Policy *httpx.Policy
	// Notify receives a line per retried fault (progress; never the result).
	// nil: such lines go to Warnings as "notice:" lines.
	Notify func(string)
}

// DefaultEsploraRPS is the request rate used against a public Esplora when
// Config.RPS is 0: public instances ban clients that hammer them.
const DefaultEsploraRPS = 4

// DefaultMaxScanBlocks bounds bitcoind's forward spender scan.
const DefaultMaxScanBlocks = 1000

// Adapter is a Bitcoin data source for the tracer. Its methods are safe for
// concurrent use; concurrent calls share the caches and never repeat a fetch.
type Adapter struct {
	net     *Network
	backend backend
	ep      *endpoint

	// mu guards the caches below; it is never held during a request, so the
	// tracer's concurrent lookups overlap on the network. flights makes
	// concurrent callers that need the same data wait for one request instead
	// of repeating it.
	mu       sync.Mutex
	raw      map[string]*rawTx         // every tx fetched in this run
	full     map[string]*graph.UTXOTx  // converted, prevouts filled
	heights  map[string]uint64         // block hash → height
	spenders map[graph.Outpoint]string // "" = unspent
	flights  map[string]*flight

	wmu      sync.Mutex
	warnings []string
	seenWarn map[string]bool
	warnOut  io.Writer
}

var (
	_ trace.UTXOSource = (*Adapter)(nil)
	_ trace.Warner     = (*Adapter)(nil)
)

// rawTx is a transaction as a backend delivers it, before script
// classification. Inputs carry their prevouts when the backend has them inline.
type rawTx struct {
	TxID      string
	Confirmed bool
	Height    uint64 // 0 while unknown (btcd/bitcoind resolve it from the block hash)
	BlockHash string
	Time      int64
	Coinbase  bool
	Ins       []rawIn
	Outs      []rawOut
}

type rawIn struct {
	Prev    graph.Outpoint
	HasPrev bool
	Prevout rawOut
}

type rawOut struct {
	Script []byte
	Value  int64
}

// backend is what differs between Esplora, btcd and bitcoind.
type backend interface {
	name() string
	genesis(ctx context.Context) (string, error)
	tip(ctx context.Context) (uint64, error)
	// getTxs fetches transactions; unknown ids are absent from the map.
	getTxs(ctx context.Context, ids []string) (map[string]*rawTx, error)
	// complete fetches, in one round trip where possible, previous
	// transactions (for prevouts) and block heights the Adapter lacks.
	complete(ctx context.Context, prevIDs, blockHashes []string) (map[string]*rawTx, map[string]uint64, error)
	// spender returns the id of the tx spending tx's output vout, "" when it is
	// unspent. It may record more spenders through a.noteSpender.
	spender(ctx context.Context, a *Adapter, tx *graph.UTXOTx, vout uint32) (string, error)
	// addressTxs returns the confirmed transactions touching addr.
	addressTxs(ctx context.Context, a *Adapter, addr string) ([]*rawTx, error)
}

// DefaultBtcdBatch is the batch size on btcd. btcd's RPC server sets no limit
// on a batch (rpcserver.go processRequest answers every entry), so a hop level's
// gettxout and search calls leave as one request instead of one per 100 calls:
// the btcd fan-out of internal/rtbench goes from 28 to 10 requests (issue 18).
// 1000 is geth's own BatchRequestLimit, a bound on one answer's size.
const DefaultBtcdBatch = 1000

// Open connects to the backend cfg names (or detects it) and checks that it
// serves cfg.Chain by comparing genesis block hashes.
func Open(ctx context.Context, cfg Config) (*Adapter, error) {
	nw, err := LookupNetwork(cfg.Chain)
	if err != nil {
		return nil, err
	}
	a := &Adapter{net: nw, raw: map[string]*rawTx{}, full: map[string]*graph.UTXOTx{},
		heights: map[string]uint64{}, spenders: map[graph.Outpoint]string{}, seenWarn: map[string]bool{},
		flights: map[string]*flight{},
		warnOut: cfg.Warnings}
	kind := strings.ToLower(strings.TrimSpace(cfg.Backend))
	switch kind {
	case "", BackendEsplora, BackendBtcd, BackendBitcoind:
	default:
		return nil, fmt.Errorf("%w: unknown --backend %q (want esplora, btcd or bitcoind)", trace.ErrBadInput, cfg.Backend)
	}
	url := cfg.URL
	rps := cfg.RPS
	if url == "" {
		if kind != "" && kind != BackendEsplora {
			return nil, fmt.Errorf("%w: --backend %s needs --rpc http://user:pass@host:port", trace.ErrBadInput, kind)
		}
		if nw.Esplora == "" {
			return nil, fmt.Errorf("%w: --chain %s has no public API: pass --rpc with your node (btcd or bitcoind) or Esplora URL", trace.ErrBadInput, nw.Chain)
		}
		url, kind = nw.Esplora, BackendEsplora
		if rps == 0 {
			rps = DefaultEsploraRPS
		}
	}
	if rps == 0 && publicEsplora(url) {
		rps = DefaultEsploraRPS // a public instance passed explicitly is just as touchy
	}
	notify := cfg.Notify
	if notify == nil && cfg.Warnings != nil {
		w := cfg.Warnings
		notify = func(msg string) { fmt.Fprintf(w, "notice: %s\n", msg) }
	}
	ep, err := newEndpoint(url, httpx.Options{HTTP: cfg.HTTPClient, Timeout: cfg.RequestTimeout, RPS: rps, Burst: 1, Policy: cfg.Policy, Notify: notify})
	if err != nil {
		return nil, fmt.Errorf("%w: --rpc: %w", trace.ErrBadInput, err)
	}
	a.ep = ep
	if kind == "" {
		if kind, err = detect(ctx, ep); err != nil {
			return nil, err
		}
	}
	maxBatch := cfg.MaxBatch
	if maxBatch <= 0 {
		maxBatch = 100
		if kind == BackendBtcd {
			maxBatch = DefaultBtcdBatch
		}
	}
	switch kind {
	case BackendEsplora:
		a.backend = &esplora{ep: ep}
	case BackendBtcd:
		a.backend = &rpcBackend{c: newRPCClient(ep, "btcd", maxBatch), btcd: true}
	case BackendBitcoind:
		maxScan := cfg.MaxScanBlocks
		if maxScan == 0 {
			maxScan = DefaultMaxScanBlocks
		}
		a.backend = &rpcBackend{c: newRPCClient(ep, "bitcoind", maxBatch),
			toBlock: cfg.ToBlock, maxScan: maxScan, spentBy: map[graph.Outpoint]string{}, scanned: map[uint64]bool{}}
	}
	g, err := a.backend.genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking which network %s serves: %w", ep.base, err)
	}
	if g != nw.Genesis {
		other := "an unknown network"
		for _, o := range Networks {
			if o.Genesis == g {
				other = o.Description + " (--chain " + o.Chain + ")"
			}
		}
		return nil, fmt.Errorf("%w: %s serves %s, not %s (--chain %s)", trace.ErrBadInput, ep.base, other, nw.Description, nw.Chain)
	}
	return a, nil
}

// publicEsplora reports whether raw points at one of the public Esplora hosts
// this package knows (the Networks defaults).
func publicEsplora(raw string) bool {
	ep, err := httpx.ParseEndpoint(raw)
	if err != nil {
		return false
	}
	for _, n := range Networks {
		if n.Esplora == "" {
			continue
		}
		if nb, err := httpx.ParseEndpoint(n.Esplora); err == nil && nb.Host() == ep.Host() {
			return true
		}
	}
	return false
}

// detect tells btcd, bitcoind and Esplora apart with at most two requests.
func detect(ctx context.Context, ep *endpoint) (string, error) {
	c := newRPCClient(ep, "node", 1)
	_, err := c.call(ctx, nil, "getinfo")
	switch {
	case err == nil:
		return BackendBtcd, nil
	case errors.Is(err, trace.ErrUnsupported):
		return BackendBitcoind, nil // Core removed getinfo in 0.16
	}
	if _, e2 := ep.do(ctx, "GET", "/blocks/tip/height", nil, false); e2 == nil {
		return BackendEsplora, nil
	}
	return "", fmt.Errorf("cannot tell what %s is (tried JSON-RPC getinfo and Esplora /blocks/tip/height): %w; pass --backend", ep.base, err)
}

// Info describes the chain.
func (a *Adapter) Info() trace.ChainInfo {
	return trace.ChainInfo{Name: a.net.Chain, Family: graph.FamilyUTXO, Native: Native}
}

// Network returns the network the adapter serves.
func (a *Adapter) Network() *Network { return a.net }

// Backend names the backend in use (esplora, btcd, bitcoind).
func (a *Adapter) Backend() string { return a.backend.name() }

// Requests is the number of HTTP requests sent so far (a batch counts once).
func (a *Adapter) Requests() int64 { return a.ep.c.Requests() }

// Tip returns the height of the best block.
func (a *Adapter) Tip(ctx context.Context) (uint64, error) { return a.backend.tip(ctx) }

// NormalizeAddress validates addr for the adapter's network.
func (a *Adapter) NormalizeAddress(addr string) (string, error) { return a.net.NormalizeAddress(addr) }

// Warnings returns every warning issued so far, in order.
func (a *Adapter) Warnings() []string {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	return append([]string(nil), a.warnings...)
}

func (a *Adapter) warn(msg string) {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if a.seenWarn[msg] {
		return
	}
	a.seenWarn[msg] = true
	a.warnings = append(a.warnings, msg)
	if a.warnOut != nil {
		fmt.Fprintf(a.warnOut, "warning: %s\n", escape.Line(msg, 0)) // node text may be in it
	}
}

// Tx returns a transaction with every input's spent address and value.
func (a *Adapter) Tx(ctx context.Context, txid string) (*graph.UTXOTx, error) {
	id, err := validTxID(txid)
	if err != nil {
		return nil, err
	}
	a.completeAhead(ctx, id)
	m, err := a.load(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return clone(m[id]), nil
}

// completeAhead: a transaction fetched but not completed (a seed read with the
// tip) on btcd has its prevouts fetched in the same request as the spender
// lookups of its outputs, which the tracer asks next (issue 18: the seed's
// completion and the first hop level in one round trip). Best effort: what it
// does not settle, load and Spenders ask as before.
func (a *Adapter) completeAhead(ctx context.Context, id string) {
	b, ok := a.backend.(*rpcBackend)
	if !ok || !b.btcd {
		return
	}
	a.mu.Lock()
	r := a.raw[id]
	_, full := a.full[id]
	var prevs []string
	if r != nil && !full {
		_, dated := a.heights[r.BlockHash]
		if r.Confirmed && !dated {
			r = nil // load asks for the header with the prevouts, as before
		}
	}
	if r != nil && !full {
		for _, in := range r.Ins {
			if _, ok := a.raw[in.Prev.TxID]; !ok && !in.HasPrev {
				prevs = append(prevs, in.Prev.TxID)
			}
		}
	}
	a.mu.Unlock()
	prevs = uniq(prevs)
	if len(prevs) == 0 || r.Coinbase {
		return
	}
	tx := &graph.UTXOTx{TxID: r.TxID, Outputs: make([]graph.TxOut, len(r.Outs))}
	var ops []graph.Outpoint
	var txs []*graph.UTXOTx
	for i, o := range r.Outs {
		typ, addr, _ := classify(o.Script, a.net.Params)
		tx.Outputs[i] = graph.TxOut{Index: uint32(i), Address: addr, Value: big.NewInt(o.Value), ScriptType: typ}
		op := graph.Outpoint{TxID: r.TxID, Vout: uint32(i)}
		if _, known := a.spender(op); typ != TypeOpReturn && !known {
			ops, txs = append(ops, op), append(txs, tx)
		}
	}
	if len(ops) == 0 {
		return
	}
	calls, res := txCalls(prevs)
	ahead := &aheadCalls{calls: calls}
	got, _ := b.spenders(ctx, a, txs, ops, ahead)
	a.mu.Lock()
	for op, s := range got {
		if _, ok := a.spenders[op]; !ok {
			a.spenders[op] = s
		}
	}
	a.mu.Unlock()
	if !ahead.ok {
		return
	}
	ptx := map[string]*rawTx{}
	if b.collect(prevs, calls, res, ptx) != nil {
		return
	}
	for _, p := range ptx {
		a.addRaw(p)
	}
}

type flight struct {
	done chan struct{}
	err  error
}

// once runs fn for key unless a call for key is already running, in which case
// it waits for that one and returns its error. Callers re-read the caches after.
func (a *Adapter) once(ctx context.Context, key string, fn func() error) error {
	a.mu.Lock()
	if f, ok := a.flights[key]; ok {
		a.mu.Unlock()
		select {
		case <-f.done:
			return f.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	a.flights[key] = f
	a.mu.Unlock()
	f.err = fn()
	a.mu.Lock()
	delete(a.flights, key)
	a.mu.Unlock()
	close(f.done)
	return f.err
}

// load returns full transactions for ids (all must exist), fetching what the
// caches lack in as few round trips as the backend allows. a.mu must not be held.
func (a *Adapter) load(ctx context.Context, ids []string) (map[string]*graph.UTXOTx, error) {
	ids = uniq(ids)
	a.mu.Lock()
	var missing []string
	for _, id := range ids {
		if _, ok := a.full[id]; ok {
			continue
		}
		if _, ok := a.raw[id]; !ok {
			missing = append(missing, id)
		}
	}
	a.mu.Unlock()
	if len(missing) > 0 {
		err := a.once(ctx, "tx:"+strings.Join(missing, ","), func() error {
			got, err := a.backend.getTxs(ctx, missing)
			if err != nil {
				return err
			}
			a.mu.Lock()
			for _, r := range got {
				a.addRawLocked(r)
			}
			a.mu.Unlock()
			return nil
		})
		if err != nil {
			return nil, err
		}
		a.mu.Lock()
		for _, id := range missing {
			if _, ok := a.raw[id]; !ok {
				a.mu.Unlock()
				return nil, fmt.Errorf("%w: transaction %s is not on %s (%s)", trace.ErrNotFound, id, a.net.Description, a.backend.name())
			}
		}
		a.mu.Unlock()
	}
	a.mu.Lock()
	var prevs, hashes []string
	for _, id := range ids {
		if _, ok := a.full[id]; ok {
			continue
		}
		r := a.raw[id]
		for _, in := range r.Ins {
			if !in.HasPrev {
				if _, ok := a.raw[in.Prev.TxID]; !ok {
					prevs = append(prevs, in.Prev.TxID)
				}
			}
		}
		if r.Confirmed && r.Height == 0 {
			if _, ok := a.heights[r.BlockHash]; !ok {
				hashes = append(hashes, r.BlockHash)
			}
		}
	}
	a.mu.Unlock()
	prevs, hashes = uniq(prevs), uniq(hashes)
	if len(prevs)+len(hashes) > 0 {
		err := a.once(ctx, "complete:"+strings.Join(prevs, ",")+"|"+strings.Join(hashes, ","), func() error {
			ptx, hs, err := a.backend.complete(ctx, prevs, hashes)
			if err != nil {
				return err
			}
			a.mu.Lock()
			for _, r := range ptx {
				a.addRawLocked(r)
			}
			for h, n := range hs {
				a.heights[h] = n
			}
			a.mu.Unlock()
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]*graph.UTXOTx, len(ids))
	for _, id := range ids {
		if t, ok := a.full[id]; ok {
			out[id] = t
			continue
		}
		t, err := a.convert(a.raw[id])
		if err != nil {
			return nil, err
		}
		a.full[id] = t
		out[id] = t
	}
	return out, nil
}

// addRaw caches a transaction a backend delivered.
func (a *Adapter) addRaw(r *rawTx) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.addRawLocked(r)
}

// rawTx returns a cached transaction (nil if absent).
func (a *Adapter) rawTx(id string) *rawTx {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.raw[id]
}

func (a *Adapter) addRawLocked(r *rawTx) {
	if old, ok := a.raw[r.TxID]; ok && old.Confirmed && !r.Confirmed {
		return
	}
	if r.Confirmed && r.Height != 0 {
		a.heights[r.BlockHash] = r.Height
	}
	a.raw[r.TxID] = r
}

func (a *Adapter) convert(r *rawTx) (*graph.UTXOTx, error) {
	t := &graph.UTXOTx{Chain: a.net.Chain, TxID: r.TxID, Coinbase: r.Coinbase,
		Inputs: []graph.TxIn{}, Outputs: make([]graph.TxOut, len(r.Outs))}
	if r.Confirmed {
		h, ok := a.heights[r.BlockHash]
		if r.Height != 0 {
			h, ok = r.Height, true
		}
		if !ok {
			return nil, fmt.Errorf("%s: height of block %s unknown", a.backend.name(), r.BlockHash)
		}
		t.Block, t.BlockHash, t.Time = h, r.BlockHash, r.Time
	}
	for i, o := range r.Outs {
		typ, addr, _ := classify(o.Script, a.net.Params)
		t.Outputs[i] = graph.TxOut{Index: uint32(i), Address: addr, Value: big.NewInt(o.Value), ScriptType: typ}
		if typ == TypeOpReturn {
			t.Outputs[i].Data = opReturnData(o.Script)
		}
	}
	if r.Coinbase {
		return t, nil // a coinbase spends nothing: no inputs, fee 0
	}
	for _, in := range r.Ins {
		po := in.Prevout
		if !in.HasPrev {
			p, ok := a.raw[in.Prev.TxID]
			if !ok {
				return nil, fmt.Errorf("%w: %s spends %s, whose transaction %s cannot find", trace.ErrNotFound, r.TxID, in.Prev, a.backend.name())
			}
			if int(in.Prev.Vout) >= len(p.Outs) {
				return nil, fmt.Errorf("%s spends %s, but that transaction has %d outputs", r.TxID, in.Prev, len(p.Outs))
			}
			po = p.Outs[in.Prev.Vout]
		}
		_, addr, _ := classify(po.Script, a.net.Params)
		t.Inputs = append(t.Inputs, graph.TxIn{Prev: in.Prev, Address: addr, Value: big.NewInt(po.Value)})
	}
	return t, nil
}

// Spender returns the transaction spending op, or nil when op is unspent at
// the tip. OP_RETURN outputs are never spent.
func (a *Adapter) Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	id, err := validTxID(op.TxID)
	if err != nil {
		return nil, err
	}
	op.TxID = id
	m, err := a.load(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	tx := m[id]
	if int(op.Vout) >= len(tx.Outputs) {
		return nil, fmt.Errorf("%w: output %s does not exist: the transaction has %d outputs", trace.ErrNotFound, op, len(tx.Outputs))
	}
	if tx.Outputs[op.Vout].OpReturn() {
		return nil, nil
	}
	sp, ok := a.spender(op)
	if !ok {
		err := a.once(ctx, "spender:"+op.String(), func() error {
			if _, ok := a.spender(op); ok {
				return nil // learnt while waiting
			}
			s, err := a.backend.spender(ctx, a, tx, op.Vout)
			if err != nil {
				return err
			}
			a.mu.Lock()
			a.spenders[op] = s
			a.mu.Unlock()
			return nil
		})
		if err != nil {
			return nil, err
		}
		sp, _ = a.spender(op)
	}
	if sp == "" {
		return nil, nil
	}
	sm, err := a.load(ctx, []string{sp})
	if err != nil {
		return nil, err
	}
	return clone(sm[sp]), nil
}

func (a *Adapter) spender(op graph.Outpoint) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	sp, ok := a.spenders[op]
	return sp, ok
}

// noteSpender records that spender spends op (backends learn several at once).
func (a *Adapter) noteSpender(op graph.Outpoint, spender string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.spenders[op]; !ok {
		a.spenders[op] = spender
	}
}

// AddressTxs returns the confirmed transactions paying to or spending from
// addr up to toBlock (0: no bound), oldest first. Within a block they are in
// txid order, parents before children, so every backend gives the same order
// (Esplora's index sorts a block's history by txid, btcd by position).
func (a *Adapter) AddressTxs(ctx context.Context, addr string, toBlock uint64) ([]*graph.UTXOTx, error) {
	norm, err := a.NormalizeAddress(addr)
	if err != nil {
		return nil, err
	}
	rs, err := a.backend.addressTxs(ctx, a, norm)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rs {
		a.addRaw(r)
		if r.Confirmed {
			ids = append(ids, r.TxID)
		}
	}
	ids = uniq(ids)
	m, err := a.load(ctx, ids)
	if err != nil {
		return nil, err
	}
	var txs []*graph.UTXOTx
	for _, id := range ids {
		if t := m[id]; toBlock == 0 || t.Block <= toBlock {
			txs = append(txs, t)
		}
	}
	txs = orderTxs(txs)
	for i := range txs {
		txs[i] = clone(txs[i])
	}
	return txs, nil
}

// orderTxs sorts by block, then txid, then moves parents before children
// within a block (a block may hold a chain of spends).
func orderTxs(txs []*graph.UTXOTx) []*graph.UTXOTx {
	sort.Slice(txs, func(i, j int) bool {
		if txs[i].Block != txs[j].Block {
			return txs[i].Block < txs[j].Block
		}
		return txs[i].TxID < txs[j].TxID
	})
	var out []*graph.UTXOTx
	for i := 0; i < len(txs); {
		j := i
		for j < len(txs) && txs[j].Block == txs[i].Block {
			j++
		}
		out = append(out, topo(txs[i:j])...)
		i = j
	}
	return out
}

func topo(group []*graph.UTXOTx) []*graph.UTXOTx {
	if len(group) < 2 {
		return group
	}
	in := map[string]bool{}
	for _, t := range group {
		in[t.TxID] = true
	}
	done := map[string]bool{}
	var out []*graph.UTXOTx
	for len(out) < len(group) {
		progress := false
		for _, t := range group {
			if done[t.TxID] {
				continue
			}
			ready := true
			for _, i := range t.Inputs {
				if in[i.Prev.TxID] && !done[i.Prev.TxID] && i.Prev.TxID != t.TxID {
					ready = false
					break
				}
			}
			if ready {
				done[t.TxID] = true
				out = append(out, t)
				progress = true
				break // restart so the lowest ready txid goes first
			}
		}
		if !progress { // a cycle cannot happen on a valid chain; keep the rest as is
			for _, t := range group {
				if !done[t.TxID] {
					done[t.TxID] = true
					out = append(out, t)
				}
			}
		}
	}
	return out
}

func clone(t *graph.UTXOTx) *graph.UTXOTx {
	c := *t
	c.Inputs = make([]graph.TxIn, len(t.Inputs))
	for i, in := range t.Inputs {
		in.Value = new(big.Int).Set(in.Value)
		c.Inputs[i] = in
	}
	c.Outputs = make([]graph.TxOut, len(t.Outputs))
	for i, o := range t.Outputs {
		o.Value = new(big.Int).Set(o.Value)
		c.Outputs[i] = o
	}
	return &c
}

func uniq(s []string) []string {
	if len(s) < 2 {
		return s
	}
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
