package bitcoin

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
)

var _ trace.SpenderBatcher = (*Adapter)(nil)

// spenderBatcher is implemented by backends that find many spenders in one
// round trip (btcd: gettxout and the first address-history page of every
// output in one JSON-RPC batch). Backends without it are asked one output at a
// time, concurrently (Esplora: a REST fan-out).
type spenderBatcher interface {
	spenders(ctx context.Context, a *Adapter, txs []*graph.UTXOTx, ops []graph.Outpoint, ahead *aheadCalls) (map[graph.Outpoint]string, map[graph.Outpoint]error)
}

// aheadCalls are calls a spenders batch carries for its caller (a seed's
// prevouts), speculatively: nothing is asked singly after it, and a failure
// leaves every question to the tracer's own lookups.
type aheadCalls struct {
	calls []*rpcCall
	ok    bool // the calls were answered (each call's Err says how)
}

// fanOut bounds the concurrent single lookups of Spenders on backends that
// cannot batch them.
const fanOut = 8

// Spenders answers Spender for many outputs at once: the frontier's outputs'
// spenders in one round trip where the backend allows it, then every spending
// transaction (with its prevouts) in one more only when the caches lack them.
func (a *Adapter) Spenders(ctx context.Context, ops []graph.Outpoint) []trace.SpenderResult {
	out := make([]trace.SpenderResult, len(ops))
	norm := make([]graph.Outpoint, len(ops))
	var ids []string
	for i, op := range ops {
		id, err := validTxID(op.TxID)
		if err != nil {
			out[i].Err = err
			continue
		}
		norm[i] = graph.Outpoint{TxID: id, Vout: op.Vout}
		ids = append(ids, id)
	}
	txs, err := a.load(ctx, ids)
	if errors.Is(err, trace.ErrNotFound) && len(uniq(ids)) > 1 {
		// An unknown transaction is that item's answer (as Spender gives it),
		// not the batch's: the others are loaded (from the cache, mostly) one
		// by one.
		txs, err = map[string]*graph.UTXOTx{}, nil
		for i, op := range norm {
			if out[i].Err != nil {
				continue
			}
			got, lerr := a.load(ctx, []string{op.TxID})
			if lerr != nil && !errors.Is(lerr, trace.ErrNotFound) {
				err = lerr
				break
			}
			if lerr != nil {
				out[i].Err = lerr
				continue
			}
			txs[op.TxID] = got[op.TxID]
		}
	}
	if err != nil {
		for i := range out {
			if out[i].Err == nil {
				out[i].Err = err
			}
		}
		return out
	}
	var ask []graph.Outpoint
	var askTx []*graph.UTXOTx
	asked := map[graph.Outpoint]bool{}
	for i, op := range norm {
		if out[i].Err != nil {
			continue
		}
		tx := txs[op.TxID]
		if int(op.Vout) >= len(tx.Outputs) {
			out[i].Err = fmt.Errorf("%w: output %s does not exist: the transaction has %d outputs", trace.ErrNotFound, op, len(tx.Outputs))
			continue
		}
		if tx.Outputs[op.Vout].OpReturn() {
			continue
		}
		if _, ok := a.spender(op); !ok && !asked[op] {
			asked[op] = true
			ask = append(ask, op)
			askTx = append(askTx, tx)
		}
	}
	errs := map[graph.Outpoint]error{}
	if bs, ok := a.backend.(spenderBatcher); ok && len(ask) > 0 {
		got, e := bs.spenders(ctx, a, askTx, ask, nil)
		a.mu.Lock()
		for op, s := range got {
			if _, ok := a.spenders[op]; !ok {
				a.spenders[op] = s
			}
		}
		a.mu.Unlock()
		errs = e
	} else if len(ask) > 0 {
		var mu sync.Mutex
		sem := make(chan struct{}, fanOut)
		var wg sync.WaitGroup
		for _, op := range ask {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				// Spender fills the spender cache; its transaction is loaded below.
				if _, err := a.Spender(ctx, op); err != nil {
					mu.Lock()
					errs[op] = err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	var spIDs []string
	for i, op := range norm {
		if out[i].Err != nil {
			continue
		}
		if err := errs[op]; err != nil {
			out[i].Err = err
			continue
		}
		if sp, _ := a.spender(op); sp != "" {
			spIDs = append(spIDs, sp)
		}
	}
	sm, err := a.load(ctx, spIDs)
	for i, op := range norm {
		if out[i].Err != nil || txs[op.TxID] == nil || int(op.Vout) >= len(txs[op.TxID].Outputs) || txs[op.TxID].Outputs[op.Vout].OpReturn() {
			continue
		}
		sp, ok := a.spender(op)
		switch {
		case !ok:
			out[i].Err = fmt.Errorf("spender of %s: not answered", op)
		case sp == "":
		case err != nil:
			out[i].Err = err
		default:
			out[i].Tx = clone(sm[sp])
		}
	}
	return out
}

// spenders is the btcd frontier lookup: one batch (split into chunks of
// maxBatch sent at once) with gettxout of every output not yet known and the
// first searchrawtransactions page of every output's address. Each chunk
// brackets its searches with getblockcount, so the confirmations of each answer
// give its block's height without a getblockheader per block when the tip did
// not move in between. What the batch cannot settle (a spent output whose
// spender is not on the first page, a non-standard script) goes the single way.
//
// With ahead, the batch also carries ahead.calls, and nothing is asked singly:
// an output the batch does not settle is left unanswered (and a header that
// does not fit is left to the next batch, which reports it).
func (b *rpcBackend) spenders(ctx context.Context, a *Adapter, txs []*graph.UTXOTx, ops []graph.Outpoint, ahead *aheadCalls) (map[graph.Outpoint]string, map[graph.Outpoint]error) {
	got := map[graph.Outpoint]string{}
	errs := map[graph.Outpoint]error{}
	single := func(i int) {
		if ahead != nil {
			return
		}
		s, err := b.spender(ctx, a, txs[i], ops[i].Vout)
		if err != nil {
			errs[ops[i]] = err
		} else {
			got[ops[i]] = s
		}
	}
	if !b.btcd || b.c.r.BatchSize() < 3 {
		if ahead != nil {
			return got, errs
		}
		for i := range ops {
			single(i)
		}
		return got, errs
	}
	type search struct {
		addr string
		rc   *rpcCall
		page []*nodeTx
	}
	var calls []*rpcCall
	var gtoOps []graph.Outpoint
	var gto []*rpcCall
	b.umu.Lock()
	if b.unspent == nil {
		b.unspent = map[graph.Outpoint]bool{}
	}
	seenOut := map[string]bool{}
	for i, op := range ops {
		if _, ok := b.unspent[op]; !ok {
			// As unspentCalls: an output just like one already asked gets no check,
			// so the transport never puts the two in one batch.
			o := txs[i].Outputs[op.Vout]
			script := a.rawTx(txs[i].TxID).Outs[op.Vout].Script
			var check func(json.RawMessage) error
			if key := fmt.Sprintf("%s/%x", o.Value, script); !seenOut[key] {
				seenOut[key] = true
				check = outCheck(o.Value, script)
			}
			rc := &rpcCall{Method: "gettxout", Params: []any{op.TxID, op.Vout, true}, Check: check}
			gto, gtoOps = append(gto, rc), append(gtoOps, op)
		}
	}
	// The headers of the blocks the last frontier dated by confirmations: no
	// round trip of their own.
	type hdrCheck struct {
		hash   string
		height uint64
		rc     *rpcCall
		res    *headerResult
	}
	var hdrs []*hdrCheck
	for h, n := range b.unchecked {
		hc := &hdrCheck{hash: h, height: n, res: &headerResult{}}
		hc.rc = &rpcCall{Method: "getblockheader", Params: []any{h, true}, Result: hc.res, Check: headerCheck(h)}
		hdrs = append(hdrs, hc)
	}
	b.unchecked = nil
	b.umu.Unlock()
	sort.Slice(hdrs, func(i, j int) bool { return hdrs[i].hash < hdrs[j].hash })
	if ahead != nil {
		calls = append(calls, ahead.calls...)
	}
	for _, hc := range hdrs {
		calls = append(calls, hc.rc)
	}
	calls = append(calls, gto...)
	var searches []*search
	byAddr := map[string]*search{}
	for i, op := range ops {
		_, _, addr := classify(a.rawTx(txs[i].TxID).Outs[op.Vout].Script, a.net.Params)
		if addr == "" || byAddr[addr] != nil {
			continue
		}
		s := &search{addr: addr}
		s.rc = searchCall(addr, 0, &s.page)
		s.rc.Check = searchCheck(addr, a.net.Params)
		byAddr[addr] = s
		searches = append(searches, s)
		calls = append(calls, s.rc)
	}
	// Chunks of at most maxBatch calls, each with a getblockcount before and after.
	per := b.c.r.BatchSize() - 2
	type chunk struct {
		calls  []*rpcCall
		before uint64
		after  uint64
		err    error
	}
	var chunks []*chunk
	for lo := 0; lo < len(calls); lo += per {
		hi := min(lo+per, len(calls))
		c := &chunk{}
		// Both counts are checked here (equal, or the heights are not used).
		c.calls = append(c.calls, &rpcCall{Method: "getblockcount", Result: &c.before, Check: httpx.CallerChecks})
		c.calls = append(c.calls, calls[lo:hi]...)
		c.calls = append(c.calls, &rpcCall{Method: "getblockcount", Result: &c.after, Check: httpx.CallerChecks})
		chunks = append(chunks, c)
	}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.err = b.c.batch(ctx, c.calls)
		}()
	}
	wg.Wait()
	failed := map[*rpcCall]error{}
	for _, c := range chunks {
		if c.err != nil {
			for _, rc := range c.calls {
				failed[rc] = c.err
			}
			continue
		}
	}
	if ahead != nil {
		ahead.ok = true
		for _, rc := range ahead.calls {
			if failed[rc] != nil {
				ahead.ok = false
			}
		}
	}
	for _, hc := range hdrs {
		err := failed[hc.rc]
		switch {
		case err != nil:
		case hc.rc.Err != nil:
			err = hc.rc.Err
		case hc.rc.Null:
			err = fmt.Errorf("%s has no header for block %s", b.c.name, hc.hash)
		case hc.res.Height != hc.height:
			err = fmt.Errorf("%s: block %s is at height %d by its header but %d by the confirmations of its transactions (the tip moved in a batch?); ask again later or use another --rpc", b.c.name, hc.hash, hc.res.Height, hc.height)
		}
		if err != nil && ahead != nil {
			// Ahead of the tracer: the headers wait for its own batch, which
			// reports the fault; nothing of this one is kept.
			b.umu.Lock()
			if b.unchecked == nil {
				b.unchecked = map[string]uint64{}
			}
			for _, hc := range hdrs {
				b.unchecked[hc.hash] = hc.height
			}
			b.umu.Unlock()
			ahead.ok = false
			return got, errs
		}
		if err != nil {
			// A block the trace already dated does not fit the chain: nothing
			// built on this frontier can be trusted.
			for _, op := range ops {
				errs[op] = err
			}
			return got, errs
		}
	}
	for _, c := range chunks {
		if c.err != nil {
			continue
		}
		first, last := c.calls[0], c.calls[len(c.calls)-1]
		if first.Err != nil || last.Err != nil || c.before != c.after {
			continue // the tip moved (or is unknown): heights come from headers
		}
		for _, rc := range c.calls[1 : len(c.calls)-1] {
			if rc.Method != "searchrawtransactions" || rc.Err != nil {
				continue
			}
			for _, n := range *(rc.Result.(*[]*nodeTx)) {
				if n.BlockHash != "" && n.Confirmations > 0 && n.Confirmations <= c.before+1 {
					// A height that does not fit the chain read so far is not used:
					// the header is then asked, and its check reports the fault.
					h := c.before - n.Confirmations + 1
					if b.c.view == nil || b.c.view.Observe(h, n.BlockHash, "") == nil {
						if a.noteHeight(n.BlockHash, h) {
							b.umu.Lock()
							if b.unchecked == nil {
								b.unchecked = map[string]uint64{}
							}
							b.unchecked[n.BlockHash] = h
							b.umu.Unlock()
						}
					}
				}
			}
		}
	}
	b.umu.Lock()
	for i, rc := range gto {
		if failed[rc] == nil && rc.Err == nil {
			b.unspent[gtoOps[i]] = !rc.Null
		}
	}
	b.umu.Unlock()
	for _, s := range searches {
		if failed[s.rc] != nil {
			continue
		}
		// Feeds every transaction of the page to the caches (and their inputs to
		// the spender index); errors are left to the single path below.
		b.takePage(a, s.addr, s.rc, s.page, func(*rawTx) bool { return false })
	}
	for i, op := range ops {
		if sp, ok := a.spender(op); ok {
			got[op] = sp
			continue
		}
		if u, ok := b.isUnspent(op); ok && u {
			got[op] = ""
			continue
		}
		single(i)
	}
	return got, errs
}

// noteHeight records a block's height learnt from an answer's confirmations,
// reporting whether it was new.
func (a *Adapter) noteHeight(hash string, h uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.heights[hash]; !ok {
		a.heights[hash] = h
		return true
	}
	return false
}

// searchCheck ties a searchrawtransactions page to its address: every
// transaction decodes to its txid, and a non-empty first page (oldest first)
// holds a transaction paying the address, since an address's history starts
// with what it received.
func searchCheck(addr string, params *chaincfg.Params) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var page []nodeTx
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		pays := len(page) == 0
		for _, n := range page {
			b, err := hex.DecodeString(n.Hex)
			var msg wire.MsgTx
			if err == nil {
				err = msg.Deserialize(bytes.NewReader(b))
			}
			if err != nil {
				return fmt.Errorf("transaction hex does not decode: %w", err)
			}
			if n.TxID != "" && msg.TxHash().String() != n.TxID {
				return fmt.Errorf("transaction %s answered as %s", msg.TxHash(), n.TxID)
			}
			for _, o := range msg.TxOut {
				if _, _, a := classify(o.PkScript, params); a == addr {
					pays = true
				}
			}
		}
		if !pays {
			return fmt.Errorf("no transaction on the page pays %s: not its history", addr)
		}
		return nil
	}
}

