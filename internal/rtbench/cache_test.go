package rtbench

import (
	"bytes"
	"context"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/rtproxy"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/trace"
)

// warmRun is one trace of a warm-cache test: open an adapter through the
// proxy, trace through the cache (or without one), report what the proxy
// counted from the trace's first call on (opening the adapter is not the trace).
type warmRun func(t *testing.T, cache *casestore.Store, o casestore.CacheOptions) (*graph.Result, rtproxy.Stats)

// A warm cache answers a rerun with --to-block without the node (issue 18
// item 3): the tip from the store (the trace reads nothing above --to-block),
// spenders and histories as final answers, and "unspent" from the tip it was
// seen at. Results are byte-identical with the cold run and with no cache.
// Without --to-block the same rerun must ask the node (the tip may have moved,
// and with it what is unspent), which shows the count can fail.
func TestWarmToBlockRerunMakesNoRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and btcd")
	}
	const conf = 2
	for _, c := range []struct {
		name  string
		setup func(t *testing.T) (warmRun, uint64)
	}{
		{"geth", gethWarm},
		{"btcd", btcdWarm},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, toBlock := c.setup(t)
			plain, _ := run(t, nil, casestore.CacheOptions{})
			want := resultJSON(t, plain)
			dir := t.TempDir()
			info := trace.ChainInfo{Name: plain.Chain}
			// TipTTL < 0: the tip is never reused for its age, only for --to-block.
			opts := casestore.CacheOptions{Confirmations: conf, TipTTL: -1, ToBlock: toBlock}
			for i, step := range []string{"cold", "warm", "warm again"} {
				st := openCache(t, dir, info)
				res, stats := run(t, st, opts)
				if err := st.Close(); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s run: %v", step, stats)
				if got := resultJSON(t, res); !bytes.Equal(got, want) {
					t.Fatalf("%s run through the cache differs from the trace without one:\n%s\nwant\n%s", step, got, want)
				}
				switch {
				case i == 0 && stats.Requests < 3:
					t.Fatalf("cold run made %d requests: the proxy is not in the path", stats.Requests)
				case i > 0 && stats.Requests != 0:
					t.Errorf("%s --to-block rerun made %d requests (%v), want 0", step, stats.Requests, stats.Methods)
				}
			}
			st := openCache(t, dir, info)
			_, stats := run(t, st, casestore.CacheOptions{Confirmations: conf, TipTTL: -1})
			st.Close()
			t.Logf("rerun without --to-block in the cache: %v", stats)
			if stats.Requests == 0 {
				t.Errorf("a rerun without --to-block made no request: the tip and unspent outputs were taken from the store")
			}
		})
	}
}

func openCache(t *testing.T, dir string, info trace.ChainInfo) *casestore.Store {
	t.Helper()
	st, err := casestore.OpenCache(dir, info, "test")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func resultJSON(t *testing.T, r *graph.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := render.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gethWarm(t *testing.T) (warmRun, uint64) {
	n := geth.Start(t)
	f := geth.BuildFanOut(t, n, 2, 4)
	for i := 0; i < 3; i++ { // blocks after the scenario: its blocks are final at 2 confirmations
		n.Commit()
	}
	p, err := rtproxy.New(n.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	ctx := context.Background()
	return func(t *testing.T, cache *casestore.Store, o casestore.CacheOptions) (*graph.Result, rtproxy.Stats) {
		a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: p.URL(""), History: evm.HistoryRPC})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		var src trace.Source = a
		if cache != nil {
			src = casestore.Cache(a, cache, o)
		}
		p.Reset()
		res, err := trace.Run(ctx, src, []string{f.Theft.Hex()}, trace.Options{MaxHops: 4, DepositRule: true, ToBlock: f.LastBlock, Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		return res, p.Stats()
	}, f.LastBlock
}

func btcdWarm(t *testing.T) (warmRun, uint64) {
	ctx := context.Background()
	n, err := btcd.Start(ctx, btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	f, err := btcd.BuildFanOut(n, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.MineTo(f.Tip + 3); err != nil {
		t.Fatal(err)
	}
	p, err := rtproxy.New(n.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return func(t *testing.T, cache *casestore.Store, o casestore.CacheOptions) (*graph.Result, rtproxy.Stats) {
		a, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendBtcd, URL: p.URL(n.URL())})
		if err != nil {
			t.Fatal(err)
		}
		var src trace.Source = a
		if cache != nil {
			src = casestore.Cache(a, cache, o)
		}
		p.Reset()
		res, err := trace.Run(ctx, src, []string{f.Theft.TxHash().String()}, trace.Options{MaxHops: 4, DepositRule: true, ToBlock: uint64(f.Tip), Concurrency: 4})
		if err != nil {
			t.Fatal(err)
		}
		return res, p.Stats()
	}, uint64(f.Tip)
}
