package watch_test

import (
	"context"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/chaintrace/chaintrace/watch"
)

// TestWatchGeth: a theft on a real geth, the thief's address watched; the test
// sends part of the loot to a labelled exchange in a new block and checks the
// exact events and amounts; a block with nothing moving sends nothing.
func TestWatchGeth(t *testing.T) {
	ctx := context.Background()
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("victim"), geth.NewAccount("thief"), geth.NewAccount("exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief) // gas money, not stolen
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	n.Commit()
	n.MustSucceed(theft)
	labels := labelMap{exch.Hex(): {Address: exch.Hex(), Name: "ExchangeZ hot wallet", Category: trace.CatExchange, Entity: "ExchangeZ", Confidence: 100}}
	opts := trace.Options{Policy: trace.Haircut, Labels: labels}
	open := func() *evm.Adapter {
		a, err := evm.Open(ctx, evm.Config{Chain: fmt.Sprintf("evm:%d", n.ChainID()), RPC: n.URL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	res, err := trace.Run(ctx, open(), []string{theft.Hex()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var got []watch.Event
	wt, err := watch.New(watch.Config{
		Live:    open(),
		Fresh:   func(ctx context.Context) (trace.Source, func(), error) { return open(), func() {}, nil },
		Options: opts, Confirmations: 1, Log: log,
		Emit: func(e watch.Event) error { got = append(got, e); return nil },
	}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := wt.State().Holdings
	if len(hs) != 1 || hs[0].Address != thief.Hex() || hs[0].Amount.Cmp(geth.Eth(10, 1)) != 0 {
		t.Fatalf("holdings = %+v, want the thief's 10 ETH", hs)
	}
	// a block where nothing watched moves
	n.Fund(geth.Eth(1, 1), geth.NewAccount("bystander"))
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("nothing moved, events: %s", briefs(got))
	}
	// the thief pays 4 ETH into the exchange
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	// haircut on the thief's address: 10 of its 10.1 ETH are tainted, so the
	// 4 ETH paid carry 4 × 10/10.1 and the fee its share; the rest stays watched
	was := geth.Eth(101, 10)
	now := new(big.Int).Sub(new(big.Int).Sub(was, geth.Eth(4, 1)), n.Fee(pay))
	remain := new(big.Int).Quo(new(big.Int).Mul(now, geth.Eth(10, 1)), was)
	moved := new(big.Int).Sub(geth.Eth(10, 1), remain)
	toEx := new(big.Int).Quo(new(big.Int).Mul(geth.Eth(4, 1), geth.Eth(10, 1)), was)
	h := thief.Hex() + "/" + hs[0].Asset
	want := fmt.Sprintf(`moved block=%d tx=%s amount=%s holding=%s
reached-exchange block=%d tx=%s amount=%s holding=%s at=%s endpoint=exchange exchange=ExchangeZ hot wallet
`, b, short(pay.Hex()), moved, short(h), b, short(pay.Hex()), toEx, short(h), short(exch.Hex()))
	if g := briefs(got); g != want {
		t.Fatalf("after the payment:\n%s\nwant\n%s", g, want)
	}
	if got[1].Exchange != "ExchangeZ hot wallet" || got[1].From != thief.Hex() || got[0].Seq != 1 || got[1].Seq != 2 {
		t.Fatalf("events: %+v", got)
	}
	hs = wt.State().Holdings
	if len(hs) != 1 || hs[0].Amount.Cmp(remain) != 0 || hs[0].Since != b {
		t.Fatalf("holdings after the payment = %+v, want %s left at the thief", hs, remain)
	}
	// the next block moves nothing: no event, nothing repeated
	n.Fund(geth.Eth(1, 1), geth.NewAccount("bystander-2"))
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("events after a quiet block: %s", briefs(got))
	}
	// a second payment from what stayed: measured against the balance kept
	// from the first (the holding's SinceBalance, not read again)
	if hs = wt.State().Holdings; hs[0].SinceBalance == nil || hs[0].SinceBalance.Cmp(now) != 0 {
		t.Fatalf("holding's balance at block %d = %v, want %s", hs[0].Since, hs[0].SinceBalance, now)
	}
	pay2 := n.SendValue(thief, exch.Address, geth.Eth(1, 1))
	b2 := n.Commit()
	n.MustSucceed(pay2)
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	now2 := new(big.Int).Sub(new(big.Int).Sub(now, geth.Eth(1, 1)), n.Fee(pay2))
	remain2 := new(big.Int).Quo(new(big.Int).Mul(now2, remain), now)
	if len(got) != 4 || got[2].Kind != watch.Moved || got[2].Block != b2 || got[2].Amount != new(big.Int).Sub(remain, remain2).String() {
		t.Fatalf("after the second payment: %s, want moved %s at block %d", briefs(got), new(big.Int).Sub(remain, remain2), b2)
	}
	if hs = wt.State().Holdings; len(hs) != 1 || hs[0].Amount.Cmp(remain2) != 0 || hs[0].SinceBalance.Cmp(now2) != 0 {
		t.Fatalf("holdings after the second payment = %+v, want %s left", hs, remain2)
	}
}

// TestWatchGethReorg: on a real geth, a reorganisation replaces the block in
// which a watched address paid an exchange; the payment is mined again in the
// competing block of the same height. The watch retracts both events of the
// replaced block (newest first) and sends them again from the new block, with
// the new block hash; the holding left is as before.
func TestWatchGethReorg(t *testing.T) {
	ctx := context.Background()
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("rg-victim"), geth.NewAccount("rg-thief"), geth.NewAccount("rg-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	n.Commit()
	n.MustSucceed(theft)
	labels := labelMap{exch.Hex(): {Address: exch.Hex(), Name: "ExchangeZ hot wallet", Category: trace.CatExchange, Entity: "ExchangeZ", Confidence: 100}}
	opts := trace.Options{Policy: trace.Haircut, Labels: labels}
	open := func() *evm.Adapter {
		a, err := evm.Open(ctx, evm.Config{Chain: fmt.Sprintf("evm:%d", n.ChainID()), RPC: n.URL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	res, err := trace.Run(ctx, open(), []string{theft.Hex()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var got []watch.Event
	wt, err := watch.New(watch.Config{
		Live:    open(),
		Fresh:   func(ctx context.Context) (trace.Source, func(), error) { return open(), func() {}, nil },
		Options: opts, Confirmations: 1, Log: log,
		Emit: func(e watch.Event) error { got = append(got, e); return nil },
	}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Fund(geth.Eth(1, 1), geth.NewAccount("rg-bystander")) // a block the reorg keeps
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != watch.Moved || got[1].Kind != watch.ReachedExchange {
		t.Fatalf("before the reorg: %s", briefs(got))
	}
	before := append([]watch.Event(nil), got...)
	holdings := wt.State().Holdings
	n.Reorg(b - 1)
	if nb := n.Commit(); nb != b {
		t.Fatalf("the competing block is %d, want %d", nb, b)
	}
	n.MustSucceed(pay) // mined again
	got = nil
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	brief := func(e watch.Event) string {
		return fmt.Sprintf("%d:%s@%d:%s:%s:%s:r%d", e.Seq, e.Kind, e.Block, e.BlockHash, e.Tx, e.Amount, e.Retracts)
	}
	var gs []string
	for _, e := range got {
		gs = append(gs, brief(e))
	}
	newHash := got[len(got)-1].BlockHash
	if newHash == before[0].BlockHash || newHash == "" {
		t.Fatalf("the competing block has the replaced one's hash %s", newHash)
	}
	old, tx := before[0].BlockHash, pay.Hex()
	want := []string{
		fmt.Sprintf("3:retracted@%d:%s:%s:%s:r2", b, old, tx, before[1].Amount),
		fmt.Sprintf("4:retracted@%d:%s:%s:%s:r1", b, old, tx, before[0].Amount),
		fmt.Sprintf("5:moved@%d:%s:%s:%s:r0", b, newHash, tx, before[0].Amount),
		fmt.Sprintf("6:reached-exchange@%d:%s:%s:%s:r0", b, newHash, tx, before[1].Amount),
	}
	if strings.Join(gs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the reorg:\n%s\nwant\n%s", strings.Join(gs, "\n"), strings.Join(want, "\n"))
	}
	if hs := wt.State().Holdings; len(hs) != 1 || hs[0].Amount.Cmp(holdings[0].Amount) != 0 || hs[0].Since != b {
		t.Fatalf("holdings after the reorg = %+v, want %+v", hs, holdings)
	}
}

// TestWatchGethInflowHidesOutflow: the watched address receives clean funds
// and pays the exchange in the same poll window, so its balance rose: the
// movement is still found (any change of balance is looked at), and the
// haircut share counts what came in: 4 ETH paid carry 4 × 10 / (10.1 + 5).
func TestWatchGethInflowHidesOutflow(t *testing.T) {
	ctx := context.Background()
	n := geth.Start(t)
	victim, thief, exch, friend := geth.NewAccount("in-victim"), geth.NewAccount("in-thief"), geth.NewAccount("in-exchange"), geth.NewAccount("in-friend")
	n.Fund(geth.Eth(20, 1), victim, friend)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	n.Commit()
	n.MustSucceed(theft)
	labels := labelMap{exch.Hex(): {Address: exch.Hex(), Name: "ExchangeZ", Category: trace.CatExchange, Entity: "ExchangeZ", Confidence: 100}}
	opts := trace.Options{Policy: trace.Haircut, Labels: labels}
	open := func() *evm.Adapter {
		a, err := evm.Open(ctx, evm.Config{Chain: fmt.Sprintf("evm:%d", n.ChainID()), RPC: n.URL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
	res, err := trace.Run(ctx, open(), []string{theft.Hex()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var got []watch.Event
	wt, err := watch.New(watch.Config{
		Live:    open(),
		Fresh:   func(ctx context.Context) (trace.Source, func(), error) { return open(), func() {}, nil },
		Options: opts, Confirmations: 1, Log: log,
		Emit: func(e watch.Event) error { got = append(got, e); return nil },
	}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	gift := n.SendValue(friend, thief.Address, geth.Eth(5, 1))
	b1 := n.Commit()
	n.MustSucceed(gift)
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("clean funds came in, nothing left: %s", briefs(got))
	}
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	if _, err := wt.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	total := geth.Eth(151, 10) // 10.1 held + 5 received
	now := new(big.Int).Sub(new(big.Int).Sub(total, geth.Eth(4, 1)), n.Fee(pay))
	remain := new(big.Int).Quo(new(big.Int).Mul(now, geth.Eth(10, 1)), total)
	moved := new(big.Int).Sub(geth.Eth(10, 1), remain)
	toEx := new(big.Int).Quo(new(big.Int).Mul(geth.Eth(4, 1), geth.Eth(10, 1)), total)
	if len(got) != 2 || got[0].Kind != watch.Moved || got[0].Block != b || got[0].Amount != moved.String() ||
		got[1].Kind != watch.ReachedExchange || got[1].Amount != toEx.String() {
		t.Fatalf("after the payment (block %d, the gift in %d): %s\nwant moved %s, reached-exchange %s", b, b1, briefs(got), moved, toEx)
	}
	if hs := wt.State().Holdings; len(hs) != 1 || hs[0].Amount.Cmp(remain) != 0 {
		t.Fatalf("holdings = %+v, want %s left", hs, remain)
	}
}
