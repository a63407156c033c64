package bitcoin

import (
	"errors"
	"reflect"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Spenders answers what Spender does, output by output, on fresh adapters
// (btcd batch, and the Esplora fan-out over the recordings).
func TestSpendersMatchSpender(t *testing.T) {
	_, s := scenario(t)
	var ops []graph.Outpoint
	for _, tx := range append(append(s.Peel[:5:5], s.Theft, s.ToDeposit, s.Mixed, s.CoinJoin, s.Consolidate), s.HotDeposits[:3]...) {
		for j := range tx.TxOut {
			ops = append(ops, graph.Outpoint{TxID: id(tx), Vout: uint32(j)})
		}
	}
	ops = append(ops, graph.Outpoint{TxID: id(s.Theft), Vout: 99})
	single, batched := openBtcd(t, "btcd"), openBtcd(t, "btcd")
	r0 := batched.Requests()
	res := batched.Spenders(ctx, ops)
	for i, op := range ops {
		want, err := single.Spender(ctx, op)
		got := res[i]
		if (err == nil) != (got.Err == nil) || !reflect.DeepEqual(want, got.Tx) {
			t.Errorf("%s: batched %v (%v), single %v (%v)", op, got.Tx, got.Err, want, err)
		}
	}
	if n := batched.Requests() - r0; n > 8 { // one Spender each would take about 40
		t.Errorf("Spenders of %d outputs took %d requests, want a few", len(ops), n)
	}
}

// TipWithTxs reads the tip and the seed in one request on btcd, dates the
// seed's block from its confirmations (its header then rides with the next
// frontier), and the seed Tx after it costs one request (prevouts only) and
// equals the Tx of a fresh adapter, height included.
func TestTipWithTxsOneRequest(t *testing.T) {
	_, s := scenario(t)
	want, err := openBtcd(t, "btcd").Tx(ctx, id(s.Consolidate))
	if err != nil {
		t.Fatal(err)
	}
	tip, err := openBtcd(t, "btcd").Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := openBtcd(t, "btcd")
	r0 := a.Requests()
	got, err := a.TipWithTxs(ctx, []string{id(s.Consolidate), id(s.Consolidate), "not a txid"})
	if err != nil || got != tip {
		t.Fatalf("TipWithTxs = %d, %v; want %d", got, err, tip)
	}
	if n := a.Requests() - r0; n != 1 {
		t.Errorf("TipWithTxs took %d requests, want 1", n)
	}
	if want.BlockHash == "" {
		t.Fatal("the consolidation is not confirmed")
	}
	if u := a.backend.(*rpcBackend).unchecked; len(u) != 1 || u[want.BlockHash] != want.Block {
		t.Errorf("seed block %s dated %d by confirmations, header says %d", want.BlockHash, u[want.BlockHash], want.Block)
	}
	r1 := a.Requests()
	tx, err := a.Tx(ctx, id(s.Consolidate))
	if err != nil {
		t.Fatal(err)
	}
	if n := a.Requests() - r1; n != 1 {
		t.Errorf("Tx after TipWithTxs took %d requests, want 1 (prevouts; no header)", n)
	}
	if !reflect.DeepEqual(tx, want) {
		t.Errorf("Tx after TipWithTxs\n%+v\nwant\n%+v", tx, want)
	}
	// That request also looked up its outputs' spenders (the first hop level):
	// Spenders of them asks nothing more, and answers as Spender does.
	var ops []graph.Outpoint
	for j := range tx.Outputs {
		ops = append(ops, graph.Outpoint{TxID: tx.TxID, Vout: uint32(j)})
	}
	r2 := a.Requests()
	res := a.Spenders(ctx, ops)
	if n := a.Requests() - r2; n != 0 {
		t.Errorf("Spenders of the seed's outputs after its Tx took %d requests, want 0", n)
	}
	single := openBtcd(t, "btcd")
	for i, op := range ops {
		sp, err := single.Spender(ctx, op)
		if (err == nil) != (res[i].Err == nil) || !reflect.DeepEqual(sp, res[i].Tx) {
			t.Errorf("%s: after TipWithTxs %v (%v), single %v (%v)", op, res[i].Tx, res[i].Err, sp, err)
		}
	}
	if u := a.backend.(*rpcBackend).unchecked; u[want.BlockHash] != 0 {
		t.Errorf("the seed's header was not checked with its outputs' spenders: unchecked %v", u)
	}
	// An unknown seed is left to the trace's own call, which reports it.
	b := openBtcd(t, "btcd")
	missing := "00000000000000000000000000000000000000000000000000000000000000aa"
	if got, err := b.TipWithTxs(ctx, []string{missing}); err != nil || got != tip {
		t.Errorf("TipWithTxs(unknown) = %d, %v; want %d, nil", got, err, tip)
	}
	if _, err := b.Tx(ctx, missing); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("Tx(unknown) after TipWithTxs: %v, want ErrNotFound", err)
	}
}
