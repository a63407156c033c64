package bitcoin

import (
	"reflect"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
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
