package watch_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/chaintrace/chaintrace/watch"
)

// costPerBlock watches n unspent outputs on a real btcd and returns the HTTP
// requests and JSON-RPC calls one poll makes for one new block where nothing moved.
func costPerBlock(t testing.TB, n int) (requests int64) {
	node, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	if err := node.MineTo(101 + int32(n)/400); err != nil { // enough mature coinbases
		t.Fatal(err)
	}
	outs := make([]btcd.Output, n)
	for i := range outs {
		outs[i] = btcd.Output{Key: btcd.NewKey(fmt.Sprint("cost-", i), btcd.P2PKH, &chaincfg.RegressionNetParams), Value: 10_0000}
	}
	tx, _, err := node.Fund(btcd.TxFee, outs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.Mine(tx); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func() *bitcoin.Adapter {
		a, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendBtcd, URL: node.URL()})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	res, err := trace.Run(ctx, open(), []string{tx.TxHash().String()}, trace.Options{MaxAddresses: 2 * n, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	live := open()
	w, err := watch.New(watch.Config{Live: live, Log: log, Emit: func(watch.Event) error { return nil },
		Fresh: func(context.Context) (trace.Source, func(), error) { return open(), func() {}, nil }}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(w.State().Holdings); got < n {
		t.Fatalf("%d holdings watched, want at least %d", got, n)
	}
	for round := 0; round < 2; round++ { // the first poll has no hash to check against yet
		if _, err := node.Mine(); err != nil {
			t.Fatal(err)
		}
		before := live.Requests()
		evs, err := w.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 0 {
			t.Fatalf("nothing moved, yet %d events", len(evs))
		}
		requests = live.Requests() - before
	}
	return requests
}

// TestPollCostBounded: with nothing moving, one new block costs the tip, the
// reorg check, the new block's hash and one gettxout batch per batch-size
// holdings (btcd: bitcoin.DefaultBtcdBatch) — 3 + ⌈n/batch⌉ HTTP requests,
// whatever n.
func TestPollCostBounded(t *testing.T) {
	const n = 250 // the change output is watched too
	got := costPerBlock(t, n)
	const per = bitcoin.DefaultBtcdBatch
	if want := int64(3 + (n+1+per-1)/per); got != want {
		t.Fatalf("one new block with %d watched outputs cost %d requests, want %d", n+1, got, want)
	}
}

// BenchmarkPollCost reports the requests one new block costs with 1,000
// watched outputs (BENCHMARKS.md).
func BenchmarkPollCost(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.ReportMetric(float64(costPerBlock(b, 1000)), "requests/block")
	}
}
