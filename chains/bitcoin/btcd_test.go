package bitcoin

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

var ctx = context.Background()

func id(tx *wire.MsgTx) string { return tx.TxHash().String() }

func sat(v int64) *big.Int { return big.NewInt(v) }

func checkOut(t *testing.T, tx *graph.UTXOTx, i int, addr string, value int64, typ string) {
	t.Helper()
	if i >= len(tx.Outputs) {
		t.Fatalf("%s has %d outputs, want index %d", tx.TxID, len(tx.Outputs), i)
	}
	o := tx.Outputs[i]
	if o.Index != uint32(i) || o.Address != addr || o.Value.Cmp(sat(value)) != 0 || o.ScriptType != typ {
		t.Errorf("%s output %d = {%d %q %s %s}, want {%d %q %d %s}", tx.TxID, i, o.Index, o.Address, o.Value, o.ScriptType, i, addr, value, typ)
	}
}

func checkIn(t *testing.T, tx *graph.UTXOTx, i int, prev string, addr string, value int64) {
	t.Helper()
	in := tx.Inputs[i]
	if in.Prev.String() != prev || in.Address != addr || in.Value.Cmp(sat(value)) != 0 {
		t.Errorf("%s input %d = {%s %q %s}, want {%s %q %d}", tx.TxID, i, in.Prev, in.Address, in.Value, prev, addr, value)
	}
}

func TestBtcdTheftTransaction(t *testing.T) {
	n, s := scenario(t)
	a := openBtcd(t, "btcd")
	if a.Backend() != "btcd" {
		t.Fatalf("backend %q", a.Backend())
	}
	tx, err := a.Tx(ctx, id(s.Theft))
	if err != nil {
		t.Fatal(err)
	}
	hash, err := n.Client.GetBlockHash(442)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Chain != "btc-regtest" || tx.Block != 442 || tx.BlockHash != hash.String() || tx.Coinbase ||
		tx.Time != btcd.BaseTime.Unix()+442*600 {
		t.Errorf("tx header = %s %d %s %d %v", tx.Chain, tx.Block, tx.BlockHash, tx.Time, tx.Coinbase)
	}
	if len(tx.Inputs) != 1 || len(tx.Outputs) != 6 {
		t.Fatalf("%d inputs, %d outputs; want 1, 6", len(tx.Inputs), len(tx.Outputs))
	}
	checkIn(t, tx, 0, id(s.Funding[0])+":0", s.Victim.Address, 1_000_000_000)
	p := n.Params
	checkOut(t, tx, 0, btcd.NewKey("thief/peel", btcd.P2WPKH, p).Address, 400_000_000, "p2wpkh")
	checkOut(t, tx, 1, btcd.NewKey("thief/consolidate", btcd.P2PKH, p).Address, 200_000_000, "p2pkh")
	checkOut(t, tx, 2, btcd.NewKey("thief/coinjoin", btcd.P2TR, p).Address, 150_000_000, "p2tr")
	checkOut(t, tx, 3, btcd.NewKey("thief/unspent", btcd.P2SHP2WPKH, p).Address, 100_000_000, "p2sh")
	checkOut(t, tx, 4, btcd.NewKey("thief/p2pk", btcd.P2PK, p).Address, 149_990_000, "p2pk")
	checkOut(t, tx, 5, "", 0, "op_return")
	if f := tx.Fee(); f.Cmp(sat(10_000)) != 0 {
		t.Errorf("fee %s, want 10000", f)
	}
	// Address spellings: bech32 on regtest is bcrt1…, P2PKH m/n…, P2SH 2…
	if !strings.HasPrefix(tx.Outputs[0].Address, "bcrt1q") || !strings.HasPrefix(tx.Outputs[2].Address, "bcrt1p") ||
		!strings.HasPrefix(tx.Outputs[3].Address, "2") {
		t.Errorf("unexpected address encodings: %s %s %s", tx.Outputs[0].Address, tx.Outputs[2].Address, tx.Outputs[3].Address)
	}
}

