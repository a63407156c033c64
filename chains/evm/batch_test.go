package evm

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/rtproxy"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// The frontier batch methods answer exactly what the single ones do, on a fresh
// adapter each (so no answer comes from the other's cache).
func TestBatchMethodsMatchSingleCalls(t *testing.T) {
	s, single := scenario(t)
	batched := openRPC(t, s.Node.URL())
	ctx := context.Background()
	accts := []*geth.Account{s.Victim, s.Hacker, s.Clean, s.Exchange, s.H1, s.H2, s.H3, s.H4, s.P1, s.P2, s.Dep1, s.Dep2, s.Dep3}
	var qs []trace.HistoryQuery
	var bqs []trace.BalanceQuery
	var addrs []string
	usdt := graph.Asset{ID: s.USDT.Hex(), Symbol: "USDT", Decimals: 6, Contract: s.USDT.Hex()}
	for _, a := range accts {
		qs = append(qs, trace.HistoryQuery{Address: a.Hex(), FromBlock: s.TheftBlock, ToBlock: s.LastBlock, Limit: 1000})
		bqs = append(bqs, trace.BalanceQuery{Address: a.Hex(), Asset: batched.Info().Native, Block: s.FanBlock - 1},
			trace.BalanceQuery{Address: a.Hex(), Asset: usdt, Block: s.LastBlock})
		addrs = append(addrs, a.Hex())
	}
	addrs = append(addrs, s.USDT.Hex(), s.Forwarder.Hex())
	hs := batched.Histories(ctx, qs)
	for i, q := range qs {
		want, err := single.History(ctx, q)
		if err != nil || hs[i].Err != nil {
			t.Fatalf("%s: %v / %v", q.Address, err, hs[i].Err)
		}
		if !reflect.DeepEqual(want, hs[i].History) {
			t.Errorf("history of %s: batched %d transfers, single %d\n%v\n%v", q.Address, len(hs[i].History.Transfers), len(want.Transfers), hs[i].History, want)
		}
	}
	bs := batched.Balances(ctx, bqs)
	for i, q := range bqs {
		want, err := single.Balance(ctx, q.Address, q.Asset, q.Block)
		if err != nil || bs[i].Err != nil || want.Cmp(bs[i].Balance) != 0 {
			t.Errorf("balance of %s in %s at %d: batched %v (%v), single %v (%v)", q.Address, q.Asset.ID, q.Block, bs[i].Balance, bs[i].Err, want, err)
		}
	}
	cs := batched.AreContracts(ctx, addrs, s.LastBlock)
	var got, want []bool
	for i, a := range addrs {
		w, err := single.IsContract(ctx, a, s.LastBlock)
		if err != nil || cs[i].Err != nil {
			t.Fatalf("%s: %v / %v", a, err, cs[i].Err)
		}
		got, want = append(got, cs[i].IsContract), append(want, w)
	}
	if !reflect.DeepEqual(got, want) || !want[len(want)-1] || want[0] {
		t.Errorf("contract checks: batched %v, single %v", got, want)
	}
}

