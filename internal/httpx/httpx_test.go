package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackoffCappedWithJitter(t *testing.T) {
	p := &Policy{Base: 100 * time.Millisecond, Cap: time.Second, Seed: 1}
	for try, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 9: time.Second} {
		for i := 0; i < 50; i++ {
			if d := p.Backoff(try, nil); d < want/2 || d > want {
				t.Fatalf("try %d: backoff %v outside [%v, %v]", try, d, want/2, want)
			}
		}
	}
	if d := p.Backoff(1, &Fault{HasAfter: true, RetryAfter: 7 * time.Second}); d != 7*time.Second {
		t.Errorf("Retry-After 7 s: waited %v", d)
	}
	if d := p.Backoff(1, &Fault{HasAfter: true, RetryAfter: time.Hour}); d != 30*time.Second {
		t.Errorf("Retry-After 1 h: waited %v, want the 30 s cap", d)
	}
	if d := p.Backoff(1, &Fault{HasAfter: true}); d != 0 {
		t.Errorf("Retry-After 0: waited %v", d)
	}
}

// flaky answers each request with the next fault in faults, then with ok.
func flaky(t *testing.T, faults []string, ok string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(faults) {
			io.WriteString(w, ok)
			return
		}
		switch faults[i] {
		case "503":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case "502":
			http.Error(w, "<html><body>Bad gateway</body></html>", http.StatusBadGateway)
		case "429":
			w.Header().Set("Retry-After", "3")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case "429-bare":
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case "reset":
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		case "truncated":
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, ok[:len(ok)/2])
		case "html":
			io.WriteString(w, "<html><body>Cloudflare: checking your browser</body></html>")
		case "-32005":
			io.WriteString(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"project ID request rate exceeded"}}`)
		case "stall":
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func newTestClient(t *testing.T, url string, tries int) (*Client, *FakeClock) {
	ep, err := ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	clk := NewFakeClock()
	c := NewClient(ep, Options{Timeout: 200 * time.Millisecond, Policy: &Policy{Tries: tries, Clock: clk, Seed: 7}})
	t.Cleanup(c.Close)
	return c, clk
}

func TestClientRetriesTransientFaults(t *testing.T) {
	for _, faults := range [][]string{{"503", "502"}, {"429", "429-bare"}, {"reset", "truncated"}, {"html", "stall"}} {
		s, n := flaky(t, faults, `{"ok":true}`)
		c, clk := newTestClient(t, s.URL, 3)
		body, err := c.Do(context.Background(), Request{JSON: true, What: "test"})
		if err != nil || string(body) != `{"ok":true}` {
			t.Errorf("%v: %q, %v", faults, body, err)
			continue
		}
		if n.Load() != 3 || c.Requests() != 3 || c.Retries() != 2 || len(clk.Sleeps()) != 2 {
			t.Errorf("%v: server saw %d, client sent %d (%d retries), slept %v", faults, n.Load(), c.Requests(), c.Retries(), clk.Sleeps())
		}
		if faults[0] == "429" && clk.Sleeps()[0] != 3*time.Second {
			t.Errorf("429 with Retry-After 3: slept %v", clk.Sleeps())
		}
	}
}

func TestClientGivesUp(t *testing.T) {
	s, n := flaky(t, []string{"503", "503", "503", "503", "503"}, `{}`)
	c, _ := newTestClient(t, strings.Replace(s.URL, "http://", "http://user:hunter2hunter2@", 1)+"/v3/0123456789abcdef0123", 4)
	_, err := c.Do(context.Background(), Request{JSON: true})
	var g *GiveUp
	if !errors.As(err, &g) || g.Tries != 4 || n.Load() != 4 || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("persistent 503: %v (server saw %d)", err, n.Load())
	}
	// Not retried: a 404 is an answer.
	nf := httptest.NewServer(http.NotFoundHandler())
	defer nf.Close()
	c2, clk := newTestClient(t, nf.URL, 4)
	_, err = c2.Do(context.Background(), Request{JSON: true})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 404 || len(clk.Sleeps()) != 0 {
		t.Errorf("404: %v, slept %v", err, clk.Sleeps())
	}
	if d := c.Endpoint().Display(); strings.Contains(d, "hunter2") || strings.Contains(d, "user") || strings.Contains(d, "0123456789abcdef0123") {
		t.Errorf("display %q leaks", d)
	}
}

func TestRedact(t *testing.T) {
	AddSecret("k3y/with space+plus")
	for in, want := range map[string]string{
		"https://u:p@eth.example/v2/abcdefghijklmnopqrstuvwxyz012345?apikey=XYZ&chain=1":         "https://REDACTED@eth.example/v2/REDACTED?apikey=REDACTED&chain=1",
		"Post \"https://mainnet.infura.io/v3/0123abcd\": EOF":                                    "Post \"https://mainnet.infura.io/v3/REDACTED\": EOF",
		"see https://blockstream.info/api/tx/" + strings.Repeat("ab", 32) + ".":                  "see https://blockstream.info/api/tx/" + strings.Repeat("ab", 32) + ".",
		"key k3y/with space+plus, escaped k3y%2Fwith+space%2Bplus, path k3y%2Fwith%20space+plus": "key REDACTED, escaped REDACTED, path REDACTED",
		"http://127.0.0.1:8545": "http://127.0.0.1:8545",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// rpcServer answers JSON-RPC echo calls: result = {"n": params[0]}; mangle
// may rewrite the answers of a batch.
func rpcServer(t *testing.T, mangle func(batch int, resps []map[string]any) []map[string]any) (*httptest.Server, *atomic.Int64) {
	var posts atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(posts.Add(1))
		body, _ := io.ReadAll(r.Body)
		var reqs []map[string]any
		single := false
		if json.Unmarshal(body, &reqs) != nil {
			var one map[string]any
			json.Unmarshal(body, &one)
			reqs, single = []map[string]any{one}, true
		}
		var out []map[string]any
		for _, q := range reqs {
			out = append(out, map[string]any{"jsonrpc": "2.0", "id": q["id"], "result": map[string]any{"n": q["params"].([]any)[0]}})
		}
		if mangle != nil && !single {
			out = mangle(n, out)
		}
		if single {
			json.NewEncoder(w).Encode(out[0])
			return
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(s.Close)
	return s, &posts
}

type echo struct {
	N int `json:"n"`
}

func echoCalls(n int) ([]*Call, []echo) {
	res := make([]echo, n)
	calls := make([]*Call, n)
	for i := range calls {
		i := i
		calls[i] = &Call{Method: "echo", Params: []any{i}, Result: &res[i], Check: func(raw json.RawMessage) error {
			var e echo
			if err := json.Unmarshal(raw, &e); err != nil || e.N != i {
				return fmt.Errorf("answer for %d is about %d", i, e.N)
			}
			return nil
		}}
	}
	return calls, res
}

func TestBatchAnswersMatchedByID(t *testing.T) {
	for name, mangle := range map[string]func(int, []map[string]any) []map[string]any{
		"reversed": func(_ int, r []map[string]any) []map[string]any {
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return r
		},
		"swapped ids": func(_ int, r []map[string]any) []map[string]any {
			r[0]["id"], r[1]["id"] = r[1]["id"], r[0]["id"]
			return r
		},
		"missing": func(_ int, r []map[string]any) []map[string]any { return r[1:] },
		"duplicated": func(_ int, r []map[string]any) []map[string]any {
			r[1] = r[0]
			return r
		},
		"foreign": func(_ int, r []map[string]any) []map[string]any {
			r[2]["id"] = 999999
			return r
		},
	} {
		s, posts := rpcServer(t, mangle)
		c, _ := newTestClient(t, s.URL, 3)
		r := NewRPC(c, "2.0", 10)
		calls, res := echoCalls(5)
		if err := r.Batch(context.Background(), calls); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range res {
			if res[i].N != i || calls[i].Err != nil {
				t.Errorf("%s: call %d got %+v, %v", name, i, res[i], calls[i].Err)
			}
		}
		want := int64(1)
		if name != "reversed" {
			want = 6 // the batch, then each call alone
		}
		if posts.Load() != want {
			t.Errorf("%s: %d requests, want %d", name, posts.Load(), want)
		}
	}
}

// A batch runs each answer's check once (before decoding any answer), not
// again when it decodes it (issue 18: the checks of full blocks and proofs are
// the adapter's largest CPU cost per frontier); a single call runs it once too.
func TestBatchChecksEachAnswerOnce(t *testing.T) {
	s, _ := rpcServer(t, nil)
	c, _ := newTestClient(t, s.URL, 3)
	r := NewRPC(c, "2.0", 10)
	calls, res := echoCalls(4)
	runs := make([]int, len(calls))
	for i, cl := range calls {
		chk := cl.Check
		cl.Check = func(raw json.RawMessage) error { runs[i]++; return chk(raw) }
	}
	if err := r.Batch(context.Background(), calls); err != nil {
		t.Fatal(err)
	}
	for i := range calls {
		if runs[i] != 1 || res[i].N != i || calls[i].Err != nil {
			t.Errorf("call %d: check ran %d times, result %+v, %v; want once", i, runs[i], res[i], calls[i].Err)
		}
	}
	one, _ := echoCalls(1)
	n, chk := 0, one[0].Check
	one[0].Check = func(raw json.RawMessage) error { n++; return chk(raw) }
	if err := r.Call(context.Background(), one[0]); err != nil || n != 1 {
		t.Errorf("single call: %v, check ran %d times, want once", err, n)
	}
}

func TestUncheckedCallsNeverShareABatch(t *testing.T) {
	s, posts := rpcServer(t, nil)
	c, _ := newTestClient(t, s.URL, 3)
	r := NewRPC(c, "2.0", 10)
	calls, _ := echoCalls(4)
	calls[1].Check, calls[3].Check = nil, nil
	if err := r.Batch(context.Background(), calls); err != nil {
		t.Fatal(err)
	}
	if posts.Load() != 2 { // [0 1 2] and [3]
		t.Errorf("%d requests, want 2", posts.Load())
	}
}

func TestBatchRefusalShrinks(t *testing.T) {
	for name, refuse := range map[string]func(w http.ResponseWriter){
		"413": func(w http.ResponseWriter) {
			http.Error(w, "request entity too large", http.StatusRequestEntityTooLarge)
		},
		"geth array": func(w http.ResponseWriter) {
			io.WriteString(w, `[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}]`)
		},
		"bare object": func(w http.ResponseWriter) {
			io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch size limit exceeded"}}`)
		},
	} {
		var big atomic.Int64
		inner, _ := rpcServer(t, nil)
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var reqs []json.RawMessage
			if json.Unmarshal(body, &reqs) == nil && len(reqs) > 3 {
				big.Add(1)
				refuse(w)
				return
			}
			resp, err := http.Post(inner.URL, "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			io.Copy(w, resp.Body)
		}))
		c, _ := newTestClient(t, s.URL, 3)
		r := NewRPC(c, "2.0", 16)
		calls, res := echoCalls(12)
		if err := r.Batch(context.Background(), calls); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range res {
			if res[i].N != i {
				t.Errorf("%s: call %d = %+v", name, i, res[i])
			}
		}
		if r.BatchSize() > 3 || big.Load() == 0 {
			t.Errorf("%s: batch size %d after %d refusals", name, r.BatchSize(), big.Load())
		}
		s.Close()
	}
}

