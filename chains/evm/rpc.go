package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/chaintrace/chaintrace/internal/chainview"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// Wire types: only the fields the adapter reads, so transaction types of L2s
// (deposits, system transactions) decode like any other.
type rpcTx struct {
	Hash        common.Hash     `json:"hash"`
	From        common.Address  `json:"from"`
	To          *common.Address `json:"to"`
	Value       hexutil.Big     `json:"value"`
	Input       hexutil.Bytes   `json:"input"`
	BlockNumber *hexutil.Uint64 `json:"blockNumber"`
	BlockHash   *common.Hash    `json:"blockHash"`
	Index       *hexutil.Uint64 `json:"transactionIndex"`
	GasPrice    *hexutil.Big    `json:"gasPrice"`
}

type rpcBlock struct {
	Number       hexutil.Uint64  `json:"number"`
	Hash         common.Hash     `json:"hash"`
	Timestamp    hexutil.Uint64  `json:"timestamp"`
	StateRoot    common.Hash     `json:"stateRoot"`
	Transactions []rpcTx         `json:"transactions"`
	Miner        common.Address  `json:"miner"`         // fee recipient (credits.go)
	BaseFee      *hexutil.Big    `json:"baseFeePerGas"` // absent before London
	Withdrawals  []rpcWithdrawal `json:"withdrawals"`   // absent before Shanghai
}

// rpcHeader is a block fetched without transaction bodies.
type rpcHeader struct {
	Number    hexutil.Uint64 `json:"number"`
	Hash      common.Hash    `json:"hash"`
	Timestamp hexutil.Uint64 `json:"timestamp"`
	StateRoot common.Hash    `json:"stateRoot"` // ties eth_getProof answers to their block (frontier.go)
}

type rpcLog struct {
	Address     common.Address `json:"address"`
	Topics      []common.Hash  `json:"topics"`
	Data        hexutil.Bytes  `json:"data"`
	BlockNumber hexutil.Uint64 `json:"blockNumber"`
	TxHash      common.Hash    `json:"transactionHash"`
	TxIndex     hexutil.Uint64 `json:"transactionIndex"`
	Index       hexutil.Uint64 `json:"logIndex"`
	Removed     bool           `json:"removed"`
}

type rpcReceipt struct {
	TxHash            common.Hash     `json:"transactionHash"`
	TxIndex           hexutil.Uint64  `json:"transactionIndex"`
	BlockHash         common.Hash     `json:"blockHash"`
	BlockNumber       hexutil.Uint64  `json:"blockNumber"`
	From              common.Address  `json:"from"`
	To                *common.Address `json:"to"`
	Status            *hexutil.Uint64 `json:"status"` // absent before Byzantium
	GasUsed           hexutil.Uint64  `json:"gasUsed"`
	EffectiveGasPrice *hexutil.Big    `json:"effectiveGasPrice"`
	L1Fee             *hexutil.Big    `json:"l1Fee"` // OP-stack chains charge the L1 data fee on top
	ContractAddress   *common.Address `json:"contractAddress"`
	Logs              []rpcLog        `json:"logs"`
}

// callFrame is callTracer's output.
type callFrame struct {
	Type  string         `json:"type"`
	From  common.Address `json:"from"`
	To    common.Address `json:"to"`
	Value *hexutil.Big   `json:"value"`
	Error string         `json:"error"`
	Calls []callFrame    `json:"calls"`
}

// client is the JSON-RPC side: the shared transport's JSON-RPC client (batches
// matched by id, retries, batch shrinking) plus the checks that tie each
// Ethereum answer to its call, and error classification.
type client struct {
	r   *httpx.RPC
	url string // display form of the endpoint: never credentials
	// view holds the block hashes answers gave each height (nil: no checks),
	// so an answer from another fork is a fault (issue 19).
	view *chainview.View
}

// maxBatch is geth's server-side limit on calls per batch.
const maxBatch = 1000

func (c *client) call(ctx context.Context, out any, method string, args ...any) error {
	return c.classify(method, c.r.Call(ctx, &httpx.Call{Method: method, Params: args, Result: out, Check: c.checkOf(method, args, nil)}))
}

