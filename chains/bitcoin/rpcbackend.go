package bitcoin

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// rpcBackend serves btcd (--txindex --addrindex) and Bitcoin Core (txindex=1).
// Both answer getrawtransaction with the raw hex, which is decoded here: amounts
// come out as exact satoshis, never via the float BTC values of the verbose JSON.
type rpcBackend struct {
	c    *rpcClient
	btcd bool

	umu     sync.Mutex
	unspent map[graph.Outpoint]bool // gettxout answers, per output
	// unchecked holds the blocks whose heights came from a batched search's
	// confirmations (hash → height): their headers ride with the next
	// frontier's batch, so a block from another fork (a parent that does not
	// fit the chain read so far) still fails the trace.
	unchecked map[string]uint64

	smu sync.Mutex // serialises bitcoind scans (and guards spentBy, scanned)

	// bitcoind's forward scan
	toBlock uint64
	maxScan uint64
	spentBy map[graph.Outpoint]string
	scanned map[uint64]bool
}

// searchPage is how many transactions one searchrawtransactions call returns.
var searchPage = 100 // a variable so tests can force paging

// maxAddressTxs bounds an address history: beyond it the address is a service
// that no seed should start from.
const maxAddressTxs = 10000

func (b *rpcBackend) name() string { return b.c.name }

// nodeTx is the part of a verbose getrawtransaction/searchrawtransactions
// answer the adapter needs.
type nodeTx struct {
	Hex       string `json:"hex"`
	TxID      string `json:"txid"`
	BlockHash string `json:"blockhash"`
	BlockTime int64  `json:"blocktime"`
	// Confirmations with the tip give the block's height (see spenders).
	Confirmations uint64 `json:"confirmations"`
}

func (b *rpcBackend) decode(n *nodeTx) (*rawTx, error) {
	raw, err := hex.DecodeString(n.Hex)
	if err != nil {
		return nil, fmt.Errorf("%s returned transaction %s with bad hex: %w", b.c.name, n.TxID, err)
	}
	var msg wire.MsgTx
	if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("%s returned transaction %s that does not decode: %w", b.c.name, n.TxID, err)
	}
	r := fromMsgTx(&msg)
	if n.TxID != "" && r.TxID != n.TxID {
		return nil, fmt.Errorf("%s returned transaction %s for txid %s", b.c.name, r.TxID, n.TxID)
	}
	for i, o := range msg.TxOut {
		if !validSats(o.Value) {
			return nil, fmt.Errorf("%s returned transaction %s whose output %d holds %d sat, outside 0…21,000,000 BTC (not a valid transaction)", b.c.name, r.TxID, i, o.Value)
		}
	}
	if n.BlockHash != "" {
		r.Confirmed, r.BlockHash, r.Time = true, n.BlockHash, n.BlockTime
	}
	return r, nil
}

func fromMsgTx(msg *wire.MsgTx) *rawTx {
	r := &rawTx{TxID: msg.TxHash().String(), Coinbase: blockchain.IsCoinBaseTx(msg)}
	if !r.Coinbase {
		for _, in := range msg.TxIn {
			r.Ins = append(r.Ins, rawIn{Prev: graph.Outpoint{TxID: in.PreviousOutPoint.Hash.String(), Vout: in.PreviousOutPoint.Index}})
		}
	}
	for _, o := range msg.TxOut {
		r.Outs = append(r.Outs, rawOut{Script: o.PkScript, Value: o.Value})
	}
	return r
}

func (b *rpcBackend) genesis(ctx context.Context) (string, error) {
	var h string
	_, err := b.c.call(ctx, &h, "getblockhash", 0)
	return h, err
}

func (b *rpcBackend) tip(ctx context.Context) (uint64, error) {
	var n uint64
	_, err := b.c.call(ctx, &n, "getblockcount")
	return n, err
}

// txCalls appends a verbose getrawtransaction per id (verbose is an integer:
// btcd rejects true, Core accepts both).
func txCalls(ids []string) ([]*rpcCall, []*nodeTx) {
	calls := make([]*rpcCall, len(ids))
	res := make([]*nodeTx, len(ids))
	for i, id := range ids {
		res[i] = &nodeTx{}
		calls[i] = &rpcCall{Method: "getrawtransaction", Params: []any{id, 1}, Result: res[i], Check: txidCheck(id)}
	}
	return calls, res
}

