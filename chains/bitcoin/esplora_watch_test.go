package bitcoin

import (
	"errors"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

// The watch's two live checks over Esplora, against btcd served as Esplora
// live (btcd.EsploraLive): Unspent from /tx/:txid/outspends, one request per
// transaction, a spend in the mempool leaving the output unspent and a mined
// one spending it; BlockHashes from /block-height/:h, equal to btcd's own.
func TestEsploraWatchChecks(t *testing.T) {
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
	es := btcd.NewEsploraLive(n)
	defer es.Close()
	a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: BackendEsplora, URL: es.URL})
	if err != nil {
		t.Fatal(err)
	}
	k := func(l string) *btcd.Key { return btcd.NewKey(l, btcd.P2PKH, n.Params) }
	fund, coins, err := n.Fund(10_000, btcd.Output{Key: k("ew-a"), Value: 1_000_000}, btcd.Output{Key: k("ew-b"), Value: 2_000_000}, btcd.Output{Key: k("ew-c"), Value: 3_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(fund); err != nil {
		t.Fatal(err)
	}
	mined, _, err := n.Spend([]btcd.Coin{coins[0]}, []btcd.Output{{Key: k("ew-d"), Value: 990_000}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(mined); err != nil {
		t.Fatal(err)
	}
	pending, _, err := n.Spend([]btcd.Coin{coins[1]}, []btcd.Output{{Key: k("ew-e"), Value: 1_990_000}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(pending); err != nil {
		t.Fatal(err)
	}
	op := func(tx *wire.MsgTx, v uint32) graph.Outpoint {
		return graph.Outpoint{TxID: tx.TxHash().String(), Vout: v}
	}
	before := es.Requests()
	got, err := a.Unspent(ctx, []graph.Outpoint{op(fund, 0), op(fund, 1), op(fund, 2), op(mined, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, true, true}; len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("unspent = %v, want %v (mined spend, mempool spend, unspent, unspent)", got, want)
	}
	if r := es.Requests() - before; r != 2 {
		t.Errorf("4 outputs of 2 transactions took %d requests, want 2", r)
	}
	if _, err := a.Unspent(ctx, []graph.Outpoint{op(fund, 9)}); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("an output past the last: %v, want not found", err)
	}
	tip := uint64(n.Height())
	hs, err := a.BlockHashes(ctx, []uint64{1, tip})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range []int64{1, int64(tip)} {
		want, err := n.Client.GetBlockHash(h)
		if err != nil {
			t.Fatal(err)
		}
		if hs[i] != want.String() {
			t.Errorf("block hash %d = %s, want %s", h, hs[i], want)
		}
	}
	if _, err := a.BlockHashes(ctx, []uint64{tip + 5}); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("a block past the tip: %v, want not found", err)
	}
}
