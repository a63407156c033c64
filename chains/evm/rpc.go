package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
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
	Number       hexutil.Uint64 `json:"number"`
	Hash         common.Hash    `json:"hash"`
	Timestamp    hexutil.Uint64 `json:"timestamp"`
	Transactions []rpcTx        `json:"transactions"`
}

// rpcHeader is a block fetched without transaction bodies.
type rpcHeader struct {
	Number    hexutil.Uint64 `json:"number"`
	Hash      common.Hash    `json:"hash"`
	Timestamp hexutil.Uint64 `json:"timestamp"`
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

// client is the JSON-RPC side: batching, error classification, request counts.
type client struct {
	rc      *rpc.Client
	url     string
	size    atomic.Int64 // calls per batch; shrinks when a server refuses big batches
	retries int
	calls   atomic.Int64 // JSON-RPC calls made (batched or not)
	batches atomic.Int64 // HTTP requests the client sent (retries by the transport not counted)
}

// maxBatch is geth's server-side limit on calls per batch.
const maxBatch = 1000

func (c *client) call(ctx context.Context, out any, method string, args ...any) error {
	c.calls.Add(1)
	err := c.retryLimited(ctx, func() error {
		c.batches.Add(1)
		return c.rc.CallContext(ctx, out, method, args...)
	})
	return c.classify(method, err)
}

// rateLimited recognises rate limits that arrive as JSON-RPC errors (HTTP 200)
// rather than as HTTP 429, which the transport already retries.
func rateLimited(err error) bool {
	var re rpc.Error
	if err == nil || !errors.As(err, &re) {
		return false
	}
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "rate limit") || strings.Contains(m, "too many requests") ||
		strings.Contains(m, "request limit") || strings.Contains(m, "exceeded") && strings.Contains(m, "capacity")
}

// batchRefused recognises a server refusing a batch for its size (or batches at
// all): the chunk is then halved, down to single calls.
func batchRefused(err error) bool {
	if err == nil {
		return false
	}
	var he rpc.HTTPError
	if errors.As(err, &he) && he.StatusCode == 413 {
		return true
	}
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "batch") && (strings.Contains(m, "too large") || strings.Contains(m, "too many") ||
		strings.Contains(m, "limit") || strings.Contains(m, "exceed") || strings.Contains(m, "not supported") || strings.Contains(m, "size"))
}

// retryLimited runs f again, with backoff, while the node answers with a
// rate-limit error.
func (c *client) retryLimited(ctx context.Context, f func() error) error {
	wait := 250 * time.Millisecond
	for try := 0; ; try++ {
		err := f()
		if !rateLimited(err) || try >= c.retries {
			return err
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait *= 2
	}
}

// batch runs elems in chunks of at most the batch size (1: one request per
// call), halving the size when the server refuses a batch as too large. A
// transport failure fails the whole batch; per-call errors land in elem.Error,
// already classified.
func (c *client) batch(ctx context.Context, elems []rpc.BatchElem) error {
	if len(elems) == 0 {
		return nil
	}
	c.calls.Add(int64(len(elems)))
	for start := 0; start < len(elems); {
		size := int(c.size.Load())
		if size <= 1 {
			for i := start; i < len(elems); i++ {
				err := c.retryLimited(ctx, func() error {
					c.batches.Add(1)
					return c.rc.CallContext(ctx, elems[i].Result, elems[i].Method, elems[i].Args...)
				})
				if err != nil {
					if isTransport(err) {
						return c.classify(elems[i].Method, err)
					}
					elems[i].Error = c.classify(elems[i].Method, err)
				}
			}
			return nil
		}
		end := min(start+size, len(elems))
		chunk := elems[start:end]
		c.batches.Add(1)
		err := c.rc.BatchCallContext(ctx, chunk)
		if err == nil && batchRefused(chunk[0].Error) && batchRefused(chunk[len(chunk)-1].Error) {
			err = chunk[0].Error
		}
		if err != nil && batchRefused(err) {
			c.size.CompareAndSwap(int64(size), int64(size/2))
			for i := range chunk {
				chunk[i].Error = nil
			}
			continue
		}
		if err != nil {
			return c.classify(chunk[0].Method, err)
		}
		for i := range chunk {
			e := &chunk[i]
			if rateLimited(e.Error) {
				e.Error = c.retryLimited(ctx, func() error {
					c.batches.Add(1)
					return c.rc.CallContext(ctx, e.Result, e.Method, e.Args...)
				})
			}
			if e.Error != nil {
				e.Error = c.classify(e.Method, e.Error)
			}
		}
		start = end
	}
	return nil
}

// isTransport tells a failure of the connection from an error answer of the node.
func isTransport(err error) bool {
	var re rpc.Error
	if errors.As(err, &re) {
		return false
	}
	var he rpc.HTTPError
	return !errors.As(err, &he) || he.StatusCode >= 500 || he.StatusCode == 429
}

// classify wraps an RPC failure in the trace sentinel it corresponds to and says
// what the user can do about it.
func (c *client) classify(method string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s at %s: %w (the node did not answer in time; try again, lower --rps, or use another --rpc)", method, c.url, err)
	}
	var he rpc.HTTPError
	if errors.As(err, &he) {
		switch {
		case he.StatusCode == 429:
			return fmt.Errorf("%s at %s: rate limited (HTTP 429) after retries; lower --rps or use your own node: %w", method, c.url, err)
		case he.StatusCode == 404 || he.StatusCode == 405:
			return fmt.Errorf("%s at %s: HTTP %d: is this a JSON-RPC endpoint? %w", method, c.url, he.StatusCode, trace.ErrBadInput)
		default:
			return fmt.Errorf("%s at %s: %w", method, c.url, err)
		}
	}
	var re rpc.Error
	if errors.As(err, &re) {
		msg := strings.ToLower(re.Error())
		if re.ErrorCode() == -32601 || strings.Contains(msg, "method not found") || strings.Contains(msg, "does not exist/is not available") ||
			strings.Contains(msg, "not supported") || strings.Contains(msg, "not available") && strings.Contains(msg, "method") {
			return fmt.Errorf("%w: %s at %s: %v", trace.ErrUnsupported, method, c.url, err)
		}
		if historicalStateMissing(msg) {
			return fmt.Errorf("%w: %s at %s needs historical state the node has pruned (%v); use an archive node", trace.ErrUnsupported, method, c.url, err)
		}
		return fmt.Errorf("%s at %s: %w", method, c.url, err)
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return fmt.Errorf("%s: cannot reach RPC endpoint %s: %w (is the node running? check --rpc)", method, c.url, err)
	}
	var se *json.SyntaxError
	var ue *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &ue) {
		return fmt.Errorf("%s at %s: unexpected answer, not Ethereum JSON-RPC: %w", method, c.url, err)
	}
	return fmt.Errorf("%s at %s: %w", method, c.url, err)
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
	c.headers[uint64(b.Number)] = &rpcHeader{Number: b.Number, Hash: b.Hash, Timestamp: b.Timestamp}
	for i := range b.Transactions {
		tx := &b.Transactions[i]
		c.txs[tx.Hash] = tx
	}
}