func TestRateLimitByCode(t *testing.T) {
	s, n := flaky(t, []string{"-32005", "-32005"}, `{"jsonrpc":"2.0","id":1,"result":"0x1"}`)
	c, clk := newTestClient(t, s.URL, 4)
	r := NewRPC(c, "2.0", 10)
	var out string
	if err := r.Call(context.Background(), &Call{Method: "eth_chainId", Result: &out}); err != nil || out != "0x1" {
		t.Fatalf("after two -32005: %q %v", out, err)
	}
	if n.Load() != 3 || len(clk.Sleeps()) != 2 {
		t.Errorf("requests %d, sleeps %v", n.Load(), clk.Sleeps())
	}
	if !RateLimited(&RPCError{Code: -32005, Message: "project ID request rate exceeded"}) || RateLimited(&RPCError{Code: -32005, Message: "query exceeds max block range 3"}) {
		t.Error("-32005 classification")
	}
}

// A JSON-RPC call's retries and its transport's do not multiply: against a
// server that always fails, Tries attempts in all, Tries-1 backoffs, and the
// error counts what was sent (it once sent Tries² requests, "gave up after 3
// tries" after 9).
func TestRPCRetriesDoNotMultiply(t *testing.T) {
	for _, fault := range []string{"503", "html", "-32005"} {
		faults := make([]string, 50)
		for i := range faults {
			faults[i] = fault
		}
		s, n := flaky(t, faults, `{}`)
		c, clk := newTestClient(t, s.URL, 3)
		r := NewRPC(c, "2.0", 10)
		var out string
		err := r.Call(context.Background(), &Call{Method: "eth_chainId", Result: &out})
		var g *GiveUp
		if !errors.As(err, &g) || g.Tries != 3 || n.Load() != 3 || len(clk.Sleeps()) != 2 || c.Requests() != 3 {
			t.Errorf("single call, always %s: %v; server saw %d, client sent %d, slept %v", fault, err, n.Load(), c.Requests(), clk.Sleeps())
		}
	}
	faults := make([]string, 50)
	for i := range faults {
		faults[i] = "503"
	}
	s, n := flaky(t, faults, `[]`)
	c, clk := newTestClient(t, s.URL, 3)
	r := NewRPC(c, "2.0", 10)
	calls, _ := echoCalls(3)
	err := r.Batch(context.Background(), calls)
	if err == nil || n.Load() != 3 || len(clk.Sleeps()) != 2 {
		t.Errorf("batch, always 503: %v; server saw %d, slept %v", err, n.Load(), clk.Sleeps())
	}
}

