package evm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// transport wraps an http.RoundTripper with a rate limit and retries, so the RPC
// client and the explorer client share one policy (restic's backend wrappers).
type transport struct {
	base     http.RoundTripper
	limiter  *rate.Limiter // nil: unlimited
	retries  int
	backoff  time.Duration // first wait; doubles each try
	maxWait  time.Duration
	requests atomic.Int64 // HTTP requests sent, retries included
	retried  atomic.Int64
}

func newTransport(base http.RoundTripper, rps float64, retries int) *transport {
	if base == nil {
		base = http.DefaultTransport
	}
	t := &transport{base: base, retries: retries, backoff: 250 * time.Millisecond, maxWait: 30 * time.Second}
	if rps > 0 {
		burst := int(rps)
		if burst < 1 {
			burst = 1
		}
		t.limiter = rate.NewLimiter(rate.Limit(rps), burst)
	}
	return t
}

func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500 && code != http.StatusNotImplemented
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	wait := t.backoff
	for try := 0; ; try++ {
		if t.limiter != nil {
			if err := t.limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		r := req
		if try > 0 {
			if req.GetBody == nil && req.Body != nil {
				return nil, errors.New("request body cannot be replayed for a retry")
			}
			r = req.Clone(ctx)
			if req.GetBody != nil {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
		}
		t.requests.Add(1)
		resp, err := t.base.RoundTrip(r)
		if err != nil || !retryable(resp.StatusCode) || try >= t.retries {
			return resp, err
		}
		d := wait
		if ra, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			d = ra // the server knows best, "0" included
		}
		if d > t.maxWait {
			d = t.maxWait
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		t.retried.Add(1)
		if err := sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("gave up after HTTP %d: %w", resp.StatusCode, err)
		}
		wait *= 2
	}
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
