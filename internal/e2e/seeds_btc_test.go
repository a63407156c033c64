package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

// TestBitcoinAddressSeedStart: on a real btcd (regtest, block h stamped
// btcd.BlockTime(h)) a date start resolves through header times to the first
// block at or after it; a start beyond the tip (by height or by date) is bad input.
func TestBitcoinAddressSeedStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	ctx := context.Background()
	n, err := btcd.Start(ctx, btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.MineTo(105); err != nil {
		t.Fatal(err)
	}
	k := btcd.NewKey("e2e/date-seed", btcd.P2PKH, n.Params)
	fund, _, err := n.Fund(btcd.FundFee, btcd.Output{Key: k, Value: 70_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(fund); err != nil {
		t.Fatal(err)
	}
	if err := n.MineTo(110); err != nil {
		t.Fatal(err)
	}
	tip := uint64(n.Height())
	a, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendBtcd, URL: n.URL()})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		at   time.Time
		want uint64
	}{
		{btcd.BlockTime(n.Params, 50), 50},
		{btcd.BlockTime(n.Params, 50).Add(time.Second), 51},
		{btcd.BlockTime(n.Params, 1).Add(-time.Hour), 1}, // after the 2011 regtest genesis
		{btcd.BlockTime(n.Params, int32(tip)), tip},
	} {
		got, err := trace.FirstBlockAtOrAfter(ctx, a, tc.at, tip)
		if err != nil || got != tc.want {
			t.Errorf("FirstBlockAtOrAfter(%s) = %d, %v; want %d", tc.at, got, err, tc.want)
		}
	}
	res, err := trace.Run(ctx, a, []string{k.Address}, trace.Options{FromTime: btcd.BlockTime(n.Params, 106)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params["from_block"] != "106" {
		t.Errorf("params %v: want from_block 106", res.Params)
	}
	if s := res.Totals["BTC"]; s == nil || s.Seed.Int64() != 70_000_000 {
		t.Errorf("seed %v, want the 0.7 BTC the address received in block 106", s)
	}

	late := btcd.BlockTime(n.Params, int32(tip)).Add(time.Minute)
	for name, o := range map[string]trace.Options{"date": {FromTime: late}, "height": {FromBlock: tip + 1}} {
		res, err := trace.Run(ctx, a, []string{k.Address}, o)
		if !errors.Is(err, trace.ErrBadInput) || res != nil || !strings.Contains(err.Error(), fmt.Sprint(tip)) {
			t.Errorf("start after the tip by %s: %v; want bad input naming the tip %d", name, err, tip)
		}
	}
}
