package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// Options configure a Client; zero values take the defaults in brackets.
type Options struct {
	// HTTP [a client of its own, so Close drops its idle connections; it asks
	// for gzip from public hosts only (Endpoint.Private)]. A given client's
	// transport is used as it is.
	HTTP    *http.Client
	Timeout time.Duration // one request, retries apart [60 s, or HTTP.Timeout if set]
	RPS     float64       // most requests per second (0: unlimited)
	Burst   int           // [max(1, int(RPS))]
	Policy  *Policy       // [a default Policy]
	// Notify receives one line per retry (already redacted): for a progress
	// line or stderr, never for results, so output is the same with or
	// without faults.
	Notify func(string)
}

// Client sends requests to one Endpoint under the retry policy.
type Client struct {
	ep      *Endpoint
	hc      *http.Client
	own     *http.Transport
	timeout time.Duration
	limiter *rate.Limiter
	policy  *Policy
	notify  func(string)

	requests atomic.Int64 // HTTP requests sent, retries included
	retries  atomic.Int64

	fmu    sync.Mutex
	flight map[string]*call // identical GETs in flight
}

type call struct {
	done chan struct{}
	body []byte
	err  error
}

// NewClient returns a client for ep.
func NewClient(ep *Endpoint, o Options) *Client {
	c := &Client{ep: ep, policy: o.Policy, notify: o.Notify, flight: map[string]*call{}}
	if c.policy == nil {
		c.policy = &Policy{}
	}
	c.timeout = o.Timeout
	if o.HTTP != nil {
		c.hc = &http.Client{Transport: o.HTTP.Transport, CheckRedirect: o.HTTP.CheckRedirect, Jar: o.HTTP.Jar}
		if c.timeout == 0 {
			c.timeout = o.HTTP.Timeout
		}
	}
	if c.hc == nil || c.hc.Transport == nil {
		c.own = http.DefaultTransport.(*http.Transport).Clone()
		// No gzip from a node on this machine or a private network: the
		// node's compressing and our decompressing cost CPU on both sides
		// and save nothing on a LAN (issue 18: ~45 ms of a 1 s geth
		// fan-out trace). Public hosts are still asked for gzip.
		c.own.DisableCompression = ep.Private()
		if c.hc == nil {
			c.hc = &http.Client{}
		}
		c.hc.Transport = c.own
	}
	if c.timeout == 0 {
		c.timeout = 60 * time.Second
	}
	if o.RPS > 0 {
		b := o.Burst
		if b < 1 {
			b = max(1, int(o.RPS))
		}
		c.limiter = rate.NewLimiter(rate.Limit(o.RPS), b)
	}
	return c
}

// Endpoint is what the client talks to.
func (c *Client) Endpoint() *Endpoint { return c.ep }

// Policy is the client's retry policy.
func (c *Client) Policy() *Policy { return c.policy }

// Requests counts HTTP requests sent, retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Retries counts requests sent again after a transient fault.
func (c *Client) Retries() int64 { return c.retries.Load() }

// Close drops idle connections (a test server shutting down otherwise waits
// for them).
func (c *Client) Close() {
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
}

// Request is one HTTP request below the endpoint.
type Request struct {
	Method      string // [GET, or POST with a Body]
	Path        string // appended to the endpoint's path
	Body        []byte
	ContentType string
	// JSON: the answer must be JSON; anything else with a 2xx (an HTML page
	// from a CDN, a body cut short) is a transient fault.
	JSON bool
	// Parsed: the caller decodes the whole JSON body itself and tells one
	// that is not JSON as a fault (NotJSON): only an HTML page is caught
	// here, so a large answer is not scanned once more just to be validated.
	Parsed bool
	// What names the request in messages ("eth_getLogs", "/tx/<id>").
	What string
	// Check, if set, inspects a 2xx body; an error it returns (a Fault to
	// retry, anything else to fail) stops the body from being used.
	Check func(body []byte) error
}

// StatusError is a non-2xx answer that is not transient.
type StatusError struct {
	Endpoint string // display form
	Status   int
	Body     string // one line, capped, redacted
	raw      []byte
}

func (e *StatusError) Error() string {
	if e.Body != "" {
		return fmt.Sprintf("%s answered HTTP %d: %s", e.Endpoint, e.Status, e.Body)
	}
	return fmt.Sprintf("%s answered HTTP %d", e.Endpoint, e.Status)
}

// RawBody is the whole answer (JSON-RPC servers put error objects there).
func (e *StatusError) RawBody() []byte { return e.raw }

