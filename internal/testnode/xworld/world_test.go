package xworld_test

import (
	"context"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/internal/testnode/npm"
	"github.com/chaintrace/chaintrace/internal/testnode/xworld"
)

// decoded is one log decoded with go-ethereum's abi package: the event's name
// and every argument, indexed or not, by name.
type decoded struct {
	name string
	args map[string]any
}

func decodeLogs(t *testing.T, art *npm.Artifact, r *types.Receipt, addr common.Address) []decoded {
	t.Helper()
	var out []decoded
	for _, l := range r.Logs {
		if l.Address != addr {
			continue
		}
		ev, err := art.ABI.EventByID(l.Topics[0])
		if err != nil {
			t.Fatalf("log of %s with unknown topic %s: %v", addr.Hex(), l.Topics[0].Hex(), err)
		}
		args := map[string]any{}
		if err := ev.Inputs.UnpackIntoMap(args, l.Data); err != nil {
			t.Fatalf("%s data: %v", ev.Name, err)
		}
		var indexed abi.Arguments
		for _, in := range ev.Inputs {
			if in.Indexed {
				indexed = append(indexed, in)
			}
		}
		if err := abi.ParseTopicsIntoMap(args, indexed, l.Topics[1:]); err != nil {
			t.Fatalf("%s topics: %v", ev.Name, err)
		}
		out = append(out, decoded{ev.Name, args})
	}
	return out
}

// oneEvent asserts the receipt holds exactly one log of addr, named name,
// with the wanted arguments.
func oneEvent(t *testing.T, what string, art *npm.Artifact, n *geth.Node, h common.Hash, addr common.Address, name string, want map[string]any) {
	t.Helper()
	evs := decodeLogs(t, art, n.Receipt(h), addr)
	if len(evs) != 1 || evs[0].name != name {
		t.Errorf("%s: events %v, want one %s", what, evs, name)
		return
	}
	for k, v := range want {
		got := evs[0].args[k]
		ok := false
		switch v := v.(type) {
		case *big.Int:
			g, isInt := got.(*big.Int)
			ok = isInt && g.Cmp(v) == 0
		default:
			ok = got == v
		}
		if !ok {
			t.Errorf("%s: %s.%s = %v (%T), want %v", what, name, k, got, got, v)
		}
	}
}

// The event signatures are the published ones (THORChain_Router,
// Multichain's router): topic 0 is the keccak of the canonical signature.
func TestEventSignatures(t *testing.T) {
	arts := npm.MustCompile(t, xworld.Sources(), xworld.CompileOptions)
	for _, c := range []struct{ contract, event, sig string }{
		{"XRouter", "Deposit", "Deposit(address,address,uint256,string)"},
		{"XRouter", "TransferOut", "TransferOut(address,address,address,uint256,string)"},
		{"XMultichain", "LogAnySwapOut", "LogAnySwapOut(address,address,address,uint256,uint256,uint256)"},
		{"XMultichain", "LogAnySwapIn", "LogAnySwapIn(bytes32,address,address,uint256,uint256,uint256)"},
	} {
		ev, ok := arts[c.contract].ABI.Events[c.event]
		if !ok {
			t.Errorf("%s has no event %s", c.contract, c.event)
			continue
		}
		if ev.ID != crypto.Keccak256Hash([]byte(c.sig)) {
			t.Errorf("%s.%s: topic %s is not keccak(%s)", c.contract, c.event, ev.ID.Hex(), c.sig)
		}
	}
	for _, c := range []struct{ contract, method, sig string }{
		{"XRouter", "deposit", "deposit(address,address,uint256,string)"},
		{"XRouter", "transferOut", "transferOut(address,address,uint256,string)"},
		{"XMultichain", "anySwapOutNative", "anySwapOutNative(address,address,uint256)"},
	} {
		if m := arts[c.contract].ABI.Methods[c.method]; !strings.EqualFold(hex.EncodeToString(m.ID), hex.EncodeToString(crypto.Keccak256([]byte(c.sig))[:4])) {
			t.Errorf("%s.%s selector %x, want that of %s", c.contract, c.method, m.ID, c.sig)
		}
	}
}

