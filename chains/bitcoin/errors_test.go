package bitcoin

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/deadport"
	"github.com/chaintrace/chaintrace/trace"
)

func TestBtcdBadInputsAndMissingData(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "btcd")
	unknown := strings.Repeat("ab", 32)
	if _, err := a.Tx(ctx, unknown); !errors.Is(err, trace.ErrNotFound) || !strings.Contains(err.Error(), unknown) {
		t.Errorf("unknown tx: %v", err)
	}
	if _, err := a.Spender(ctx, graph.Outpoint{TxID: unknown}); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("spender of unknown tx: %v", err)
	}
	for _, bad := range []string{"", "xyz", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
		if _, err := a.Tx(ctx, bad); !errors.Is(err, trace.ErrBadInput) {
			t.Errorf("Tx(%q): %v", bad, err)
		}
	}
	_, err := a.Spender(ctx, graph.Outpoint{TxID: id(s.Theft), Vout: 6})
	if !errors.Is(err, trace.ErrNotFound) || !strings.Contains(err.Error(), "6 outputs") {
		t.Errorf("vout out of range: %v", err)
	}
	// A mainnet address on regtest, an EVM address: bad input naming both.
	if _, err := a.AddressTxs(ctx, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 0); !errors.Is(err, trace.ErrBadInput) ||
		!strings.Contains(err.Error(), "mainnet") || !strings.Contains(err.Error(), "regtest") {
		t.Errorf("mainnet address on regtest: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	n, _ := scenario(t)
	// The node serves regtest: asking for mainnet must say so.
	_, err := Open(ctx, Config{Chain: "btc", Backend: "btcd", URL: n.URL()})
	if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "regtest") {
		t.Errorf("wrong chain: %v", err)
	}
	// Auto-detection finds btcd.
	a, err := Open(ctx, Config{Chain: "btc-regtest", URL: n.URL()})
	if err != nil || a.Backend() != "btcd" {
		t.Fatalf("auto-detect: %v", err)
	}
	// Wrong password: clear message, password never shown.
	bad := "http://u:s3cretpw@" + n.Host
	_, err = Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: bad})
	if err == nil || !strings.Contains(err.Error(), "credentials") || strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("bad credentials: %v", err)
	}
	// btcd down: a port nobody listens on (nor can, while the test runs).
	dead := deadport.Addr(t)
	_, err = Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: "http://u:s3cretpw@" + dead})
	if err == nil || !strings.Contains(err.Error(), "cannot reach http://"+dead) || strings.Contains(err.Error(), "s3cretpw") ||
		strings.Contains(err.Error(), "u:") {
		t.Errorf("node down: %v", err)
	}
	for _, c := range []Config{
		{Chain: "btc-foo"},
		{Chain: "btc-regtest"},                                    // no public API
		{Chain: "btc-regtest", Backend: "btcd"},                   // no URL
		{Chain: "btc-regtest", Backend: "electrum", URL: n.URL()}, // unknown backend
		{Chain: "btc-regtest", URL: "ftp://x"},
	} {
		if _, err := Open(ctx, c); !errors.Is(err, trace.ErrBadInput) {
			t.Errorf("Open(%+v): %v", c, err)
		}
	}
}

// proxy forwards to the node but answers the first `limited` requests with 429.
func proxy(t *testing.T, target string, limited int64, retryAfter string) (*httptest.Server, *atomic.Int64) {
	u, _ := url.Parse(target)
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= limited {
			w.Header().Set("Retry-After", retryAfter)
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		body, _ := io.ReadAll(r.Body)
		req, _ := http.NewRequest(r.Method, "http://"+u.Host+r.URL.Path, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestBtcdRateLimited(t *testing.T) {
	n, s := scenario(t)
	srv, seen := proxy(t, n.URL(), 2, "1")
	var warnings bytes.Buffer
	start := time.Now()
	a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: "http://u:p@" + strings.TrimPrefix(srv.URL, "http://"),
		Warnings: &warnings})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 2*time.Second {
		t.Errorf("two 429s with Retry-After: 1 were retried after %v", el)
	}
	tx, err := a.Tx(ctx, id(s.Theft))
	if err != nil || tx.Outputs[0].Value.Int64() != 400_000_000 {
		t.Fatalf("after 429s: %v", err)
	}
	if seen.Load() != 5 { // 2×429 + getblockhash + tx + prevs/header
		t.Errorf("proxy saw %d requests, want 5", seen.Load())
	}
	// Retries are progress, not findings: they reach the warnings writer as
	// notices but never the result's warnings, so output is the same with or
	// without faults.
	ws := a.Warnings()
	if len(ws) != 0 || !strings.Contains(warnings.String(), "429") || !strings.Contains(warnings.String(), "rate limited") {
		t.Errorf("warnings = %q / %q", ws, warnings.String())
	}

	// A server that never stops answering 429 gives a clear error.
	srv2, _ := proxy(t, n.URL(), 1<<30, "0")
	ep, _ := newEndpoint(srv2.URL, httpx.Options{Policy: &httpx.Policy{Tries: 3}})
	c := newRPCClient(ep, "btcd", 10)
	_, err = c.call(ctx, nil, "getblockcount")
	if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "--rps") {
		t.Errorf("persistent 429: %v", err)
	}
}

