package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/internal/testnode/deadport"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/rpc"
)

func TestOpenChainID(t *testing.T) {
	n := geth.Start(t)
	ctx := context.Background()
	_, err := Open(ctx, Config{Chain: "eth", RPC: n.URL()})
	if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "chain id 1 ") || !strings.Contains(err.Error(), "chain id 1337") {
		t.Errorf("eth against a 1337 node: %v", err)
	}
	if _, err := Open(ctx, Config{Chain: "evm:5", RPC: n.URL()}); !errors.Is(err, trace.ErrBadInput) {
		t.Errorf("evm:5 against 1337: %v", err)
	}
	a, err := Open(ctx, Config{Chain: "evm:1337", RPC: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if i := a.Info(); i.ChainID != 1337 || i.Name != "evm:1337" || i.Native.ID != "ETH" || i.Family != "account" {
		t.Errorf("info %+v", i)
	}
	b, err := Open(ctx, Config{Chain: "evm", RPC: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Info().ChainID != 1337 {
		t.Errorf("evm read chain id %d", b.Info().ChainID)
	}
	for _, c := range []Config{
		{Chain: "dogecoin", RPC: n.URL()},
		{Chain: "evm:x", RPC: n.URL()},
		{Chain: "evm", RPC: "ftp://x"},
		{Chain: "evm", RPC: n.URL(), History: "magic"},
		{Chain: "evm", RPC: n.URL(), WETH: []string{"nope"}},
	} {
		if _, err := Open(ctx, c); !errors.Is(err, trace.ErrBadInput) {
			t.Errorf("Open(%+v) = %v, want ErrBadInput", c, err)
		}
	}
}

func TestNodeDown(t *testing.T) {
	url := "http://" + deadport.Addr(t) // refuses, and no other process can take the port meanwhile
	_, err := Open(context.Background(), Config{Chain: "evm", RPC: url})
	if err == nil || !strings.Contains(err.Error(), "cannot reach RPC endpoint") || !strings.Contains(err.Error(), url) {
		t.Errorf("node down: %v", err)
	}
}

func TestTimeoutAndGarbage(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	_, err := Open(context.Background(), Config{Chain: "evm", RPC: slow.URL, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}, Policy: &httpx.Policy{Clock: httpx.NewFakeClock()}})
	if err == nil || !strings.Contains(err.Error(), slow.URL) {
		t.Errorf("timeout: %v", err)
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>hello</html>"))
	}))
	defer garbage.Close()
	_, err = Open(context.Background(), Config{Chain: "evm", RPC: garbage.URL, Policy: &httpx.Policy{Clock: httpx.NewFakeClock()}})
	if err == nil || !strings.Contains(err.Error(), garbage.URL) {
		t.Errorf("garbage: %v", err)
	}
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	_, err = Open(context.Background(), Config{Chain: "evm", RPC: notFound.URL})
	if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "JSON-RPC endpoint") {
		t.Errorf("404: %v", err)
	}
}

// tooMany answers the first n requests with 429 (Retry-After: 0), then proxies
// to the real node.
func tooMany(t *testing.T, upstream string, n int64) (*httptest.Server, *atomic.Int64) {
	u, _ := url.Parse(upstream)
	rp := httputil.NewSingleHostReverseProxy(u)
	var seen atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s, &seen
}