func TestPrivateHost(t *testing.T) {
	for h, want := range map[string]bool{"localhost": true, "LocalHost": true, "127.0.0.1": true, "::1": true, "10.1.2.3": true,
		"192.168.0.9": true, "172.16.0.1": true, "fd00::1": true, "169.254.1.1": true, "mainnet.infura.io": false,
		"8.8.8.8": false, "172.32.0.1": false, "2001:4860::8888": false, "": false} {
		if got := PrivateHost(h); got != want {
			t.Errorf("PrivateHost(%q) = %v, want %v", h, got, want)
		}
	}
}

// A node on a private network is not asked for gzip (it would cost both
// sides CPU for nothing on a LAN); a public host is.
func TestGzipOnlyFromPublicHosts(t *testing.T) {
	var asked atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.Header.Get("Accept-Encoding"))
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	ep, err := ParseEndpoint(srv.URL) // 127.0.0.1
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(ep, Options{})
	defer c.Close()
	body, err := c.Do(context.Background(), Request{Method: http.MethodPost, Body: []byte(`{}`), JSON: true})
	if err != nil || string(body) != `{"ok":true}` {
		t.Fatalf("Do = %q, %v", body, err)
	}
	if a := asked.Load().(string); a != "" {
		t.Errorf("a loopback node was sent Accept-Encoding %q, want none", a)
	}
	for raw, want := range map[string]bool{"https://mainnet.example.org/v3/x": true, "http://192.168.1.5:8545": false, "http://localhost:8545": false} {
		ep, err := ParseEndpoint(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := !NewClient(ep, Options{}).own.DisableCompression; got != want {
			t.Errorf("%s: asks for gzip %v, want %v", raw, got, want)
		}
	}
	// a caller's own transport is used as it is
	own := &http.Client{Transport: &http.Transport{}}
	if c := NewClient(ep, Options{HTTP: own}); c.hc.Transport.(*http.Transport).DisableCompression {
		t.Error("a given transport was changed")
	}
}