// Two proofs of one account (its opening and end balance) cannot be told apart
// by their answers, so they never share a request; proofs of different
// accounts still do: 13 accounts at two blocks leave in two requests.
func TestBalancesKeepProofsOfOneAccountApart(t *testing.T) {
	s, single := scenario(t)
	px, err := rtproxy.New(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	batched := openRPC(t, px.URL(s.Node.URL()))
	ctx := context.Background()
	accts := []*geth.Account{s.Victim, s.Hacker, s.Clean, s.Exchange, s.H1, s.H2, s.H3, s.H4, s.P1, s.P2, s.Dep1, s.Dep2, s.Dep3}
	var bqs []trace.BalanceQuery
	for _, a := range accts {
		bqs = append(bqs, trace.BalanceQuery{Address: a.Hex(), Asset: batched.Info().Native, Block: s.FanBlock - 1},
			trace.BalanceQuery{Address: a.Hex(), Asset: batched.Info().Native, Block: s.LastBlock})
	}
	px.Reset()
	bs := batched.Balances(ctx, bqs)
	st := px.Stats()
	for i, q := range bqs {
		want, err := single.Balance(ctx, q.Address, q.Asset, q.Block)
		if err != nil || bs[i].Err != nil || want.Cmp(bs[i].Balance) != 0 {
			t.Errorf("balance of %s at %d: batched %v (%v), single %v (%v)", q.Address, q.Block, bs[i].Balance, bs[i].Err, want, err)
		}
	}
	if st.Requests != 2 || st.Methods["eth_getProof"] != int64(len(bqs)) {
		t.Errorf("%d proofs of %d accounts: %d requests (%v), want 2 requests of %d proofs", len(bqs), len(accts), st.Requests, st.Methods, len(bqs))
	}
}

// TipWithTxs reads the tip in the request of the seed transaction and its
// receipt: it costs no request more than TxTransfers of the seed alone, the tip
// is Tip's, and TxTransfers after it asks nothing but, for a single seed the
// tracer previews, its header.
func TestTipWithTxsRidesWithTheSeed(t *testing.T) {
	s, single := scenario(t)
	px, err := rtproxy.New(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	ctx := context.Background()
	wantTip, err := single.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seed := s.TheftETH.Hex()
	alone := openRPC(t, px.URL(s.Node.URL()))
	px.Reset()
	want, err := alone.TxTransfers(ctx, seed)
	if err != nil {
		t.Fatal(err)
	}
	txOnly := px.Stats().Requests
	a := openRPC(t, px.URL(s.Node.URL()))
	var shared bool
	px.SetLog(func(_ int64, calls []string) {
		if slices.Contains(calls, "eth_blockNumber") && slices.Contains(calls, "eth_getTransactionByHash") {
			shared = true
		}
	})
	defer px.SetLog(nil)
	px.Reset()
	tip, err := a.TipWithTxs(ctx, []string{seed, "0x1234"})
	if err != nil || tip != wantTip {
		t.Fatalf("TipWithTxs = %d, %v; want %d", tip, err, wantTip)
	}
	// The seed's transaction and receipt only (its header is left for hop 1).
	if n := px.Stats().Requests; n != txOnly-1 || !shared {
		t.Errorf("TipWithTxs took %d requests (eth_blockNumber beside the transaction: %v), want %d (TxTransfers alone, less the header) with it beside", n, shared, txOnly-1)
	}
	// One seed the tracer can preview is not dated yet (issue 18): its header
	// rides with hop 1. TxTransfers alone asks for it in one request.
	if _, ok := a.TxPreview(seed); !ok {
		t.Errorf("TxPreview after TipWithTxs: false, want the seed's transfers")
	}
	px.Reset()
	got, err := a.TxTransfers(ctx, seed)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TxTransfers after TipWithTxs = %v, %v; want %v", got, err, want)
	}
	if n := px.Stats().Requests; n != 1 {
		t.Errorf("TxTransfers after TipWithTxs of one seed took %d requests, want 1 (the header)", n)
	}
	// Several seeds are dated by TipWithTxs, their headers in one request:
	// TxTransfers then asks nothing.
	b := openRPC(t, px.URL(s.Node.URL()))
	px.Reset()
	if tip, err := b.TipWithTxs(ctx, []string{seed, s.TheftUSDT.Hex()}); err != nil || tip != wantTip {
		t.Fatalf("TipWithTxs of two seeds = %d, %v; want %d", tip, err, wantTip)
	}
	px.Reset()
	if got, err := b.TxTransfers(ctx, seed); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TxTransfers after TipWithTxs of two seeds = %v, %v; want %v", got, err, want)
	}
	if _, err := b.TxTransfers(ctx, s.TheftUSDT.Hex()); err != nil {
		t.Error(err)
	}
	if n := px.Stats().Requests; n != 0 {
		t.Errorf("TxTransfers after TipWithTxs of two seeds took %d requests, want 0", n)
	}
	// Nothing to fetch: the tip alone.
	px.Reset()
	if tip, err := a.TipWithTxs(ctx, []string{seed}); err != nil || tip != wantTip || px.Stats().Requests != 1 {
		t.Errorf("TipWithTxs of a cached seed = %d, %v in %d requests; want %d in 1", tip, err, px.Stats().Requests, wantTip)
	}
}

