package casestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

type mode int

const (
	// modeCase answers from the case first and, with a live source, fetches and
	// stores what is missing (recording is a case that starts empty).
	modeCase mode = iota
	// modeCache answers finalised calls from the store and stores finalised answers.
	modeCache
)

// envelope is the stored form of one answer: a value, or an error the source
// returned that is a property of the chain (not found, reverted, unsupported, bad
// input) rather than of the moment (a timeout), which is never stored.
type envelope struct {
	V   json.RawMessage `json:"v,omitempty"`
	Err string          `json:"err,omitempty"`
	Msg string          `json:"msg,omitempty"`
}

var errClasses = []struct {
	name string
	err  error
}{
	{"not_found", trace.ErrNotFound},
	{"reverted", trace.ErrReverted},
	{"unsupported", trace.ErrUnsupported},
	{"bad_input", trace.ErrBadInput},
}

func errClass(err error) string {
	for _, c := range errClasses {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return ""
}

func classErr(name string) error {
	for _, c := range errClasses {
		if c.name == name {
			return c.err
		}
	}
	return nil
}

// core answers every call of every source interface; the wrappers (wrap.go) expose
// only the family interface and capabilities of the source they stand for.
type core struct {
	st   *Store
	mode mode
	info trace.ChainInfo
	// ns prefixes the kinds and chain meta keys of a linked chain's answers in
	// a multi-chain case (links.go); "" for the case's own chain.
	ns string

	live trace.Source // nil: replay only
	acct trace.AccountSource
	utxo trace.UTXOSource
	// the live source's capabilities (trace.CapabilitiesOf)
	cc   trace.ContractChecker
	warn trace.Warner
	bt   trace.BlockTimer
	xs   trace.CrossingSource
	hb   trace.HistoryBatcher
	bb   trace.BalanceBatcher
	cb   trace.ContractBatcher
	sb   trace.SpenderBatcher
	ts   trace.TipSeeder
	fb   trace.FrontierBatcher
	pv   trace.TxPreviewer
	// crossing: the recorded source decoded cross-chain events, so a missing
	// answer is "not recorded" rather than "not offered".
	crossing bool

	conf    uint64
	toBlock uint64 // cache: the trace's --to-block (CacheOptions.ToBlock)
	tipTTL  time.Duration
	tipMu   sync.Mutex
	tip     uint64
	tipOK   bool
}

func (c *core) setLive(src trace.Source) {
	c.live = src
	c.acct, _ = src.(trace.AccountSource)
	c.utxo, _ = src.(trace.UTXOSource)
	caps := trace.CapabilitiesOf(src)
	c.cc, c.warn, c.bt, c.xs = caps.Contracts, caps.Warnings, caps.BlockTimes, caps.Crossings
	c.hb, c.bb, c.cb, c.sb = caps.Histories, caps.Balances, caps.ContractBatch, caps.Spenders
	c.ts, c.fb, c.pv = caps.TipSeeds, caps.Frontier, caps.Preview
	c.crossing = c.crossing || c.xs != nil
}

// keyAddr makes EVM addresses case-insensitive keys; Bitcoin base58 addresses are
// case-sensitive and stay as they are.
func keyAddr(a string) string {
	if len(a) == 42 && (strings.HasPrefix(a, "0x") || strings.HasPrefix(a, "0X")) {
		return strings.ToLower(a)
	}
	return a
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// describe spells out a key's arguments for an error message.
func describe(kind, key string) string {
	p := strings.Split(key, "|")
	switch {
	case kind == KindHistory && len(p) == 4:
		s := fmt.Sprintf("address %s, blocks %s to %s", p[0], p[1], p[2])
		if p[3] != "0" {
			s += ", limit " + p[3]
		}
		return s
	case kind == KindBalance && len(p) == 3:
		return fmt.Sprintf("address %s, asset %s, block %s", p[0], p[1], p[2])
	case (kind == KindIsContract || kind == KindAddressTxs) && len(p) == 2:
		return fmt.Sprintf("address %s, block %s", p[0], p[1])
	}
	return key
}

// placement says where an answer sits for lookups and for the cache's finality test.
type placement struct {
	addr      string
	fromBlock uint64
	block     uint64 // highest block the answer depends on; 0: not final (cache)
}

// call is the shared path of every source method: stored answer, else live fetch
// (stored when it may be), else ErrNotRecorded.
func call[T any](ctx context.Context, c *core, name, kind, key string, have bool, fetch func() (T, error), place func(T) placement) (T, error) {
	var zero T
	o, err := c.st.get(c.ns+kind, key)
	if err != nil {
		return zero, err
	}
	if o != nil {
		return decode[T](c.st, o)
	}
	if c.live == nil || !have {
		if c.live != nil {
			return zero, fmt.Errorf("%w: the live source does not offer %s", trace.ErrUnsupported, name)
		}
		return zero, notRecorded(name, describe(kind, key))
	}
	v, ferr := fetch()
	if c.mode == modeCase && ferr == nil {
		c.st.noteFetched(kind)
	}
	if ferr != nil {
		cls := errClass(ferr)
		if cls == "" || c.mode == modeCache {
			return v, ferr
		}
		env, _ := canonical(envelope{Err: cls, Msg: ferr.Error()})
		if err := c.st.put(&object{Kind: c.ns + kind, Key: key, Value: env}); err != nil {
			return zero, err
		}
		return v, ferr
	}
	p := place(v)
	if c.mode == modeCache {
		final, err := c.final(ctx, p.block)
		if err != nil || !final {
			return v, nil
		}
	}
	raw, err := canonical(v)
	if err != nil {
		return zero, fmt.Errorf("store %s(%s): %w", name, key, err)
	}
	env, _ := canonical(envelope{V: raw})
	if err := c.st.put(&object{Kind: c.ns + kind, Key: key, Address: p.addr, FromBlock: p.fromBlock, Block: p.block, Value: env}); err != nil {
		return zero, err
	}
	return v, nil
}

func decode[T any](st *Store, o *object) (T, error) {
	var zero T
	var env envelope
	if err := json.Unmarshal(o.Value, &env); err != nil {
		return zero, corrupt(st.path, fmt.Sprintf("object %s(%s) is not valid JSON: %v", o.Kind, o.Key, err))
	}
	if env.Err != "" {
		s := classErr(env.Err)
		if s == nil {
			return zero, corrupt(st.path, fmt.Sprintf("object %s(%s) has unknown error class %q", o.Kind, o.Key, env.Err))
		}
		return zero, &storedErr{msg: env.Msg, sentinel: s}
	}
	var v T
	if err := json.Unmarshal(env.V, &v); err != nil {
		return zero, corrupt(st.path, fmt.Sprintf("object %s(%s) does not decode: %v", o.Kind, o.Key, err))
	}
	return v, nil
}

// final reports whether block is at least conf blocks below the tip, so its data
// cannot change any more (cache mode).
func (c *core) final(ctx context.Context, block uint64) (bool, error) {
	if block == 0 {
		return false, nil
	}
	tip, err := c.Tip(ctx)
	if err != nil {
		return false, err
	}
	return block+c.conf <= tip, nil
}

// Info describes the chain.
func (c *core) Info() trace.ChainInfo { return c.info }

// Tip is the chain height: the recorded one in a case, the live one (reused for
// TipTTL) in a cache.
func (c *core) Tip(ctx context.Context) (uint64, error) {
	return c.tipFrom(ctx, func() (uint64, error) { return c.live.Tip(ctx) })
}

// TipWithTxs is Tip, a cache's live tip read together with the seed
// transactions the store lacks (the live source's TipSeeder, issue 18): they land
// in the live source's caches, and the trace's own Tx or TxTransfers stores them.
func (c *core) TipWithTxs(ctx context.Context, txids []string) (uint64, error) {
	return c.tipFrom(ctx, func() (uint64, error) {
		var ask []string
		for _, id := range txids {
			k := strings.ToLower(id)
			if !c.stored(KindTx, k) && !c.stored(KindTxTransfers, k) {
				ask = append(ask, id)
			}
		}
		return c.ts.TipWithTxs(ctx, ask)
	})
}

// TxPreview is the live source's preview of a seed transaction the store
// lacks (TipWithTxs asked the live source for it, issue 18); a stored one is
// answered from the store and needs no preview.
func (c *core) TxPreview(txid string) ([]graph.Transfer, bool) {
	k := strings.ToLower(txid)
	if c.pv == nil || c.stored(KindTx, k) || c.stored(KindTxTransfers, k) {
		return nil, false
	}
	return c.pv.TxPreview(txid)
}

// tipFrom is Tip with the live read given.
func (c *core) tipFrom(ctx context.Context, live func() (uint64, error)) (uint64, error) {
	c.tipMu.Lock()
	defer c.tipMu.Unlock()
	if c.tipOK {
		return c.tip, nil
	}
	if c.mode == modeCache {
		if t, err := strconv.ParseUint(c.st.getMeta(c.ns+MetaTip), 10, 64); err == nil && c.toBlock != 0 && c.toBlock <= t {
			// a chain this high was seen: all the trace reads lies below it
			c.tip, c.tipOK = t, true
			return t, nil
		}
		if at, err := time.Parse(time.RFC3339Nano, c.st.getMeta(c.ns+metaTipAt)); err == nil && time.Since(at) < c.tipTTL && time.Since(at) >= 0 {
			if t, err := strconv.ParseUint(c.st.getMeta(c.ns+MetaTip), 10, 64); err == nil {
				c.tip, c.tipOK = t, true
				return t, nil
			}
		}
		t, err := live()
		if err != nil {
			return 0, err
		}
		c.st.setMeta(c.ns+MetaTip, u64(t))
		c.st.setMeta(c.ns+metaTipAt, time.Now().UTC().Format(time.RFC3339Nano))
		c.tip, c.tipOK = t, true
		return t, nil
	}
	t, err := call(ctx, c, "Tip", KindTip, "", true, func() (uint64, error) { return c.live.Tip(ctx) },
		func(uint64) placement { return placement{} })
	if err != nil {
		return 0, err
	}
	c.st.setMeta(c.ns+MetaTip, u64(t))
	c.tip, c.tipOK = t, true
	return t, nil
}

// NormalizeAddress validates addr for the chain.
func (c *core) NormalizeAddress(addr string) (string, error) {
	if c.mode == modeCache {
		return c.live.NormalizeAddress(addr)
	}
	v, err := call(context.Background(), c, "NormalizeAddress", KindAddress, addr, true,
		func() (string, error) { return c.live.NormalizeAddress(addr) },
		func(string) placement { return placement{} })
	if errors.Is(err, ErrNotRecorded) {
		if n, ok, nerr := offlineNormalize(c.info, addr); ok {
			return n, nerr
		}
	}
	return v, err
}

// offlineNormalize checks an address a replayed case never saw, without the
// adapter: chain identity alone decides (EVM addresses by checksum, Bitcoin
// addresses for the named network). ok is false when the chain is not known
// well enough to judge.
func offlineNormalize(info trace.ChainInfo, addr string) (string, bool, error) {
	ch, ok := chainid.Validator(info.Name, info.Family)
	if !ok {
		return "", false, nil
	}
	n, err := ch.NormalizeAddress(addr)
	if err != nil {
		if info.Family == graph.FamilyUTXO {
			err = fmt.Errorf("%q is not a %s address: %w", addr, info.Name, err)
		}
		return "", true, fmt.Errorf("%w: %w", trace.ErrBadInput, err)
	}
	return n, true, nil
}

// TxTransfers returns the transaction's transfers.
func (c *core) TxTransfers(ctx context.Context, txHash string) ([]graph.Transfer, error) {
	return call(ctx, c, "TxTransfers", KindTxTransfers, strings.ToLower(txHash), c.acct != nil,
		func() ([]graph.Transfer, error) { return c.acct.TxTransfers(ctx, txHash) },
		func(ts []graph.Transfer) placement {
			var b uint64
			for _, t := range ts {
				b = max(b, t.Block)
			}
			return placement{block: b}
		})
}

func historyKey(q trace.HistoryQuery) string {
	return keyAddr(q.Address) + "|" + u64(q.FromBlock) + "|" + u64(q.ToBlock) + "|" + strconv.Itoa(q.Limit)
}

// History returns an address's transfers in a block range: the exact recorded
// query, or the part of a recorded complete history that covers the range.
func (c *core) History(ctx context.Context, q trace.HistoryQuery) (trace.History, error) {
	return c.history(ctx, q, func() (trace.History, error) { return c.acct.History(ctx, q) })
}

// history is History with the live fetch given (batch.go passes a batch's answer).
func (c *core) history(ctx context.Context, q trace.HistoryQuery, fetch func() (trace.History, error)) (trace.History, error) {
	key := historyKey(q)
	addr := keyAddr(q.Address)
	if o, err := c.st.get(c.ns+KindHistory, key); err != nil || o != nil {
		if err != nil {
			return trace.History{}, err
		}
		return decode[trace.History](c.st, o)
	}
	if h, ok, err := c.historyFromCover(addr, q); err != nil || ok {
		return h, err
	}
	return call(ctx, c, "History", KindHistory, key, c.acct != nil, fetch,
		func(trace.History) placement {
			return placement{addr: addr, fromBlock: q.FromBlock, block: q.ToBlock}
		})
}

// historyFromCover answers q from a stored, untruncated history whose range
// contains q's range (a replay with new options inside the recorded data).
func (c *core) historyFromCover(addr string, q trace.HistoryQuery) (trace.History, bool, error) {
	if q.ToBlock == 0 {
		return trace.History{}, false, nil
	}
	objs, err := c.st.byAddress(c.ns+KindHistory, addr)
	if err != nil {
		return trace.History{}, false, err
	}
	for _, o := range objs {
		if o.Block == 0 || o.FromBlock > q.FromBlock || o.Block < q.ToBlock {
			continue
		}
		h, err := decode[trace.History](c.st, o)
		if err != nil {
			if errors.Is(err, ErrCorrupt) {
				return trace.History{}, false, err
			}
			continue
		}
		if h.Truncated {
			continue
		}
		out := trace.History{}
		for _, t := range h.Transfers {
			if t.Block >= q.FromBlock && t.Block <= q.ToBlock {
				out.Transfers = append(out.Transfers, t)
			}
		}
		if q.Limit > 0 && len(out.Transfers) > q.Limit {
			out.Transfers = out.Transfers[:q.Limit+1]
			out.Truncated = true
		}
		return out, true, nil
	}
	return trace.History{}, false, nil
}

// Balance returns addr's balance of asset at the end of block.
func (c *core) Balance(ctx context.Context, addr string, asset graph.Asset, block uint64) (*big.Int, error) {
	return c.balance(ctx, addr, asset, block, func() (*big.Int, error) { return c.acct.Balance(ctx, addr, asset, block) })
}

func balanceKey(addr string, asset graph.Asset, block uint64) string {
	return keyAddr(addr) + "|" + asset.ID + "|" + u64(block)
}

func (c *core) balance(ctx context.Context, addr string, asset graph.Asset, block uint64, fetch func() (*big.Int, error)) (*big.Int, error) {
	return call(ctx, c, "Balance", KindBalance, balanceKey(addr, asset, block), c.acct != nil, fetch,
		func(*big.Int) placement { return placement{addr: keyAddr(addr), block: block} })
}

// IsContract tells a contract from an externally owned account.
func (c *core) IsContract(ctx context.Context, addr string, block uint64) (bool, error) {
	return c.isContract(ctx, addr, block, func() (bool, error) { return c.cc.IsContract(ctx, addr, block) })
}

func (c *core) isContract(ctx context.Context, addr string, block uint64, fetch func() (bool, error)) (bool, error) {
	return call(ctx, c, "IsContract", KindIsContract, keyAddr(addr)+"|"+u64(block), c.cc != nil, fetch,
		func(bool) placement { return placement{addr: keyAddr(addr), block: block} })
}

// BlockTime returns a block's timestamp (a date start resolves through it). Every
// wrapper offers it; a replay answers what was recorded, a live source without
// block times says so (ErrUnsupported).
func (c *core) BlockTime(ctx context.Context, block uint64) (int64, error) {
	return call(ctx, c, "BlockTime", KindBlockTime, u64(block), c.bt != nil,
		func() (int64, error) { return c.bt.BlockTime(ctx, block) },
		func(int64) placement { return placement{block: block} })
}

// Tx returns a UTXO transaction.
func (c *core) Tx(ctx context.Context, txid string) (*graph.UTXOTx, error) {
	return call(ctx, c, "Tx", KindTx, strings.ToLower(txid), c.utxo != nil,
		func() (*graph.UTXOTx, error) { return c.utxo.Tx(ctx, txid) },
		func(tx *graph.UTXOTx) placement {
			if tx == nil {
				return placement{}
			}
			return placement{block: tx.Block}
		})
}

// Spender returns the transaction spending op, or nil when op was unspent at the
// (recorded) tip.
func (c *core) Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	return c.spender(ctx, op, func() (*graph.UTXOTx, error) { return c.utxo.Spender(ctx, op) })
}

func spenderKey(op graph.Outpoint) string {
	return strings.ToLower(op.TxID) + ":" + strconv.FormatUint(uint64(op.Vout), 10)
}

func (c *core) spender(ctx context.Context, op graph.Outpoint, fetch func() (*graph.UTXOTx, error)) (*graph.UTXOTx, error) {
	key := spenderKey(op)
	if c.mode == modeCache && c.utxo != nil {
		return c.cachedSpender(ctx, key, fetch)
	}
	return call(ctx, c, "Spender", KindSpender, key, c.utxo != nil, fetch,
		func(tx *graph.UTXOTx) placement {
			if tx == nil {
				// unspent is true only at the tip: never final for a cache
				return placement{}
			}
			return placement{block: tx.Block}
		})
}

// AddressTxs returns the confirmed transactions touching addr up to toBlock.
func (c *core) AddressTxs(ctx context.Context, addr string, toBlock uint64) ([]*graph.UTXOTx, error) {
	return call(ctx, c, "AddressTxs", KindAddressTxs, keyAddr(addr)+"|"+u64(toBlock), c.utxo != nil,
		func() ([]*graph.UTXOTx, error) { return c.utxo.AddressTxs(ctx, addr, toBlock) },
		func([]*graph.UTXOTx) placement { return placement{addr: keyAddr(addr), block: toBlock} })
}

// Warnings are the source's degradation notices: the recorded ones, then any new
// one from the live source.
func (c *core) Warnings() []string {
	var ws []string
	if c.mode == modeCase {
		_ = json.Unmarshal([]byte(c.st.getMeta(c.ns+MetaWarnings)), &ws)
	}
	if c.warn != nil {
		seen := map[string]bool{}
		for _, w := range ws {
			seen[w] = true
		}
		for _, w := range c.warn.Warnings() {
			if !seen[w] {
				ws = append(ws, w)
				seen[w] = true
			}
		}
		if c.mode == modeCase {
			b, _ := canonical(ws)
			c.st.setMeta(c.ns+MetaWarnings, string(b))
		}
	}
	return ws
}

// cachedSpender is Spender in a cache. A spender is stored once its block is
// final, as every answer is. "Unspent" holds only up to the tip it was seen at,
// so it is stored with that tip (object block) and answers a trace whose
// --to-block is at least Confirmations below it; otherwise the node is asked
// again and the newer answer replaces it.
func (c *core) cachedSpender(ctx context.Context, key string, fetch func() (*graph.UTXOTx, error)) (*graph.UTXOTx, error) {
	o, err := c.st.get(c.ns+KindSpender, key)
	if err != nil {
		return nil, err
	}
	if o != nil {
		if unspent, err := c.unspentObject(o); err != nil || !unspent || c.unspentValid(o.Block) {
			if err != nil {
				return nil, err
			}
			return decode[*graph.UTXOTx](c.st, o)
		}
	}
	// The tip before the question: the node's answer holds at least up to it.
	tip, err := c.Tip(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := fetch()
	if err != nil {
		return tx, err
	}
	block := tip
	if tx != nil {
		final, err := c.final(ctx, tx.Block)
		if err != nil || !final {
			return tx, nil
		}
		block = tx.Block
	}
	raw, err := canonical(tx)
	if err != nil {
		return nil, fmt.Errorf("store Spender(%s): %w", key, err)
	}
	env, _ := canonical(envelope{V: raw})
	if err := c.st.put(&object{Kind: c.ns + KindSpender, Key: key, Block: block, Value: env}); err != nil {
		return nil, err
	}
	return tx, nil
}

// unspentObject reports whether a stored Spender answer is "unspent".
func (c *core) unspentObject(o *object) (bool, error) {
	var env envelope
	if err := json.Unmarshal(o.Value, &env); err != nil {
		return false, corrupt(c.st.path, fmt.Sprintf("object %s(%s) is not valid JSON: %v", o.Kind, o.Key, err))
	}
	return env.Err == "" && string(env.V) == "null", nil
}

// unspentValid: an output unspent at tip is unspent for this trace.
func (c *core) unspentValid(tip uint64) bool {
	return c.toBlock != 0 && c.toBlock+c.conf <= tip
}

// spenderStored: Spender of key is answered from the store.
func (c *core) spenderStored(key string) bool {
	o, err := c.st.get(c.ns+KindSpender, key)
	if err != nil || o == nil {
		return false
	}
	unspent, err := c.unspentObject(o)
	return err == nil && (!unspent || c.unspentValid(o.Block))
}
