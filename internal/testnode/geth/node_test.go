package geth

import (
	"context"
	"encoding/json"
	"math/big"
	"testing"
)

func TestTheftScenario(t *testing.T) {
	n := Start(t)
	s := BuildTheft(t, n)
	if s.TheftBlock != 6 || s.FanBlock != 7 || s.LastBlock != 10 {
		t.Fatalf("blocks: theft %d fan %d last %d, want 6 7 10", s.TheftBlock, s.FanBlock, s.LastBlock)
	}
	// Token balances are exact: 600,000 − 500,000 stays with the victim.
	if got := n.TokenBalance(s.USDT, s.Victim.Address); got.Cmp(USDT(100_000)) != 0 {
		t.Errorf("victim USDT = %s", got)
	}
	if got := n.TokenBalance(s.USDT, s.Exchange.Address); got.Cmp(USDT(200_000)) != 0 {
		t.Errorf("exchange USDT = %s", got)
	}
	if got := n.TokenBalance(s.WETH, s.H4.Address); got.Cmp(Eth(1, 1)) != 0 {
		t.Errorf("h4 WETH = %s", got)
	}
	// p2 never sent anything.
	if got := n.Balance(s.P2.Address); got.Cmp(Eth(8, 1)) != 0 {
		t.Errorf("p2 = %s", got)
	}
	// h4: 6 ETH from the forwarder − 2 wrapped + 1 unwrapped − two fees.
	want := new(big.Int).Sub(Eth(5, 1), n.Fee(s.WrapTx))
	want.Sub(want, n.Fee(s.UnwrapTx))
	if got := n.Balance(s.H4.Address); got.Cmp(want) != 0 {
		t.Errorf("h4 = %s, want %s", got, want)
	}
	// The forwarder's two internal CALLs are visible to callTracer over HTTP.
	var tr struct {
		Calls []struct {
			To    string `json:"to"`
			Value string `json:"value"`
		} `json:"calls"`
	}
	var raw json.RawMessage
	if err := n.rpc.CallContext(context.Background(), &raw, "debug_traceTransaction", s.ForwardTx, map[string]any{"tracer": "callTracer"}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatal(err)
	}
	if len(tr.Calls) != 2 || tr.Calls[0].Value != "0x53444835ec580000" || tr.Calls[1].Value != "0x3782dace9d900000" {
		t.Fatalf("forwarder calls: %s", raw)
	}
}