func TestBtcdSpenders(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "btcd")
	want := []string{id(s.Peel[0]), id(s.ToDeposit), id(s.CoinJoin), "", id(s.Mixed), ""}
	for vout, w := range want {
		sp, err := a.Spender(ctx, graph.Outpoint{TxID: id(s.Theft), Vout: uint32(vout)})
		if err != nil {
			t.Fatalf("vout %d: %v", vout, err)
		}
		got := ""
		if sp != nil {
			got = sp.TxID
		}
		if got != w {
			t.Errorf("spender of theft:%d = %q, want %q", vout, got, w)
		}
	}
}

func TestBtcdPeelChain(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "btcd")
	op := graph.Outpoint{TxID: id(s.Theft), Vout: 0}
	value := int64(400_000_000)
	for hop := 1; hop <= btcd.PeelHops; hop++ {
		sp, err := a.Spender(ctx, op)
		if err != nil {
			t.Fatalf("hop %d: %v", hop, err)
		}
		if sp == nil || sp.TxID != id(s.Peel[hop-1]) {
			t.Fatalf("hop %d: spender %v, want %s", hop, sp, id(s.Peel[hop-1]))
		}
		if sp.Block != uint64(442+hop) {
			t.Errorf("hop %d in block %d, want %d", hop, sp.Block, 442+hop)
		}
		checkIn(t, sp, 0, op.String(), sp.Inputs[0].Address, value)
		value -= 1_001_234 // 1,000,000 paid + 1,234 fee
		payIdx, changeIdx := 0, 1
		if hop%2 == 0 {
			payIdx, changeIdx = 1, 0
		}
		if f := sp.Fee(); f.Cmp(sat(1_234)) != 0 {
			t.Errorf("hop %d fee %s", hop, f)
		}
		checkOut(t, sp, changeIdx, s.PeelChange[hop-1].Key.Address, value, "p2wpkh")
		checkOut(t, sp, payIdx, s.PeelPay[hop-1].Key.Address, 1_000_000, s.PeelPay[hop-1].Key.ScriptType)
		op = graph.Outpoint{TxID: sp.TxID, Vout: uint32(changeIdx)}
	}
	if value != 369_962_980 { // 400,000,000 − 30 × 1,001,234
		t.Fatalf("final change %d", value)
	}
	sp, err := a.Spender(ctx, op)
	if err != nil || sp != nil {
		t.Fatalf("final change spender = %v, %v; want unspent", sp, err)
	}
}

func TestBtcdConsolidationAndMixedTypes(t *testing.T) {
	n, s := scenario(t)
	a := openBtcd(t, "btcd")
	sp, err := a.Spender(ctx, graph.Outpoint{TxID: id(s.ToDeposit), Vout: 0})
	if err != nil {
		t.Fatal(err)
	}
	if sp == nil || sp.TxID != id(s.Consolidate) || sp.Block != 473 {
		t.Fatalf("deposit spender = %+v", sp)
	}
	checkIn(t, sp, 0, id(s.Funding[1])+":0", s.E1.Address, 50_000_000)
	checkIn(t, sp, 1, id(s.ToDeposit)+":0", s.D.Address, 199_990_000)
	checkIn(t, sp, 2, id(s.Funding[1])+":1", s.E2.Address, 30_000_000)
	checkOut(t, sp, 0, s.H.Address, 279_980_000, "p2pkh")

	mx, err := a.Tx(ctx, id(s.Mixed))
	if err != nil {
		t.Fatal(err)
	}
	p := n.Params
	checkIn(t, mx, 0, id(s.Theft)+":4", btcd.NewKey("thief/p2pk", btcd.P2PK, p).Address, 149_990_000)
	checkOut(t, mx, 0, btcd.NewKey("mixed/a", btcd.P2PKH, p).Address, 40_000_000, "p2pkh")
	checkOut(t, mx, 1, btcd.NewKey("mixed/b", btcd.P2WPKH, p).Address, 30_000_000, "p2wpkh")
	checkOut(t, mx, 2, btcd.NewKey("mixed/c", btcd.P2TR, p).Address, 30_000_000, "p2tr")
	checkOut(t, mx, 3, btcd.NewKey("mixed/d", btcd.P2WSH, p).Address, 20_000_000, "p2wsh")
	checkOut(t, mx, 4, "", 29_980_000, "multisig")
	// Outputs of every type are unspent at the tip, bare multisig included
	// (btcd indexes it under its first key's P2PKH address).
	for v := uint32(0); v < 5; v++ {
		if sp, err := a.Spender(ctx, graph.Outpoint{TxID: mx.TxID, Vout: v}); err != nil || sp != nil {
			t.Errorf("mixed:%d spender %v, %v; want unspent", v, sp, err)
		}
	}

	cj, err := a.Tx(ctx, id(s.CoinJoin))
	if err != nil {
		t.Fatal(err)
	}
	if len(cj.Inputs) != 5 || len(cj.Outputs) != 10 || cj.Fee().Cmp(sat(10_000)) != 0 {
		t.Fatalf("coinjoin %d in %d out fee %s", len(cj.Inputs), len(cj.Outputs), cj.Fee())
	}
	checkIn(t, cj, 1, id(s.Theft)+":2", btcd.NewKey("thief/coinjoin", btcd.P2TR, p).Address, 150_000_000)
	for i := 0; i < 5; i++ {
		if cj.Outputs[i].Value.Cmp(sat(100_000_000)) != 0 || cj.Outputs[5+i].Value.Cmp(sat(49_998_000)) != 0 {
			t.Errorf("coinjoin output values %s %s", cj.Outputs[i].Value, cj.Outputs[5+i].Value)
		}
	}
}

