package e2e

import (
	"context"
	"fmt"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

const (
	gammaLabel = "Gamma Exchange: Hot Wallet 1"
	deltaLabel = "Delta Exchange: Hot Wallet"
)

// TestBitcoinDeposits traces a theft on a real btcd (regtest) whose outputs go
// to deposit addresses that an exchange consolidates with its hot wallet's coin
// (multi-input heuristic), sweeps alone into its hot wallet, sweeps too late,
// and to a peel step that pays an exchange and sends its change on. Only the
// two exchanges' hot wallets are labelled. Every script is P2PKH, so the chain
// needs no segwit activation and stays short.
func TestBitcoinDeposits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	ctx := context.Background()
	n, err := btcd.Start(ctx, btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	p := n.Params
	key := func(label string) *btcd.Key { return btcd.NewKey("e2e/"+label, btcd.P2PKH, p) }
	victim, e1, e2 := key("victim"), key("gamma-hot"), key("delta-hot")
	e1cold := key("gamma-cold") // unlabelled: only the co-spent hot-wallet input can tell
	dA, dB, dD, peel, u := key("deposit-a"), key("deposit-b"), key("deposit-late"), key("peel"), key("unspent")
	change, next := key("peel-change"), key("peel-next")
	must := func(tx *wire.MsgTx, cs []btcd.Coin, err error) (*wire.MsgTx, []btcd.Coin) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tx, cs
	}
	mine := func(txs ...*wire.MsgTx) int32 {
		t.Helper()
		if _, err := n.Mine(txs...); err != nil {
			t.Fatal(err)
		}
		return n.Height()
	}
	if err := n.MineTo(110); err != nil { // coinbases of blocks 1..10 are mature
		t.Fatal(err)
	}

	// Amounts in satoshis; every transaction but the funding pays a 10,000 fee.
	fund, fc := must(n.Fund(btcd.FundFee, btcd.Output{Key: victim, Value: 1_000_000_000}, btcd.Output{Key: e1, Value: 50_000_000}))
	mine(fund)
	theft, tc := must(n.Spend([]btcd.Coin{fc[0]}, []btcd.Output{
		{Key: dA, Value: 100_000_000},   // 0: consolidated with Gamma's hot coin
		{Key: dB, Value: 200_000_000},   // 1: swept alone into Gamma's hot wallet
		{Key: peel, Value: 300_000_000}, // 2: peel step paying Delta
		{Key: dD, Value: 150_000_000},   // 3: swept into Gamma after τ
		{Key: u, Value: 249_990_000},    // 4: never spent
	}))
	hT := mine(theft)
	// hT+1: Gamma consolidates D_A with its hot wallet's coin into its (unlabelled)
	// cold wallet; the peel step pays Delta 0.5 BTC and keeps 2.4999 as change.
	cons, _ := must(n.Spend([]btcd.Coin{fc[1], tc[0]}, []btcd.Output{{Key: e1cold, Value: 149_990_000}}))
	peelTx, pc := must(n.Spend([]btcd.Coin{tc[2]}, []btcd.Output{{Key: e2, Value: 50_000_000}, {Key: change, Value: 249_990_000}}))
	hCons := mine(cons, peelTx)
	// hT+2: D_B swept into Gamma's hot wallet; the peel's change moves on.
	sweepB, _ := must(n.Spend([]btcd.Coin{tc[1]}, []btcd.Output{{Key: e1, Value: 199_990_000}}))
	onward, _ := must(n.Spend([]btcd.Coin{pc[1]}, []btcd.Output{{Key: next, Value: 249_980_000}}))
	hSweepB := mine(sweepB, onward)
	mine()
	mine()
	// hT+5: D_D swept into Gamma's hot wallet, 5 blocks after it was paid (τ = 3).
	late, _ := must(n.Spend([]btcd.Coin{tc[3]}, []btcd.Output{{Key: e1, Value: 149_990_000}}))
	hLate := mine(late)
	if hCons != hT+1 || hSweepB != hT+2 || hLate != hT+5 {
		t.Fatalf("unexpected heights: theft %d, consolidation %d, sweep %d, late sweep %d", hT, hCons, hSweepB, hLate)
	}

	a, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendBtcd, URL: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	lbs := loadLabels(t,
		"btc-regtest,"+e1.Address+","+gammaLabel+",exchange,e2e test,100",
		"btc-regtest,"+e2.Address+","+deltaLabel+",exchange,e2e test,100",
	)
	txid := func(tx *wire.MsgTx) string { return tx.TxHash().String() }
	op := func(tx *wire.MsgTx, vout int) string { return fmt.Sprintf("%s:%d", txid(tx), vout) }
	opts := trace.Options{Policy: trace.Haircut, Labels: lbs, DepositRule: true, DepositTau: tau}
	res, err := trace.Run(ctx, a, []string{txid(theft)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	asset := bitcoin.Native.ID

	// κ = 1 − ½·Δt/τ: D_A Δt = 1 → 1000·5/6 = 833.3 → 833; D_B Δt = 2 → 666.6 → 666.
	kA, kB := kappa(nil, nil, 1, tau), kappa(nil, nil, 2, tau)
	if kA != 833 || kB != 666 {
		t.Fatalf("hand-computed κ %d %d, want 833 666", kA, kB)
	}
	sat := big.NewInt
	deposits := []wantEP{
		{kind: graph.EndExchangeDeposit, addr: dA.Address, outpoint: op(theft, 0), asset: asset, amount: sat(100_000_000), exchange: "Gamma Exchange", sweep: txid(cons), confidence: kA},
		{kind: graph.EndExchangeDeposit, addr: dB.Address, outpoint: op(theft, 1), asset: asset, amount: sat(200_000_000), exchange: "Gamma Exchange", sweep: txid(sweepB), confidence: kB},
	}
	want := append([]wantEP{
		// The peel step's payment is an exchange credit; its change went on.
		{kind: graph.EndExchange, addr: e2.Address, outpoint: op(peelTx, 0), asset: asset, amount: sat(50_000_000)},
		{kind: graph.EndUnspent, addr: next.Address, outpoint: op(onward, 0), asset: asset, amount: sat(249_980_000)},
		// The late sweep was followed into Gamma's hot wallet.
		{kind: graph.EndExchange, addr: e1.Address, outpoint: op(late, 0), asset: asset, amount: sat(149_990_000)},
		{kind: graph.EndUnspent, addr: u.Address, outpoint: op(theft, 4), asset: asset, amount: sat(249_990_000)},
	}, deposits...)
	checkEndpoints(t, res, want)
	// Seed: the theft's outputs, 1,000,000,000 − 10,000. Fees: peel, onward, late sweep.
	checkBalance(t, res, asset, sat(999_990_000), sat(30_000))
	for _, e := range res.Endpoints {
		if e.Kind == graph.EndExchangeDeposit && (e.Address == peel.Address || e.Address == dD.Address) {
			t.Errorf("%s (%s) reported as a deposit address", e.Address, e.Outpoint)
		}
	}

	checkJSON(t, res, deposits)
	sameJSON(t, res, func() (*graph.Result, error) {
		o := opts
		o.Concurrency = 4 // concurrent spender lookups must not change what is concluded
		return trace.Run(ctx, a, []string{txid(theft)}, o)
	})

	tables, md := freezeTables(t, res)
	tTheft := btcd.BlockTime(p, hT).Unix()
	checkFreeze(t, tables, md, "Gamma Exchange", []freezeRow{
		depositRow(dA.Address, txid(theft), "1 BTC", tTheft, 1, txid(cons), kA),
		depositRow(dB.Address, txid(theft), "2 BTC", tTheft, 1, txid(sweepB), kB),
	}, []string{e1.Address})
	checkFreeze(t, tables, md, "Delta Exchange", nil, []string{e2.Address})
	if len(tables) != 2 {
		t.Errorf("freeze tables for %v, want Gamma Exchange and Delta Exchange", keys(tables))
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("endpoints:\n%s\nreport:\n%s", dumpEndpoints(res), md)
	}
}
