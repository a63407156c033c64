package bitcoin

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// TestEsploraRecorded runs the Esplora client against the synthesised answers only
// (no btcd needed); the expected values are the scenario's, written by hand.
func TestEsploraRecorded(t *testing.T) {
	r := newReplay(t)
	sc := r.rec.Scenario
	var warnings bytes.Buffer
	a, err := Open(ctx, Config{Chain: "btc-regtest", URL: r.url(), Warnings: &warnings})
	if err != nil {
		t.Fatal(err)
	}
	if a.Backend() != "esplora" {
		t.Fatalf("detected %s", a.Backend())
	}
	tx, err := a.Tx(ctx, sc["theft"])
	if err != nil {
		t.Fatal(err)
	}
	if tx.Block != 442 || len(tx.Inputs) != 1 || tx.Inputs[0].Value.Int64() != 1_000_000_000 || tx.Fee().Int64() != 10_000 {
		t.Fatalf("theft = %+v", tx)
	}
	wantTypes := []string{"p2wpkh", "p2pkh", "p2tr", "p2sh", "p2pk", "op_return"}
	wantVals := []int64{400_000_000, 200_000_000, 150_000_000, 100_000_000, 149_990_000, 0}
	for i, o := range tx.Outputs {
		if o.ScriptType != wantTypes[i] || o.Value.Int64() != wantVals[i] {
			t.Errorf("output %d = %s %s", i, o.ScriptType, o.Value)
		}
	}
	// P2PK: electrs gives no address; the adapter derives the key's P2PKH.
	if !strings.HasPrefix(tx.Outputs[4].Address, "m") && !strings.HasPrefix(tx.Outputs[4].Address, "n") {
		t.Errorf("p2pk address %q", tx.Outputs[4].Address)
	}
	// Spenders: one /outspends request answers all six outputs.
	before := r.total
	want := []string{sc["peel1"], sc["to_deposit"], sc["coinjoin"], "", sc["mixed"], ""}
	for v, w := range want {
		sp, err := a.Spender(ctx, graph.Outpoint{TxID: sc["theft"], Vout: uint32(v)})
		if err != nil {
			t.Fatal(err)
		}
		if got := txidOf(sp); got != w {
			t.Errorf("spender of theft:%d = %q, want %q", v, got, w)
		}
	}
	// 1 outspends + /tx of the 3 spenders (peel1, to_deposit, coinjoin, mixed: 4).
	if got := r.total - before; got != 5 {
		t.Errorf("spenders took %d requests, want 5", got)
	}
	// Consolidation: three inputs, prevouts inline.
	c, err := a.Spender(ctx, graph.Outpoint{TxID: sc["to_deposit"], Vout: 0})
	if err != nil || txidOf(c) != sc["consolidate"] {
		t.Fatalf("deposit spender %v %v", c, err)
	}
	ins := []struct {
		addr string
		v    int64
	}{{sc["e1"], 50_000_000}, {sc["deposit"], 199_990_000}, {sc["e2"], 30_000_000}}
	for i, w := range ins {
		if c.Inputs[i].Address != w.addr || c.Inputs[i].Value.Int64() != w.v {
			t.Errorf("consolidation input %d = %s %s", i, c.Inputs[i].Address, c.Inputs[i].Value)
		}
	}
	// Paging: 25 + 6 transactions, the second page after one 429 (Retry-After: 1).
	start := time.Now()
	hist, err := a.AddressTxs(ctx, sc["hot"], 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 31 || hist[30].TxID != sc["consolidate"] || hist[0].Block != 441 {
		t.Fatalf("history of H: %d txs", len(hist))
	}
	if time.Since(start) < time.Second {
		t.Error("the 429's Retry-After was not honoured")
	}
	// The retry is a notice on the warnings writer, never a result warning.
	if ws := a.Warnings(); len(ws) != 0 || !strings.Contains(warnings.String(), "notice: ") || !strings.Contains(warnings.String(), "429") {
		t.Errorf("warnings %q", ws)
	}
	if !sort.SliceIsSorted(hist, func(i, j int) bool { return hist[i].Block < hist[j].Block }) {
		t.Error("history not oldest first")
	}
	if tip, err := a.Tip(ctx); err != nil || tip != 475 {
		t.Errorf("tip %d %v", tip, err)
	}
	if _, err := a.Tx(ctx, strings.Repeat("ab", 32)); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("unknown tx: %v", err)
	}
	// Nothing was fetched twice, and nothing unrecorded was asked for (the one
	// miss is auto-detection's JSON-RPC probe).
	for p, n := range r.hits {
		if n > 1 && !strings.Contains(p, "/txs/chain/") && p != "/blocks/tip/height" { // the tip moves: never cached; detection asked once
			t.Errorf("%s fetched %d times", p, n)
		}
	}
	if len(r.miss) != 1 || r.miss[0] != "" {
		t.Errorf("unrecorded requests: %q", r.miss)
	}
}

func txidOf(t *graph.UTXOTx) string {
	if t == nil {
		return ""
	}
	return t.TxID
}

// TestEsploraMatchesBtcd: the same chain seen through the live btcd node and
// through the synthesised Esplora answers gives identical transactions, spenders
// and address histories.
func TestEsploraMatchesBtcd(t *testing.T) {
	_, s := scenario(t)
	r := newReplay(t)
	e, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
	if err != nil {
		t.Fatal(err)
	}
	b := openBtcd(t, "btcd")
	var ids []string
	for _, x := range r.rec.Responses {
		if strings.HasPrefix(x.Path, "/tx/") && !strings.HasSuffix(x.Path, "/outspends") && x.Status == 200 {
			ids = append(ids, strings.TrimPrefix(x.Path, "/tx/"))
		}
	}
	if len(ids) < 60 {
		t.Fatalf("only %d recorded txs", len(ids))
	}
	spenders := 0
	for _, txid := range ids {
		et, err := e.Tx(ctx, txid)
		if err != nil {
			t.Fatal(err)
		}
		bt, err := b.Tx(ctx, txid)
		if err != nil {
			t.Fatal(err)
		}
		if !equalJSON(t, et, bt) {
			t.Errorf("tx %s differs:\nesplora %+v\nbtcd    %+v", txid, et, bt)
			continue
		}
		for v := range et.Outputs {
			op := graph.Outpoint{TxID: txid, Vout: uint32(v)}
			es, err1 := e.Spender(ctx, op)
			bs, err2 := b.Spender(ctx, op)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v / %v", op, err1, err2)
			}
			if !equalJSON(t, es, bs) {
				t.Errorf("spender of %s: esplora %s, btcd %s", op, txidOf(es), txidOf(bs))
			}
			if es != nil {
				spenders++
			}
		}
	}
	for _, addr := range []string{s.H.Address, s.D.Address, s.E1.Address, s.E2.Address} {
		eh, err1 := e.AddressTxs(ctx, addr, 0)
		bh, err2 := b.AddressTxs(ctx, addr, 0)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", addr, err1, err2)
		}
		if len(eh) == 0 || !equalJSON(t, eh, bh) {
			t.Errorf("history of %s differs: %d vs %d txs", addr, len(eh), len(bh))
		}
	}
	t.Logf("%d transactions, %d spent outputs compared; esplora %d requests, btcd %d", len(ids), spenders, e.Requests(), b.Requests())
}