// batch runs elems in batches (1 call per batch when the size is 1, or once a
// server refused bigger ones). A transport failure or a fault that persisted
// fails the whole batch; per-call errors land in elem.Error, classified.
func (c *client) batch(ctx context.Context, elems []rpc.BatchElem) error {
	return c.batchChecked(ctx, elems, nil)
}

// batchChecked is batch with explicit answer checks (nil entries: the
// method's default check).
func (c *client) batchChecked(ctx context.Context, elems []rpc.BatchElem, checks []func(json.RawMessage) error) error {
	if len(elems) == 0 {
		return nil
	}
	calls := make([]*httpx.Call, len(elems))
	for i := range elems {
		e := &elems[i]
		var chk func(json.RawMessage) error
		if i < len(checks) {
			chk = checks[i]
		}
		calls[i] = &httpx.Call{Method: e.Method, Params: e.Args, Result: e.Result, Check: c.checkOf(e.Method, e.Args, chk)}
	}
	if err := c.r.Batch(ctx, calls); err != nil {
		return c.classify(elems[0].Method, err)
	}
	for i, cl := range calls {
		elems[i].Error = nil
		if cl.Err != nil {
			elems[i].Error = c.classify(elems[i].Method, cl.Err)
		}
	}
	return nil
}

// checkFor returns the check that ties an answer of method to its arguments:
// the hash asked for is the hash returned, the block number asked for is the
// block's number, every log fits the filter. nil: the answer has nothing to
// check it by (it then never shares a batch with another such call).
func checkFor(method string, args []any) func(json.RawMessage) error {
	switch method {
	case "eth_getTransactionByHash":
		return txHashCheck(hashField("hash", args))
	case "eth_getTransactionReceipt":
		return hashField("transactionHash", args)
	case "trace_transaction":
		want, ok := argHash(args)
		if !ok {
			return nil
		}
		return func(raw json.RawMessage) error {
			var ts []struct {
				TxHash *common.Hash `json:"transactionHash"`
			}
			if raw == nil {
				return nil
			}
			if err := json.Unmarshal(raw, &ts); err != nil {
				return err
			}
			for _, t := range ts {
				if t.TxHash != nil && *t.TxHash != want {
					return fmt.Errorf("a trace of transaction %s answered for %s", t.TxHash.Hex(), want.Hex())
				}
			}
			return nil
		}
	case "eth_getBlockByNumber":
		if len(args) == 0 {
			return nil
		}
		if tag, ok := args[0].(string); !ok || !strings.HasPrefix(tag, "0x") {
			return httpx.CallerChecks // latest, pending: nothing to compare, and asked alone
		}
		want, ok := blockArg(method, args)
		if !ok {
			return nil
		}
		return blockCheck(want, nil)
	case "eth_getLogs":
		return logsCheck(args)
	case "eth_chainId", "eth_blockNumber":
		return httpx.CallerChecks // only ever asked alone
	}
	return nil
}

// blockArg is the block number of an eth_getBlockByNumber call asked by a
// 0x tag (not latest, pending, …).
func blockArg(method string, args []any) (uint64, bool) {
	if method != "eth_getBlockByNumber" || len(args) == 0 {
		return 0, false
	}
	tag, ok := args[0].(string)
	if !ok || !strings.HasPrefix(tag, "0x") {
		return 0, false
	}
	n, err := hexutil.DecodeUint64(tag)
	return n, err == nil
}

// checkOf is the check a call is sent with: chk (nil: the method's default,
// checkFor) followed by the chain-view check (observing). A block asked by
// number with no check of the caller's gets blockCheckIn, which records the
// block in the view from its own decoding: a full block (hundreds of
// transactions) is then parsed once for both checks, not twice (issue 18).
func (c *client) checkOf(method string, args []any, chk func(json.RawMessage) error) func(json.RawMessage) error {
	if chk == nil {
		if want, ok := blockArg(method, args); ok && c.view != nil {
			return blockCheckIn(c.view, want, nil)
		}
		chk = checkFor(method, args)
	}
	return c.observing(chk)
}