func TestRetry429(t *testing.T) {
	s, _ := scenario(t)
	srv, seen := tooMany(t, s.Node.URL(), 3)
	a := openRPC(t, srv.URL)
	ts, err := a.TxTransfers(context.Background(), s.TheftETH.Hex())
	if err != nil || len(ts) != 2 {
		t.Fatalf("after 429s: %d transfers, %v", len(ts), err)
	}
	if st := a.Stats(); st.Retries != 3 || st.HTTPRequests != seen.Load() {
		t.Errorf("stats %+v, server saw %d", st, seen.Load())
	}
	// A server that never stops refusing: a clear error after the retries.
	always, _ := tooMany(t, s.Node.URL(), 1<<40)
	_, err = Open(context.Background(), Config{Chain: "evm", RPC: always.URL, Retries: 2})
	if err == nil || !strings.Contains(err.Error(), "rate limited") || !strings.Contains(err.Error(), "--rps") {
		t.Errorf("persistent 429: %v", err)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	if d, ok := httpx.RetryAfter("2", time.Now()); d != 2*time.Second || !ok {
		t.Errorf("retryAfter(2) = %v", d)
	}
	if d, ok := httpx.RetryAfter(time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat), time.Now()); d < 1*time.Second || d > 3*time.Second || !ok {
		t.Errorf("retryAfter(date) = %v", d)
	}
	if _, ok := httpx.RetryAfter("soon", time.Now()); ok {
		t.Error("retryAfter(soon) accepted")
	}
	s, _ := scenario(t)
	u, _ := url.Parse(s.Node.URL())
	rp := httputil.NewSingleHostReverseProxy(u)
	var first atomic.Bool
	var gap atomic.Int64
	var at time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !first.Swap(true) {
			at = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if gap.Load() == 0 {
			gap.Store(int64(time.Since(at)))
		}
		rp.ServeHTTP(w, r)
	}))
	defer srv.Close()
	openRPC(t, srv.URL)
	if time.Duration(gap.Load()) < 900*time.Millisecond {
		t.Errorf("retried after %v, want ≥ 1s as Retry-After said", time.Duration(gap.Load()))
	}
}

func TestRateLimit(t *testing.T) {
	s, _ := scenario(t)
	a := openRPC(t, s.Node.URL(), func(c *Config) { c.RPS = 20; c.BatchSize = 1 })
	start := time.Now()
	for i := 0; i < 30; i++ {
		if _, err := a.Tip(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 31 requests at 20/s with a burst of 20: at least 0.5 s.
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Errorf("31 requests at --rps 20 took %v", d)
	}
}

func TestMissingDebugAPI(t *testing.T) {
	s, _ := scenario(t)
	p := newProxy(t, s.Node.URL(), func(m string, _ json.RawMessage) (any, *rpcErrObj, bool) {
		if strings.HasPrefix(m, "debug_") || strings.HasPrefix(m, "trace_") {
			return nil, &rpcErrObj{Code: -32601, Message: "the method " + m + " does not exist/is not available"}, true
		}
		return nil, nil, false
	})
	a := openRPC(t, p.URL)
	ts, err := a.TxTransfers(context.Background(), s.ForwardTx.Hex())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Kind != "fee" || ts[1].Kind != "value" {
		t.Errorf("without tracer: %+v", ts)
	}
	w := a.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "debug_traceTransaction") || !strings.Contains(w[0], "not visible") {
		t.Errorf("warnings %q", w)
	}
	// History still works; internal credits are unseen, and that is said.
	h, err := a.History(context.Background(), trace.HistoryQuery{Address: s.H4.Hex(), ToBlock: s.LastBlock})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range h.Transfers {
		if x.Kind == "internal" {
			t.Errorf("internal transfer without a tracer: %+v", x)
		}
	}
	if p.count("debug_traceTransaction") != 1 {
		t.Errorf("asked for debug_traceTransaction %d times after it was missing", p.count("debug_traceTransaction"))
	}
	if !strings.Contains(strings.Join(a.Warnings(), "\n"), "debug_traceBlockByNumber") {
		t.Errorf("no warning about the unsearched internal credits: %q", a.Warnings())
	}
}

