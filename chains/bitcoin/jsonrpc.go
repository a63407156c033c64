package bitcoin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/chaintrace/chaintrace/trace"
)

// rpcClient speaks Bitcoin-style JSON-RPC 1.0 over an endpoint, one call or a
// batch (a JSON array; btcd and Bitcoin Core both accept them).
type rpcClient struct {
	ep       *endpoint
	name     string // "btcd", "bitcoind": used in messages
	maxBatch int
	nextID   atomic.Int64
}

// rpcCall is one element of a batch. Result is decoded into when the answer
// is not null; Null reports a JSON null result (gettxout of a spent output).
type rpcCall struct {
	Method string
	Params []any
	Result any
	Null   bool
	Err    error
}

// RPCError is an error object returned by the node.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type rpcResponse struct {
	ID     int64           `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// call performs one request.
func (c *rpcClient) call(ctx context.Context, result any, method string, params ...any) (null bool, err error) {
	rc := &rpcCall{Method: method, Params: params, Result: result}
	if err := c.batch(ctx, []*rpcCall{rc}); err != nil {
		return false, err
	}
	return rc.Null, rc.Err
}

// batch sends calls in chunks of maxBatch. A transport failure is returned;
// per-call failures go to each call's Err (wrapping trace sentinels where the
// node's error code says so).
func (c *rpcClient) batch(ctx context.Context, calls []*rpcCall) error {
	for len(calls) > 0 {
		n := min(len(calls), c.maxBatch)
		if err := c.batchOnce(ctx, calls[:n]); err != nil {
			return err
		}
		calls = calls[n:]
	}
	return nil
}

func (c *rpcClient) batchOnce(ctx context.Context, calls []*rpcCall) error {
	reqs := make([]rpcRequest, len(calls))
	byID := make(map[int64]*rpcCall, len(calls))
	for i, rc := range calls {
		id := c.nextID.Add(1)
		p := rc.Params
		if p == nil {
			p = []any{}
		}
		reqs[i] = rpcRequest{JSONRPC: "1.0", ID: id, Method: rc.Method, Params: p}
		byID[id] = rc
	}
	var body []byte
	var err error
	single := len(reqs) == 1
	if single {
		body, err = json.Marshal(reqs[0])
	} else {
		body, err = json.Marshal(reqs)
	}
	if err != nil {
		return err
	}
	data, err := c.ep.do(ctx, "POST", "", body, "application/json")
	if err != nil {
		// Bitcoin Core answers a failed single call with HTTP 404/500 and the
		// JSON-RPC error in the body.
		var se *httpStatusError
		if !(errors.As(err, &se) && single && strings.HasPrefix(strings.TrimSpace(se.Body), "{")) {
			return fmt.Errorf("%s JSON-RPC: %w", c.name, err)
		}
		data = []byte(se.Body)
	}
	var resps []rpcResponse
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var r rpcResponse
		if err := json.Unmarshal(trimmed, &r); err != nil {
			return fmt.Errorf("%s at %s answered something that is not JSON-RPC: %v", c.name, c.ep.base, err)
		}
		if single {
			r.ID = reqs[0].ID // some servers echo a different id type
		}
		resps = []rpcResponse{r}
	} else if err := json.Unmarshal(trimmed, &resps); err != nil {
		return fmt.Errorf("%s at %s answered something that is not JSON-RPC (%q…): %v", c.name, c.ep.base, snippet(trimmed), err)
	}
	for _, r := range resps {
		rc, ok := byID[r.ID]
		if !ok {
			continue
		}
		delete(byID, r.ID)
		switch {
		case r.Error != nil:
			rc.Err = c.wrap(rc.Method, r.Error)
		case len(r.Result) == 0 || string(r.Result) == "null":
			rc.Null = true
		case rc.Result != nil:
			if err := json.Unmarshal(r.Result, rc.Result); err != nil {
				rc.Err = fmt.Errorf("%s %s: undecodable result: %v", c.name, rc.Method, err)
			}
		}
	}
	for _, rc := range byID {
		rc.Err = fmt.Errorf("%s %s: no answer in the batch response", c.name, rc.Method)
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

func snippet(b []byte) string {
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b)
}