func TestGarbageAnswers(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"html": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>hello</html>")) },
		"500":  func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
		"wrong": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"id":1,"result":{"x":1},"error":null}`))
		},
	} {
		srv := httptest.NewServer(h)
		_, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: srv.URL})
		if err == nil {
			t.Errorf("%s: Open succeeded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
		srv.Close()
	}
}

func TestNormalizeAddress(t *testing.T) {
	reg, _ := LookupNetwork("btc-regtest")
	main, _ := LookupNetwork("bitcoin")
	tn4, err := LookupNetwork("btc-testnet4")
	if err != nil || tn4.Genesis != "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043" || tn4.Params.Bech32HRPSegwit != "tb" {
		t.Fatal(err)
	}
	k := btcd.NewKey("x", btcd.P2WPKH, reg.Params)
	if got, err := reg.NormalizeAddress("  " + strings.ToUpper(k.Address) + " "); err != nil || got != k.Address {
		t.Errorf("upper-case bech32: %q %v", got, err)
	}
	for _, c := range []struct {
		n    *Network
		addr string
		want string // substring of the error
	}{
		{main, "0x52908400098527886E0F7030069857D2E4169EE7", "Ethereum"},
		{main, k.Address, "regtest"},
		{reg, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "mainnet"},
		{main, "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "testnet/signet"},
		{main, "1BoatSLRHtKNngkdXEeobR76b53LETtpyX", "not a valid"}, // bad checksum
		{main, "", "empty"},
	} {
		_, err := c.n.NormalizeAddress(c.addr)
		if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v (want %q)", c.n.Chain, c.addr, err, c.want)
		}
	}
	// Mainnet: the genesis coinbase's P2PKH, a P2SH, bech32 v0 and v1.
	for _, ok := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
		"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"} {
		if got, err := main.NormalizeAddress(ok); err != nil || got != ok {
			t.Errorf("%s: %q %v", ok, got, err)
		}
	}
	// A public key in hex is shown as its P2PKH address (how P2PK outputs appear).
	pk := btcd.NewKey("x", btcd.P2PK, reg.Params)
	hexKey := strings.ToLower(strings.TrimSpace(func() string {
		b := pk.Priv.PubKey().SerializeCompressed()
		const digits = "0123456789abcdef"
		out := make([]byte, 0, 2*len(b))
		for _, c := range b {
			out = append(out, digits[c>>4], digits[c&15])
		}
		return string(out)
	}()))
	if got, err := reg.NormalizeAddress(hexKey); err != nil || got != pk.Address {
		t.Errorf("pubkey: %q %v, want %s", got, err, pk.Address)
	}
	if names := strings.Join(Names(), ","); names != "btc,btc-regtest,btc-signet,btc-simnet,btc-testnet,btc-testnet4" {
		t.Errorf("Names = %s", names)
	}
}

func TestNodeTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
	}))
	defer srv.Close()
	_, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: srv.URL,
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}, Policy: &httpx.Policy{Clock: httpx.NewFakeClock()}})
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Errorf("timeout: %v", err)
	}
}

// MaxBatch splits batches: the consolidation's 3 previous transactions and its
// block header (4 calls) go out as 2 requests of 2 with MaxBatch 2.
func TestBatchSplitting(t *testing.T) {
	n, s := scenario(t)
	a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: n.URL(), MaxBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	r0 := a.Requests()
	tx, err := a.Tx(ctx, id(s.Consolidate))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Requests() - r0; got != 3 || tx.Inputs[1].Value.Int64() != 199_990_000 {
		t.Errorf("%d requests (want 1 + 2), input 1 = %s", got, tx.Inputs[1].Value)
	}
}

func TestPublicEsploraHosts(t *testing.T) {
	for url, want := range map[string]bool{
		"https://blockstream.info/api": true, "https://mempool.space/testnet4/api/": true,
		"http://127.0.0.1:3000": false, "https://example.org/api": false, "not a url": false,
	} {
		if got := publicEsplora(url); got != want {
			t.Errorf("publicEsplora(%q) = %v", url, got)
		}
	}
}

// A btcd without --txindex/--addrindex: the adapter says what to restart it with.
func TestBtcdWithoutIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	n, err := btcd.Start(ctx, btcd.Options{NoIndexes: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.MineTo(3); err != nil {
		t.Fatal(err)
	}
	h, _ := n.Client.GetBlockHash(1)
	blk, err := n.Client.GetBlock(h)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Tx(ctx, blk.Transactions[0].TxHash().String())
	if !errors.Is(err, trace.ErrUnsupported) || !strings.Contains(err.Error(), "--txindex") {
		t.Errorf("no txindex: %v", err)
	}
	_, err = a.AddressTxs(ctx, btcd.MinerKey().Address, 0)
	if !errors.Is(err, trace.ErrUnsupported) || !strings.Contains(err.Error(), "--addrindex") {
		t.Errorf("no addrindex: %v", err)
	}
}
