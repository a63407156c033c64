package evm

import (
	"context"
	"reflect"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/rtproxy"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
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