// Holders with different ranges share one pair of log queries, and each keeps
// only the logs of its own topic and range: the batched histories equal the
// single ones, with 2 eth_getLogs for all of them.
func TestHistoriesShareLogQueries(t *testing.T) {
	s, single := scenario(t)
	px, err := rtproxy.New(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	batched := openRPC(t, px.URL(s.Node.URL()))
	ctx := context.Background()
	accts := []*geth.Account{s.Victim, s.Hacker, s.Clean, s.Exchange, s.H1, s.H2, s.H3, s.H4, s.P1, s.P2, s.Dep1, s.Dep2, s.Dep3}
	var qs []trace.HistoryQuery
	for i, a := range accts {
		from := []uint64{s.TheftBlock, s.FanBlock, s.LastBlock}[i%3]
		qs = append(qs, trace.HistoryQuery{Address: a.Hex(), FromBlock: from, ToBlock: s.LastBlock, Limit: 1000})
	}
	// the same holder over another range, and one range that ends early
	qs = append(qs, trace.HistoryQuery{Address: s.Hacker.Hex(), FromBlock: s.FanBlock, ToBlock: s.LastBlock, Limit: 1000},
		trace.HistoryQuery{Address: s.H1.Hex(), FromBlock: s.TheftBlock, ToBlock: s.FanBlock, Limit: 1000})
	px.Reset()
	hs := batched.Histories(ctx, qs)
	st := px.Stats()
	nonEmpty := 0
	for i, q := range qs {
		want, err := single.History(ctx, q)
		if err != nil || hs[i].Err != nil {
			t.Fatalf("%s: %v / %v", q.Address, err, hs[i].Err)
		}
		if !reflect.DeepEqual(want, hs[i].History) {
			t.Errorf("history of %s from %d to %d: batched %d transfers, single %d\n%v\n%v", q.Address, q.FromBlock, q.ToBlock, len(hs[i].History.Transfers), len(want.Transfers), hs[i].History, want)
		}
		if len(want.Transfers) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 5 {
		t.Errorf("only %d of %d histories hold transfers: the test shows little", nonEmpty, len(qs))
	}
	if n := st.Methods["eth_getLogs"]; n != 2 {
		t.Errorf("%d histories sent %d eth_getLogs, want 2 (one pair for all)", len(qs), n)
	}
}

func TestLogGroups(t *testing.T) {
	type r struct{ from, to uint64 }
	var items []r
	for i := 0; i < 250; i++ {
		items = append(items, r{uint64(1000 - i), 1100})
	}
	items = append(items, r{1, 5}, r{2000, 2001})
	gs := logGroups(items, func(x r) (uint64, uint64) { return x.from, x.to }, 500)
	seen := map[int]bool{}
	for _, g := range gs {
		if len(g) == 0 || len(g) > logGroupSize {
			t.Fatalf("group of %d", len(g))
		}
		lo, hi := items[g[0]].from, items[g[0]].to
		for _, i := range g {
			if seen[i] {
				t.Fatalf("item %d in two groups", i)
			}
			seen[i] = true
			lo, hi = min(lo, items[i].from), max(hi, items[i].to)
		}
		if hi-lo+1 > 500 {
			t.Errorf("group spans %d–%d, more than the log range", lo, hi)
		}
	}
	if len(seen) != len(items) {
		t.Errorf("%d of %d items grouped", len(seen), len(items))
	}
	// {1,5} alone (too far from the rest), 250 near ones in 3, {2000,2001} alone
	if len(gs) != 5 {
		t.Errorf("%d groups, want 5: %v", len(gs), gs)
	}
}

// Frontier answers what Histories, Balances and AreContracts answer, with the
// log queries and the proofs in a shared request and a contract check's proof
// that is also an end-of-window balance proof asked once.
func TestFrontierMatchesTheBatchMethods(t *testing.T) {
	s, single := scenario(t)
	px, err := rtproxy.New(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	batched := openRPC(t, px.URL(s.Node.URL()))
	ctx := context.Background()
	accts := []*geth.Account{s.Victim, s.Hacker, s.Clean, s.Exchange, s.H1, s.H2, s.H3, s.H4, s.P1, s.P2, s.Dep1, s.Dep2, s.Dep3}
	q := trace.FrontierQuery{ContractBlock: s.LastBlock}
	for _, a := range accts {
		q.Histories = append(q.Histories, trace.HistoryQuery{Address: a.Hex(), FromBlock: s.TheftBlock, ToBlock: s.LastBlock, Limit: 1000})
		q.Balances = append(q.Balances, trace.BalanceQuery{Address: a.Hex(), Asset: batched.Info().Native, Block: s.FanBlock - 1},
			trace.BalanceQuery{Address: a.Hex(), Asset: batched.Info().Native, Block: s.LastBlock})
		q.Contracts = append(q.Contracts, a.Hex())
	}
	q.Contracts = append(q.Contracts, s.USDT.Hex())
	var shared bool
	px.SetLog(func(_ int64, calls []string) {
		if slices.Contains(calls, "eth_getLogs") && slices.Contains(calls, "eth_getProof") {
			shared = true
		}
	})
	defer px.SetLog(nil)
	px.Reset()
	r := batched.Frontier(ctx, q)
	st := px.Stats()
	if !reflect.DeepEqual(r.Histories, single.Histories(ctx, q.Histories)) {
		t.Errorf("Frontier histories differ from Histories")
	}
	for i, b := range single.Balances(ctx, q.Balances) {
		if b.Err != nil || r.Balances[i].Err != nil || b.Balance.Cmp(r.Balances[i].Balance) != 0 {
			t.Errorf("balance %v: Frontier %v (%v), Balances %v (%v)", q.Balances[i], r.Balances[i].Balance, r.Balances[i].Err, b.Balance, b.Err)
		}
	}
	if want := single.AreContracts(ctx, q.Contracts, q.ContractBlock); !reflect.DeepEqual(r.Contracts, want) || !want[len(want)-1].IsContract {
		t.Errorf("Frontier contracts %v, AreContracts %v", r.Contracts, want)
	}
	// 13 accounts at two blocks, and the token's proof; the contract checks of
	// the 13 are their end-of-window proofs
	if n := st.Methods["eth_getProof"]; n != 27 || !shared {
		t.Errorf("Frontier sent %d eth_getProof (want 27), logs and proofs in one request: %v (%v)", n, shared, st.Methods)
	}
	// Two proofs of one account are told apart by their blocks' state roots:
	// with the roots wrong, none is taken, and they are asked again with the
	// group rule (one request per proof of an account); the answers stand.
	poisoned := openRPC(t, px.URL(s.Node.URL()))
	poisoned.cache.mu.Lock()
	for _, b := range []uint64{s.FanBlock - 1, s.LastBlock} {
		poisoned.cache.headers[b] = &rpcHeader{Number: hexutil.Uint64(b), StateRoot: common.Hash{1}}
	}
	poisoned.cache.mu.Unlock()
	px.Reset()
	pr := poisoned.Frontier(ctx, q)
	if !reflect.DeepEqual(pr.Balances, r.Balances) || !reflect.DeepEqual(pr.Contracts, r.Contracts) {
		t.Errorf("with wrong state roots: balances %v contracts %v, want %v %v", pr.Balances, pr.Contracts, r.Balances, r.Contracts)
	}
	if n := px.Stats().Methods["eth_getProof"]; n != 27+26 {
		t.Errorf("with wrong state roots %d eth_getProof, want 27 + 26 asked again", n)
	}
}

func TestDefaultBatchSize(t *testing.T) {
	// which hosts are private: httpx.TestPrivateHost
	s, a := scenario(t) // on 127.0.0.1
	if n := a.cl.r.BatchSize(); n != DefaultPrivateBatch {
		t.Errorf("batch size on a local node %d, want %d", n, DefaultPrivateBatch)
	}
	if n := openRPC(t, s.Node.URL(), func(c *Config) { c.BatchSize = 100 }).cl.r.BatchSize(); n != 100 {
		t.Errorf("batch size with BatchSize 100: %d", n)
	}
}
