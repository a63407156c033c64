package rtproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Proxy forwards every request to one upstream and counts it.
type Proxy struct {
	srv      *httptest.Server
	upstream *url.URL
	client   *http.Client

	mu       sync.Mutex
	latency  time.Duration
	requests int64
	calls    int64
	methods  map[string]int64
	finished int64 // deepest depth among finished requests
	maxDepth int64
	log      func(depth int64, calls []string)
	timeline func(Timing)
	epoch    time.Time
}

// Timing is one request's times since the last Reset: when it arrived, when it
// was sent upstream (after the latency), when the upstream's headers came back
// and when the whole answer was written to the client, with the answer's size
// as the upstream sent it (compressed, if it was).
type Timing struct {
	Depth                        int64
	Calls                        int
	Arrived, Sent, Headers, Done time.Duration
	Bytes                        int64
	Encoding                     string // the answer's Content-Encoding
}

// New starts a proxy in front of upstream (an http:// URL; its user:password,
// if any, is not needed by the proxy: clients send their own credentials).
func New(upstream string) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("rtproxy: upstream %q: want an http:// URL", upstream)
	}
	u.User = nil
	// The proxy forwards the client's headers as they are: its transport adds
	// no Accept-Encoding of its own (a client that asks for gzip gets the
	// upstream's gzip; one that does not gets what the upstream sends plain).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	p := &Proxy{upstream: u, methods: map[string]int64{}, epoch: time.Now(),
		client: &http.Client{Transport: tr}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

// URL is the proxy's address, with the user:password of withAuth (a node URL
// such as http://u:p@127.0.0.1:18334) carried over so a client can use it as
// its --rpc. The path of withAuth is kept too (Esplora bases have one).
func (p *Proxy) URL(withAuth string) string {
	u, _ := url.Parse(p.srv.URL)
	if w, err := url.Parse(withAuth); err == nil && withAuth != "" {
		u.User = w.User
		u.Path = w.Path
	}
	return u.String()
}

// SetLatency makes every request take at least d longer (0: none).
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// SetLog calls f for every request with its round-trip depth and its calls (nil: off).
func (p *Proxy) SetLog(f func(depth int64, calls []string)) {
	p.mu.Lock()
	p.log = f
	p.mu.Unlock()
}

// SetTimeline calls f with every request's Timing when its answer is written (nil: off).
func (p *Proxy) SetTimeline(f func(Timing)) {
	p.mu.Lock()
	p.timeline = f
	p.mu.Unlock()
}

// Close stops the proxy.
func (p *Proxy) Close() {
	p.srv.Close()
	p.client.CloseIdleConnections()
}

// Stats is what the proxy counted since the last Reset.
type Stats struct {
	Requests   int64            // HTTP requests (a JSON-RPC batch counts once)
	Calls      int64            // JSON-RPC calls (REST requests count one each)
	RoundTrips int64            // depth of the longest chain of non-overlapping requests
	Methods    map[string]int64 // JSON-RPC method (or "GET /path-prefix") → calls
}

// String lists the methods by count, for logs.
func (s Stats) String() string {
	type mc struct {
		m string
		n int64
	}
	var ms []mc
	for m, n := range s.Methods {
		ms = append(ms, mc{m, n})
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].n != ms[j].n {
			return ms[i].n > ms[j].n
		}
		return ms[i].m < ms[j].m
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests, %d calls, %d round trips:", s.Requests, s.Calls, s.RoundTrips)
	for _, x := range ms {
		fmt.Fprintf(&b, " %s=%d", x.m, x.n)
	}
	return b.String()
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]int64, len(p.methods))
	for k, v := range p.methods {
		m[k] = v
	}
	return Stats{Requests: p.requests, Calls: p.calls, RoundTrips: p.maxDepth, Methods: m}
}

// Reset zeroes the counters (call it between runs; not while requests are in flight).
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests, p.calls, p.finished, p.maxDepth = 0, 0, 0, 0
	p.methods = map[string]int64{}
	p.epoch = time.Now()
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	names := methods(r, body)
	p.mu.Lock()
	p.requests++
	p.calls += int64(len(names))
	for _, m := range names {
		p.methods[m]++
	}
	depth := p.finished + 1
	lat, log, tl, epoch := p.latency, p.log, p.timeline, p.epoch
	p.mu.Unlock()
	t := Timing{Depth: depth, Calls: len(names), Arrived: time.Since(epoch)}
	if log != nil {
		log(depth, names)
	}
	defer func() {
		p.mu.Lock()
		if depth > p.finished {
			p.finished = depth
		}
		if depth > p.maxDepth {
			p.maxDepth = depth
		}
		p.mu.Unlock()
	}()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return
		}
	}
	t.Sent = time.Since(epoch)
	u := *p.upstream
	u.Path = strings.TrimSuffix(u.Path, "/") + r.URL.Path
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range r.Header {
		out.Header[k] = vs
	}
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	t.Headers = time.Since(epoch)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	t.Bytes, _ = io.Copy(w, resp.Body)
	if tl != nil {
		t.Done = time.Since(epoch)
		t.Encoding = resp.Header.Get("Content-Encoding")
		tl(t)
	}
}

// methods names the calls in one request: the methods of a JSON-RPC message or
// batch, or "GET /first-path-segment" for REST.
func methods(r *http.Request, body []byte) []string {
	t := bytes.TrimSpace(body)
	if r.Method == http.MethodPost && len(t) > 0 {
		type call struct {
			Method string `json:"method"`
		}
		if t[0] == '[' {
			var cs []call
			if json.Unmarshal(t, &cs) == nil {
				out := make([]string, len(cs))
				for i, c := range cs {
					out[i] = c.Method
				}
				return out
			}
		} else {
			var c call
			if json.Unmarshal(t, &c) == nil && c.Method != "" {
				return []string{c.Method}
			}
		}
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	name := r.Method + " /" + seg[0]
	if len(seg) > 2 {
		name += "/:id/" + seg[2]
	}
	return []string{name}
}
