package bitcoin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chaintrace/chaintrace/internal/chainview"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
)

// rpcClient speaks Bitcoin-style JSON-RPC 1.0 over the shared transport, one
// call or a batch (a JSON array; btcd and Bitcoin Core both accept them),
// every answer matched to its call by id and checked where it can be.
type rpcClient struct {
	r    *httpx.RPC
	ep   *endpoint
	name string // "btcd", "bitcoind": used in messages
	// view holds the block hashes answers gave each height, so a header or
	// block from another fork is a fault (issue 19).
	view *chainview.View
}

func newRPCClient(ep *endpoint, name string, maxBatch int) *rpcClient {
	return &rpcClient{r: httpx.NewRPC(ep.c, "1.0", maxBatch), ep: ep, name: name, view: chainview.New()}
}

// observing adds the chain-view check to a call's own check: a verbose
// header or block (height, hash, previousblockhash) must fit the chain the
// earlier answers described. A nil check stays nil (it decides batching).
func (c *rpcClient) observing(chk func(json.RawMessage) error) func(json.RawMessage) error {
	if chk == nil || c.view == nil {
		return chk
	}
	return func(raw json.RawMessage) error {
		if err := chk(raw); err != nil {
			return err
		}
		t := bytes.TrimSpace(raw)
		if len(t) == 0 || t[0] != '{' {
			return nil
		}
		var h struct {
			Height *uint64 `json:"height"`
			Hash   string  `json:"hash"`
			Prev   string  `json:"previousblockhash"`
		}
		if json.Unmarshal(t, &h) != nil || h.Height == nil || h.Hash == "" {
			return nil // not a header; the call's own decoding reports garbage
		}
		return c.view.Observe(*h.Height, h.Hash, h.Prev)
	}
}

// rpcCall is one element of a batch. Result is decoded into when the answer
// is not null; Null reports a JSON null result (gettxout of a spent output).
// Check ties an answer to its call (see httpx.Call.Check).
type rpcCall struct {
	Method string
	Params []any
	Result any
	Check  func(json.RawMessage) error
	Null   bool
	Err    error
}

// RPCError is an error object returned by the node.
type RPCError = httpx.RPCError

// call performs one request.
func (c *rpcClient) call(ctx context.Context, result any, method string, params ...any) (null bool, err error) {
	rc := &rpcCall{Method: method, Params: params, Result: result}
	if err := c.batch(ctx, []*rpcCall{rc}); err != nil {
		return false, err
	}
	return rc.Null, rc.Err
}

// batch sends calls in batches. A transport failure or a fault that
// persisted is returned; per-call failures go to each call's Err (wrapping
// trace sentinels where the node's error code says so).
func (c *rpcClient) batch(ctx context.Context, calls []*rpcCall) error {
	if len(calls) == 0 {
		return nil
	}
	hc := make([]*httpx.Call, len(calls))
	for i, rc := range calls {
		hc[i] = &httpx.Call{Method: rc.Method, Params: rc.Params, Result: rc.Result, Check: c.observing(rc.Check)}
	}
	if err := c.r.Batch(ctx, hc); err != nil {
		var ce *httpx.CallError
		if errors.As(err, &ce) {
			err = ce.Err
		}
		return fmt.Errorf("%s JSON-RPC %s: %w", c.name, calls[0].Method, c.ep.describe(err))
	}
	for i, rc := range calls {
		rc.Null, rc.Err = hc[i].Null, nil
		var re *httpx.RPCError
		switch {
		case errors.As(hc[i].Err, &re):
			rc.Err = c.wrap(rc.Method, re)
		case hc[i].Err != nil:
			rc.Err = fmt.Errorf("%s %s: %w", c.name, rc.Method, hc[i].Err)
		}
	}
	return nil
}

// wrap maps node error codes to the tracer's sentinels.
func (c *rpcClient) wrap(method string, e *RPCError) error {
	switch {
	case e.Code == -32601:
		return fmt.Errorf("%w: %s has no %s method: %v", trace.ErrUnsupported, c.name, method, e)
	case e.Code == -5 || e.Code == -8 && strings.Contains(strings.ToLower(e.Message), "not found"):
		return fmt.Errorf("%w: %s %s: %v", trace.ErrNotFound, c.name, method, e)
	}
	return fmt.Errorf("%s %s: %w", c.name, method, e)
}

func snippet(b []byte) string { return httpx.OneLine(b, 60) }
