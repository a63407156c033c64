package casecheck

import (
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// A multi-chain result as RunChains gives it: chain-qualified assets, a chain
// on every endpoint, crossings with both transactions.
func multiChainResult() *graph.Result {
	return &graph.Result{
		Endpoints: []*graph.Endpoint{
			{Chain: "evm:1337", Kind: graph.EndUnspent, Address: "0xAa", Asset: "evm:1337/ETH", Amount: big.NewInt(5)},
			{Chain: "btc-regtest", Kind: graph.EndUnspent, Address: "bcrt1qx", Outpoint: "ab:0", Asset: "btc-regtest/BTC", Amount: big.NewInt(7)},
			{Chain: "btc-regtest", Kind: graph.EndExchangeDeposit, Address: "mdep", Outpoint: "cd:0", Asset: "btc-regtest/BTC", Amount: big.NewInt(3)},
		},
		Totals: map[string]*graph.Totals{
			"evm:1337/ETH":    {Seed: big.NewInt(20), Fees: big.NewInt(5), CrossedOut: big.NewInt(10), ByKind: map[string]*big.Int{graph.EndUnspent: big.NewInt(5)}},
			"btc-regtest/BTC": {Seed: new(big.Int), Fees: new(big.Int), CrossedIn: big.NewInt(10), ByKind: map[string]*big.Int{graph.EndUnspent: big.NewInt(7), graph.EndExchangeDeposit: big.NewInt(3)}},
		},
		Crossings: []*graph.Crossing{
			{Rule: graph.RuleMemo, Status: graph.CrossFollowed, FromChain: "evm:1337", ToChain: "btc-regtest", InTx: "0xIN",
				InAmount: big.NewInt(10), InTaint: big.NewInt(10), OutTx: "ab", OutAmount: big.NewInt(10), OutTaint: big.NewInt(10)},
			{Rule: graph.RuleMemo, Status: graph.CrossUnlinked, FromChain: "evm:1337", ToChain: "bsc", InTx: "0xNL",
				InAmount: big.NewInt(1), InTaint: big.NewInt(1)},
		},
	}
}

func TestCrossingExpectations(t *testing.T) {
	r := multiChainResult()
	one, two := 1, 2
	good := &Spec{Expect: Expect{
		Endpoints: []EndpointExpect{
			{Chain: "btc-regtest", Kind: graph.EndUnspent, Amount: "7", Count: &one},
			{Chain: "BTC-REGTEST", Amount: "10", Count: &two},
			{Chain: "evm:1337", Asset: "evm:1337/ETH", Amount: "5"},
		},
		Totals: map[string]Total{"btc-regtest/BTC": {CrossedIn: "10"}, "evm:1337/ETH": {CrossedOut: "10", Seed: "20"}},
		Crossings: []CrossingExpect{
			{Rule: graph.RuleMemo, Status: graph.CrossFollowed, InTx: "0xin", OutTx: "AB", OutAmount: "10", OutTaint: "10", Count: &one},
			{ToChain: "bsc", Status: graph.CrossUnlinked},
			{FromChain: "evm:1337", Count: &two},
		},
	}}
	if fs := Evaluate(good, r); len(fs) != 0 {
		t.Fatalf("failures on a matching result: %v", fs)
	}
	bad := &Spec{Expect: Expect{
		Endpoints: []EndpointExpect{{Chain: "evm:31337", Amount: "5"}},
		Totals:    map[string]Total{"btc-regtest/BTC": {CrossedIn: "11"}, "evm:1337/ETH": {CrossedOut: "9"}},
		Crossings: []CrossingExpect{
			{InTx: "0xIN", OutAmount: "11"},
			{InTx: "0xDECOY"},
			{Rule: graph.RuleSameAddress, Count: &one},
			{Status: graph.CrossFollowed, OutTaint: "<=9"},
		},
	}}
	fs := Evaluate(bad, r)
	var got []string
	for _, f := range fs {
		got = append(got, f.Where)
	}
	want := []string{
		"expect.endpoints[0] {chain: evm:31337}",
		"expect.totals.btc-regtest/BTC.crossed_in",
		"expect.totals.evm:1337/ETH.crossed_out",
		"expect.crossings[0] {in_tx: 0xIN}",
		"expect.crossings[1] {in_tx: 0xDECOY}",
		"expect.crossings[2] {rule: same-address}",
		"expect.crossings[3] {status: followed}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// --update writes every crossing exactly, and the chain of located endpoints.
	e := Expectations(r, Expect{})
	if len(e.Crossings) != 2 || e.Crossings[0].InTx != "0xIN" || e.Crossings[0].OutAmount != "10" || e.Crossings[1].OutTx != "" {
		t.Errorf("updated crossings %+v", e.Crossings)
	}
	if e.Totals["btc-regtest/BTC"].CrossedIn != "10" || e.Totals["evm:1337/ETH"].CrossedOut != "10" || e.Totals["evm:1337/ETH"].CrossedIn != "" {
		t.Errorf("updated totals %+v", e.Totals)
	}
	var dep *EndpointExpect
	for i := range e.Endpoints {
		if e.Endpoints[i].Kind == graph.EndExchangeDeposit {
			dep = &e.Endpoints[i]
		}
	}
	if dep == nil || dep.Chain != "btc-regtest" {
		t.Errorf("updated deposit endpoint %+v, want chain btc-regtest", dep)
	}
}