// blockCheck: the block answered has the number asked for and, when known,
// the hash the chain being read gave it (a transaction's blockHash); a full
// block's transactions name the block's own hash. Another hash at the same
// height is a reorg or a node behind a stale cache: a fault, not data.
func blockCheck(want uint64, hash *common.Hash) func(json.RawMessage) error {
	return blockCheckIn(nil, want, hash)
}

// blockCheckIn is blockCheck that, with v, also records the block in v once
// it passed, as observing would (observeBlocks reads the same three fields):
// the block is decoded once for both.
func blockCheckIn(v *chainview.View, want uint64, hash *common.Hash) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var b struct {
			Number *hexutil.Uint64   `json:"number"`
			Hash   *common.Hash      `json:"hash"`
			Txs    []json.RawMessage `json:"transactions"`
			// The fields only the view reads stay raw: a malformed one
			// fails nothing here, as before (observeBlocks then records nothing).
			ParentHash  json.RawMessage `json:"parentHash"`
			BlockNumber json.RawMessage `json:"blockNumber"`
			BlockHash   json.RawMessage `json:"blockHash"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return err
		}
		if b.Number == nil || uint64(*b.Number) != want {
			return fmt.Errorf("not block %d", want)
		}
		var bh common.Hash
		if b.Hash != nil {
			bh = *b.Hash
		}
		if hash != nil && bh != *hash {
			return fmt.Errorf("block %d has hash %s, but the chain read so far has %s (a reorg?)", want, bh.Hex(), hash.Hex())
		}
		for _, t := range b.Txs {
			if len(t) == 0 || t[0] != '{' {
				continue
			}
			// One decode for the block hash it names and the hash it claims.
			var tx struct {
				Hash      common.Hash  `json:"hash"`
				BlockHash *common.Hash `json:"blockHash"`
			}
			var err error
			if json.Unmarshal(t, &tx) == nil {
				if tx.BlockHash != nil && *tx.BlockHash != bh {
					return fmt.Errorf("block %d has hash %s, but its transactions name %s (a reorg?)", want, bh.Hex(), tx.BlockHash.Hex())
				}
				err = txFieldsHashed(t, tx.Hash)
			} else if err := txFieldsSlow(t, want, bh); err != nil { // a malformed field: each check on its own, as before
				return err
			}
			if err != nil {
				return fmt.Errorf("block %d: %w", want, err)
			}
		}
		if v == nil {
			return nil
		}
		r := blockRef{Number: b.Number, Hash: b.Hash}
		for _, f := range []struct {
			raw json.RawMessage
			to  any
		}{{b.ParentHash, &r.ParentHash}, {b.BlockNumber, &r.BlockNumber}, {b.BlockHash, &r.BlockHash}} {
			if len(f.raw) > 0 && json.Unmarshal(f.raw, f.to) != nil {
				return nil // observeBlocks could not decode it either: nothing recorded
			}
		}
		return r.observe(v)
	}
}

// txFieldsSlow is blockCheckIn's check of one transaction object that does not
// decode as a whole: its block hash and its fields' hash, each read alone.
func txFieldsSlow(t json.RawMessage, want uint64, bh common.Hash) error {
	var tx struct {
		BlockHash *common.Hash `json:"blockHash"`
	}
	if json.Unmarshal(t, &tx) == nil && tx.BlockHash != nil && *tx.BlockHash != bh {
		return fmt.Errorf("block %d has hash %s, but its transactions name %s (a reorg?)", want, bh.Hex(), tx.BlockHash.Hex())
	}
	if err := txFieldsHash(t); err != nil {
		return fmt.Errorf("block %d: %w", want, err)
	}
	return nil
}

// observing adds the chain-view check to a call's own check: once an answer
// fits its call, the block hashes it states (a block's number, hash and
// parent; a transaction's, receipt's or log's block) must fit the chain the
// earlier answers described. A nil check stays nil: it decides whether the
// call may share a batch.
func (c *client) observing(chk func(json.RawMessage) error) func(json.RawMessage) error {
	if chk == nil || c.view == nil {
		return chk
	}
	return func(raw json.RawMessage) error {
		if err := chk(raw); err != nil {
			return err
		}
		return observeBlocks(c.view, raw)
	}
}

// blockRef is what an answer says about the block it comes from.
type blockRef struct {
	Number      *hexutil.Uint64 `json:"number"`
	Hash        *common.Hash    `json:"hash"`
	ParentHash  *common.Hash    `json:"parentHash"`
	BlockNumber *hexutil.Uint64 `json:"blockNumber"`
	BlockHash   *common.Hash    `json:"blockHash"`
}

func (r *blockRef) observe(v *chainview.View) error {
	switch {
	case r.ParentHash != nil && r.Number != nil && r.Hash != nil: // a block or header
		return v.Observe(uint64(*r.Number), r.Hash.Hex(), r.ParentHash.Hex())
	case r.BlockNumber != nil && r.BlockHash != nil: // a transaction, receipt, log or trace
		return v.Observe(uint64(*r.BlockNumber), r.BlockHash.Hex(), "")
	}
	return nil
}

// observeBlocks records the blocks an answer (an object or an array of them)
// names in v; an answer of another shape says nothing and passes.
func observeBlocks(v *chainview.View, raw json.RawMessage) error {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return nil
	}
	switch t[0] {
	case '{':
		var r blockRef
		if json.Unmarshal(t, &r) != nil {
			return nil // the call's own decoding reports it
		}
		return r.observe(v)
	case '[':
		var rs []json.RawMessage
		if json.Unmarshal(t, &rs) != nil {
			return nil
		}
		for _, e := range rs {
			var r blockRef
			if len(e) == 0 || e[0] != '{' || json.Unmarshal(e, &r) != nil {
				continue
			}
			if err := r.observe(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// txHashCheck adds to a transaction answer's hash check that its fields
// (sender's signature, nonce, recipient, value, input, …) hash to the hash
// asked for: go-ethereum re-encodes them as the network does (RLP, or the
// typed envelope) and hashes that, so a value or recipient changed on the way
// is caught, not only another transaction. Types go-ethereum does not know
// (L2 deposit and system transactions) keep the field check only.
func txHashCheck(chk func(json.RawMessage) error) func(json.RawMessage) error {
	if chk == nil {
		return nil
	}
	return func(raw json.RawMessage) error {
		if err := chk(raw); err != nil || raw == nil {
			return err
		}
		return txFieldsHash(raw)
	}
}

// txFieldsHash checks one transaction object: its fields hash to its "hash".
func txFieldsHash(raw json.RawMessage) error {
	var claimed struct {
		Hash common.Hash `json:"hash"`
	}
	if json.Unmarshal(raw, &claimed) != nil {
		return nil // not a transaction go-ethereum can rebuild
	}
	return txFieldsHashed(raw, claimed.Hash)
}

// txFieldsHashed is txFieldsHash with the hash the object claims already read.
func txFieldsHashed(raw json.RawMessage, claimed common.Hash) error {
	var tx types.Transaction
	if tx.UnmarshalJSON(raw) != nil {
		return nil // not a transaction go-ethereum can rebuild
	}
	if got := tx.Hash(); got != claimed {
		return fmt.Errorf("the fields of transaction %s hash to %s: the answer was changed on the way", claimed.Hex(), got.Hex())
	}
	return nil
}

func argHash(args []any) (common.Hash, bool) {
	if len(args) == 0 {
		return common.Hash{}, false
	}
	switch h := args[0].(type) {
	case common.Hash:
		return h, true
	case string:
		if hexHash.MatchString(h) {
			return common.HexToHash(h), true
		}
	}
	return common.Hash{}, false
}

func hashField(field string, args []any) func(json.RawMessage) error {
	want, ok := argHash(args)
	if !ok {
		return nil
	}
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil // not found: the caller's sentinel
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		var got common.Hash
		if err := json.Unmarshal(m[field], &got); err != nil || got != want {
			return fmt.Errorf("answer for %s is about %s", want.Hex(), strings.Trim(string(m[field]), `"`))
		}
		return nil
	}
}

