package bitcoin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// endpoint is one HTTP base URL with its credentials split off, a rate limiter
// and polite handling of 429 (restic-style: retry and rate limiting wrap the
// plain request). The credentials appear only in the Authorization header:
// never in errors, warnings or the URL that is kept.
type endpoint struct {
	client   *http.Client
	base     string // scheme://host[:port]/path, no userinfo, no trailing slash
	user     string
	pass     string
	hasAuth  bool
	limiter  *rate.Limiter // nil: unlimited
	retries  int           // retries after 429/503
	maxWait  time.Duration // cap on one Retry-After wait
	warn     func(string)
	requests atomic.Int64 // HTTP requests sent (benchmarks, tests)
}

// parseEndpoint splits raw into a credential-free base and the credentials.
// Errors never repeat raw, which may hold a password.
func parseEndpoint(raw string) (base, user, pass string, hasAuth bool, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", "", false, errors.New("want an http:// or https:// URL such as http://user:pass@127.0.0.1:18334")
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		hasAuth = true
		u.User = nil
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), user, pass, hasAuth, nil
}

func newEndpoint(raw string, client *http.Client, rps float64, warn func(string)) (*endpoint, error) {
	base, user, pass, hasAuth, err := parseEndpoint(raw)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	e := &endpoint{client: client, base: base, user: user, pass: pass, hasAuth: hasAuth,
		retries: 5, maxWait: 30 * time.Second, warn: warn}
	if rps > 0 {
		e.limiter = rate.NewLimiter(rate.Limit(rps), 1)
	}
	return e, nil
}

// httpStatusError is a non-2xx answer.
type httpStatusError struct {
	Base   string
	Status int
	Body   string
}

func (e *httpStatusError) Error() string {
	b := strings.TrimSpace(e.Body)
	if len(b) > 200 {
		b = b[:200] + "…"
	}
	if b != "" {
		return fmt.Sprintf("%s answered HTTP %d: %s", e.Base, e.Status, b)
	}
	return fmt.Sprintf("%s answered HTTP %d", e.Base, e.Status)
}

// do sends one request and returns the body of a 2xx answer. Non-2xx answers
// come back as *httpStatusError with the body (JSON-RPC servers put errors
// there). 429 and 503 are retried after Retry-After (or a doubling backoff).
func (e *endpoint) do(ctx context.Context, method, path string, body []byte, contentType string) ([]byte, error) {
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		if e.limiter != nil {
			if err := e.limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, e.base+path, rd)
		if err != nil {
			return nil, fmt.Errorf("building request for %s: %v", e.base, err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("User-Agent", "chaintrace")
		if e.hasAuth {
			req.SetBasicAuth(e.user, e.pass)
		}
		e.requests.Add(1)
		resp, err := e.client.Do(req)
		if err != nil {
			return nil, e.transportError(ctx, err)
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if rerr != nil {
			return nil, fmt.Errorf("reading the answer of %s: %v", e.base, rerr)
		}
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return data, nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			if attempt >= e.retries {
				return nil, fmt.Errorf("%s keeps answering HTTP %d (rate limited) after %d retries: lower --rps or use your own node",
					e.base, resp.StatusCode, e.retries)
			}
			wait := retryAfter(resp.Header.Get("Retry-After"), backoff)
			if wait > e.maxWait {
				wait = e.maxWait
			}
			if e.warn != nil {
				e.warn(fmt.Sprintf("%s answered HTTP %d (rate limited); waiting and retrying — consider a lower --rps", e.base, resp.StatusCode))
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			backoff *= 2
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, fmt.Errorf("%s refused the credentials (HTTP %d): check user:password in --rpc", e.base, resp.StatusCode)
		default:
			return nil, &httpStatusError{Base: e.base, Status: resp.StatusCode, Body: string(data)}
		}
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, def time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return def
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return 0
	}
	return def
}

// transportError rewrites a client error without the request URL (which
// net/http prints, user name included) and says what to check.
func (e *endpoint) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s did not answer in time (timeout): %v", e.base, err)
	}
	return fmt.Errorf("cannot reach %s (is the node or API running? check --rpc): %v", e.base, err)
}