func (b *rpcBackend) collect(ids []string, calls []*rpcCall, res []*nodeTx, out map[string]*rawTx) error {
	for i, rc := range calls {
		if rc.Err != nil {
			if strings.Contains(strings.ToLower(rc.Err.Error()), "txindex") {
				// btcd: "The transaction index must be enabled … (specify --txindex)";
				// Core: "No such mempool transaction. Use -txindex …".
				return fmt.Errorf("%w: %s runs without a transaction index, so it cannot look transactions up: restart it with --txindex (btcd) or txindex=1 (bitcoind)",
					trace.ErrUnsupported, b.c.name)
			}
			if errors.Is(rc.Err, trace.ErrNotFound) {
				continue
			}
			return rc.Err
		}
		if rc.Null {
			continue
		}
		r, err := b.decode(res[i])
		if err != nil {
			return err
		}
		if r.TxID != ids[i] {
			return fmt.Errorf("%s returned transaction %s when asked for %s", b.c.name, r.TxID, ids[i])
		}
		out[r.TxID] = r
	}
	return nil
}

func (b *rpcBackend) getTxs(ctx context.Context, ids []string) (map[string]*rawTx, error) {
	calls, res := txCalls(ids)
	if err := b.c.batch(ctx, calls); err != nil {
		return nil, err
	}
	out := map[string]*rawTx{}
	return out, b.collect(ids, calls, res, out)
}

type headerResult struct {
	Hash   string `json:"hash"`
	Height uint64 `json:"height"`
}

func (b *rpcBackend) complete(ctx context.Context, prevIDs, hashes []string) (map[string]*rawTx, map[string]uint64, error) {
	calls, res := txCalls(prevIDs)
	hdrs := make([]*headerResult, len(hashes))
	for i, h := range hashes {
		hdrs[i] = &headerResult{}
		calls = append(calls, &rpcCall{Method: "getblockheader", Params: []any{h, true}, Result: hdrs[i], Check: headerCheck(h)})
	}
	if err := b.c.batch(ctx, calls); err != nil {
		return nil, nil, err
	}
	txs := map[string]*rawTx{}
	if err := b.collect(prevIDs, calls[:len(prevIDs)], res, txs); err != nil {
		return nil, nil, err
	}
	heights := map[string]uint64{}
	for i, rc := range calls[len(prevIDs):] {
		if rc.Err != nil {
			return nil, nil, rc.Err
		}
		if rc.Null || hdrs[i].Hash != hashes[i] {
			return nil, nil, fmt.Errorf("%s has no header for block %s", b.c.name, hashes[i])
		}
		heights[hashes[i]] = hdrs[i].Height
	}
	return txs, heights, nil
}

// unspentCalls returns gettxout calls for every output of tx whose state is not
// cached (a tracer follows all outputs of a tainted transaction, so one batch
// saves a round trip per output), and a function that records the answers.
func (b *rpcBackend) unspentCalls(tx *graph.UTXOTx, raw *rawTx) ([]*rpcCall, func() error) {
	b.umu.Lock()
	defer b.umu.Unlock()
	if b.unspent == nil {
		b.unspent = map[graph.Outpoint]bool{}
	}
	var calls []*rpcCall
	var ops []graph.Outpoint
	seen := map[string]bool{}
	for _, o := range tx.Outputs {
		p := graph.Outpoint{TxID: tx.TxID, Vout: o.Index}
		if _, ok := b.unspent[p]; ok || o.OpReturn() {
			continue
		}
		ops = append(ops, p)
		var script []byte
		if raw != nil && int(o.Index) < len(raw.Outs) {
			script = raw.Outs[o.Index].Script
		}
		key := fmt.Sprintf("%s/%x", o.Value, script)
		var check func(json.RawMessage) error
		if !seen[key] { // a second output just like it gets no check, so never shares a batch with the first
			seen[key] = true
			check = outCheck(o.Value, script)
		}
		calls = append(calls, &rpcCall{Method: "gettxout", Params: []any{tx.TxID, o.Index, true}, Check: check})
	}
	return calls, func() error {
		b.umu.Lock()
		defer b.umu.Unlock()
		for i, rc := range calls {
			if rc.Err != nil {
				return rc.Err
			}
			b.unspent[ops[i]] = !rc.Null
		}
		return nil
	}
}

