package evm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// rpcReq and rpcResp are JSON-RPC 2.0 messages as the proxy sees them.
type rpcReq struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type rpcErrObj struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type rpcResp struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcErrObj      `json:"error,omitempty"`
}

// hook answers a call itself (handled) or lets the proxy pass it to the node.
type hook func(method string, params json.RawMessage) (result any, rerr *rpcErrObj, handled bool)

// proxy is an HTTP JSON-RPC server in front of the real node: calls the hook
// handles are answered by it, all others go to the node unchanged. It counts
// calls per method.
type proxy struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string]int
	exact map[string]int // method + params → times asked
}

// dupes lists the calls of methods that were asked more than once with the
// same parameters.
func (p *proxy) dupes(methods ...string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for k, n := range p.exact {
		for _, m := range methods {
			if n > 1 && strings.HasPrefix(k, m+" ") {
				out = append(out, fmt.Sprintf("%s ×%d", k, n))
			}
		}
	}
	return out
}

func (p *proxy) count(m string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[m]
}

func newProxy(t testing.TB, upstream string, h hook) *proxy {
	p := &proxy{calls: map[string]int{}, exact: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		batch := len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '['
		var reqs []rpcReq
		if batch {
			if err := json.Unmarshal(body, &reqs); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		} else {
			var one rpcReq
			if err := json.Unmarshal(body, &one); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			reqs = []rpcReq{one}
		}
		resps := make([]rpcResp, len(reqs))
		var fwd []rpcReq
		var fwdIdx []int
		for i, q := range reqs {
			p.mu.Lock()
			p.calls[q.Method]++
			p.exact[q.Method+" "+string(q.Params)]++
			p.mu.Unlock()
			resps[i] = rpcResp{JSONRPC: "2.0", ID: q.ID}
			if h != nil {
				if res, rerr, ok := h(q.Method, q.Params); ok {
					if rerr != nil {
						resps[i].Error = rerr
					} else {
						b, _ := json.Marshal(res)
						resps[i].Result = b
					}
					continue
				}
			}
			fwd = append(fwd, q)
			fwdIdx = append(fwdIdx, i)
		}
		if len(fwd) > 0 {
			b, _ := json.Marshal(fwd)
			resp, err := http.Post(upstream, "application/json", bytes.NewReader(b))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			var got []rpcResp
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			byID := map[string]rpcResp{}
			for _, g := range got {
				byID[string(g.ID)] = g
			}
			for j, i := range fwdIdx {
				resps[i] = byID[string(fwd[j].ID)]
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if batch {
			json.NewEncoder(w).Encode(resps)
		} else {
			json.NewEncoder(w).Encode(resps[0])
		}
	}))
	t.Cleanup(p.Close)
	return p
}
