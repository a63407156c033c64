package bitcoin

import (
	"errors"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

// No Bitcoin Core binary is available here. The bitcoind backend uses only
// methods btcd implements with Core's semantics (getblockhash, getblockcount,
// getrawtransaction verbose=1, getblockheader, gettxout, getblock hash 0), so
// it is exercised against the real btcd node: the forward block scan, its
// bound and its cache are real; Core-only quirks (HTTP 500/404 bodies carrying
// the JSON-RPC error) are covered in TestBitcoindCoreErrorShapes.
func TestBitcoindBackendScan(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "bitcoind")
	if a.Backend() != "bitcoind" {
		t.Fatal(a.Backend())
	}
	ref := openBtcd(t, "btcd")
	// Every spender of the theft outputs and of the first peel hops matches btcd's.
	ops := []graph.Outpoint{}
	for v := uint32(0); v < 6; v++ {
		ops = append(ops, graph.Outpoint{TxID: id(s.Theft), Vout: v})
	}
	for hop := 0; hop < 5; hop++ {
		ops = append(ops, graph.Outpoint{TxID: id(s.Peel[hop]), Vout: 0}, graph.Outpoint{TxID: id(s.Peel[hop]), Vout: 1})
	}
	ops = append(ops, graph.Outpoint{TxID: id(s.ToDeposit), Vout: 0})
	for _, op := range ops {
		got, err := a.Spender(ctx, op)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		want, err := ref.Spender(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (want == nil) || got != nil && !equalJSON(t, got, want) {
			t.Errorf("%s: bitcoind spender %v, btcd %v", op, got, want)
		}
	}
	// The scan warned, once, that it is a scan.
	ws := strings.Join(a.Warnings(), "\n")
	if strings.Count(ws, "no spent index") != 1 {
		t.Errorf("warnings: %q", ws)
	}
	if _, err := a.AddressTxs(ctx, s.H.Address, 0); !errors.Is(err, trace.ErrUnsupported) {
		t.Errorf("AddressTxs on bitcoind: %v", err)
	}
}

func TestBitcoindScanBound(t *testing.T) {
	n, s := scenario(t)
	// --to-block 450: the consolidation (block 473) is beyond it, so D's output
	// counts as unspent at 450, with a warning that says so.
	a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "bitcoind", URL: n.URL(), ToBlock: 450})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := a.Spender(ctx, graph.Outpoint{TxID: id(s.ToDeposit), Vout: 0})
	if err != nil || sp != nil {
		t.Fatalf("spender within 443..450 = %v, %v; want none", sp, err)
	}
	if ws := strings.Join(a.Warnings(), "\n"); !strings.Contains(ws, "blocks 443–450") {
		t.Errorf("warnings: %q", ws)
	}
	// A scan limit of 5 blocks stops before the 30th peel hop's spender would be reached.
	b, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "bitcoind", URL: n.URL(), MaxScanBlocks: 5})
	if err != nil {
		t.Fatal(err)
	}
	sp, err = b.Spender(ctx, graph.Outpoint{TxID: id(s.ToDeposit), Vout: 0})
	if err != nil || sp != nil {
		t.Fatalf("bounded scan: %v %v", sp, err)
	}
	if ws := strings.Join(b.Warnings(), "\n"); !strings.Contains(ws, "stopped after 5 blocks") {
		t.Errorf("warnings: %q", ws)
	}
	_ = btcd.PeelHops
}