func TestScenario(t *testing.T) {
	s := xworld.New(t)
	w := s.W
	t.Logf("world:\n%s", s.Summary())
	a, b := w.A, w.B
	if a.ChainID() == b.ChainID() || a.ChainID() != xworld.ChainIDA || b.ChainID() != xworld.ChainIDB {
		t.Fatalf("chain ids A %d B %d", a.ChainID(), b.ChainID())
	}
	zero := common.Address{}

	t.Run("router events", func(t *testing.T) {
		for _, c := range []struct {
			what   string
			h      common.Hash
			amount *big.Int
			memo   string
		}{
			{"SwapIn", s.SwapIn, xworld.SwapInAmount, "=:BTC.BTC:" + s.Thief[0].Address},
			{"DecoySwapIn", s.DecoySwapIn, xworld.SwapInAmount, "=:BTC.BTC:" + s.Decoy.Address},
			{"NoLinkIn", s.NoLinkIn, xworld.NoLinkAmount, "=:BSC.BNB:" + s.H4.Hex()},
			{"RefundIn", s.RefundIn, xworld.RefundInAmount, "=:BTC.BTC:" + s.ThiefRefund.Address + ":1000000000000"},
		} {
			oneEvent(t, c.what, w.RouterArt, a, c.h, w.Router, "Deposit",
				map[string]any{"to": w.VaultETH.Address, "asset": zero, "amount": c.amount, "memo": c.memo})
		}
		for _, c := range []struct {
			what   string
			h      common.Hash
			to     common.Address
			amount *big.Int
			memo   string
		}{
			{"Refund", s.Refund, s.H5.Address, xworld.RefundAmount, "REFUND:" + strings.ToUpper(s.RefundIn.Hex()[2:])},
			{"BTCSwapOut", s.BTCSwapOut, s.H6.Address, xworld.BTCSwapOutETH, "OUT:" + strings.ToUpper(s.BTCSwapIn.TxHash().String())},
			{"DecoyBTCSwapOut", s.DecoyBTCSwapOut, s.Inn4.Address, xworld.BTCSwapOutETH, "OUT:" + strings.ToUpper(s.DecoyBTCSwapIn.TxHash().String())},
		} {
			oneEvent(t, c.what, w.RouterArt, a, c.h, w.Router, "TransferOut",
				map[string]any{"vault": w.VaultETH.Address, "to": c.to, "asset": zero, "amount": c.amount, "memo": c.memo})
		}
	})

	t.Run("bridge events", func(t *testing.T) {
		oneEvent(t, "LockOut", w.MultichainArt, a, s.LockOut, w.Multichain, "LogAnySwapOut", map[string]any{
			"token": zero, "from": s.H2.Address, "to": s.H2B.Address, "amount": xworld.LockAmount,
			"fromChainID": big.NewInt(xworld.ChainIDA), "toChainID": big.NewInt(xworld.ChainIDB)})
		oneEvent(t, "LockIn", w.MultichainArt, b, s.LockIn, w.Multichain, "LogAnySwapIn", map[string]any{
			"txhash": [32]byte(s.LockOut), "token": zero, "to": s.H2B.Address, "amount": xworld.LockPayout,
			"fromChainID": big.NewInt(xworld.ChainIDA), "toChainID": big.NewInt(xworld.ChainIDB)})
		oneEvent(t, "DecoyLockIn", w.MultichainArt, b, s.DecoyLockIn, w.Multichain, "LogAnySwapIn", map[string]any{
			"txhash": [32]byte(s.DecoyLockOut), "to": s.Inn2B.Address, "amount": xworld.LockPayout})
		if evs := decodeLogs(t, w.SameAddrArt, a.Receipt(s.SameOut), w.SameAddr); len(evs) != 0 {
			t.Errorf("the same-address bridge emitted %v", evs)
		}
		// 0.1 % bridge fees, by hand.
		if want := new(big.Int).Sub(xworld.LockAmount, new(big.Int).Div(xworld.LockAmount, big.NewInt(1000))); want.Cmp(xworld.LockPayout) != 0 {
			t.Errorf("LockPayout %s, want 60 ETH − 0.1 %% = %s", xworld.LockPayout, want)
		}
		if want := new(big.Int).Sub(xworld.SameAmount, new(big.Int).Div(xworld.SameAmount, big.NewInt(1000))); want.Cmp(xworld.SamePayout) != 0 {
			t.Errorf("SamePayout %s, want %s", xworld.SamePayout, want)
		}
	})

	t.Run("balances", func(t *testing.T) {
		eth := func(n, d int64) *big.Int { return geth.Eth(n, d) }
		sub := func(x *big.Int, ys ...*big.Int) *big.Int {
			r := new(big.Int).Set(x)
			for _, y := range ys {
				r.Sub(r, y)
			}
			return r
		}
		add := func(x, y *big.Int) *big.Int { return new(big.Int).Add(x, y) }
		for _, c := range []struct {
			what string
			n    *geth.Node
			addr common.Address
			want *big.Int
		}{
			{"hacker", a, s.Hacker.Address, sub(eth(20, 1), xworld.Fees(a, s.Fan...))},
			{"h1", a, s.H1.Address, sub(eth(1, 1), a.Fee(s.SwapIn))},
			{"h2", a, s.H2.Address, sub(eth(40, 1), a.Fee(s.LockOut))},
			{"h3 on A", a, s.H3.Address, sub(eth(60, 1), a.Fee(s.SameOut))},
			{"h4", a, s.H4.Address, sub(eth(1, 1), a.Fee(s.NoLinkIn))},
			{"h5", a, s.H5.Address, add(sub(eth(1, 1), a.Fee(s.RefundIn)), eth(2899, 100))},
			{"h6", a, s.H6.Address, sub(eth(9, 10), a.Fee(s.ToDepA))},
			{"depA", a, s.DepA.Address, sub(eth(5, 1000), a.Fee(s.SweepA))},
			{"exA", a, s.ExA.Address, eth(28995, 1000)},
			{"inn4", a, s.Inn4.Address, eth(299, 10)},
			{"Multichain on A (locked)", a, w.Multichain, eth(120, 1)},
			{"same-address bridge on A", a, w.SameAddr, eth(80, 1)},
			{"router holds nothing", a, w.Router, new(big.Int)},
			{"h2b", b, s.H2B.Address, sub(eth(994, 100), b.Fee(s.ToDepB))},
			{"h3 on B", b, s.H3.Address, eth(3996, 100)},
			{"innocent3 on B", b, s.Innocent3.Address, eth(3996, 100)},
			{"inn2b", b, s.Inn2B.Address, eth(5994, 100)},
			{"depB", b, s.DepB.Address, sub(eth(5, 1000), b.Fee(s.SweepB))},
			{"exB", b, s.ExB.Address, eth(49995, 1000)},
			{"Multichain on B", b, w.Multichain, sub(eth(500, 1), eth(5994, 100), eth(5994, 100))},
		} {
			if got := c.n.Balance(c.addr); got.Cmp(c.want) != 0 {
				t.Errorf("%s: balance %s, want %s", c.what, got, c.want)
			}
		}
		// The ETH vault: 500 + 99 + 99 + 49 + 29 in, 28.99 + 2 × 29.9 out, and its gas.
		vaultWant := sub(add(eth(500, 1), eth(276, 1)), eth(2899, 100), eth(598, 10), xworld.Fees(a, s.Refund, s.BTCSwapOut, s.DecoyBTCSwapOut))
		if got := a.Balance(w.VaultETH.Address); got.Cmp(vaultWant) != 0 {
			t.Errorf("ETH vault balance %s, want %s", got, vaultWant)
		}
	})

	t.Run("bitcoin memos", func(t *testing.T) {
		for _, c := range []struct {
			what  string
			txid  chainhash.Hash
			vout  int
			memo  string
			payee string
			value int64
		}{
			{"SwapOut", s.SwapOut.TxHash(), 1, "OUT:" + strings.ToUpper(s.SwapIn.Hex()[2:]), s.Thief[0].Address, xworld.SwapOutSat},
			{"DecoySwapOut", s.DecoySwapOut.TxHash(), 1, "OUT:" + strings.ToUpper(s.DecoySwapIn.Hex()[2:]), s.Decoy.Address, xworld.SwapOutSat},
			{"BTCSwapIn", s.BTCSwapIn.TxHash(), 1, "=:ETH.ETH:" + strings.ToLower(s.H6.Hex()), w.VaultBTC.Address, xworld.BTCSwapInSat},
			{"DecoyBTCSwapIn", s.DecoyBTCSwapIn.TxHash(), 1, "=:ETH.ETH:" + strings.ToLower(s.Inn4.Hex()), w.VaultBTC.Address, xworld.BTCSwapInSat},
		} {
			v, err := w.BTC.Client.GetRawTransactionVerbose(&c.txid)
			if err != nil {
				t.Errorf("%s: getrawtransaction: %v", c.what, err)
				continue
			}
			if v.Confirmations == 0 {
				t.Errorf("%s is not mined", c.what)
			}
			op := v.Vout[c.vout].ScriptPubKey
			if op.Type != "nulldata" {
				t.Errorf("%s vout %d is %s, want nulldata", c.what, c.vout, op.Type)
				continue
			}
			script, _ := hex.DecodeString(op.Hex)
			pushes, err := txscript.PushedData(script)
			if err != nil || len(pushes) != 1 || string(pushes[0]) != c.memo {
				t.Errorf("%s OP_RETURN = %q (%v), want %q", c.what, pushes, err, c.memo)
			}
			if len(c.memo) > 80 {
				t.Errorf("%s memo is %d bytes, over the 80-byte OP_RETURN standard", c.what, len(c.memo))
			}
			pay := v.Vout[0]
			if len(pay.ScriptPubKey.Addresses) != 1 || pay.ScriptPubKey.Addresses[0] != c.payee || int64(pay.Value*1e8+0.5) != c.value {
				t.Errorf("%s vout 0 = %v %v, want %s %d sat", c.what, pay.ScriptPubKey.Addresses, pay.Value, c.payee, c.value)
			}
		}
		// The peel chain, by hand: 3.3 BTC in, 1,000 sat fee per hop.
		next := []int64{330_000_000 - 30_000_000 - 1_000, 299_999_000 - 100_000_000 - 1_000, 199_998_000 - 50_000_000 - 1_000, 149_997_000 - 40_000_000 - 1_000}
		for i, c := range s.PeelNext {
			if c.Value != next[i] {
				t.Errorf("peel hop %d change %d, want %d", i+1, c.Value, next[i])
			}
		}
		if s.PeelNext[3].Value != 109_996_000 {
			t.Errorf("final change %d, want 109,996,000", s.PeelNext[3].Value)
		}
		for _, o := range []struct {
			what string
			tx   chainhash.Hash
			vout uint32
			want bool
		}{
			{"pay1", s.Peel[0].TxHash(), 0, true}, {"pay4", s.Peel[3].TxHash(), 0, true},
			{"thief4", s.Peel[3].TxHash(), 1, true}, {"dep (swept)", s.Peel[2].TxHash(), 0, false},
			{"hot", s.SweepBTC.TxHash(), 0, true}, {"decoy", s.DecoySwapOut.TxHash(), 0, true},
		} {
			r, err := w.BTC.Client.GetTxOut(&o.tx, o.vout, false)
			if err != nil {
				t.Errorf("gettxout %s: %v", o.what, err)
			} else if (r != nil) != o.want {
				t.Errorf("%s unspent = %v, want %v", o.what, r != nil, o.want)
			}
		}
	})

	t.Run("one timeline", func(t *testing.T) {
		gethTime := func(n *geth.Node, h common.Hash) uint64 {
			hdr, err := n.Client().HeaderByNumber(context.Background(), n.Receipt(h).BlockNumber)
			if err != nil {
				t.Fatal(err)
			}
			return hdr.Time
		}
		btcTime := func(id chainhash.Hash) uint64 {
			v, err := w.BTC.Client.GetRawTransactionVerbose(&id)
			if err != nil {
				t.Fatal(err)
			}
			return uint64(v.Blocktime)
		}
		for _, c := range []struct {
			what      string
			in, out   uint64
			wantDelta uint64
		}{
			{"SwapIn → SwapOut", gethTime(a, s.SwapIn), btcTime(s.SwapOut.TxHash()), 59},
			{"LockOut → LockIn", gethTime(a, s.LockOut), gethTime(b, s.LockIn), 60},
			{"SameOut → SameIn", gethTime(a, s.SameOut), gethTime(b, s.SameIn), 60},
			{"RefundIn → Refund", gethTime(a, s.RefundIn), gethTime(a, s.Refund), 60},
			{"BTCSwapIn → BTCSwapOut", btcTime(s.BTCSwapIn.TxHash()), gethTime(a, s.BTCSwapOut), 61},
		} {
			if c.out != c.in+c.wantDelta {
				t.Errorf("%s: in at %d, out at %d, want %d s later", c.what, c.in, c.out, c.wantDelta)
			}
		}
		if tt := gethTime(a, s.TheftTx); tt != w.Time(1)+1 {
			t.Errorf("theft at %d, want T0 + 61 = %d", tt, w.Time(1)+1)
		}
	})

	// The hand-worked expectation balances on every chain: seed + crossed in =
	// Σ endpoints + fees + crossed out (the endpoints and the totals are worked
	// out separately, so this catches a slip in either).
	t.Run("expectation balances", func(t *testing.T) {
		e := s.Expect()
		if len(e.Endpoints) != 16 || len(e.Crossings) != 6 || len(e.Totals) != 3 {
			t.Fatalf("expectation has %d endpoints, %d crossings, %d chains", len(e.Endpoints), len(e.Crossings), len(e.Totals))
		}
		for chain, tot := range e.Totals {
			in := new(big.Int).Add(tot.Seed, tot.CrossedIn)
			out := new(big.Int).Add(tot.Fees, tot.CrossedOut)
			for _, ep := range e.Endpoints {
				if ep.Chain == chain {
					out.Add(out, ep.Amount)
				}
			}
			if in.Cmp(out) != 0 {
				t.Errorf("%s: seed + crossed in = %s, endpoints + fees + crossed out = %s", chain, in, out)
			}
		}
		// Crossings in and out per chain agree with the totals.
		for chain, tot := range e.Totals {
			in, out := new(big.Int), new(big.Int)
			for _, c := range e.Crossings {
				if c.FromChain == chain {
					out.Add(out, c.InAmount)
				}
				if c.ToChain == chain && c.OutAmount != nil {
					in.Add(in, c.OutAmount)
				}
			}
			if c := e.Totals[chain]; in.Cmp(c.CrossedIn) != 0 {
				t.Errorf("%s: crossings bring %s, totals say %s", chain, in, tot.CrossedIn)
			}
			// The unlinked crossing leaves as a bridge endpoint, not as crossed out.
			if chain == xworld.ChainA {
				out.Sub(out, xworld.NoLinkAmount)
			}
			if out.Cmp(tot.CrossedOut) != 0 {
				t.Errorf("%s: crossings take %s, totals say %s", chain, out, tot.CrossedOut)
			}
		}
	})

	t.Run("labels", func(t *testing.T) {
		csv := w.LabelsCSV(s, "xworld test")
		for _, want := range []string{
			"evm:1337," + w.Router.Hex() + ",THORChain router,bridge,xworld test,90,,router",
			"btc-regtest," + w.VaultBTC.Address + ",THORChain vault,bridge,xworld test,90,,vault",
			"evm:31337," + w.Multichain.Hex() + ",Multichain router,bridge,xworld test,90,,event",
			"evm:1337," + w.SameAddr.Hex() + ",same-address bridge,bridge,xworld test,90,evm:31337,same-address",
		} {
			if !strings.Contains(csv, want+"\n") {
				t.Errorf("labels lack %q:\n%s", want, csv)
			}
		}
	})
}

// Transaction hashes and txids do not depend on the run (only block hashes
// and times do), so a recorded case and a fresh world name the same
// transactions.
func TestScenarioDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the world twice")
	}
	ids := func(s *xworld.Scenario) []string {
		out := []string{s.TheftTx.Hex(), s.SwapIn.Hex(), s.LockOut.Hex(), s.LockIn.Hex(), s.SameIn.Hex(), s.Refund.Hex(),
			s.BTCSwapOut.Hex(), s.SweepA.Hex(), s.SweepB.Hex(), s.SwapOut.TxHash().String(), s.SweepBTC.TxHash().String(),
			s.W.Router.Hex(), s.W.Multichain.Hex(), s.W.SameAddr.Hex()}
		for _, p := range s.Peel {
			out = append(out, p.TxHash().String())
		}
		return out
	}
	x, y := ids(xworld.New(t)), ids(xworld.New(t))
	for i := range x {
		if x[i] != y[i] {
			t.Errorf("id %d differs between runs: %s vs %s", i, x[i], y[i])
		}
	}
}
