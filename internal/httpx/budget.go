package httpx

import (
	"errors"
	"net/http"
	"sync/atomic"
)

// ErrBudget is the error a request beyond a Budget's limit fails with (after
// the budget's Exhausted hook has run).
var ErrBudget = errors.New("request budget exhausted")

// Budget bounds how many HTTP requests may be sent, retries included, by every
// client whose transport it wraps (one trace's adapters and explorers share
// one). The request after the last one allowed is not sent: Exhausted runs
// first (the CLI cancels the trace's context there, with the budget as the
// cause, so the tracer stops cleanly instead of seeing a failing node), then
// the request fails with ErrBudget.
type Budget struct {
	Max       int64  // most requests; ≤ 0: no limit
	Exhausted func() // called once, when a request beyond Max is refused

	used  atomic.Int64
	fired atomic.Bool
	base  *http.Transport
}

// Used is how many requests were sent.
func (b *Budget) Used() int64 { return b.used.Load() }

// take reserves one request; false when the budget is spent.
func (b *Budget) take() bool {
	for {
		n := b.used.Load()
		if b.Max > 0 && n >= b.Max {
			return false
		}
		if b.used.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// HTTPClient returns an http.Client whose transport (a clone of
// http.DefaultTransport) counts against b; CloseIdle drops its connections.
func (b *Budget) HTTPClient() *http.Client {
	if b.base == nil {
		b.base = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &http.Client{Transport: budgetTransport{b}}
}

// CloseIdle drops the idle connections of the transport HTTPClient made.
func (b *Budget) CloseIdle() {
	if b.base != nil {
		b.base.CloseIdleConnections()
	}
}

type budgetTransport struct{ b *Budget }

func (t budgetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !t.b.take() {
		if r.Body != nil {
			r.Body.Close()
		}
		if t.b.fired.CompareAndSwap(false, true) && t.b.Exhausted != nil {
			t.b.Exhausted()
		}
		return nil, ErrBudget
	}
	return t.b.base.RoundTrip(r)
}
