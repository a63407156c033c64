package e2e

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/xworld"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

// xchainSources opens the world's three chains with the real adapters.
func xchainSources(t *testing.T, w *xworld.World) (a, b *evm.Adapter, btc *bitcoin.Adapter) {
	t.Helper()
	ctx := context.Background()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	open := func(chain, url string) *evm.Adapter {
		ad, err := evm.Open(ctx, evm.Config{Chain: chain, RPC: url, History: evm.HistoryRPC,
			HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ad.Close() })
		return ad
	}
	a, b = open(xworld.ChainA, w.A.URL()), open(xworld.ChainB, w.B.URL())
	btc, err := bitcoin.Open(ctx, bitcoin.Config{Chain: xworld.ChainBTC, Backend: bitcoin.BackendBtcd, URL: w.BTC.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return a, b, btc
}

// TestXchainDecoders reads the world's crossings through the adapters: the
// router's Deposit/TransferOut memos, Multichain's LogAnySwapOut/In and the
// Bitcoin vault's OP_RETURN memos, each against what the scenario sent.
func TestXchainDecoders(t *testing.T) {
	s := xworld.New(t)
	w := s.W
	a, b, btc := xchainSources(t, w)
	ctx := context.Background()

	evs, err := a.TxCrossEvents(ctx, s.SwapIn.Hex())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != graph.EventMemoIn || evs[0].Memo != s.Memos["SwapIn"] || evs[0].Amount.Cmp(xworld.SwapInAmount) != 0 ||
		evs[0].To != w.VaultETH.Hex() || evs[0].Contract != w.Router.Hex() || evs[0].Asset != "ETH" || evs[0].From != s.H1.Hex() {
		t.Fatalf("SwapIn events = %+v; want one memo-in of 99 ETH to the vault with memo %q from h1", evs, s.Memos["SwapIn"])
	}
	evs, err = a.TxCrossEvents(ctx, s.LockOut.Hex())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != graph.EventLockOut || evs[0].ToChainID != xworld.ChainIDB || evs[0].FromChainID != xworld.ChainIDA ||
		evs[0].To != s.H2B.Hex() || evs[0].From != s.H2.Hex() || evs[0].Amount.Cmp(xworld.LockAmount) != 0 {
		t.Fatalf("LockOut events = %+v", evs)
	}
	if evs, err := a.TxCrossEvents(ctx, s.Fan[0].Hex()); err != nil || len(evs) != 0 {
		t.Fatalf("a plain payment has cross events %+v, %v", evs, err)
	}
	tip, _ := a.Tip(ctx)
	outs, err := a.FindCrossEvents(ctx, trace.CrossQuery{Kind: graph.EventMemoOut, FromBlock: 0, ToBlock: tip, Contracts: []string{w.Router.Hex()}})
	if err != nil {
		t.Fatal(err)
	}
	byTx := map[string]graph.CrossEvent{}
	for _, e := range outs {
		byTx[e.Tx] = e
	}
	if len(outs) != 3 {
		t.Errorf("%d TransferOut events on A, want 3 (refund, decoy, BTC swap out): %+v", len(outs), outs)
	}
	if e := byTx[strings.ToLower(s.BTCSwapOut.Hex())]; e.To != s.H6.Hex() || e.Amount.Cmp(xworld.BTCSwapOutETH) != 0 ||
		!strings.EqualFold(e.Memo, "OUT:"+s.BTCSwapIn.TxHash().String()) || e.Vault != w.VaultETH.Hex() {
		t.Errorf("BTCSwapOut = %+v", e)
	}
	if e := byTx[strings.ToLower(s.Refund.Hex())]; e.To != s.H5.Hex() || e.Amount.Cmp(xworld.RefundAmount) != 0 || !strings.HasPrefix(e.Memo, "REFUND:") {
		t.Errorf("Refund = %+v", e)
	}
	tipB, _ := b.Tip(ctx)
	ins, err := b.FindCrossEvents(ctx, trace.CrossQuery{Kind: graph.EventMintIn, FromBlock: 0, ToBlock: tipB})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || !trace.SameHash(ins[1].RefTx, s.LockOut.Hex()) || ins[1].To != s.H2B.Hex() || ins[1].Amount.Cmp(xworld.LockPayout) != 0 ||
		ins[1].Tx != strings.ToLower(s.LockIn.Hex()) || ins[0].To != s.Inn2B.Hex() {
		t.Errorf("LogAnySwapIn on B = %+v; want the decoy's, then the LockOut payout to h2b", ins)
	}
	tx, err := btc.Tx(ctx, s.SwapOut.TxHash().String())
	if err != nil {
		t.Fatal(err)
	}
	var memo string
	for _, o := range tx.Outputs {
		if o.OpReturn() {
			memo = o.Data
		}
	}
	if want := hexOf("OUT:" + xworld.MemoHash(s.SwapIn.Hex())); memo != want {
		t.Errorf("SwapOut OP_RETURN data = %q, want %q", memo, want)
	}
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

// TestXchainRunChains follows the world's theft across the three chains with
// RunChains and checks every crossing's rule, transactions and amounts, the
// endpoints they lead to, and that no decoy is matched.
func TestXchainRunChains(t *testing.T) {
	s := xworld.New(t)
	w := s.W
	a, b, btc := xchainSources(t, w)
	lbs := labels.New()
	if err := lbs.AddData("world.csv", []byte(w.LabelsCSV(s, "xworld test"))); err != nil {
		t.Fatal(err)
	}
	opts := trace.Options{Policy: trace.Haircut, Labels: lbs, MaxHops: 12, DepositRule: true,
		Crossing: trace.CrossOptions{MemoChains: map[string]string{"ETH": xworld.ChainA}}}
	res, err := trace.RunChains(context.Background(), a, []trace.Source{btc, b}, []string{s.TheftTx.Hex()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	type wantX struct {
		rule, status, in, out, to string
		outAmount, outTaint       *big.Int
	}
	eth := func(wei *big.Int) *big.Int { return wei }
	sat := func(n int64) *big.Int { return big.NewInt(n) }
	want := map[string]wantX{
		strings.ToLower(s.SwapIn.Hex()):   {graph.RuleMemo, graph.CrossFollowed, xworld.ChainA, xworld.ChainBTC, s.Thief[0].Address, sat(xworld.SwapOutSat), sat(xworld.SwapOutSat)},
		strings.ToLower(s.LockOut.Hex()):  {graph.RuleLockTxHash, graph.CrossFollowed, xworld.ChainA, xworld.ChainB, s.H2B.Hex(), eth(xworld.LockPayout), eth(xworld.LockPayout)},
		strings.ToLower(s.SameOut.Hex()):  {graph.RuleSameAddress, graph.CrossFollowed, xworld.ChainA, xworld.ChainB, s.H3.Hex(), eth(xworld.SamePayout), eth(xworld.SamePayout)},
		strings.ToLower(s.RefundIn.Hex()): {graph.RuleMemo, graph.CrossRefund, xworld.ChainA, xworld.ChainA, s.H5.Hex(), eth(xworld.RefundAmount), eth(xworld.RefundAmount)},
		strings.ToLower(s.NoLinkIn.Hex()): {graph.RuleMemo, graph.CrossUnlinked, xworld.ChainA, xworld.ChainNoLink, "", nil, nil},
		s.BTCSwapIn.TxHash().String():     {graph.RuleMemo, graph.CrossFollowed, xworld.ChainBTC, xworld.ChainA, s.H6.Hex(), eth(xworld.BTCSwapOutETH), eth(xworld.BTCSwapOutETH)},
	}
	got := map[string]*graph.Crossing{}
	for _, c := range res.Crossings {
		got[c.InTx] = c
		t.Logf("crossing %s %s %s→%s in %s out %s %s taint %s (%s)", c.Rule, c.Status, c.FromChain, c.ToChain, c.InTx, c.OutTx, c.OutAmount, c.OutTaint, c.Note)
	}
	for in, wx := range want {
		c := got[in]
		if c == nil {
			t.Errorf("no crossing for inbound %s", in)
			continue
		}
		if c.Rule != wx.rule || c.Status != wx.status || c.FromChain != wx.in || c.ToChain != wx.out {
			t.Errorf("crossing %s: %s %s %s→%s, want %s %s %s→%s", in, c.Rule, c.Status, c.FromChain, c.ToChain, wx.rule, wx.status, wx.in, wx.out)
		}
		if wx.outAmount == nil {
			if c.OutTx != "" || c.DestAddress != s.H4.Hex() {
				t.Errorf("unlinked crossing %s: out %s, dest %s (want none, h4)", in, c.OutTx, c.DestAddress)
			}
			continue
		}
		if c.OutTo != wx.to || c.OutAmount.Cmp(wx.outAmount) != 0 || c.OutTaint.Cmp(wx.outTaint) != 0 {
			t.Errorf("crossing %s: out to %s amount %s taint %s, want %s %s %s", in, c.OutTo, c.OutAmount, c.OutTaint, wx.to, wx.outAmount, wx.outTaint)
		}
	}
	if len(res.Crossings) != len(want) {
		t.Errorf("%d crossings, want %d", len(res.Crossings), len(want))
	}
	decoys := []string{s.Decoy.Address, s.Inn2B.Hex(), s.Innocent3.Hex(), s.Inn4.Hex(), s.Clean.Hex(),
		strings.ToLower(s.DecoySwapOut.TxHash().String()), strings.ToLower(s.DecoyLockIn.Hex()), strings.ToLower(s.DecoySameIn.Hex()), strings.ToLower(s.DecoyBTCSwapOut.Hex())}
	for _, n := range res.Flow.Nodes() {
		for _, d := range decoys {
			if strings.EqualFold(n.Address, d) || strings.Contains(strings.ToLower(n.ID), strings.ToLower(d)) {
				t.Errorf("decoy %s in the graph: node %s", d, n.ID)
			}
		}
	}
	for _, e := range res.Flow.Edges() {
		for _, d := range decoys {
			if strings.EqualFold(e.Tx, d) {
				t.Errorf("decoy tx %s in the graph", d)
			}
		}
	}
	// Endpoints on the destination chains, exact.
	ep := func(chain, kind, addr string) *graph.Endpoint {
		for _, e := range res.Endpoints {
			if e.Chain == chain && e.Kind == kind && strings.EqualFold(e.Address, addr) {
				return e
			}
		}
		return nil
	}
	for _, c := range []struct {
		chain, kind, addr string
		amount            *big.Int
	}{
		{xworld.ChainBTC, graph.EndUnspent, s.Pay1.Address, sat(xworld.Pay1Sat)},
		{xworld.ChainBTC, graph.EndUnspent, s.Pay4.Address, sat(xworld.Pay4Sat)},
		{xworld.ChainBTC, graph.EndExchangeDeposit, s.Dep.Address, sat(xworld.DepSat)},
		{xworld.ChainB, graph.EndUnspent, s.H3.Hex(), xworld.SamePayout},
		{xworld.ChainB, graph.EndExchangeDeposit, s.DepB.Hex(), xworld.ToDepBAmount},
		{xworld.ChainA, graph.EndExchangeDeposit, s.DepA.Hex(), xworld.ToDepAAmount},
		{xworld.ChainA, graph.EndBridge, w.Router.Hex(), xworld.NoLinkAmount},
	} {
		e := ep(c.chain, c.kind, c.addr)
		if e == nil {
			t.Errorf("no %s endpoint %s on %s", c.kind, c.addr, c.chain)
			continue
		}
		if e.Amount.Cmp(c.amount) != 0 {
			t.Errorf("%s endpoint %s on %s: %s, want %s", c.kind, c.addr, c.chain, e.Amount, c.amount)
		}
	}
	if e := ep(xworld.ChainA, graph.EndBridge, w.Router.Hex()); e != nil && (e.DestChain != xworld.ChainNoLink || e.DestAddress != s.H4.Hex()) {
		t.Errorf("no-link bridge endpoint names %s %s, want bsc and h4", e.DestChain, e.DestAddress)
	}
	// A path that spans chains: the BTC deposit endpoint's path starts on A.
	if e := ep(xworld.ChainBTC, graph.EndExchangeDeposit, s.Dep.Address); e != nil {
		if len(e.Path) < 4 || e.Path[0] != xworld.ChainA+"/"+strings.ToLower(s.TheftTx.Hex()) {
			t.Errorf("BTC deposit path %v does not start at the theft on A", e.Path)
		}
	}
	for id, tt := range res.Totals {
		t.Logf("totals %s: seed %s fees %s by kind %v crossed in %v out %v", id, tt.Seed, tt.Fees, tt.ByKind, tt.CrossedIn, tt.CrossedOut)
	}
	for _, wmsg := range res.Warnings {
		if strings.Contains(wmsg, "mismatch") {
			t.Errorf("warning: %s", wmsg)
		}
		t.Logf("warning: %s", wmsg)
	}
}