// logsCheck: every log returned lies in the filter's block range and matches
// its topics.
func logsCheck(args []any) func(json.RawMessage) error {
	if len(args) != 1 {
		return nil
	}
	q, ok := args[0].(map[string]any)
	if !ok {
		return nil
	}
	from, err1 := hexutil.DecodeUint64(fmt.Sprint(q["fromBlock"]))
	to, err2 := hexutil.DecodeUint64(fmt.Sprint(q["toBlock"]))
	topics, _ := q["topics"].([]any)
	if err1 != nil || err2 != nil {
		return nil
	}
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var ls []rpcLog
		if err := json.Unmarshal(raw, &ls); err != nil {
			return err
		}
		for _, l := range ls {
			if uint64(l.BlockNumber) < from || uint64(l.BlockNumber) > to {
				return fmt.Errorf("log in block %d outside the range %d–%d asked for", l.BlockNumber, from, to)
			}
			for i, t := range topics {
				if !topicMatches(t, l.Topics, i) {
					return fmt.Errorf("log of transaction %s does not match the filter's topic %d", l.TxHash.Hex(), i)
				}
			}
		}
		return nil
	}
}

func topicMatches(want any, got []common.Hash, i int) bool {
	switch w := want.(type) {
	case nil:
		return true
	case common.Hash:
		return i < len(got) && got[i] == w
	case []common.Hash:
		if len(w) == 0 {
			return true
		}
		return i < len(got) && slices.Contains(w, got[i])
	}
	return true
}