func TestLogRangeShrinks(t *testing.T) {
	s, _ := scenario(t)
	var refused atomic.Int64
	p := newProxy(t, s.Node.URL(), func(m string, params json.RawMessage) (any, *rpcErrObj, bool) {
		if m != "eth_getLogs" {
			return nil, nil, false
		}
		var q []struct{ FromBlock, ToBlock string }
		json.Unmarshal(params, &q)
		var from, to uint64
		parseHexU(q[0].FromBlock, &from)
		parseHexU(q[0].ToBlock, &to)
		if to-from+1 > 3 {
			refused.Add(1)
			return nil, &rpcErrObj{Code: -32005, Message: "query exceeds max block range 3"}, true
		}
		return nil, nil, false
	})
	a := openRPC(t, p.URL)
	h, err := a.History(context.Background(), trace.HistoryQuery{Address: s.H3.Hex(), ToBlock: s.LastBlock})
	if err != nil {
		t.Fatal(err)
	}
	tokens := 0
	for _, x := range h.Transfers {
		if x.Kind == "token" {
			tokens++
		}
	}
	if tokens != 2 || refused.Load() == 0 {
		t.Errorf("h3 token transfers %d (want 2: in from hacker, out to exchange); refusals %d", tokens, refused.Load())
	}
}

func parseHexU(s string, v *uint64) {
	var n uint64
	for _, c := range strings.TrimPrefix(s, "0x") {
		n *= 16
		switch {
		case c >= '0' && c <= '9':
			n += uint64(c - '0')
		case c >= 'a' && c <= 'f':
			n += uint64(c-'a') + 10
		}
	}
	*v = n
}

func TestPrunedStateAndAutoDetect(t *testing.T) {
	s, _ := scenario(t)
	p := newProxy(t, s.Node.URL(), func(m string, _ json.RawMessage) (any, *rpcErrObj, bool) {
		if m == "eth_getBalance" || m == "eth_call" {
			return nil, &rpcErrObj{Code: -32000, Message: "missing trie node 4f3c2a (path ) state 0x4f3c2a is not available"}, true
		}
		return nil, nil, false
	})
	var warnings strings.Builder
	a := openRPC(t, p.URL, func(c *Config) { c.History = HistoryAuto; c.Warnings = &warnings })
	ctx := context.Background()
	_, err := a.Balance(ctx, s.P2.Hex(), a.Info().Native, 3)
	if !errors.Is(err, trace.ErrUnsupported) || !strings.Contains(err.Error(), "archive node") {
		t.Errorf("pruned balance: %v", err)
	}
	// geth has no trace_filter: auto settles on rpc, once.
	for i := 0; i < 2; i++ {
		if st, err := a.Strategy(ctx); err != nil || st != HistoryRPC {
			t.Fatalf("auto on geth: %q, %v", st, err)
		}
	}
	if _, err := a.History(ctx, trace.HistoryQuery{Address: s.P1.Hex(), ToBlock: s.LastBlock}); err != nil {
		t.Fatal(err)
	}
	if p.count("trace_filter") != 1 {
		t.Errorf("trace_filter probed %d times, want once", p.count("trace_filter"))
	}
	// Warnings go to the writer as they happen, once each.
	b := openRPC(t, s.Node.URL(), func(c *Config) { c.ScanBlocks = 1; c.Warnings = &warnings })
	for i := 0; i < 2; i++ {
		if _, err := b.History(ctx, trace.HistoryQuery{Address: s.P1.Hex(), ToBlock: s.LastBlock}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Count(warnings.String(), "warning: evm: rpc history scans at most 1 blocks"); got != 1 {
		t.Errorf("warning written %d times:\n%s", got, warnings.String())
	}
}

func TestExplorerAnswers(t *testing.T) {
	s, _ := scenario(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch hits.Add(1) {
		case 1:
			w.Write([]byte(`{"status":"0","message":"NOTOK","result":"Max calls per sec rate limit reached (5/sec)"}`))
		default:
			w.Write([]byte(`{"status":"0","message":"No transactions found","result":[]}`))
		}
	}))
	defer srv.Close()
	a := openRPC(t, s.Node.URL(), func(c *Config) { c.History, c.Explorer = HistoryExplorer, srv.URL })
	h, err := a.History(context.Background(), trace.HistoryQuery{Address: s.P2.Hex(), ToBlock: s.LastBlock})
	if err != nil || len(h.Transfers) != 0 {
		t.Fatalf("empty explorer: %d transfers, %v", len(h.Transfers), err)
	}
	if hits.Load() != 4 { // one refused, then txlist, txlistinternal, tokentx
		t.Errorf("explorer requests %d, want 4", hits.Load())
	}
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>login</html>")) }))
	defer html.Close()
	b := openRPC(t, s.Node.URL(), func(c *Config) { c.History, c.Explorer = HistoryExplorer, html.URL })
	_, err = b.History(context.Background(), trace.HistoryQuery{Address: s.P2.Hex(), ToBlock: s.LastBlock})
	if err == nil || !strings.Contains(err.Error(), "not Etherscan-style JSON") {
		t.Errorf("html explorer: %v", err)
	}
}

