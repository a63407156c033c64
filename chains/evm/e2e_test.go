package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

// exchangeLabels labels only the scenario's exchange hot wallet.
type exchangeLabels struct{ addr string }

func (l exchangeLabels) Lookup(chain, address string) (trace.Label, bool) {
	if strings.EqualFold(address, l.addr) {
		return trace.Label{Chain: "evm", Address: l.addr, Name: "Test Exchange", Category: trace.CatExchange, Source: "test", Confidence: 100}, true
	}
	return trace.Label{}, false
}

// TestTraceRunTheft runs the tracer (haircut) from both theft transactions over
// the real node and checks every endpoint against amounts worked out by hand
// from the scenario (fees are read from the node's receipts).
func TestTraceRunTheft(t *testing.T) {
	s, a := scenario(t)
	n := s.Node
	ctx := context.Background()
	res, err := trace.Run(ctx, a, []string{s.TheftETH.Hex(), s.TheftUSDT.Hex()}, trace.Options{
		Policy: trace.Haircut, Labels: exchangeLabels{s.Exchange.Hex()}, DepositRule: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := func(hs ...common.Hash) *big.Int { // sum of fees of the given txs
		sum := new(big.Int)
		for _, h := range hs {
			sum.Add(sum, n.Fee(h))
		}
		return sum
	}
	eth := func(n, d int64) *big.Int { return geth.Eth(n, d) }
	sub := func(a *big.Int, bs ...*big.Int) *big.Int {
		r := new(big.Int).Set(a)
		for _, b := range bs {
			r.Sub(r, b)
		}
		return r
	}
	mulDiv := func(a *big.Int, m, d int64) *big.Int {
		r := new(big.Int).Mul(a, big.NewInt(m))
		return r.Div(r, big.NewInt(d))
	}
	hackerFees := f(s.FanH1, s.FanH2, s.FanH3, s.ForwardTx, s.USDTToH3)
	h1Fees := f(s.PeelDep1, s.PeelP1)
	p1Fees := f(s.P1Dep2, s.P1P2) // p1 holds 8 tainted of 10: its debits are 80 % tainted
	h4Fees := f(s.WrapTx, s.UnwrapTx)
	usdt, weth := s.USDT.Hex(), s.WETH.Hex()
	want := map[string]*big.Int{
		// ETH: 40 stolen.
		"unspent " + s.Hacker.Hex() + " ETH":        sub(eth(5, 1), hackerFees),
		"unspent " + s.H1.Hex() + " ETH":            sub(eth(1, 1), h1Fees),
		"unspent " + s.P1.Hex() + " ETH":            sub(eth(8, 10), mulDiv(p1Fees, 8, 10)),
		"unspent " + s.P2.Hex() + " ETH":            eth(64, 10),
		"unspent " + s.H2.Hex() + " ETH":            sub(eth(10, 1), f(s.RevertedTx)),
		"unspent " + s.H3.Hex() + " ETH":            sub(eth(5, 1), f(s.H3USDTToEx)),
		"unspent " + s.H4.Hex() + " ETH":            sub(eth(5, 1), h4Fees),
		"exchange-deposit " + s.Dep1.Hex() + " ETH": eth(1, 1),
		"exchange-deposit " + s.Dep2.Hex() + " ETH": eth(8, 10),
		"exchange-deposit " + s.Dep3.Hex() + " ETH": eth(4, 1),
		"unspent " + s.H4.Hex() + " " + weth:        eth(1, 1),
		"unspent " + s.Hacker.Hex() + " " + usdt:    geth.USDT(300_000),
		"exchange " + s.Exchange.Hex() + " " + usdt: geth.USDT(200_000),
	}
	got := map[string]*big.Int{}
	var lines []string
	for _, e := range res.Endpoints {
		k := e.Kind + " " + e.Address + " " + e.Asset
		if got[k] == nil {
			got[k] = new(big.Int)
		}
		got[k].Add(got[k], e.Amount)
		lines = append(lines, fmt.Sprintf("%s = %s (hops %d)", k, e.Amount, e.Hops))
	}
	sort.Strings(lines)
	for k, w := range want {
		if got[k] == nil || got[k].Cmp(w) != 0 {
			t.Errorf("endpoint %s = %v, want %s", k, got[k], w)
		}
	}
	for k := range got {
		if want[k] == nil {
			t.Errorf("unexpected endpoint %s = %s", k, got[k])
		}
	}
	// Totals balance: ETH seed 40 = endpoints + fees + 2 wrapped out − 1 wrapped in.
	fees := new(big.Int).Add(hackerFees, h1Fees)
	fees.Add(fees, mulDiv(p1Fees, 8, 10))
	fees.Add(fees, f(s.RevertedTx, s.H3USDTToEx))
	fees.Add(fees, h4Fees)
	tot := res.Totals["ETH"]
	if tot == nil || tot.Seed.Cmp(eth(40, 1)) != 0 || tot.Fees.Cmp(fees) != 0 {
		t.Errorf("ETH totals %+v, want seed 40 ETH and fees %s", tot, fees)
	} else {
		sum := new(big.Int).Add(tot.Fees, nz(tot.WrappedOut))
		for _, v := range tot.ByKind {
			sum.Add(sum, v)
		}
		if sum.Sub(sum, nz(tot.WrappedIn)).Cmp(tot.Seed) != 0 || nz(tot.WrappedOut).Cmp(eth(2, 1)) != 0 || nz(tot.WrappedIn).Cmp(eth(1, 1)) != 0 {
			t.Errorf("ETH totals do not balance: %+v", tot)
		}
	}
	if tu := res.Totals[usdt]; tu == nil || tu.Seed.Cmp(geth.USDT(500_000)) != 0 {
		t.Errorf("USDT totals %+v", tu)
	}
	if t.Failed() {
		t.Logf("endpoints:\n%s\nwarnings: %q", strings.Join(lines, "\n"), res.Warnings)
	}

	// Concurrent lookups (the tracer's Concurrency) give the same result, and
	// concurrent callers still never fetch a block, receipt or trace twice.
	p := newProxy(t, n.URL(), nil)
	b := openRPC(t, p.URL)
	res2, err := trace.Run(ctx, b, []string{s.TheftETH.Hex(), s.TheftUSDT.Hex()}, trace.Options{
		Policy: trace.Haircut, Labels: exchangeLabels{s.Exchange.Hex()}, DepositRule: true, Concurrency: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(res.Endpoints)
	j2, _ := json.Marshal(res2.Endpoints)
	if string(j1) != string(j2) {
		t.Errorf("Concurrency 4 differs:\n%s\n%s", j1, j2)
	}
	if d := p.dupes("eth_getBlockByNumber", "eth_getTransactionReceipt", "eth_getTransactionByHash", "debug_traceTransaction", "debug_traceBlockByNumber", "eth_call"); len(d) > 0 {
		t.Errorf("fetched more than once under concurrency: %q", d)
	}
}

func nz(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}