var _ trace.TipSeeder = (*Adapter)(nil)

// TipWithTxs reads the tip and fetches the seed transactions txids in one
// request on a JSON-RPC node (getblockcount, getrawtransaction of each,
// getblockcount), other backends in two requests at once. On btcd the seed
// blocks' heights come from the answers' confirmations when the two counts
// agree, their headers checked with the first frontier (as spenders does), so
// the seed costs no getblockheader round trip. The transactions' own errors are
// left to the trace's calls, which ask again.
func (a *Adapter) TipWithTxs(ctx context.Context, txids []string) (uint64, error) {
	var ids []string
	for _, t := range txids {
		if id, err := validTxID(t); err == nil && a.rawTx(id) == nil {
			ids = append(ids, id)
		}
	}
	ids = uniq(ids)
	b, ok := a.backend.(*rpcBackend)
	if !ok || len(ids) == 0 || b.c.r.BatchSize() < len(ids)+2 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if len(ids) > 0 {
				a.load(ctx, ids) //nolint:errcheck // left to the trace's own calls
			}
		}()
		tip, err := a.Tip(ctx)
		<-done
		return tip, err
	}
	var before, after uint64
	calls, res := txCalls(ids)
	first := &rpcCall{Method: "getblockcount", Result: &before, Check: httpx.CallerChecks}
	last := &rpcCall{Method: "getblockcount", Result: &after, Check: httpx.CallerChecks}
	all := append(append([]*rpcCall{first}, calls...), last)
	if err := b.c.batch(ctx, all); err != nil {
		return 0, err
	}
	switch {
	case last.Err != nil:
		return 0, last.Err
	case first.Err != nil:
		return 0, first.Err
	}
	got := map[string]*rawTx{}
	if b.collect(ids, calls, res, got) != nil {
		return after, nil // the trace's own Tx reports it
	}
	for i, id := range ids {
		r := got[id]
		if r == nil {
			continue
		}
		a.addRaw(r)
		n := res[i]
		if !b.btcd || before != after || n.BlockHash == "" || n.Confirmations == 0 || n.Confirmations > before+1 {
			continue // the height comes from the block's header, as before
		}
		h := before - n.Confirmations + 1
		if b.c.view != nil && b.c.view.Observe(h, n.BlockHash, "") != nil {
			continue // does not fit the chain read so far: the header is asked and reports it
		}
		if a.noteHeight(n.BlockHash, h) {
			b.umu.Lock()
			if b.unchecked == nil {
				b.unchecked = map[string]uint64{}
			}
			b.unchecked[n.BlockHash] = h
			b.umu.Unlock()
		}
	}
	return after, nil
}
