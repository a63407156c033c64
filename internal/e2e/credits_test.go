package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/report"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/core/types"
)

// tipOf is what a plain transfer sent by the node helper pays the fee recipient:
// 21,000 gas at the helper's 1 gwei priority fee (its 50 gwei fee cap leaves the
// whole tip above these chains' base fee).
var tipOf = new(big.Int).Mul(big.NewInt(geth.GasValue), geth.GasTipCap)

func noDiscrepancies(t *testing.T, res *graph.Result) {
	t.Helper()
	for _, d := range res.Discrepancies {
		t.Errorf("unexpected discrepancy at %s in %s: node %s, traced %s", d.Address, d.Asset, d.NodeBalance, d.Traced)
	}
}

// edgesOfKind sums the amounts of res's edges of kind into to, by block.
func edgesOfKind(res *graph.Result, kind graph.TransferKind, to string) map[uint64]*big.Int {
	out := map[uint64]*big.Int{}
	for _, e := range res.Flow.Edges() {
		if e.Kind == string(kind) && e.To == to {
			if out[e.Block] == nil {
				out[e.Block] = new(big.Int)
			}
			out[e.Block].Add(out[e.Block], e.Amount)
		}
	}
	return out
}

// TestCoinbaseAddressSeed: the fee recipient of every block, seeded from genesis,
// holds its allocation plus the priority fees of every transaction its blocks
// included — credits no transfer makes; the adapter reports them as rewards.
func TestCoinbaseAddressSeed(t *testing.T) {
	m, p := geth.NewAccount("e2e/miner"), geth.NewAccount("e2e/miner-payee")
	n := geth.Start(t, geth.WithFeeRecipient(m.Address), geth.WithAlloc(types.GenesisAlloc{m.Address: {Balance: geth.Eth(1, 1)}}))
	f := n.Faucet()
	b1 := n.Fund(geth.Eth(1, 1), geth.NewAccount("e2e/a"), geth.NewAccount("e2e/b")) // 2 tips
	pay := n.SendValue(m, p.Address, geth.Eth(1, 4))
	b2 := n.Commit() // 1 tip: the miner's own
	n.MustSucceed(pay)
	h := n.SendValue(f, p.Address, geth.Eth(1, 100))
	b3 := n.Commit() // 1 tip
	n.MustSucceed(h)
	n.Commit() // empty: no reward

	tips := new(big.Int).Mul(tipOf, big.NewInt(4))
	fee := n.Fee(pay)
	seed := new(big.Int).Add(geth.Eth(1, 1), tips)
	left := new(big.Int).Sub(new(big.Int).Sub(seed, geth.Eth(1, 4)), fee)
	if got := n.Balance(m.Address); got.Cmp(left) != 0 {
		t.Fatalf("the node says the miner holds %s; worked by hand: %s", got, left)
	}

	a := openEVM(t, n)
	res, err := trace.Run(context.Background(), a, []string{m.Hex()}, trace.Options{Policy: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, res, []wantEP{
		{kind: graph.EndUnspent, addr: m.Hex(), asset: "ETH", amount: left},
		{kind: graph.EndUnspent, addr: p.Hex(), asset: "ETH", amount: geth.Eth(1, 4)},
	})
	checkBalance(t, res, "ETH", seed, fee)
	noDiscrepancies(t, res)
	rewards := edgesOfKind(res, graph.KindReward, m.Hex())
	want := map[uint64]*big.Int{b1: new(big.Int).Mul(tipOf, big.NewInt(2)), b2: tipOf, b3: tipOf}
	if len(rewards) != len(want) {
		t.Errorf("reward edges by block %v, want %v", rewards, want)
	}
	for b, v := range want {
		if rewards[b] == nil || rewards[b].Cmp(v) != 0 {
			t.Errorf("reward in block %d = %v, want %s", b, rewards[b], v)
		}
	}
}

// TestWithdrawalCredits: a beacon withdrawal is a clean credit at a hop holder
// (it dilutes haircut at the moment it arrives) and part of an address seed.
func TestWithdrawalCredits(t *testing.T) {
	n := geth.Start(t, geth.WithWithdrawals())
	v, w, x := geth.NewAccount("e2e/wd-victim"), geth.NewAccount("e2e/wd-holder"), geth.NewAccount("e2e/wd-payee")
	n.Fund(geth.Eth(10, 1), v)
	theft := n.SendValue(v, w.Address, geth.Eth(1, 1))
	n.Commit()
	n.MustSucceed(theft)
	n.Withdraw(w.Address, 3_000_000_000)                         // 3 ETH in gwei
	n.Withdraw(geth.NewAccount("e2e/wd-other").Address, 123_456) // someone else's
	bw := n.Commit()
	pay := n.SendValue(w, x.Address, geth.Eth(2, 1))
	n.Commit()
	n.MustSucceed(pay)
	fee := n.Fee(pay)

	a := openEVM(t, n)
	ctx := context.Background()
	res, err := trace.Run(ctx, a, []string{theft.Hex()}, trace.Options{Policy: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	// Haircut by hand: W holds 1 tainted + 3 clean when it pays; the fee goes
	// first (fee·1/4), then 2 ETH at the remaining ratio; rounding down each time.
	one, four := geth.Eth(1, 1), geth.Eth(4, 1)
	feeTaint := new(big.Int).Quo(new(big.Int).Mul(one, fee), four)
	bal, taint := new(big.Int).Sub(four, fee), new(big.Int).Sub(one, feeTaint)
	toX := new(big.Int).Quo(new(big.Int).Mul(taint, geth.Eth(2, 1)), bal)
	checkEndpoints(t, res, []wantEP{
		{kind: graph.EndUnspent, addr: x.Hex(), asset: "ETH", amount: toX},
		{kind: graph.EndUnspent, addr: w.Hex(), asset: "ETH", amount: new(big.Int).Sub(taint, toX)},
	})
	checkBalance(t, res, "ETH", one, feeTaint)
	noDiscrepancies(t, res)

	// W as an address seed from genesis: 1 received + 3 withdrawn.
	res, err = trace.Run(ctx, a, []string{w.Hex()}, trace.Options{Policy: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, res, []wantEP{
		{kind: graph.EndUnspent, addr: x.Hex(), asset: "ETH", amount: geth.Eth(2, 1)},
		{kind: graph.EndUnspent, addr: w.Hex(), asset: "ETH", amount: new(big.Int).Sub(geth.Eth(2, 1), fee)},
	})
	checkBalance(t, res, "ETH", four, fee)
	noDiscrepancies(t, res)
	if got := edgesOfKind(res, graph.KindWithdrawal, w.Hex()); len(got) != 1 || got[bw] == nil || got[bw].Cmp(geth.Eth(3, 1)) != 0 {
		t.Errorf("withdrawal edges %v, want 3 ETH in block %d", got, bw)
	}
}

// TestReconcileUnseenCredit provokes a mismatch on purpose: the rpc history
// scans only 2 blocks from a holder's start, so a plain payment 4 blocks later
// is invisible to it. The node's balance at the end says otherwise, and the
// trace reports the difference (warning, discrepancies[], the endpoint's
// unexplained, a report section) instead of a silently wrong holding.
func TestReconcileUnseenCredit(t *testing.T) {
	n := geth.Start(t)
	v, h := geth.NewAccount("e2e/rc-victim"), geth.NewAccount("e2e/rc-holder")
	n.Fund(geth.Eth(10, 1), v)
	theft := n.SendValue(v, h.Address, geth.Eth(1, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	n.Commit()
	n.Commit()
	n.Commit()
	late := n.SendValue(n.Faucet(), h.Address, geth.Eth(5, 1))
	n.Commit()
	n.MustSucceed(late)

	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	a, err := evm.Open(context.Background(), evm.Config{Chain: "evm", RPC: n.URL(), History: evm.HistoryRPC, ScanBlocks: 2,
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ctx := context.Background()

	// From the theft: the unseen 5 ETH are clean; H still holds the 1 stolen ETH.
	res, err := trace.Run(ctx, a, []string{theft.Hex()}, trace.Options{Policy: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, res, []wantEP{{kind: graph.EndUnspent, addr: h.Hex(), asset: "ETH", amount: geth.Eth(1, 1)}})
	if len(res.Discrepancies) != 1 {
		t.Fatalf("discrepancies %v, want one at %s", res.Discrepancies, h.Hex())
	}
	d := res.Discrepancies[0]
	if d.Address != h.Hex() || d.Unexplained.Cmp(geth.Eth(5, 1)) != 0 || d.NodeBalance.Cmp(geth.Eth(6, 1)) != 0 || d.Traced.Cmp(geth.Eth(1, 1)) != 0 {
		t.Errorf("discrepancy %+v: want %s node 6 ETH, traced 1 ETH, unexplained 5 ETH", d, h.Hex())
	}
	if e := res.Endpoints[0]; e.Unexplained == nil || e.Unexplained.Cmp(geth.Eth(5, 1)) != 0 {
		t.Errorf("endpoint unexplained %v, want 5 ETH", e.Unexplained)
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w, h.Hex()) && strings.Contains(w, geth.Eth(5, 1).String()+" unexplained")
	}
	if !warned {
		t.Errorf("no warning names the unexplained 5 ETH: %q", res.Warnings)
	}
	var buf bytes.Buffer
	if err := render.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Discrepancies []map[string]any `json:"discrepancies"`
		Endpoints     []map[string]any `json:"endpoints"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Discrepancies) != 1 || doc.Discrepancies[0]["unexplained"] != "5000000000000000000" || doc.Endpoints[0]["unexplained"] != "5000000000000000000" {
		t.Errorf("JSON discrepancies %v, endpoints %v", doc.Discrepancies, doc.Endpoints)
	}
	buf.Reset()
	if err := report.Markdown(&buf, res, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if md := buf.String(); !strings.Contains(md, "## Balance reconciliation") || !strings.Contains(md, "5 ETH") {
		t.Errorf("report lacks the reconciliation note:\n%s", md)
	}

	// H as an address seed from the theft's block: everything it received counts,
	// the unseen 5 ETH included (reported, not silently dropped).
	res, err = trace.Run(ctx, a, []string{h.Hex()}, trace.Options{Policy: trace.Haircut, FromBlock: start})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, res, []wantEP{{kind: graph.EndUnspent, addr: h.Hex(), asset: "ETH", amount: geth.Eth(6, 1)}})
	checkBalance(t, res, "ETH", geth.Eth(6, 1), new(big.Int))
	if len(res.Discrepancies) != 1 || res.Discrepancies[0].Unexplained.Cmp(geth.Eth(5, 1)) != 0 {
		t.Errorf("address seed: discrepancies %v, want 5 ETH at %s", res.Discrepancies, h.Hex())
	}
}

// TestSelfDestructPayout: stolen ETH parked in a contract leaves it by
// SELFDESTRUCT (no CALL carries it); the adapter reports the payout as its own
// kind, the beneficiary is followed, and every holder reconciles.
func TestSelfDestructPayout(t *testing.T) {
	n := geth.Start(t)
	v, h, b, c := geth.NewAccount("e2e/sd-victim"), geth.NewAccount("e2e/sd-hacker"), geth.NewAccount("e2e/sd-beneficiary"), geth.NewAccount("e2e/sd-caller")
	n.Fund(geth.Eth(10, 1), v, c)
	sd := n.DeploySelfDestructor(n.Faucet(), b.Address)
	theft := n.SendValue(v, h.Address, geth.Eth(2, 1))
	n.Commit()
	park := n.Call(h, sd, geth.Eth(3, 2), nil)
	n.Commit()
	trigger := n.Call(c, sd, nil, nil)
	n.Commit()
	n.MustSucceed(theft, park, trigger)
	if got := n.Balance(b.Address); got.Cmp(geth.Eth(3, 2)) != 0 {
		t.Fatalf("beneficiary holds %s, want 1.5 ETH", got)
	}

	a := openEVM(t, n)
	res, err := trace.Run(context.Background(), a, []string{theft.Hex()}, trace.Options{Policy: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	// H held only stolen ETH: its gas and the 1.5 ETH are wholly tainted; the
	// contract passes all of it to B.
	fee := n.Fee(park)
	checkEndpoints(t, res, []wantEP{
		{kind: graph.EndUnspent, addr: h.Hex(), asset: "ETH", amount: new(big.Int).Sub(geth.Eth(1, 2), fee)},
		{kind: graph.EndUnspent, addr: b.Hex(), asset: "ETH", amount: geth.Eth(3, 2)},
	})
	checkBalance(t, res, "ETH", geth.Eth(2, 1), fee)
	noDiscrepancies(t, res)
	if got := edgesOfKind(res, graph.KindSelfDestruct, b.Hex()); len(got) != 1 {
		t.Errorf("selfdestruct edges into the beneficiary: %v, want one of 1.5 ETH", got)
	} else {
		for _, v := range got {
			if v.Cmp(geth.Eth(3, 2)) != 0 {
				t.Errorf("selfdestruct edge carries %s, want 1.5 ETH", v)
			}
		}
	}
}