// classify wraps an RPC failure in the trace sentinel it corresponds to and says
// what the user can do about it. Every message names the endpoint in its
// display form (no credentials).
func (c *client) classify(method string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		// Ctrl-C (or the caller gave up): the node is not to blame.
		return fmt.Errorf("%s at %s: interrupted: %w", method, c.url, err)
	}
	if errors.Is(err, context.DeadlineExceeded) && !httpx.IsFault(err) {
		return fmt.Errorf("%s at %s: %w (the node did not answer in time; try again, lower --rps, or use another --rpc)", method, c.url, err)
	}
	var ce *httpx.CallError
	if errors.As(err, &ce) {
		err = ce.Err
	}
	var g *httpx.GiveUp
	if errors.As(err, &g) {
		return fmt.Errorf("%s at %s: %w; %s", method, c.url, g, giveUpHint(g))
	}
	var ne *httpx.NetError
	if errors.As(err, &ne) {
		return fmt.Errorf("%s: cannot reach RPC endpoint %s: %w (is the node running? check --rpc)", method, c.url, ne)
	}
	var se *httpx.StatusError
	if errors.As(err, &se) {
		switch {
		case se.Status == 404 || se.Status == 405:
			return fmt.Errorf("%s at %s: HTTP %d: is this a JSON-RPC endpoint? %w", method, c.url, se.Status, trace.ErrBadInput)
		case se.Status == 401 || se.Status == 403:
			return fmt.Errorf("%s at %s: HTTP %d: the node refused the credentials; check the user, password or key in --rpc: %w", method, c.url, se.Status, trace.ErrBadInput)
		default:
			return fmt.Errorf("%s at %s: %w", method, c.url, se)
		}
	}
	var re *httpx.RPCError
	if errors.As(err, &re) {
		msg := strings.ToLower(re.Message)
		if re.Code == -32601 || strings.Contains(msg, "method not found") || strings.Contains(msg, "does not exist/is not available") ||
			strings.Contains(msg, "not supported") || strings.Contains(msg, "not available") && strings.Contains(msg, "method") {
			return fmt.Errorf("%w: %s at %s: %v", trace.ErrUnsupported, method, c.url, re)
		}
		if historicalStateMissing(msg) {
			return fmt.Errorf("%w: %s at %s needs historical state the node has pruned (%v); use an archive node", trace.ErrUnsupported, method, c.url, re)
		}
		return fmt.Errorf("%s at %s: %w", method, c.url, re)
	}
	return fmt.Errorf("%s at %s: %s", method, c.url, httpx.Redact(err.Error()))
}

