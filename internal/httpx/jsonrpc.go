package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
)

// Call is one JSON-RPC call, alone or in a batch.
type Call struct {
	Method string
	Params []any
	Result any // decoded into when the answer is not null (nil: ignored)
	// Check verifies that an answer fits this call (the hash asked for is
	// the hash returned, …). A failed check makes the answer a transient fault:
	// it is never used. nil means the answer carries nothing to check it by;
	// such calls never share a batch with another unchecked call, since two
	// swapped answers between them could not be told apart. CallerChecks
	// marks calls whose results the caller cross-checks itself.
	Check func(raw json.RawMessage) error

	Null bool  // the answer was JSON null
	Err  error // *RPCError from the node, or a decode failure; nil on success
}

// CallerChecks is a Check for calls whose answers the caller verifies after
// the batch (e.g. monotonic nonces): they may share a batch.
func CallerChecks(json.RawMessage) error { return nil }

// RPCError is an error object the node returned for a call. It satisfies
// go-ethereum's rpc.Error (ErrorCode) and rpc.DataError (ErrorData).
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	if e.Message == "" {
		return "json-rpc error " + strconv.Itoa(e.Code)
	}
	return OneLine([]byte(e.Message), 300)
}

// ErrorCode is the JSON-RPC error code.
func (e *RPCError) ErrorCode() int { return e.Code }

// ErrorData is the error's data member, if any.
func (e *RPCError) ErrorData() any {
	if len(e.Data) == 0 {
		return nil
	}
	return string(e.Data)
}

// RateLimited reports a JSON-RPC error answer that is a rate limit: code
// -32005 (EIP-1474 "limit exceeded") whatever its text, or the wording public
// providers use. Log-range refusals share -32005 on some providers; they say
// so (RangeRefusal) and are not retried as they are.
func RateLimited(e *RPCError) bool {
	if e == nil {
		return false
	}
	m := strings.ToLower(e.Message)
	if e.Code == -32005 {
		return !RangeRefusal(m)
	}
	return strings.Contains(m, "rate limit") || strings.Contains(m, "too many requests") || strings.Contains(m, "request limit") ||
		strings.Contains(m, "rate exceeded") || strings.Contains(m, "exceeded") && strings.Contains(m, "capacity") ||
		e.Code == 429
}

// RangeRefusal reports a log query refused for its block range or result
// count (the query must shrink, not be asked again as it is).
func RangeRefusal(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "block range") || strings.Contains(m, "range") && (strings.Contains(m, "exceed") || strings.Contains(m, "too large") || strings.Contains(m, "too wide")) ||
		strings.Contains(m, "more than") && strings.Contains(m, "results") || strings.Contains(m, "query returned more than") ||
		strings.Contains(m, "response size") || strings.Contains(m, "log response size exceeded")
}

// batchRefusal reports an answer that refuses a batch for its size.
func batchRefusal(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "batch") && (strings.Contains(m, "too large") || strings.Contains(m, "too many") || strings.Contains(m, "too big") ||
		strings.Contains(m, "limit") || strings.Contains(m, "exceed") || strings.Contains(m, "not supported") || strings.Contains(m, "size"))
}

// RPC speaks JSON-RPC over a Client.
type RPC struct {
	c       *Client
	version string // "2.0" (Ethereum) or "1.0" (Bitcoin)
	size    atomic.Int64
	ids     atomic.Int64
	calls   atomic.Int64 // calls made, batched or not
	posts   atomic.Int64 // JSON-RPC requests (batches or single calls), retries not counted
}

// NewRPC returns a JSON-RPC client sending at most maxBatch calls per request.
func NewRPC(c *Client, version string, maxBatch int) *RPC {
	r := &RPC{c: c, version: version}
	r.size.Store(int64(max(maxBatch, 1)))
	return r
}

// Client is the HTTP client underneath.
func (r *RPC) Client() *Client { return r.c }

// BatchSize is the current calls per batch (it shrinks when refused).
func (r *RPC) BatchSize() int { return int(r.size.Load()) }

// Calls counts JSON-RPC calls; Posts counts JSON-RPC requests.
func (r *RPC) Calls() int64 { return r.calls.Load() }

// Posts counts the JSON-RPC requests (a batch counts once; retries are not
// counted here but in Client().Requests()).
func (r *RPC) Posts() int64 { return r.posts.Load() }

// CallError is a failure of the transport or a fault that persisted, with
// the call it happened on.
type CallError struct {
	Endpoint string // display form
	Method   string
	Calls    int // calls in the failed request (1: a single call)
	Err      error
}

func (e *CallError) Error() string {
	what := e.Method
	if e.Calls > 1 {
		what = fmt.Sprintf("a batch of %d calls (%s, …)", e.Calls, e.Method)
	}
	return fmt.Sprintf("%s at %s: %s", what, e.Endpoint, Redact(e.Err.Error()))
}

func (e *CallError) Unwrap() error { return e.Err }

// Tries reports how many attempts were made (0 if not a persistent fault).
func (e *CallError) Tries() int {
	var g *GiveUp
	if errors.As(e.Err, &g) {
		return g.Tries
	}
	return 0
}

