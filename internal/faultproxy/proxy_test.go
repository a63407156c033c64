package faultproxy

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func echoNode(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var reqs []map[string]any
		json.Unmarshal(body, &reqs)
		out := []map[string]any{}
		for _, q := range reqs {
			out = append(out, map[string]any{"jsonrpc": "2.0", "id": q["id"], "result": q["params"]})
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestLoopbackOnly(t *testing.T) {
	if _, err := New("http://192.0.2.1:8545", Config{}); err == nil {
		t.Error("a non-loopback upstream was accepted")
	}
}

func TestMaxInRowAndKinds(t *testing.T) {
	node := echoNode(t)
	p, err := New(node.URL, Config{Rate: 1, Kinds: []Kind{Swap}, MaxInRow: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") {
		t.Fatalf("proxy at %s", p.URL())
	}
	body := `[{"jsonrpc":"2.0","id":1,"method":"m","params":[1]},{"jsonrpc":"2.0","id":2,"method":"m","params":[2]}]`
	var swapped int
	for i := 0; i < 6; i++ {
		resp, err := http.Post(p.URL(), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out []struct {
			ID     int   `json:"id"`
			Result []int `json:"result"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if len(out) == 2 && out[0].ID != out[0].Result[0] {
			swapped++
		}
	}
	// Faulted twice, then passed, then twice again…: 4 of 6.
	if swapped != 4 || p.Applied()[Swap] != 4 || p.Requests() != 6 {
		t.Errorf("swapped %d, applied %v, requests %d", swapped, p.Applied(), p.Requests())
	}
	// A single call is not a batch: Swap does not fit it.
	resp, err := http.Post(p.URL(), "application/json", strings.NewReader(`[{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}]`))
	if err == nil {
		resp.Body.Close()
	}
	if p.Applied()[Swap] != 4 {
		t.Errorf("a one-call batch was swapped: %v", p.Applied())
	}
}
