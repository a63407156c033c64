package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// openEVM dials the node with the plain-RPC history strategy (the in-process
// geth has no trace_filter), closing idle connections at the end (see
// TestEVMDeposits).
func openEVM(t *testing.T, n *geth.Node) *evm.Adapter {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	a, err := evm.Open(context.Background(), evm.Config{Chain: "evm", RPC: n.URL(), History: evm.HistoryRPC,
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// genesisScenario: G holds 7 ETH from the genesis allocation and never received
// a transfer; in block 2 it pays Y 2 ETH; blocks 3 and 4 are empty.
type genesisScenario struct {
	n      *geth.Node
	g, y   *geth.Account
	pay    common.Hash
	payFee *big.Int
	tip    uint64
}

func buildGenesis(t *testing.T) *genesisScenario {
	g, y := geth.NewAccount("e2e/genesis-holder"), geth.NewAccount("e2e/genesis-payee")
	n := geth.Start(t, geth.WithAlloc(types.GenesisAlloc{g.Address: {Balance: geth.Eth(7, 1)}}))
	s := &genesisScenario{n: n, g: g, y: y}
	n.Fund(geth.Eth(1, 1), geth.NewAccount("e2e/unrelated")) // block 1
	h := n.SendValue(g, y.Address, geth.Eth(2, 1))
	if b := n.Commit(); b != 2 {
		t.Fatalf("payment in block %d, want 2", b)
	}
	n.MustSucceed(h)
	s.pay, s.payFee = h, n.Fee(h)
	n.Commit()
	s.tip = n.Commit()
	return s
}

// TestAddressSeedFromGenesis: from block 0 the genesis allocation is the
// opening balance (it used to be skipped, giving seed 0 and no endpoint).
func TestAddressSeedFromGenesis(t *testing.T) {
	s := buildGenesis(t)
	a := openEVM(t, s.n)
	ctx := context.Background()
	res, err := trace.Run(ctx, a, []string{s.g.Hex()}, trace.Options{Policy: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Params["from_block"]; got != "0" {
		t.Errorf("params from_block = %q, want \"0\" (an address seed's start is always recorded)", got)
	}
	left := new(big.Int).Sub(geth.Eth(5, 1), s.payFee) // 7 − 2 − gas
	checkEndpoints(t, res, []wantEP{
		{kind: graph.EndUnspent, addr: s.g.Hex(), asset: "ETH", amount: left},
		{kind: graph.EndUnspent, addr: s.y.Hex(), asset: "ETH", amount: geth.Eth(2, 1)},
	})
	checkBalance(t, res, "ETH", geth.Eth(7, 1), s.payFee)

	// From block 3, after the payment: what G held then.
	res, err = trace.Run(ctx, a, []string{s.g.Hex()}, trace.Options{Policy: trace.Haircut, FromBlock: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkEndpoints(t, res, []wantEP{{kind: graph.EndUnspent, addr: s.g.Hex(), asset: "ETH", amount: left}})
	checkBalance(t, res, "ETH", left, new(big.Int))
}

// TestAddressSeedBeyondTip: a start block past the tip is bad input naming the tip.
func TestAddressSeedBeyondTip(t *testing.T) {
	s := buildGenesis(t)
	a := openEVM(t, s.n)
	for _, from := range []uint64{s.tip + 1, s.tip + 5000} {
		res, err := trace.Run(context.Background(), a, []string{s.g.Hex()}, trace.Options{FromBlock: from})
		if !errors.Is(err, trace.ErrBadInput) || res != nil {
			t.Fatalf("--from-block %d on tip %d: result %v, error %v; want bad input and no result", from, s.tip, res != nil, err)
		}
		if want := fmt.Sprintf("beyond the chain tip %d", s.tip); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// At the tip exactly is fine: G's balance then.
	res, err := trace.Run(context.Background(), a, []string{s.g.Hex()}, trace.Options{FromBlock: s.tip})
	if err != nil {
		t.Fatal(err)
	}
	checkBalance(t, res, "ETH", new(big.Int).Sub(geth.Eth(5, 1), s.payFee), new(big.Int))
}

// TestAddressSeedFromDate: a date start resolves to the first block at or after
// it, by the node's own block timestamps.
func TestAddressSeedFromDate(t *testing.T) {
	s := buildGenesis(t)
	a := openEVM(t, s.n)
	ctx := context.Background()
	times := make([]int64, s.tip+1)
	for b := range times {
		h, err := s.n.Client().HeaderByNumber(ctx, big.NewInt(int64(b)))
		if err != nil {
			t.Fatal(err)
		}
		times[b] = int64(h.Time)
	}
	firstAtOrAfter := func(u int64) uint64 {
		for b, tm := range times {
			if tm >= u {
				return uint64(b)
			}
		}
		t.Fatalf("no block at or after %d", u)
		return 0
	}
	for _, u := range []int64{times[0] - 3600, times[2], times[2] - 1, times[3], times[s.tip]} {
		at := time.Unix(u, 0).UTC()
		want := firstAtOrAfter(u)
		got, err := trace.FirstBlockAtOrAfter(ctx, a, at, s.tip)
		if err != nil || got != want {
			t.Errorf("FirstBlockAtOrAfter(%s) = %d, %v; want %d (block times %v)", at, got, err, want, times)
		}
	}
	// Through Run: the resolved block and the date are both recorded, and the
	// seed is what G held at the end of the block before (block 3: after paying Y).
	at := time.Unix(times[3], 0)
	res, err := trace.Run(ctx, a, []string{s.g.Hex()}, trace.Options{FromTime: at})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params["from_block"] != "3" || res.Params["from_time"] != at.UTC().Format(time.RFC3339) {
		t.Errorf("params %v: want from_block 3, from_time %s", res.Params, at.UTC().Format(time.RFC3339))
	}
	checkBalance(t, res, "ETH", new(big.Int).Sub(geth.Eth(5, 1), s.payFee), new(big.Int))

	// After the tip's time: bad input naming the tip.
	late := time.Unix(times[s.tip]+1, 0)
	_, err = trace.Run(ctx, a, []string{s.g.Hex()}, trace.Options{FromTime: late})
	if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), fmt.Sprintf("block %d", s.tip)) {
		t.Errorf("date after the tip: %v; want bad input naming block %d", err, s.tip)
	}
}