// A JSON-RPC answer that is not valid JSON (complete by its Content-Length)
// is still a "truncated" fault, retried, although the RPC leaves the
// validation to its own decoding (Request.Parsed).
func TestRPCAnswerNotJSONIsRetried(t *testing.T) {
	for _, batch := range []bool{false, true} {
		for _, tries := range []int{1, 3} {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				type req struct {
					ID int64 `json:"id"`
				}
				var reqs []req
				body, _ := io.ReadAll(r.Body)
				if body[0] != '[' {
					var one req
					json.Unmarshal(body, &one)
					reqs = append(reqs, one)
				} else {
					json.Unmarshal(body, &reqs)
				}
				var out []string
				for _, q := range reqs {
					out = append(out, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":"0x1"}`, q.ID))
				}
				ans := strings.Join(out, ",")
				if body[0] == '[' {
					ans = "[" + ans + "]"
				}
				if n.Add(1) == 1 {
					ans = ans[:len(ans)-3] // cut short, yet complete by its length
				}
				io.WriteString(w, ans)
			}))
			ep, _ := ParseEndpoint(srv.URL)
			c := NewClient(ep, Options{Policy: &Policy{Tries: tries, Clock: NewFakeClock(), Seed: 1}})
			r := NewRPC(c, "2.0", 10)
			var a, b string
			var err error
			if batch {
				err = r.Batch(context.Background(), []*Call{{Method: "m", Result: &a, Check: CallerChecks}, {Method: "m", Result: &b, Check: CallerChecks}})
			} else {
				err = r.Call(context.Background(), &Call{Method: "m", Result: &a})
				b = "0x1"
			}
			var f *Fault
			switch {
			case tries == 1 && (!errors.As(err, &f) || f.Kind != "truncated"):
				t.Errorf("batch %v, one try: %v, want a truncated fault", batch, err)
			case tries > 1 && (err != nil || a != "0x1" || b != "0x1" || n.Load() != 2):
				t.Errorf("batch %v: %q %q, %v after %d requests; want the answers after 2", batch, a, b, err, n.Load())
			}
			c.Close()
			srv.Close()
		}
	}
}
