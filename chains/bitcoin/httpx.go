package bitcoin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/internal/httpx"
)

// endpoint is the adapter's one HTTP endpoint on the shared transport
// (internal/httpx): retries, rate limit and single flight live there; base is
// the display form, the only one messages use (no credentials, no keys).
type endpoint struct {
	c    *httpx.Client
	base string
}

func newEndpoint(raw string, o httpx.Options) (*endpoint, error) {
	ep, err := httpx.ParseEndpoint(raw)
	if err != nil {
		return nil, errors.New("want an http:// or https:// URL such as http://user:pass@127.0.0.1:18334")
	}
	if o.Timeout == 0 && (o.HTTP == nil || o.HTTP.Timeout == 0) {
		o.Timeout = 60 * time.Second
	}
	return &endpoint{c: httpx.NewClient(ep, o), base: ep.Display()}, nil
}

// do sends one request and returns the body of a 2xx answer; json says the
// answer must be JSON (an HTML page or a cut-short body is then retried).
func (e *endpoint) do(ctx context.Context, method, path string, body []byte, json bool) ([]byte, error) {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	data, err := e.c.Do(ctx, httpx.Request{Method: method, Path: path, Body: body, ContentType: ct, JSON: json, What: path})
	if err != nil {
		return nil, e.describe(err)
	}
	return data, nil
}

// describe says what failed and what to do, naming the endpoint's display form.
func (e *endpoint) describe(err error) error {
	var se *httpx.StatusError
	var g *httpx.GiveUp
	var ne *httpx.NetError
	switch {
	case errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden):
		return fmt.Errorf("%s refused the credentials (HTTP %d): check user:password in --rpc: %w", e.base, se.Status, se)
	case errors.As(err, &se):
		return err
	case errors.As(err, &g):
		return fmt.Errorf("%s: %w; %s", e.base, g, giveUpHint(g))
	case errors.As(err, &ne):
		return fmt.Errorf("cannot reach %s (is the node or API running? check --rpc): %w", e.base, ne)
	}
	return err
}

// giveUpHint says what to do about a fault that persisted.
func giveUpHint(g *httpx.GiveUp) string {
	switch k := g.Last.Kind; {
	case strings.Contains(k, "rate limited"), strings.Contains(k, "429"):
		return "rate limited: lower --rps or use your own node"
	case k == "timeout":
		return "the node did not answer in time: raise --request-timeout, lower --rps, or use another --rpc"
	case k == "mismatch":
		return "its answers do not match the requests (a faulty proxy or load balancer?): use another --rpc"
	}
	return "the node keeps failing: try again later, lower --rps, or use another --rpc"
}