func TestBtcdCoinbaseAndAddressHistory(t *testing.T) {
	n, s := scenario(t)
	a := openBtcd(t, "btcd")
	blk, err := n.Client.GetBlockHash(441)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.Client.GetBlock(blk)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := a.Tx(ctx, b.Transactions[0].TxHash().String())
	if err != nil {
		t.Fatal(err)
	}
	// Regtest halves the 50 BTC subsidy every 150 blocks: 441 is in the third era (12.5 BTC).
	if !cb.Coinbase || len(cb.Inputs) != 0 || cb.Fee().Sign() != 0 || cb.Outputs[0].Value.Cmp(sat(1_250_000_000)) != 0 ||
		cb.Outputs[0].Address != btcd.MinerKey().Address {
		t.Errorf("coinbase = %+v", cb)
	}

	txs, err := a.AddressTxs(ctx, s.H.Address, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 31 {
		t.Fatalf("H has %d txs, want 30 deposits + 1 consolidation", len(txs))
	}
	for i, tx := range txs[:30] {
		if tx.Block != 441 {
			t.Errorf("tx %d block %d", i, tx.Block)
		}
		if i > 0 && txs[i-1].TxID >= tx.TxID {
			t.Errorf("same-block txs not in txid order at %d", i)
		}
	}
	if txs[30].TxID != id(s.Consolidate) {
		t.Errorf("last tx %s, want consolidation", txs[30].TxID)
	}
	upTo, err := a.AddressTxs(ctx, s.H.Address, 472)
	if err != nil || len(upTo) != 30 {
		t.Errorf("AddressTxs(H, 472) = %d txs, %v; want 30", len(upTo), err)
	}
	if _, err := a.AddressTxs(ctx, "bcrt1qunusedunusedunusedunusedunusedunusedxx", 0); !errors.Is(err, trace.ErrBadInput) {
		t.Errorf("malformed address: %v", err)
	}
	fresh := btcd.NewKey("never/used", btcd.P2WPKH, n.Params).Address
	if txs, err := a.AddressTxs(ctx, fresh, 0); err != nil || len(txs) != 0 {
		t.Errorf("unused address: %d txs, %v", len(txs), err)
	}
	if tip, err := a.Tip(ctx); err != nil || tip != 475 {
		t.Errorf("tip %d %v", tip, err)
	}
}

func TestBtcdCachesAndBatches(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "btcd")
	r0 := a.Requests()
	// Consolidation: 1 round trip for the tx, 1 batch for its 3 prevs + header.
	if _, err := a.Tx(ctx, id(s.Consolidate)); err != nil {
		t.Fatal(err)
	}
	if got := a.Requests() - r0; got != 2 {
		t.Errorf("first Tx took %d requests, want 2", got)
	}
	r1 := a.Requests()
	for i := 0; i < 3; i++ {
		if _, err := a.Tx(ctx, id(s.Consolidate)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Tx(ctx, id(s.ToDeposit)); err != nil { // a prev already fetched: only its prevs + header
		t.Fatal(err)
	}
	if got := a.Requests() - r1; got != 1 {
		t.Errorf("cached Tx calls took %d requests, want 1", got)
	}
	// Returned values are copies: changing them does not change the cache.
	tx, _ := a.Tx(ctx, id(s.Consolidate))
	tx.Outputs[0].Value.SetInt64(1)
	tx2, _ := a.Tx(ctx, id(s.Consolidate))
	if tx2.Outputs[0].Value.Cmp(sat(279_980_000)) != 0 {
		t.Error("cache was modified through a returned transaction")
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

// Paging through searchrawtransactions (pages of 7 here): H's 31 transactions
// take 5 pages, and a spender beyond the first page is still found.
func TestBtcdSearchPaging(t *testing.T) {
	_, s := scenario(t)
	old := searchPage
	searchPage = 7
	defer func() { searchPage = old }()
	a := openBtcd(t, "btcd")
	txs, err := a.AddressTxs(ctx, s.H.Address, 0)
	if err != nil || len(txs) != 31 || txs[30].TxID != id(s.Consolidate) {
		t.Fatalf("H history with small pages: %d txs, %v", len(txs), err)
	}
	b := openBtcd(t, "btcd")
	// E2's output is spent by the consolidation (its address's second tx); H's
	// outputs (30 deposits) are unspent: gettxout answers without paging.
	sp, err := b.Spender(ctx, graph.Outpoint{TxID: id(s.Funding[1]), Vout: 1})
	if err != nil || sp == nil || sp.TxID != id(s.Consolidate) {
		t.Fatalf("E2 spender %v %v", sp, err)
	}
	if sp, err := b.Spender(ctx, graph.Outpoint{TxID: id(s.HotDeposits[29]), Vout: 0}); err != nil || sp != nil {
		t.Fatalf("H deposit spender %v %v", sp, err)
	}
	// The coinbase of block 1 pays the miner, whose address has 475 coinbases
	// before the funding transaction (block 441) that spends it: page 63 of 7.
	n, _ := scenario(t)
	h1, err := n.Client.GetBlockHash(1)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := n.Client.GetBlock(h1)
	if err != nil {
		t.Fatal(err)
	}
	r0 := b.Requests()
	sp, err = b.Spender(ctx, graph.Outpoint{TxID: blk.Transactions[0].TxHash().String(), Vout: 0})
	if err != nil || sp == nil || sp.TxID != id(s.Funding[0]) {
		t.Fatalf("coinbase spender %v %v", sp, err)
	}
	if n := b.Requests() - r0; n < 60 {
		t.Errorf("found after %d requests: paging did not happen", n)
	}
}

// The heuristics on real transactions: every peel hop's change is found (the
// payee's script type differs from the P2WPKH input except every 4th hop, where
// only the non-round amount tells), the CoinJoin is flagged and nothing else is.
func TestHeuristicsOnScenario(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "btcd")
	for hop, ptx := range s.Peel {
		tx, err := a.Tx(ctx, id(ptx))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{trace.ChangeScriptType, trace.ChangeRoundAmount}
		if (hop+1)%4 == 0 { // P2WPKH payee
			want = []string{trace.ChangeRoundAmount}
		}
		changeIdx := 1
		if (hop+1)%2 == 0 {
			changeIdx = 0
		}
		v, reasons, ok := trace.DetectChange(tx)
		if !ok || v != changeIdx || strings.Join(reasons, ",") != strings.Join(want, ",") {
			t.Errorf("hop %d: DetectChange = %d %q %v, want %d %q", hop+1, v, reasons, ok, changeIdx, want)
		}
		if trace.IsCoinJoin(tx) {
			t.Errorf("hop %d flagged as CoinJoin", hop+1)
		}
	}
	for name, txid := range map[string]string{"theft": id(s.Theft), "mixed": id(s.Mixed), "consolidation": id(s.Consolidate),
		"peer funding (4 equal outputs, 1 input)": id(s.Funding[2])} {
		tx, err := a.Tx(ctx, txid)
		if err != nil {
			t.Fatal(err)
		}
		if trace.IsCoinJoin(tx) {
			t.Errorf("%s flagged as CoinJoin", name)
		}
	}
	cj, err := a.Tx(ctx, id(s.CoinJoin))
	if err != nil {
		t.Fatal(err)
	}
	if !trace.IsCoinJoin(cj) {
		t.Error("the CoinJoin is not flagged")
	}
}