// TestBatchLimitAndJSONRateLimit: a server that refuses batches over 10 calls
// (HTTP 413) and answers some calls with a JSON-RPC rate-limit error still gives
// the full history.
func TestBatchLimitAndJSONRateLimit(t *testing.T) {
	s, a := scenario(t)
	var limited atomic.Int64
	p := newProxy(t, s.Node.URL(), func(m string, _ json.RawMessage) (any, *rpcErrObj, bool) {
		if m == "eth_getTransactionReceipt" && limited.Add(1) <= 2 {
			return nil, &rpcErrObj{Code: -32005, Message: "daily request limit exceeded / rate limit reached"}, true
		}
		return nil, nil, false
	})
	pu, _ := url.Parse(p.URL)
	rp := httputil.NewSingleHostReverseProxy(pu)
	var refused atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var batch []json.RawMessage
		if json.Unmarshal(body, &batch) == nil && len(batch) > 10 {
			refused.Add(1)
			http.Error(w, "request entity too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
	}))
	defer front.Close()
	b := openRPC(t, front.URL)
	ctx := context.Background()
	q := trace.HistoryQuery{Address: s.Hacker.Hex(), ToBlock: s.LastBlock}
	want, err := a.History(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.History(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(want)
	j2, _ := json.Marshal(got)
	if string(j1) != string(j2) || refused.Load() == 0 || limited.Load() < 3 {
		t.Errorf("refused %d batches, limited %d calls; same history: %v", refused.Load(), limited.Load(), string(j1) == string(j2))
	}
	if sz := b.cl.r.BatchSize(); sz > 10 || sz < 5 {
		t.Errorf("batch size settled at %d, want 6..10", sz)
	}
}

// TestTraceTransactionFallback: without debug_*, internal transfers come from
// trace_transaction (Parity format; served here from geth's flatCallTracer,
// which emits that format).
func TestTraceTransactionFallback(t *testing.T) {
	s, a := scenario(t)
	node, err := rpc.Dial(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	p := newProxy(t, s.Node.URL(), func(m string, params json.RawMessage) (any, *rpcErrObj, bool) {
		switch {
		case m == "trace_transaction":
			var args []string
			json.Unmarshal(params, &args)
			var out json.RawMessage
			if err := node.Call(&out, "debug_traceTransaction", args[0], map[string]any{"tracer": "flatCallTracer"}); err != nil {
				return nil, &rpcErrObj{Code: -32000, Message: err.Error()}, true
			}
			return out, nil, true
		case strings.HasPrefix(m, "debug_"):
			return nil, &rpcErrObj{Code: -32601, Message: "the method " + m + " does not exist/is not available"}, true
		}
		return nil, nil, false
	})
	b := openRPC(t, p.URL)
	ctx := context.Background()
	for _, h := range []string{s.ForwardTx.Hex(), s.UnwrapTx.Hex(), s.WrapTx.Hex()} {
		want, err := a.TxTransfers(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.TxTransfers(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		j1, _ := json.Marshal(want)
		j2, _ := json.Marshal(got)
		if string(j1) != string(j2) {
			t.Errorf("%s via trace_transaction:\n%s\nwant\n%s", h, j2, j1)
		}
	}
	if p.count("trace_transaction") != 3 || p.count("debug_traceTransaction") != 1 {
		t.Errorf("trace_transaction %d, debug_traceTransaction %d calls", p.count("trace_transaction"), p.count("debug_traceTransaction"))
	}
}