// isUnspent returns the cached gettxout answer for op.
func (b *rpcBackend) isUnspent(op graph.Outpoint) (unspent, known bool) {
	b.umu.Lock()
	defer b.umu.Unlock()
	unspent, known = b.unspent[op]
	return
}

func (b *rpcBackend) spender(ctx context.Context, a *Adapter, tx *graph.UTXOTx, vout uint32) (string, error) {
	op := graph.Outpoint{TxID: tx.TxID, Vout: vout}
	if !b.btcd {
		if _, ok := b.isUnspent(op); !ok {
			calls, record := b.unspentCalls(tx, a.rawTx(tx.TxID))
			if err := b.c.batch(ctx, calls); err != nil {
				return "", err
			}
			if err := record(); err != nil {
				return "", err
			}
		}
		if u, _ := b.isUnspent(op); u {
			return "", nil
		}
		return b.scanForSpender(ctx, a, tx, op)
	}
	_, _, searchAddr := classify(a.rawTx(tx.TxID).Outs[vout].Script, a.net.Params)
	found := ""
	match := func(r *rawTx) bool {
		for _, in := range r.Ins {
			if in.Prev == op {
				found = r.TxID
				return true
			}
		}
		return false
	}
	// One batch: gettxout for the transaction's outputs (unless known) and the
	// first page of the output's address history. btcd's gettxout only sees
	// the chain's UTXO set (a spend still in the mempool leaves it "unspent"),
	// while searchrawtransactions also lists mempool transactions, so the page
	// is read even when gettxout says unspent. Most outputs a trace follows are
	// spent, and their spender is on that page: one round trip per hop.
	var calls []*rpcCall
	record := func() error { return nil }
	if _, ok := b.isUnspent(op); !ok {
		calls, record = b.unspentCalls(tx, a.rawTx(tx.TxID))
	}
	var page []*nodeTx
	var search *rpcCall
	if searchAddr != "" {
		search = searchCall(searchAddr, 0, &page)
		calls = append(calls, search)
	}
	if err := b.c.batch(ctx, calls); err != nil {
		return "", err
	}
	if err := record(); err != nil { // record reads only its gettxout calls
		return "", err
	}
	done := true
	if search != nil {
		var err error
		if done, err = b.takePage(a, searchAddr, search, page, match); err != nil {
			return "", err
		}
	}
	unspent, _ := b.isUnspent(op)
	switch {
	case found != "":
		return found, nil
	case unspent:
		// Unspent in the chain and no mempool spender on the first page (a
		// mempool spend of a busy address's output beyond it goes unseen).
		return "", nil
	case searchAddr == "":
		return "", fmt.Errorf("%w: output %s has a non-standard script that btcd's address index does not cover, so its spender cannot be found",
			trace.ErrUnsupported, op)
	}
	if !done {
		if err := b.search(ctx, a, searchAddr, searchPage, match); err != nil {
			return "", err
		}
	}
	if found == "" {
		return "", fmt.Errorf("btcd says %s is spent, but searchrawtransactions %s shows no spender (is btcd's address index complete?)", op, searchAddr)
	}
	return found, nil
}

// searchCall is one page of searchrawtransactions: address, verbose, skip,
// count, vinextra, reverse. vinextra stays 0: prevouts come exactly from the
// previous transactions' hex (cached), not from the float values vinextra prints.
func searchCall(addr string, skip int, page *[]*nodeTx) *rpcCall {
	return &rpcCall{Method: "searchrawtransactions", Params: []any{addr, 1, skip, searchPage, 0, false}, Result: page}
}