// Do sends r, retrying transient faults, and returns a 2xx body. Failures are
// *StatusError (a non-transient HTTP status), *GiveUp (a fault that persisted),
// *NetError (the endpoint cannot be reached) or the context's error.
func (c *Client) Do(ctx context.Context, r Request) ([]byte, error) {
	if r.Method == "" {
		r.Method = http.MethodGet
		if r.Body != nil {
			r.Method = http.MethodPost
		}
	}
	if r.Method != http.MethodGet || r.Check != nil {
		return c.do(ctx, r)
	}
	// Single flight: concurrent identical GETs share one answer.
	key := r.Path
	c.fmu.Lock()
	if f, ok := c.flight[key]; ok {
		c.fmu.Unlock()
		select {
		case <-f.done:
			return f.body, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &call{done: make(chan struct{})}
	c.flight[key] = f
	c.fmu.Unlock()
	f.body, f.err = c.do(ctx, r)
	c.fmu.Lock()
	delete(c.flight, key)
	c.fmu.Unlock()
	close(f.done)
	return f.body, f.err
}

func (c *Client) do(ctx context.Context, r Request) ([]byte, error) {
	var out []byte
	p := c.policy
	err := p.Do(ctx, func(try int) error {
		if try > 1 {
			c.retries.Add(1)
		}
		body, err := c.once(ctx, r)
		if err != nil {
			var f *Fault
			if errors.As(err, &f) && try < max(p.Tries, 1) && c.notify != nil {
				c.notify(fmt.Sprintf("%s %s: %s; retrying", c.ep.Display(), r.What, f.Kind))
			}
			return err
		}
		out = body
		return nil
	})
	return out, err
}

// NetError is an endpoint that cannot be reached at all (refused, no route,
// unknown host): not retried, since asking again will not help. Its message
// is the network's, redacted; callers add the endpoint.
type NetError struct {
	Endpoint string
	Err      error
}

func (e *NetError) Error() string {
	return Redact(e.Err.Error())
}

func (e *NetError) Unwrap() error { return e.Err }

// once is one attempt.
func (c *Client) once(ctx context.Context, r Request) ([]byte, error) {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, err
		}
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if r.Body != nil {
		rd = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(rctx, r.Method, c.ep.URL(r.Path), rd)
	if err != nil {
		return nil, fmt.Errorf("building a request for %s: %s", c.ep.Display(), Redact(err.Error()))
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	req.Header.Set("User-Agent", "chaintrace")
	if u, pw, ok := c.ep.auth(); ok {
		req.SetBasicAuth(u, pw)
	}
	c.requests.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.netFault(ctx, rctx, err)
	}
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	resp.Body.Close()
	if rerr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		kind := "truncated"
		if rctx.Err() != nil {
			kind = "timeout"
		}
		return nil, &Fault{Kind: kind, Detail: "the answer was cut short: " + Redact(rerr.Error()), Err: rerr}
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
	case r.JSON && s == http.StatusInternalServerError && rpcErrorBody(data):
		// Bitcoin Core answers a failed call with HTTP 500 and the JSON-RPC
		// error in the body: an answer, not a fault of the server.
		return nil, &StatusError{Endpoint: c.ep.Display(), Status: s, Body: OneLine(data, 200), raw: data}
	case s == http.StatusTooManyRequests, s == http.StatusInternalServerError, s == http.StatusBadGateway,
		s == http.StatusServiceUnavailable, s == http.StatusGatewayTimeout:
		f := &Fault{Kind: "HTTP " + strconv.Itoa(s), Detail: OneLine(data, 120)}
		if s == http.StatusTooManyRequests {
			f.Kind += " (rate limited)"
		}
		f.RetryAfter, f.HasAfter = RetryAfter(resp.Header.Get("Retry-After"), c.policy.Clock.Now())
		return nil, f
	default:
		return nil, &StatusError{Endpoint: c.ep.Display(), Status: s, Body: OneLine(data, 200), raw: data}
	}
	if r.JSON {
		t := bytes.TrimSpace(data)
		switch {
		case len(t) > 0 && t[0] == '<':
			return nil, &Fault{Kind: "html", Detail: "an HTML page instead of JSON: " + OneLine(t, 80)}
		case !r.Parsed:
			if err := NotJSON(t); err != nil {
				return nil, err
			}
		}
	}
	if r.Check != nil {
		if err := r.Check(data); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// NotJSON is the fault of a 2xx answer that is not valid JSON (nil if it is).
func NotJSON(body []byte) error {
	if json.Valid(body) {
		return nil
	}
	return &Fault{Kind: "truncated", Detail: "not valid JSON (cut short?): " + OneLine(body, 80)}
}

// netFault classifies a failed round trip.
func (c *Client) netFault(ctx, rctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	inner := err
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if u := ue.Unwrap(); u != nil {
			inner = u
		}
	}
	msg := Redact(inner.Error())
	var ne net.Error
	switch {
	case rctx.Err() != nil || errors.As(err, &ne) && ne.Timeout():
		return &Fault{Kind: "timeout", Detail: fmt.Sprintf("no answer within %v", c.timeout), Err: context.DeadlineExceeded}
	case errors.Is(err, syscall.ECONNREFUSED), isDNS(err):
		return &NetError{Endpoint: c.ep.Display(), Err: inner}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"),
		strings.Contains(msg, "broken pipe"), strings.Contains(msg, "server closed"):
		return &Fault{Kind: "reset", Detail: "the connection was dropped: " + msg, Err: inner}
	}
	return &NetError{Endpoint: c.ep.Display(), Err: inner}
}

// rpcErrorBody reports a JSON-RPC answer carrying an error object.
func rpcErrorBody(b []byte) bool {
	var m struct {
		Error json.RawMessage `json:"error"`
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &m) != nil {
		return false
	}
	e := bytes.TrimSpace(m.Error)
	return len(e) > 0 && string(e) != "null"
}

func isDNS(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de)
}

// RetryAfter parses a Retry-After header: delay seconds or an HTTP date.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// OneLine renders a quoted body for a message: one line, control characters
// and escapes removed, at most n runes, redacted.
func OneLine(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	var sb strings.Builder
	space := false
	count := 0
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		if count >= n {
			sb.WriteString("…")
			break
		}
		sb.WriteRune(r)
		count++
	}
	return Redact(strings.TrimSpace(sb.String()))
}
