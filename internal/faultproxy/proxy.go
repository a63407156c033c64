package faultproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is one kind of fault.
type Kind string

// The faults the proxy injects.
const (
	None        Kind = ""
	Delay       Kind = "delay"         // forwarded after Config.Delay
	Stall       Kind = "stall"         // no answer until the client gives up (or Config.Stall)
	Reset       Kind = "reset"         // connection closed without an answer
	TooMany     Kind = "429"           // HTTP 429 with Retry-After: 0
	TooManyBare Kind = "429-bare"      // HTTP 429 without Retry-After
	RPCLimit    Kind = "-32005"        // JSON-RPC error -32005 worded as Infura words it
	Status500   Kind = "500"           // HTTP 500, text body
	Status502   Kind = "502"           // HTTP 502, a CDN's HTML page
	Status503   Kind = "503"           // HTTP 503 with Retry-After: 0
	HTML        Kind = "html"          // HTTP 200 with an HTML page
	Truncated   Kind = "truncated"     // the upstream answer cut in half
	WrongID     Kind = "wrong-id"      // an answer's id changed
	Drop        Kind = "drop"          // a batch element missing
	Swap        Kind = "swap"          // two batch elements' ids swapped
	Dup         Kind = "dup"           // a batch element repeated in place of another
	TooLarge    Kind = "413"           // HTTP 413 to a batch
	Stale       Kind = "stale-block"   // eth_getBlockByNumber answers a block with another hash
	GethRefusal Kind = "batch-refusal" // geth's one-element error array refusing a batch
	// Fork answers blocks and headers (eth_getBlockByNumber, getblockheader)
	// whose parent hash is from another fork, their own hash unchanged: the
	// answer of a node that disagrees with the others behind one endpoint.
	Fork Kind = "fork-parent"
	// Tamper adds one wei to the value of every transaction an answer holds
	// (eth_getTransactionByHash, full blocks), its hash unchanged: what a
	// man in the middle or a corrupting cache would send.
	Tamper Kind = "tx-value"
)

// All lists every kind.
var All = []Kind{Delay, Stall, Reset, TooMany, TooManyBare, RPCLimit, Status500, Status502, Status503, HTML, Truncated,
	WrongID, Drop, Swap, Dup, TooLarge, Stale, GethRefusal, Fork, Tamper}

// Config sets what the proxy breaks.
type Config struct {
	Seed     uint64
	Rate     float64 // share of requests faulted at random
	Kinds    []Kind  // drawn from uniformly when a request is faulted
	MaxInRow int     // most faults in a row for one request (0: no bound)
	Delay    time.Duration
	Stall    time.Duration // longest stall [5 s]
	// Plan, if set, picks the fault of the n-th request (from 1) instead of
	// Rate and Kinds; None passes it through.
	Plan func(n int, r *Request) Kind
	// Only, if set, limits faults to requests it accepts.
	Only func(r *Request) bool
	// StripPrefix is removed from request paths before forwarding, so a
	// client can use a hosted-RPC style URL (/v3/KEY) in front of a node
	// serving "/".
	StripPrefix string
}

// Request is what the proxy saw of one request.
type Request struct {
	Path    string
	Body    []byte
	Batch   bool
	Methods []string // JSON-RPC methods, in order
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	cfg      Config
	upstream *url.URL
	ln       net.Listener
	srv      *http.Server
	client   *http.Client

	mu      sync.Mutex
	rnd     *rand.Rand
	n       int
	inRow   map[string]int
	applied map[Kind]int
}

// New starts a proxy on 127.0.0.1 in front of upstream, which must be a
// loopback http:// URL. With user info in upstream, the proxy authenticates
// to it with those credentials whatever the client sent (so a client can use
// a password of its own, e.g. to check it never leaks).
func New(upstream string, cfg Config) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: upstream must be an http:// URL")
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("faultproxy: upstream %s is not a loopback address", u.Host)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if cfg.Stall <= 0 {
		cfg.Stall = 5 * time.Second
	}
	p := &Proxy{cfg: cfg, upstream: u, ln: ln, inRow: map[string]int{}, applied: map[Kind]int{},
		client: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		rnd:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed*0x9e3779b97f4a7c15+1))}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve)}
	go p.srv.Serve(ln)
	return p, nil
}