// takePage feeds one search page to the caches and to visit; done reports
// that the history ended or visit was satisfied.
func (b *rpcBackend) takePage(a *Adapter, addr string, rc *rpcCall, page []*nodeTx, visit func(*rawTx) bool) (done bool, err error) {
	if errors.Is(rc.Err, trace.ErrNotFound) { // "No information available about address": no (more) history
		return true, nil
	}
	if rc.Err != nil {
		var re *RPCError
		if errors.As(rc.Err, &re) && re.Code == -1 {
			return true, fmt.Errorf("%w: %w: start btcd with --addrindex (and --txindex)", trace.ErrUnsupported, rc.Err)
		}
		return true, rc.Err
	}
	for _, n := range page {
		r, err := b.decode(n)
		if err != nil {
			return true, err
		}
		a.addRaw(r)
		for _, in := range r.Ins {
			a.noteSpender(in.Prev, r.TxID)
		}
		if visit(r) {
			return true, nil
		}
	}
	return len(page) < searchPage, nil
}

// search pages through searchrawtransactions for addr from skip, oldest
// first, feeding every transaction to the caches and to visit until visit
// returns true.
func (b *rpcBackend) search(ctx context.Context, a *Adapter, addr string, skip int, visit func(*rawTx) bool) error {
	for ; ; skip += searchPage {
		if skip >= maxAddressTxs {
			return fmt.Errorf("%w: address %s has more than %d transactions; it is a service, not a wallet to follow", trace.ErrUnsupported, addr, maxAddressTxs)
		}
		var page []*nodeTx
		rc := searchCall(addr, skip, &page)
		if err := b.c.batch(ctx, []*rpcCall{rc}); err != nil {
			return err
		}
		done, err := b.takePage(a, addr, rc, page, visit)
		if err != nil || done {
			return err
		}
	}
}

func (b *rpcBackend) addressTxs(ctx context.Context, a *Adapter, addr string) ([]*rawTx, error) {
	if !b.btcd {
		return nil, fmt.Errorf("%w: Bitcoin Core has no address index: seed with a txid or txid:vout, or use --backend esplora or btcd for address seeds", trace.ErrUnsupported)
	}
	var out []*rawTx
	err := b.search(ctx, a, addr, 0, func(r *rawTx) bool { out = append(out, r); return false })
	return out, err
}

// scanBatch is how many blocks one round trip of the bitcoind scan fetches.
const scanBatch = 10

// scanForSpender reads blocks forward from the output's block (Core has no
// spent index), indexing every input it sees so later lookups reuse the scan.
func (b *rpcBackend) scanForSpender(ctx context.Context, a *Adapter, tx *graph.UTXOTx, op graph.Outpoint) (string, error) {
	b.smu.Lock()
	defer b.smu.Unlock()
	if sp, ok := b.spentBy[op]; ok {
		return sp, nil
	}
	if !tx.Confirmed() {
		return "", fmt.Errorf("%w: %s is in the mempool; bitcoind's block scan cannot find its spender", trace.ErrUnsupported, op)
	}
	end := b.toBlock
	tip, err := b.tip(ctx)
	if err != nil {
		return "", err
	}
	if end == 0 || end > tip {
		end = tip
	}
	a.warn("bitcoind has no spent index: spenders are found by scanning blocks forward (bounded by --to-block and the scan limit); an Esplora or btcd backend is much faster")
	start := tx.Block
	if end-start+1 > b.maxScan {
		end = start + b.maxScan - 1
		a.warn(fmt.Sprintf("bitcoind spender scan for %s stopped after %d blocks (at %d): outputs not spent by then are reported unspent", op, b.maxScan, end))
	}
	for h := start; h <= end; {
		var heights []uint64
		for ; h <= end && len(heights) < scanBatch; h++ {
			if !b.scanned[h] {
				heights = append(heights, h)
			}
		}
		if len(heights) == 0 {
			continue
		}
		hashCalls := make([]*rpcCall, len(heights))
		hashes := make([]string, len(heights))
		for i, hh := range heights {
			hashCalls[i] = &rpcCall{Method: "getblockhash", Params: []any{hh}, Result: &hashes[i]}
		}
		if err := b.c.batch(ctx, hashCalls); err != nil {
			return "", err
		}
		blkCalls := make([]*rpcCall, len(heights))
		hexes := make([]string, len(heights))
		for i := range heights {
			if hashCalls[i].Err != nil {
				return "", hashCalls[i].Err
			}
			blkCalls[i] = &rpcCall{Method: "getblock", Params: []any{hashes[i], 0}, Result: &hexes[i], Check: blockHexCheck(hashes[i])}
		}
		if err := b.c.batch(ctx, blkCalls); err != nil {
			return "", err
		}
		for i, hh := range heights {
			if blkCalls[i].Err != nil {
				return "", blkCalls[i].Err
			}
			raw, err := hex.DecodeString(hexes[i])
			var blk wire.MsgBlock
			if err == nil {
				err = blk.Deserialize(bytes.NewReader(raw))
			}
			if err != nil {
				return "", fmt.Errorf("bitcoind block %d does not decode: %w", hh, err)
			}
			// getblockhash's answer is a bare hash: whether it is block hh
			// of the chain read so far shows only in how it links to its
			// neighbours.
			if err := b.c.view.Observe(hh, hashes[i], blk.Header.PrevBlock.String()); err != nil {
				return "", fmt.Errorf("bitcoind: %w; ask again later or use another --rpc", err)
			}
			for _, m := range blk.Transactions {
				r := fromMsgTx(m)
				r.Confirmed, r.Height, r.BlockHash, r.Time = true, hh, hashes[i], blk.Header.Timestamp.Unix()
				for _, in := range r.Ins {
					if _, ok := b.spentBy[in.Prev]; !ok {
						b.spentBy[in.Prev] = r.TxID
					}
					if in.Prev == op {
						a.addRaw(r)
					}
				}
			}
			b.scanned[hh] = true
		}
		if sp, ok := b.spentBy[op]; ok {
			return sp, nil
		}
	}
	if sp, ok := b.spentBy[op]; ok {
		return sp, nil
	}
	a.warn(fmt.Sprintf("bitcoind: no spender of %s in blocks %d–%d; reported as unspent at block %d", op, start, end, end))
	return "", nil
}

