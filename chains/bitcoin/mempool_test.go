package bitcoin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
)

// A transaction still in btcd's mempool: Block 0, BlockHash "", Time 0, inputs
// filled; it is the spender of what it spends, and its own outputs are unspent.
// A separate node, so the shared scenario stays untouched.
func TestBtcdMempoolTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	n, err := btcd.Start(ctx, btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.MineTo(101); err != nil {
		t.Fatal(err)
	}
	alice := btcd.NewKey("alice", btcd.P2PKH, n.Params)
	bob := btcd.NewKey("bob", btcd.P2PKH, n.Params)
	fund, coins, err := n.Fund(10_000, btcd.Output{Key: alice, Value: 70_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(fund); err != nil {
		t.Fatal(err)
	}
	pay, _, err := n.Spend(coins, []btcd.Output{{Key: bob, Value: 69_995_000}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(pay); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "btcd", URL: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := a.Tx(ctx, id(pay))
	if err != nil {
		t.Fatal(err)
	}
	if tx.Block != 0 || tx.BlockHash != "" || tx.Time != 0 || tx.Confirmed() || tx.Fee().Int64() != 5_000 ||
		tx.Inputs[0].Address != alice.Address || tx.Inputs[0].Value.Int64() != 70_000_000 || tx.Outputs[0].Address != bob.Address {
		t.Errorf("mempool tx = %+v", tx)
	}
	sp, err := a.Spender(ctx, graph.Outpoint{TxID: id(fund), Vout: 0})
	if err != nil || sp == nil || sp.TxID != id(pay) || sp.Confirmed() {
		t.Errorf("spender of the funded coin = %+v, %v", sp, err)
	}
	if sp, err := a.Spender(ctx, graph.Outpoint{TxID: id(pay), Vout: 0}); err != nil || sp != nil {
		t.Errorf("mempool output spender = %v, %v", sp, err)
	}
}

// Esplora's unconfirmed status has no block fields (API.md: "available for
// confirmed transactions, null otherwise"); a coinbase vin has no prevout.
func TestEsploraStatusAndCoinbaseDecoding(t *testing.T) {
	mempool := `{"txid":"` + strings.Repeat("11", 32) + `","vin":[{"txid":"` + strings.Repeat("22", 32) +
		`","vout":1,"is_coinbase":false,"prevout":{"scriptpubkey":"76a914` + strings.Repeat("00", 20) + `88ac","value":5000}}],` +
		`"vout":[{"scriptpubkey":"6a0474657374","value":0},{"scriptpubkey":"0014` + strings.Repeat("00", 20) + `","value":4000}],` +
		`"status":{"confirmed":false,"block_height":null,"block_hash":null,"block_time":null}}`
	var et esploraTx
	if err := json.Unmarshal([]byte(mempool), &et); err != nil {
		t.Fatal(err)
	}
	r, err := (&esplora{}).convert(&et)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := LookupNetwork("btc-regtest")
	a := &Adapter{net: reg, backend: &esplora{}, heights: map[string]uint64{}, raw: map[string]*rawTx{}}
	tx, err := a.convert(r)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Block != 0 || tx.BlockHash != "" || tx.Fee().Int64() != 1_000 || tx.Outputs[0].ScriptType != "op_return" ||
		tx.Outputs[1].ScriptType != "p2wpkh" || tx.Inputs[0].Value.Int64() != 5_000 || tx.Inputs[0].Prev.Vout != 1 {
		t.Errorf("decoded %+v", tx)
	}
	cb := `{"txid":"` + strings.Repeat("33", 32) + `","vin":[{"txid":"` + strings.Repeat("00", 32) + `","vout":4294967295,"is_coinbase":true,"prevout":null}],"vout":[{"scriptpubkey":"51","value":625000000}],"status":{"confirmed":true,"block_height":7,"block_hash":"44","block_time":99}}`
	et = esploraTx{}
	if err := json.Unmarshal([]byte(cb), &et); err != nil {
		t.Fatal(err)
	}
	r, err = (&esplora{}).convert(&et)
	if err != nil {
		t.Fatal(err)
	}
	tx, err = a.convert(r)
	if err != nil || !tx.Coinbase || len(tx.Inputs) != 0 || tx.Block != 7 || tx.Time != 99 || tx.Outputs[0].ScriptType != "nonstandard" {
		t.Errorf("coinbase %+v %v", tx, err)
	}
	// A float amount is not Esplora's JSON: it must be refused, not rounded.
	if err := json.Unmarshal([]byte(`{"scriptpubkey":"51","value":0.5}`), &esploraOut{}); err == nil {
		t.Error("float value accepted")
	}
}