// Call makes one call. A node's error answer is returned as *RPCError.
func (r *RPC) Call(ctx context.Context, c *Call) error {
	r.calls.Add(1)
	if err := r.single(ctx, c); err != nil {
		return err
	}
	return c.Err
}

// Batch makes calls in batches. Per-call outcomes land in each Call (Err,
// Null, Result); the returned error is a transport failure or a persistent
// fault, which leaves every call of the batch without an answer.
func (r *RPC) Batch(ctx context.Context, calls []*Call) error {
	r.calls.Add(int64(len(calls)))
	pending := calls
	for len(pending) > 0 {
		size := int(r.size.Load())
		chunk, rest := r.chunk(pending, size)
		if len(chunk) == 1 {
			if err := r.single(ctx, chunk[0]); err != nil {
				return err
			}
			pending = rest
			continue
		}
		redo, refused, err := r.batchOnce(ctx, chunk)
		if err != nil {
			return err
		}
		if refused {
			r.size.CompareAndSwap(int64(size), int64(max(min(size, len(chunk))/2, 1)))
			continue
		}
		for _, c := range redo {
			if err := r.single(ctx, c); err != nil {
				return err
			}
		}
		pending = rest
	}
	return nil
}

// chunk takes up to size calls, with at most one unchecked call among them.
func (r *RPC) chunk(calls []*Call, size int) (chunk, rest []*Call) {
	unchecked := false
	var later []*Call
	i := 0
	for ; i < len(calls) && len(chunk) < size; i++ {
		c := calls[i]
		if c.Check == nil {
			if unchecked {
				later = append(later, c)
				continue
			}
			unchecked = true
		}
		chunk = append(chunk, c)
	}
	if len(later) == 0 {
		return chunk, calls[i:]
	}
	return chunk, append(later, calls[i:]...)
}

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      int64  `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

func (r *RPC) encode(c *Call) request {
	p := c.Params
	if p == nil {
		p = []any{}
	}
	return request{JSONRPC: r.version, ID: r.ids.Add(1), Method: c.Method, Params: p}
}

func idOf(raw json.RawMessage) (int64, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) > 1 && t[0] == '"' { // some servers echo ids as strings
		t = t[1 : len(t)-1]
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	return n, err == nil
}

// single makes one call alone, retrying transient faults (including a rate
// limit in the error object and an answer that fails its check).
func (r *RPC) single(ctx context.Context, c *Call) error {
	req := r.encode(c)
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	r.posts.Add(1)
	c.Err, c.Null = nil, false
	err = r.c.policy.Do(ctx, func(try int) error {
		data, err := r.post(ctx, body, c.Method)
		if err != nil {
			return err
		}
		var resp response
		t := bytes.TrimSpace(data)
		if len(t) > 0 && t[0] == '[' { // a one-element array for a single call
			var rs []response
			if err := json.Unmarshal(t, &rs); err == nil && len(rs) == 1 {
				resp = rs[0]
			} else if err != nil && NotJSON(t) != nil {
				return NotJSON(t)
			} else {
				return &Fault{Kind: "mismatch", Detail: "an array answered a single call"}
			}
		} else if err := json.Unmarshal(t, &resp); err != nil {
			if f := NotJSON(t); f != nil {
				return f
			}
			return &Fault{Kind: "garbled", Detail: "not a JSON-RPC answer: " + OneLine(t, 80)}
		}
		id, ok := idOf(resp.ID)
		switch {
		case resp.Error != nil && (!ok || id == req.ID):
			if RateLimited(resp.Error) {
				return &Fault{Kind: "rate limited", Detail: fmt.Sprintf("JSON-RPC error %d: %s", resp.Error.Code, resp.Error.Error())}
			}
			c.Err = resp.Error
			return nil
		case !ok || id != req.ID:
			return &Fault{Kind: "mismatch", Detail: fmt.Sprintf("the answer's id %s is not the call's id %d", OneLine(resp.ID, 30), req.ID)}
		}
		return r.accept(c, resp.Result, false)
	})
	if err != nil {
		return &CallError{Endpoint: r.c.ep.Display(), Method: c.Method, Calls: 1, Err: err}
	}
	return nil
}

// accept checks and decodes one answer into c; a mismatch is a Fault. With
// checked, c.Check already passed on this very answer (a batch checks every
// answer before decoding any): it is not run twice.
func (r *RPC) accept(c *Call, res json.RawMessage, checked bool) error {
	t := bytes.TrimSpace(res)
	if len(t) == 0 || string(t) == "null" {
		if c.Check != nil && !checked {
			if err := c.Check(nil); err != nil {
				return &Fault{Kind: "mismatch", Detail: err.Error()}
			}
		}
		c.Null = true
		if c.Result != nil && len(t) > 0 {
			_ = json.Unmarshal(t, c.Result) // sets pointers to nil, as go-ethereum does
		}
		return nil
	}
	if c.Check != nil && !checked {
		if err := c.Check(t); err != nil {
			return &Fault{Kind: "mismatch", Detail: c.Method + ": " + err.Error()}
		}
	}
	if c.Result != nil {
		// A fresh value: nothing of an earlier (rejected) answer survives.
		if v := reflect.ValueOf(c.Result); v.Kind() == reflect.Pointer && !v.IsNil() {
			v.Elem().SetZero()
		}
		if err := json.Unmarshal(t, c.Result); err != nil {
			return &Fault{Kind: "mismatch", Detail: fmt.Sprintf("%s: the answer does not fit the call: %v", c.Method, err)}
		}
	}
	return nil
}

// post sends one JSON-RPC body. Non-2xx answers carrying a JSON-RPC error
// object (Bitcoin Core answers a failed call with HTTP 404/500) come back as
// the body.
func (r *RPC) post(ctx context.Context, body []byte, what string) ([]byte, error) {
	// Parsed: single and batchOnce decode the whole body (and call NotJSON
	// when it fails to decode).
	data, err := r.c.Do(ctx, Request{Method: http.MethodPost, Body: body, ContentType: "application/json", JSON: true, Parsed: true, What: what})
	var se *StatusError
	if errors.As(err, &se) {
		t := bytes.TrimSpace(se.RawBody())
		if len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t) {
			return t, nil
		}
	}
	return data, err
}

// batchOnce sends one batch. It returns the calls to ask again singly (their
// answers were missing, duplicated, foreign, rate limited or failed their
// check), or refused when the server refused the batch for its size.
func (r *RPC) batchOnce(ctx context.Context, chunk []*Call) (redo []*Call, refused bool, err error) {
	reqs := make([]request, len(chunk))
	byID := make(map[int64]int, len(chunk))
	for i, c := range chunk {
		reqs[i] = r.encode(c)
		byID[reqs[i].ID] = i
		c.Err, c.Null = nil, false
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, false, err
	}
	var resps []response
	r.posts.Add(1)
	err = r.c.policy.Do(ctx, func(try int) error {
		data, err := r.post(ctx, body, chunk[0].Method)
		var se *StatusError
		if errors.As(err, &se) && (se.Status == http.StatusRequestEntityTooLarge || batchRefusal(se.Body)) {
			refused = true
			return nil
		}
		if err != nil {
			return err
		}
		t := bytes.TrimSpace(data)
		if len(t) > 0 && t[0] == '{' { // a bare error object for the whole batch
			var one response
			err := json.Unmarshal(t, &one)
			if err != nil && NotJSON(t) != nil {
				return NotJSON(t)
			}
			if err == nil && one.Error != nil {
				if RateLimited(one.Error) {
					return &Fault{Kind: "rate limited", Detail: one.Error.Error()}
				}
				refused = true
				return nil
			}
			return &Fault{Kind: "mismatch", Detail: "an object answered a batch"}
		}
		if err := json.Unmarshal(t, &resps); err != nil {
			if f := NotJSON(t); f != nil {
				return f
			}
			return &Fault{Kind: "garbled", Detail: "not a JSON-RPC batch answer: " + OneLine(t, 80)}
		}
		if len(resps) == 1 && resps[0].Error != nil && len(chunk) > 1 {
			if _, ok := idOf(resps[0].ID); !ok { // geth: [{"id":null,"error":{…batch too large…}}]
				if RateLimited(resps[0].Error) {
					return &Fault{Kind: "rate limited", Detail: resps[0].Error.Error()}
				}
				refused = true
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, &CallError{Endpoint: r.c.ep.Display(), Method: chunk[0].Method, Calls: len(chunk), Err: err}
	}
	if refused {
		return nil, true, nil
	}
	// Match every answer to its call by id, each exactly once. Any answer
	// that is missing, repeated or foreign makes the whole batch suspect: its
	// calls are asked again one by one.
	got := make([]*response, len(chunk))
	suspect := false
	for i := range resps {
		id, ok := idOf(resps[i].ID)
		j, known := byID[id]
		if !ok || !known || got[j] != nil {
			suspect = true
			continue
		}
		got[j] = &resps[i]
	}
	for j := range got {
		if got[j] == nil {
			suspect = true
		}
	}
	// Every check first, so no answer is decoded from a batch found suspect.
	for j, c := range chunk {
		if suspect {
			break
		}
		if resp := got[j]; resp.Error == nil && c.Check != nil {
			t := bytes.TrimSpace(resp.Result)
			if len(t) == 0 || string(t) == "null" {
				t = nil
			}
			if c.Check(t) != nil {
				suspect = true
			}
		}
	}
	if !suspect {
		for j, c := range chunk {
			resp := got[j]
			switch {
			case resp.Error != nil:
				if RateLimited(resp.Error) {
					redo = append(redo, c)
					continue
				}
				c.Err = resp.Error
			default:
				if r.accept(c, resp.Result, true) != nil { // checked above
					suspect = true
				}
			}
		}
	}
	if suspect {
		for _, c := range chunk {
			c.Err, c.Null = nil, false
		}
		return chunk, false, nil
	}
	return redo, false, nil
}
