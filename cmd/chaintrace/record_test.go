package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

// gethTheft starts a real geth, runs the theft scenario and returns what the
// tests need. The node stops when t ends, so callers pass a subtest's t to stop
// it early.
func gethTheft(t *testing.T, dir string) (*geth.Theft, string) {
	t.Helper()
	n := geth.Start(t)
	return gethLabels(t, geth.BuildTheft(t, n), dir)
}

// gethLabels writes the theft scenario's label file (its exchange) into dir.
func gethLabels(t *testing.T, s *geth.Theft, dir string) (*geth.Theft, string) {
	t.Helper()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", s.Exchange.Hex())), 0o644)
	return s, labels
}

// counter is an HTTP proxy in front of a node that counts JSON-RPC calls.
type counter struct {
	srv   *httptest.Server
	calls atomic.Int64
}

func countingProxy(t *testing.T, target string) *counter {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{}
	rp := httputil.NewSingleHostReverseProxy(u)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var batch []json.RawMessage
		if json.Unmarshal(body, &batch) == nil {
			c.calls.Add(int64(len(batch)))
		} else {
			c.calls.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// Record a trace from a real geth, stop the node, replay the case: the JSON
// output is byte-identical, and a flipped byte makes verify and replay fail.
func TestRecordOnGethReplayOffline(t *testing.T) {
	dir := t.TempDir()
	casePath := filepath.Join(dir, "theft.case")
	var recorded string
	var labels, seed string
	t.Run("record", func(t *testing.T) {
		s, l := gethTheft(t, dir)
		labels, seed = l, s.TheftETH.Hex()
		chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
		r := runCLI(t, nil, "trace", "--chain", chain, "--rpc", s.Node.URL(), "--labels", labels,
			"--format", "json", "--record", casePath, "--hops", "6", seed)
		if r.code != 0 {
			t.Fatalf("record: exit %d: %s", r.code, r.errOut)
		}
		recorded = r.out
		if !strings.Contains(r.errOut, "recorded case "+casePath) {
			t.Errorf("stderr = %q", r.errOut)
		}
		// the exchange got 0.99 + 0.99 + 3.99 ETH through the three deposits
		if !strings.Contains(recorded, `"exchange-deposit"`) {
			t.Errorf("recorded trace has no exchange deposit:\n%s", recorded)
		}
	}) // the node is stopped here
	if t.Failed() {
		return
	}

	r := runCLI(t, nil, "trace", "--case", casePath, "--labels", labels, "--format", "json", "--hops", "6", seed)
	if r.code != 0 {
		t.Fatalf("replay: exit %d: %s", r.code, r.errOut)
	}
	if r.out != recorded {
		t.Fatalf("replay differs from the recording:\n--- recorded\n%s\n--- replayed\n%s", recorded, r.out)
	}
	// seeds default to the recorded ones
	if r2 := runCLI(t, nil, "trace", "--case", casePath, "--labels", labels, "--format", "json", "--hops", "6"); r2.out != recorded {
		t.Errorf("replay with the recorded seeds differs (exit %d: %s)", r2.code, r2.errOut)
	}
	// a question the recording cannot answer is named
	r = runCLI(t, nil, "trace", "--case", casePath, "--labels", labels, "--format", "json", "--hops", "6", "0x"+strings.Repeat("ab", 32))
	if r.code == 0 || !strings.Contains(r.errOut, "TxTransfers(0x"+strings.Repeat("ab", 32)+")") || !strings.Contains(r.errOut, "--rpc") {
		t.Errorf("unrecorded seed: exit %d, %s", r.code, r.errOut)
	}

	info := runCLI(t, nil, "case", "info", casePath)
	if info.code != 0 || !strings.Contains(info.out, "chain:       evm:1337") || !strings.Contains(info.out, "root sha256:") {
		t.Errorf("case info: exit %d\n%s%s", info.code, info.out, info.errOut)
	}
	if v := runCLI(t, nil, "case", "verify", casePath); v.code != 0 || !strings.HasPrefix(v.out, "ok ") {
		t.Fatalf("case verify: exit %d\n%s%s", v.code, v.out, v.errOut)
	}

	// flip one byte of a recorded amount: 0.99 ETH (990000000000000000 wei)
	b, _ := os.ReadFile(casePath)
	i := bytes.Index(b, []byte("990000000000000000"))
	if i < 0 {
		t.Fatal("recorded sweep amount not found in the case file")
	}
	b[i] ^= 0x01
	os.WriteFile(casePath, b, 0o644)
	v := runCLI(t, nil, "case", "verify", casePath)
	if v.code != exitInput || !strings.Contains(v.out, "corrupted") || !strings.Contains(v.out, "content hash") {
		t.Errorf("verify of a flipped byte: exit %d\n%s%s", v.code, v.out, v.errOut)
	}
	r = runCLI(t, nil, "trace", "--case", casePath, "--labels", labels, "--format", "json", seed)
	if r.code != exitInput || !strings.Contains(r.errOut, "corrupted") || r.out != "" {
		t.Errorf("replay of a flipped byte: exit %d, out %d bytes, %s", r.code, len(r.out), r.errOut)
	}
}

// A second identical trace through the cache makes no JSON-RPC call beyond the
// adapter's connection check (eth_chainId, which Open makes before any cache).
func TestCacheSecondTraceMakesNoNodeRequests(t *testing.T) {
	s, labelFile := gethTheft(t, t.TempDir())
	last := s.LastBlock
	for i := 0; i < 3; i++ { // blocks after the scenario, so its blocks count as final
		s.Node.Commit()
	}
	proxy := countingProxy(t, s.Node.URL())
	cache := t.TempDir()
	chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
	args := []string{"trace", "--chain", chain, "--rpc", proxy.srv.URL, "--labels", labelFile, "--format", "json",
		"--cache", cache, "--cache-confirmations", "2", "--to-block", fmt.Sprint(last), s.TheftETH.Hex()}

	first := runCLI(t, nil, args...)
	if first.code != 0 {
		t.Fatalf("first: exit %d: %s", first.code, first.errOut)
	}
	n1 := proxy.calls.Load()
	proxy.calls.Store(0)
	second := runCLI(t, nil, args...)
	if second.code != 0 {
		t.Fatalf("second: exit %d: %s", second.code, second.errOut)
	}
	n2 := proxy.calls.Load()
	t.Logf("JSON-RPC calls: first trace %d, second trace %d", n1, n2)
	if n1 < 10 {
		t.Errorf("first trace made only %d calls: the proxy is not in the path", n1)
	}
	if n2 != 1 {
		t.Errorf("second trace made %d JSON-RPC calls, want 1 (eth_chainId in Open)", n2)
	}
	if second.out != first.out {
		t.Errorf("cached trace differs from the live one")
	}
	// the same through the API: after the adapter is open, the cached trace asks
	// the node nothing at all
	lbls, err := labels.Load(true, labelFile)
	if err != nil {
		t.Fatal(err)
	}
	apiCache := t.TempDir()
	for run := 0; run < 2; run++ {
		ad, err := chains.Open(context.Background(), chains.Config{Chain: chain, RPC: proxy.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		st, err := casestore.OpenCache(apiCache, ad.Info(), proxy.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		proxy.calls.Store(0)
		_, err = trace.Run(context.Background(), casestore.Cache(ad, st, casestore.CacheOptions{Confirmations: 2}),
			[]string{s.TheftETH.Hex()}, trace.Options{ToBlock: last, Labels: lbls, DepositRule: true})
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := proxy.calls.Load(); run == 1 && got != 0 {
			t.Errorf("second trace through the cache made %d JSON-RPC calls, want 0", got)
		} else if run == 0 && got < 10 {
			t.Errorf("first trace made only %d calls", got)
		}
	}
	// without the cache every call goes to the node again (--cache DIR and
	// --no-cache exclude each other, so the directory goes)
	noCache := slices.Delete(slices.Clone(args), slices.Index(args, "--cache"), slices.Index(args, "--cache")+2)
	proxy.calls.Store(0)
	if r := runCLI(t, nil, append(noCache, "--no-cache")...); r.code != 0 || proxy.calls.Load() != n1 {
		t.Errorf("--no-cache: exit %d, %d calls (want %d)", r.code, proxy.calls.Load(), n1)
	}
}

// The same on Bitcoin: record from a real btcd, stop it, replay byte-identically;
// the node's credentials do not reach the case file.
func TestRecordOnBtcdReplayOffline(t *testing.T) {
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := btcd.BuildTheft(n)
	if err != nil {
		n.Close()
		t.Fatal(err)
	}
	dir := t.TempDir()
	casePath := filepath.Join(dir, "btc.case")
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte("chain,address,label,category,source,confidence\nbtc-regtest,"+s.H.Address+",HotWallet,exchange,test,90\n"), 0o644)
	seed := s.Theft.TxHash().String()
	args := []string{"--labels", labels, "--format", "json", "--hops", "40", seed}
	rec := runCLI(t, nil, append([]string{"trace", "--chain", "btc-regtest", "--rpc", n.URL(), "--record", casePath}, args...)...)
	n.Close() // no node from here on
	if rec.code != 0 {
		t.Fatalf("record: exit %d: %s", rec.code, rec.errOut)
	}
	if !strings.Contains(rec.out, `"unspent"`) || !strings.Contains(rec.out, `"exchange`) {
		t.Errorf("recorded trace lacks unspent or exchange endpoints:\n%.2000s", rec.out)
	}
	rep := runCLI(t, nil, append([]string{"trace", "--case", casePath}, args...)...)
	if rep.code != 0 {
		t.Fatalf("replay: exit %d: %s", rep.code, rep.errOut)
	}
	if rep.out != rec.out {
		t.Fatalf("replay differs from the recording")
	}
	raw, _ := os.ReadFile(casePath)
	if bytes.Contains(raw, []byte(n.Pass)) && len(n.Pass) >= 4 || bytes.Contains(raw, []byte(n.User+":"+n.Pass)) {
		t.Errorf("the node's RPC credentials are stored in the case")
	}
	info := runCLI(t, nil, "case", "info", casePath)
	if !strings.Contains(info.out, "--rpc=http://REDACTED@127.0.0.1:") || !strings.Contains(info.out, "spender") {
		t.Errorf("case info:\n%s", info.out)
	}
}

// A replay that needs more than the case holds fails offline, naming the call;
// with --rpc the missing answers are fetched, added, and the case then replays
// the wider trace offline.
func TestReplayWithRPCExtendsCase(t *testing.T) {
	dir := t.TempDir()
	s, labels := gethTheft(t, dir)
	casePath := filepath.Join(dir, "short.case")
	chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
	seed := s.TheftETH.Hex()
	if r := runCLI(t, nil, "trace", "--chain", chain, "--rpc", s.Node.URL(), "--labels", labels, "--format", "json",
		"--record", casePath, "--hops", "1", seed); r.code != 0 {
		t.Fatalf("record: exit %d: %s", r.code, r.errOut)
	}
	wide := []string{"trace", "--case", casePath, "--labels", labels, "--format", "json", "--hops", "6", seed}
	r := runCLI(t, nil, wide...)
	if r.code == 0 || !strings.Contains(r.errOut, "not recorded in the case") {
		t.Fatalf("wider replay without --rpc: exit %d: %s", r.code, r.errOut)
	}
	live := runCLI(t, nil, "trace", "--chain", chain, "--rpc", s.Node.URL(), "--labels", labels, "--format", "json", "--hops", "6", seed)
	ext := runCLI(t, nil, append(wide, "--rpc", s.Node.URL(), "--update-case")...)
	if ext.code != 0 || ext.out != live.out {
		t.Fatalf("replay with --rpc: exit %d (%s); same as live: %v", ext.code, ext.errOut, ext.out == live.out)
	}
	if v := runCLI(t, nil, "case", "verify", casePath); v.code != 0 {
		t.Fatalf("extended case does not verify: %s", v.out)
	}
	if off := runCLI(t, nil, wide...); off.code != 0 || off.out != live.out {
		t.Fatalf("extended case offline: exit %d: %s", off.code, off.errOut)
	}
}