// URL is the proxy's base URL (http://127.0.0.1:port), with the upstream's path.
func (p *Proxy) URL() string {
	return "http://" + p.ln.Addr().String() + p.cfg.StripPrefix + p.upstream.Path
}

// Host is the proxy's host:port.
func (p *Proxy) Host() string { return p.ln.Addr().String() }

// Close stops the proxy.
func (p *Proxy) Close() error {
	p.client.CloseIdleConnections()
	return p.srv.Close()
}

// Requests is how many requests the proxy received.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Applied counts the faults injected, by kind (a fault that does not fit a
// request, such as Swap on a single call, is not injected and not counted).
func (p *Proxy) Applied() map[Kind]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[Kind]int{}
	for k, v := range p.applied {
		out[k] = v
	}
	return out
}

// Faults is the number of faults injected.
func (p *Proxy) Faults() int {
	n := 0
	for _, v := range p.Applied() {
		n += v
	}
	return n
}

// String lists the faults injected, sorted.
func (p *Proxy) String() string {
	a := p.Applied()
	var ks []string
	for k, v := range a {
		ks = append(ks, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

type rpcMsg map[string]json.RawMessage

// key names a request without its ids, so retries of it share a key.
func key(path string, body []byte) string {
	var one rpcMsg
	var many []rpcMsg
	strip := func(m rpcMsg) string {
		return string(m["method"]) + string(m["params"])
	}
	t := bytes.TrimSpace(body)
	switch {
	case len(t) > 0 && t[0] == '[' && json.Unmarshal(t, &many) == nil:
		var sb strings.Builder
		for _, m := range many {
			sb.WriteString(strip(m))
			sb.WriteByte('|')
		}
		return path + " " + sb.String()
	case len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &one) == nil:
		return path + " " + strip(one)
	}
	return path + " " + string(t)
}

func parse(path string, body []byte) *Request {
	r := &Request{Path: path, Body: body}
	t := bytes.TrimSpace(body)
	var many []rpcMsg
	var one rpcMsg
	if len(t) > 0 && t[0] == '[' && json.Unmarshal(t, &many) == nil {
		r.Batch = true
		for _, m := range many {
			var s string
			_ = json.Unmarshal(m["method"], &s)
			r.Methods = append(r.Methods, s)
		}
	} else if len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &one) == nil {
		var s string
		_ = json.Unmarshal(one["method"], &s)
		r.Methods = []string{s}
	}
	return r
}

// choose picks the fault for a request and counts it against MaxInRow.
func (p *Proxy) choose(r *Request) Kind {
	k := key(r.Path, r.Body)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	var kind Kind
	switch {
	case p.cfg.Only != nil && !p.cfg.Only(r):
	case p.cfg.Plan != nil:
		kind = p.cfg.Plan(p.n, r)
	case len(p.cfg.Kinds) > 0 && p.rnd.Float64() < p.cfg.Rate:
		kind = p.cfg.Kinds[p.rnd.IntN(len(p.cfg.Kinds))]
	}
	if kind != None && !fits(kind, r) {
		kind = None
	}
	if kind != None && p.cfg.MaxInRow > 0 && p.inRow[k] >= p.cfg.MaxInRow {
		kind = None
	}
	if kind == None {
		delete(p.inRow, k)
		return None
	}
	p.inRow[k]++
	p.applied[kind]++
	return kind
}

// fits reports whether kind can be applied to r.
func fits(k Kind, r *Request) bool {
	switch k {
	case Drop, Swap, Dup, TooLarge, GethRefusal:
		return r.Batch && len(r.Methods) > 1
	case RPCLimit, WrongID:
		return len(r.Methods) > 0
	case Stale:
		for _, m := range r.Methods {
			if m == "eth_getBlockByNumber" {
				return true
			}
		}
		return false
	case Fork:
		for _, m := range r.Methods {
			if m == "eth_getBlockByNumber" || m == "getblockheader" {
				return true
			}
		}
		return false
	case Tamper:
		for _, m := range r.Methods {
			if m == "eth_getTransactionByHash" || m == "eth_getBlockByNumber" {
				return true
			}
		}
		return false
	}
	return true
}

func (p *Proxy) intn(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rnd.IntN(n)
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	req := parse(r.URL.Path, body)
	kind := p.choose(req)
	switch kind {
	case Stall:
		select {
		case <-r.Context().Done():
		case <-time.After(p.cfg.Stall):
		}
		return
	case Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case TooMany:
		w.Header().Set("Retry-After", "0")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		return
	case TooManyBare:
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
		return
	case Status500:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	case Status502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body>\n</html>\n")
		return
	case Status503:
		w.Header().Set("Retry-After", "0")
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	case HTML:
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing the node.</body></html>\n")
		return
	case TooLarge:
		http.Error(w, "413 Request Entity Too Large", http.StatusRequestEntityTooLarge)
		return
	case GethRefusal:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch too large"}}]`+"\n")
		return
	case RPCLimit:
		p.rateLimit(w, body)
		return
	case Delay:
		time.Sleep(p.cfg.Delay)
	}
	status, hdr, resp, err := p.forward(r, body)
	if err != nil {
		http.Error(w, "faultproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	switch kind {
	case Truncated:
		resp = resp[:len(resp)/2]
	case WrongID, Drop, Swap, Dup:
		resp = p.mangle(kind, resp)
	case Stale:
		resp = stale(resp)
	case Fork:
		resp = fork(resp)
	case Tamper:
		resp = tamper(resp)
	}
	for k, vs := range hdr {
		if k == "Content-Length" || k == "Content-Encoding" {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if kind == Truncated && p.intn(2) == 0 {
		// Announce the whole length, send half: the client sees the connection end early.
		w.Header().Set("Content-Length", strconv.Itoa(len(resp)*2))
	}
	w.WriteHeader(status)
	w.Write(resp)
}

func (p *Proxy) forward(r *http.Request, body []byte) (int, http.Header, []byte, error) {
	u := *p.upstream
	user := u.User
	u.User = nil
	u.Path = strings.TrimPrefix(r.URL.Path, p.cfg.StripPrefix)
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, vs := range r.Header {
		if k == "Accept-Encoding" {
			// Left to the proxy's transport, which then decompresses: the
			// answer must be plain JSON for the proxy to change it.
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if user != nil {
		pw, _ := user.Password()
		req.SetBasicAuth(user.Username(), pw)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data, err
}

// rateLimit answers every call (or one call of a batch) with -32005.
func (p *Proxy) rateLimit(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	errObj := json.RawMessage(`{"code":-32005,"message":"project ID request rate exceeded"}`)
	t := bytes.TrimSpace(body)
	var many []rpcMsg
	if len(t) > 0 && t[0] == '[' && json.Unmarshal(t, &many) == nil {
		out := make([]rpcMsg, len(many))
		for i, m := range many {
			out[i] = rpcMsg{"jsonrpc": json.RawMessage(`"2.0"`), "id": m["id"], "error": errObj}
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	var one rpcMsg
	_ = json.Unmarshal(t, &one)
	id := one["id"]
	if id == nil {
		id = json.RawMessage("null")
	}
	json.NewEncoder(w).Encode(rpcMsg{"jsonrpc": json.RawMessage(`"2.0"`), "id": id, "error": errObj})
}

// mangle changes ids or elements of a JSON-RPC answer.
func (p *Proxy) mangle(kind Kind, resp []byte) []byte {
	t := bytes.TrimSpace(resp)
	var many []rpcMsg
	if len(t) > 0 && t[0] == '{' {
		var one rpcMsg
		if json.Unmarshal(t, &one) != nil {
			return resp
		}
		one["id"] = json.RawMessage(strconv.Itoa(900000 + p.intn(1000)))
		out, _ := json.Marshal(one)
		return out
	}
	if json.Unmarshal(t, &many) != nil || len(many) == 0 {
		return resp
	}
	i := p.intn(len(many))
	j := (i + 1 + p.intn(max(len(many)-1, 1))) % len(many)
	switch kind {
	case WrongID:
		many[i]["id"] = json.RawMessage(strconv.Itoa(900000 + p.intn(1000)))
	case Drop:
		many = append(many[:i], many[i+1:]...)
	case Swap:
		if len(many) > 1 {
			many[i]["id"], many[j]["id"] = many[j]["id"], many[i]["id"]
		}
	case Dup:
		if len(many) > 1 {
			many[j] = many[i]
		}
	}
	out, _ := json.Marshal(many)
	return out
}

// stale gives every block in the answer another hash and parent hash, as a
// node on the other side of a reorg would.
// fork flips the last digit of every parent hash in an answer (a block or
// verbose header, alone or in a batch).
func fork(resp []byte) []byte {
	return eachResult(resp, func(blk map[string]json.RawMessage) {
		for _, f := range []string{"parentHash", "previousblockhash"} {
			var h string
			if json.Unmarshal(blk[f], &h) == nil && len(h) >= 64 {
				blk[f], _ = json.Marshal(flipLast(h))
			}
		}
	})
}

// tamper adds one wei to every transaction's value in an answer.
func tamper(resp []byte) []byte {
	bump := func(tx map[string]json.RawMessage) {
		var v string
		if tx["hash"] == nil || tx["input"] == nil || json.Unmarshal(tx["value"], &v) != nil {
			return
		}
		n, ok := new(big.Int).SetString(strings.TrimPrefix(v, "0x"), 16)
		if !ok {
			return
		}
		tx["value"], _ = json.Marshal("0x" + n.Add(n, big.NewInt(1)).Text(16))
	}
	return eachResult(resp, func(obj map[string]json.RawMessage) {
		bump(obj)
		var txs []map[string]json.RawMessage
		if json.Unmarshal(obj["transactions"], &txs) == nil && len(txs) > 0 && txs[0] != nil {
			for _, tx := range txs {
				bump(tx)
			}
			obj["transactions"], _ = json.Marshal(txs)
		}
	})
}

func flipLast(h string) string {
	b := []byte(h)
	if b[len(b)-1] == '0' {
		b[len(b)-1] = '1'
	} else {
		b[len(b)-1] = '0'
	}
	return string(b)
}

// eachResult applies f to every object result of an answer (one call or a
// batch) and re-encodes it; other answers pass unchanged.
func eachResult(resp []byte, f func(map[string]json.RawMessage)) []byte {
	apply := func(m rpcMsg) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(m["result"], &obj) != nil || obj == nil {
			return
		}
		f(obj)
		m["result"], _ = json.Marshal(obj)
	}
	t := bytes.TrimSpace(resp)
	var many []rpcMsg
	if json.Unmarshal(t, &many) == nil {
		for _, m := range many {
			apply(m)
		}
		out, _ := json.Marshal(many)
		return out
	}
	var one rpcMsg
	if json.Unmarshal(t, &one) == nil {
		apply(one)
		out, _ := json.Marshal(one)
		return out
	}
	return resp
}

func stale(resp []byte) []byte {
	return eachResult(resp, func(blk map[string]json.RawMessage) {
		if blk["number"] == nil || blk["hash"] == nil {
			return
		}
		for _, f := range []string{"hash", "parentHash"} {
			var h string
			if json.Unmarshal(blk[f], &h) == nil && len(h) == 66 {
				blk[f], _ = json.Marshal(flipLast(h))
			}
		}
	})
}