// txidCheck: the raw hex returned hashes to the txid asked for.
func txidCheck(id string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var n nodeTx
		if err := json.Unmarshal(raw, &n); err != nil {
			return err
		}
		b, err := hex.DecodeString(n.Hex)
		var msg wire.MsgTx
		if err == nil {
			err = msg.Deserialize(bytes.NewReader(b))
		}
		if err != nil {
			return fmt.Errorf("transaction hex does not decode: %w", err)
		}
		if got := msg.TxHash().String(); got != id {
			return fmt.Errorf("transaction %s answered for %s", got, id)
		}
		return nil
	}
}

// headerCheck: the header returned is the block asked for.
func headerCheck(hash string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var h headerResult
		if err := json.Unmarshal(raw, &h); err != nil {
			return err
		}
		if h.Hash != hash {
			return fmt.Errorf("header of %s answered for %s", h.Hash, hash)
		}
		return nil
	}
}

// blockHexCheck: the raw block's header hashes to the block asked for.
func blockHexCheck(hash string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) < 80 {
			return fmt.Errorf("block hex does not decode")
		}
		var h wire.BlockHeader
		if err := h.Deserialize(bytes.NewReader(b[:80])); err != nil {
			return err
		}
		if got := h.BlockHash().String(); got != hash {
			return fmt.Errorf("block %s answered for %s", got, hash)
		}
		return nil
	}
}

// outCheck: an unspent output's answer has the output's value (exactly, from
// the decimal BTC amount) and, when known, its script. A null (spent) answer
// carries nothing to check.
func outCheck(value *big.Int, script []byte) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var o struct {
			Value        json.Number `json:"value"`
			ScriptPubKey struct {
				Hex string `json:"hex"`
			} `json:"scriptPubKey"`
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&o); err != nil {
			return err
		}
		r, ok := new(big.Rat).SetString(string(o.Value))
		if !ok {
			return fmt.Errorf("output value %q is not a number", o.Value)
		}
		r.Mul(r, big.NewRat(100_000_000, 1))
		if !r.IsInt() || r.Num().Cmp(value) != 0 {
			return fmt.Errorf("an output of %s BTC answered for one of %s sat", o.Value, value)
		}
		if script != nil && !strings.EqualFold(o.ScriptPubKey.Hex, hex.EncodeToString(script)) {
			return fmt.Errorf("an output with another script answered")
		}
		return nil
	}
}