// giveUpHint says what to do about a fault that persisted.
func giveUpHint(g *httpx.GiveUp) string {
	switch k := g.Last.Kind; {
	case strings.Contains(k, "rate limited"), strings.Contains(k, "429"):
		return "rate limited: lower --rps or use your own node"
	case k == "timeout":
		return "the node did not answer in time: raise --request-timeout, lower --rps, or use another --rpc"
	case k == "mismatch":
		return "its answers do not match the calls (a faulty proxy or load balancer?): use another --rpc"
	}
	return "the node keeps failing: try again later, lower --rps, or use another --rpc"
}

func historicalStateMissing(msg string) bool {
	for _, s := range []string{"missing trie node", "historical state", "state not available", "state is not available",
		"pruned", "required historical state unavailable", "header not found", "state histories haven't been fully indexed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// cache keeps what one Adapter fetched, so a run never asks for the same block,
// receipt or trace twice.
type cache struct {
	mu       sync.Mutex
	headers  map[uint64]*rpcHeader
	blocks   map[uint64]*rpcBlock // with full transactions
	txs      map[common.Hash]*rpcTx
	receipts map[common.Hash]*rpcReceipt
	traces   map[common.Hash][]move // internal value moves; nil entry: none or unknown
	noTrace  map[common.Hash]bool   // tracing failed for a reason other than a missing method
	code     map[string]bool
	traced   map[uint64]bool          // blocks whose traces are in traces
	flight   map[string]chan struct{} // keys being fetched, closed when done
}

// claims lets concurrent callers share fetches: a key is fetched by the first
// caller that claims it, and the others wait for it instead of asking again.
type claims struct {
	c     *cache
	keys  []string
	chans []chan struct{}
	waits []chan struct{}
}

// try claims key for this caller (true) or notes the fetch in flight to wait
// for (false). Call with c.mu held, for keys not yet cached.
func (cl *claims) try(key string) bool {
	if ch, ok := cl.c.flight[key]; ok {
		cl.waits = append(cl.waits, ch)
		return false
	}
	ch := make(chan struct{})
	cl.c.flight[key] = ch
	cl.keys, cl.chans = append(cl.keys, key), append(cl.chans, ch)
	return true
}

// release ends this caller's fetches (whether they succeeded or not). Safe to
// call twice.
func (cl *claims) release() {
	cl.c.mu.Lock()
	for i, k := range cl.keys {
		if cl.c.flight[k] == cl.chans[i] {
			delete(cl.c.flight, k)
		}
		close(cl.chans[i])
	}
	cl.keys, cl.chans = nil, nil
	cl.c.mu.Unlock()
}

// wait blocks until the other callers' fetches this caller depends on are done.
// Release your own claims first.
func (cl *claims) wait(ctx context.Context) error {
	for _, ch := range cl.waits {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	cl.waits = nil
	return nil
}

func newCache() *cache {
	return &cache{
		headers: map[uint64]*rpcHeader{}, blocks: map[uint64]*rpcBlock{},
		txs: map[common.Hash]*rpcTx{}, receipts: map[common.Hash]*rpcReceipt{},
		traces: map[common.Hash][]move{}, noTrace: map[common.Hash]bool{}, code: map[string]bool{}, traced: map[uint64]bool{},
		flight: map[string]chan struct{}{},
	}
}

func (c *cache) putBlock(b *rpcBlock) {
	c.blocks[uint64(b.Number)] = b
	c.headers[uint64(b.Number)] = &rpcHeader{Number: b.Number, Hash: b.Hash, Timestamp: b.Timestamp, StateRoot: b.StateRoot}
	for i := range b.Transactions {
		tx := &b.Transactions[i]
		c.txs[tx.Hash] = tx
	}
}

// quantityCheck: the answer is a hex quantity ("0x1b4"), as eth_blockNumber's.
// In a batch where no other call answers one, it ties the answer to its call.
func quantityCheck(raw json.RawMessage) error {
	var q hexutil.Uint64
	if err := json.Unmarshal(raw, &q); err != nil {
		return fmt.Errorf("not a quantity: %w", err)
	}
	return nil
}
