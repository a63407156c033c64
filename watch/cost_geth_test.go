package watch_test

import (
	"context"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/rtproxy"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/chaintrace/chaintrace/watch"
)

// costPerBlockGeth watches n addresses (their ETH, given by hand) on a real
// geth through the counting proxy and returns what one poll for one new block
// where nothing moved costs, after a first poll (which has no hash to check
// against yet). polls is how many such blocks are measured (the last one's
// cost is returned).
func costPerBlockGeth(t testing.TB, n, polls int) rtproxy.Stats {
	ctx := context.Background()
	node := geth.Start(t)
	var accts []*geth.Account
	for i := 0; i < n; i++ {
		accts = append(accts, geth.NewAccount(fmt.Sprint("cost-", i)))
	}
	for i := 0; i < n; i += 1000 { // 1,000 payments (21M gas) fit in one block
		node.Fund(geth.Eth(1, 1), accts[i:min(i+1000, n)]...)
	}
	px, err := rtproxy.New(node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	chain := fmt.Sprintf("evm:%d", node.ChainID())
	open := func() *evm.Adapter {
		a, err := evm.Open(ctx, evm.Config{Chain: chain, RPC: px.URL(node.URL())})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	live := open()
	defer live.Close()
	tip, err := live.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addrs := make([]string, n)
	for i, a := range accts {
		addrs[i] = a.Hex()
	}
	hs, err := watch.ManualHoldings(ctx, live, addrs, tip)
	if err != nil || len(hs) != n {
		t.Fatalf("%d holdings, %v", len(hs), err)
	}
	info := live.Info()
	res := &graph.Result{Chain: info.Name, Family: info.Family, Seeds: []string{}, Tip: tip, Assets: map[string]graph.Asset{info.Native.ID: info.Native}}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	w, err := watch.New(watch.Config{Live: live, Log: log, Emit: func(watch.Event) error { return nil },
		Fresh: func(context.Context) (trace.Source, func(), error) { a := open(); return a, func() { a.Close() }, nil }}, res, hs)
	if err != nil {
		t.Fatal(err)
	}
	var st rtproxy.Stats
	for round := 0; round <= polls; round++ {
		node.Fund(geth.Eth(1, 1), geth.NewAccount(fmt.Sprint("cost-bystander-", round)))
		px.Reset()
		evs, err := w.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 0 {
			t.Fatalf("nothing watched moved, yet %d events", len(evs))
		}
		st = px.Stats()
	}
	return st
}

// TestPollCostGethBounded: with nothing moving, one new block costs the tip,
// the reorg check, the new block's hash and one batch of eth_getProof per
// batch size (evm.DefaultPrivateBatch: the node is on 127.0.0.1) watched
// addresses: one proof per address at the new block (the balance at the block
// it was last seen is read once and kept).
func TestPollCostGethBounded(t *testing.T) {
	const n = 250
	st := costPerBlockGeth(t, n, 2)
	t.Log(st)
	batch := evm.DefaultPrivateBatch
	if want := int64(3 + (n+batch-1)/batch); st.Requests != want || st.Methods["eth_getProof"] != n {
		t.Fatalf("one new block with %d watched addresses: %v; want %d requests, %d eth_getProof", n, st, want, n)
	}
}

// BenchmarkPollCostGeth reports what one new block costs with 1,000 watched
// addresses on geth (BENCHMARKS.md), counted by internal/rtproxy.
func BenchmarkPollCostGeth(b *testing.B) {
	for i := 0; i < b.N; i++ {
		st := costPerBlockGeth(b, 1000, 2)
		b.ReportMetric(float64(st.Requests), "requests/block")
		b.ReportMetric(float64(st.Calls), "calls/block")
		b.Log(st)
	}
}

// TestPollCostGethTokens: watched ERC-20 holdings cost one request each per
// block: balanceOf answers (eth_call) carry nothing that ties them to their
// call, so the adapter sends each alone — 3 + n requests (BENCHMARKS.md).
func TestPollCostGethTokens(t *testing.T) {
	const n = 40
	ctx := context.Background()
	node := geth.Start(t)
	issuer := geth.NewAccount("tcost-issuer")
	node.Fund(geth.Eth(1, 1), issuer)
	tok := node.DeployERC20(issuer, "TUSD", 6, big.NewInt(1_000_000_000))
	var hs []watch.Holding
	for i := 0; i < n; i++ {
		a := geth.NewAccount(fmt.Sprint("tcost-", i))
		node.TransferToken(issuer, tok, a.Address, big.NewInt(1000))
		hs = append(hs, watch.Holding{Key: a.Hex() + "/" + tok.Hex(), Kind: watch.Manual, Address: a.Hex(), Asset: tok.Hex(), Amount: big.NewInt(1000), Path: []string{}})
	}
	tip := node.Commit()
	px, err := rtproxy.New(node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	open := func() *evm.Adapter {
		a, err := evm.Open(ctx, evm.Config{Chain: fmt.Sprintf("evm:%d", node.ChainID()), RPC: px.URL(node.URL())})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	live := open()
	defer live.Close()
	asset := graph.Asset{ID: tok.Hex(), Symbol: "TUSD", Decimals: 6, Contract: tok.Hex()}
	for i := range hs {
		hs[i].Since = tip
	}
	info := live.Info()
	res := &graph.Result{Chain: info.Name, Family: info.Family, Seeds: []string{}, Tip: tip, Assets: map[string]graph.Asset{info.Native.ID: info.Native, asset.ID: asset}}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	w, err := watch.New(watch.Config{Live: live, Log: log, Emit: func(watch.Event) error { return nil },
		Fresh: func(context.Context) (trace.Source, func(), error) { a := open(); return a, func() { a.Close() }, nil }}, res, hs)
	if err != nil {
		t.Fatal(err)
	}
	var st rtproxy.Stats
	for round := 0; round < 3; round++ { // the first poll also reads each balance at Since
		node.Fund(geth.Eth(1, 1), geth.NewAccount(fmt.Sprint("tcost-bystander-", round)))
		px.Reset()
		evs, err := w.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 0 {
			t.Fatalf("nothing watched moved, yet %d events", len(evs))
		}
		st = px.Stats()
	}
	t.Log(st)
	if st.Requests != 3+n || st.Methods["eth_call"] != n {
		t.Fatalf("one new block with %d token holdings: %v; want %d requests, %d eth_call", n, st, 3+n, n)
	}
}
