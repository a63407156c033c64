package xworld

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
)

// The scenario's amounts. EVM amounts are wei, Bitcoin amounts satoshi. Tests
// compute every expected figure from these and from the nodes' receipts.
var (
	TheftAmount = geth.Eth(400, 1) // victim → hacker (the seed)
	// Fan-out from the hacker, in order h1..h5.
	FanAmounts = []*big.Int{geth.Eth(100, 1), geth.Eth(100, 1), geth.Eth(100, 1), geth.Eth(50, 1), geth.Eth(30, 1)}

	SwapInAmount   = geth.Eth(99, 1)       // h1 → THORChain (ETH → BTC), and the decoy user's same-sized swap
	LockAmount     = geth.Eth(60, 1)       // h2 → Multichain (A → B), and the decoy's
	LockPayout     = geth.Eth(5994, 100)   // Multichain pays on B: 60 − 0.1 %
	SameAmount     = geth.Eth(40, 1)       // h3 → same-address bridge, and the decoy's
	SamePayout     = geth.Eth(3996, 100)   // the relayer pays on B: 40 − 0.1 %
	NoLinkAmount   = geth.Eth(49, 1)       // h4 → THORChain with a BSC destination
	RefundInAmount = geth.Eth(29, 1)       // h5 → THORChain with an unreachable limit
	RefundAmount   = geth.Eth(2899, 100)   // refunded to h5: 29 − 0.01 outbound fee
	BTCSwapOutETH  = geth.Eth(299, 10)     // THORChain pays h6 on A for 1 BTC
	ToDepAAmount   = geth.Eth(29, 1)       // h6 → exchange deposit address on A
	SweepAAmount   = geth.Eth(28995, 1000) // depA → exchange A's hot wallet
	ToDepBAmount   = geth.Eth(50, 1)       // h2b → exchange deposit address on B
	SweepBAmount   = geth.Eth(49995, 1000) // depB → exchange B's hot wallet
)

// Bitcoin amounts (sat).
const (
	SwapOutSat     = 330_000_000 // THORChain pays thief0 for 99 ETH, and the decoy the same
	PeelFee        = 1_000       // every peel hop's fee
	Pay1Sat        = 30_000_000  // peel hop 1's payment (left unspent)
	BTCSwapInSat   = 100_000_000 // peel hop 2 pays THORChain's vault (BTC → ETH)
	DepSat         = 50_000_000  // peel hop 3 pays the exchange deposit address
	Pay4Sat        = 40_000_000  // peel hop 4's payment (left unspent)
	SweepBTCSat    = 49_990_000  // dep → exchange hot wallet
	SweepBTCFee    = DepSat - SweepBTCSat
	DecoyBTCChange = 500_000_000 - BTCSwapInSat - btcd.TxFee // the innocent BTC user's change
)

// RefundLimit is the swap limit (sat) in RefundIn's memo: far more than 29 ETH
// buys, so THORChain refunds.
const RefundLimit = "1000000000000"

// Scenario is the theft Build plays on a World (step k at World.Time(k)):
//
//	1 A    TheftTx: victim → hacker 400 ETH (the seed)
//	2 A    Fan[i]: hacker → h1 100, h2 100, h3 100, h4 50, h5 30 ETH
//	3 A    SwapIn: h1 XRouter.deposit 99 ETH, memo =:BTC.BTC:<thief0>
//	       DecoySwapIn: clean deposits 99 ETH, memo =:BTC.BTC:<decoy>
//	       LockOut: h2 XMultichain.anySwapOutNative 60 ETH to h2b on B
//	       DecoyLockOut: innocent2 locks 60 ETH to inn2b on B
//	       SameOut: h3 → XSameAddressBridge 40 ETH; DecoySameOut: innocent3 the same
//	       NoLinkIn: h4 deposits 49 ETH, memo =:BSC.BNB:<h4>
//	       RefundIn: h5 deposits 29 ETH, memo =:BTC.BTC:<thief-r>:1000000000000
//	4 BTC  DecoySwapOut (first), SwapOut: the vault pays decoy / thief0 3.3 BTC
//	       each, OP_RETURN OUT:<DecoySwapIn> / OUT:<SwapIn>
//	  B    DecoyLockIn (first), LockIn: the MPC relayer's anySwapIn pays inn2b / h2b 59.94 ETH
//	       DecoySameIn (first), SameIn: the relayer pays innocent3 / h3 39.96 ETH
//	  A    Refund: the ETH vault's transferOut 28.99 ETH to h5, memo REFUND:<RefundIn>
//	5 BTC  Peel[0]: thief0 → pay1 0.3, thief1 2.99999 (fee 1,000 sat)
//	6 BTC  Peel[1] = BTCSwapIn: thief1 → vault 1 BTC + OP_RETURN =:ETH.ETH:<h6>, thief2 1.99998
//	       DecoyBTCSwapIn: innocent-btc → vault 1 BTC + OP_RETURN =:ETH.ETH:<inn4>
//	7 A    DecoyBTCSwapOut (first), BTCSwapOut: transferOut 29.9 ETH to inn4 / h6,
//	       memos OUT:<DecoyBTCSwapIn> / OUT:<BTCSwapIn>
//	  BTC  Peel[2]: thief2 → dep 0.5, thief3 1.49997
//	  B    ToDepB: h2b → depB 50 ETH
//	8 BTC  Peel[3]: thief3 → pay4 0.4, thief4 1.09996; SweepBTC: dep → hot 0.4999
//	  A    ToDepA: h6 → depA 29 ETH
//	  B    SweepB: depB → exB 49.995 ETH
//	9 A    SweepA: depA → exA 28.995 ETH
//	10 BTC an empty block
//
// Memo hashes are written as THORChain does (MemoHash: upper case, no 0x); the
// EVM destination in BTCSwapIn's memo is lower case, in NoLinkIn's EIP-55.
type Scenario struct {
	W *World

	// A (and, for h3 and innocent3, the same keys on B).
	Victim, Hacker, H1, H2, H3, H4, H5, H6 *geth.Account
	DepA, ExA, Clean, Innocent2            *geth.Account
	Innocent3, Inn4                        *geth.Account
	// B.
	H2B, Inn2B, DepB, ExB *geth.Account
	// Bitcoin.
	Thief             []*btcd.Key // thief0..thief4: the peel chain's change keys
	ThiefRefund       *btcd.Key   // RefundIn's (never paid) destination
	Pay1, Pay4        *btcd.Key
	Dep, Hot, Decoy   *btcd.Key
	InnocentBTC       *btcd.Key
	SwapOutCoin       btcd.Coin // SwapOut's output 0: the taint's entry into Bitcoin
	PeelPay, PeelNext []btcd.Coin

	// A's transactions.
	TheftTx                                           common.Hash
	Fan                                               []common.Hash
	SwapIn, DecoySwapIn, LockOut, DecoyLockOut        common.Hash
	SameOut, DecoySameOut, NoLinkIn, RefundIn, Refund common.Hash
	BTCSwapOut, DecoyBTCSwapOut, ToDepA, SweepA       common.Hash
	LockIn, DecoyLockIn, SameIn, DecoySameIn          common.Hash // B
	ToDepB, SweepB                                    common.Hash // B
	SwapOut, DecoySwapOut, BTCSwapIn, DecoyBTCSwapIn  *wire.MsgTx
	Peel                                              []*wire.MsgTx // Peel[1] is BTCSwapIn
	SweepBTC                                          *wire.MsgTx
	TheftBlock, SwapInBlock, LastBlockA, LastBlockB   uint64
	SwapOutHeight, BTCSwapInHeight, TipBTC            int32
	Memos                                             map[string]string // by field name of the tx carrying it
}

// New starts a world and plays the scenario on it.
func New(t testing.TB) *Scenario {
	t.Helper()
	return Build(t, Start(t))
}

// Build plays the scenario on a fresh World.
func Build(t testing.TB, w *World) *Scenario {
	t.Helper()
	a, b := w.A, w.B
	s := &Scenario{W: w, Memos: map[string]string{}}
	acc := Account
	s.Victim, s.Hacker = acc("victim"), acc("hacker")
	s.H1, s.H2, s.H3, s.H4, s.H5, s.H6 = acc("h1"), acc("h2"), acc("h3"), acc("h4"), acc("h5"), acc("h6")
	s.DepA, s.ExA, s.Clean = acc("exchange-a/deposit"), acc("exchange-a/hot"), acc("clean")
	s.Innocent2, s.Innocent3, s.Inn4 = acc("innocent2"), acc("innocent3"), acc("innocent4")
	s.H2B, s.Inn2B, s.DepB, s.ExB = acc("h2b"), acc("innocent2b"), acc("exchange-b/deposit"), acc("exchange-b/hot")
	for i := 0; i < 5; i++ {
		s.Thief = append(s.Thief, w.BTCKey(fmt.Sprintf("thief%d", i), btcd.P2WPKH))
	}
	s.ThiefRefund = w.BTCKey("thief-r", btcd.P2WPKH)
	s.Pay1, s.Pay4 = w.BTCKey("pay1", btcd.P2PKH), w.BTCKey("pay4", btcd.P2TR)
	s.Dep, s.Hot = w.BTCKey("exchange-btc/deposit", btcd.P2PKH), w.BTCKey("exchange-btc/hot", btcd.P2PKH)
	s.Decoy, s.InnocentBTC = w.BTCKey("decoy", btcd.P2WPKH), w.BTCKey("innocent-btc", btcd.P2WPKH)
	zero := common.Address{}
	memo := func(field, m string) string { s.Memos[field] = m; return m }

	// 1: the theft.
	w.StepA(1)
	s.TheftTx = a.SendValue(s.Victim, s.Hacker.Address, TheftAmount)
	s.TheftBlock = a.Commit()
	a.MustSucceed(s.TheftTx)

	// 2: fan-out.
	w.StepA(2)
	for i, h := range []*geth.Account{s.H1, s.H2, s.H3, s.H4, s.H5} {
		s.Fan = append(s.Fan, a.SendValue(s.Hacker, h.Address, FanAmounts[i]))
	}
	a.Commit()
	a.MustSucceed(s.Fan...)

	// 3: inbounds to THORChain and the bridges, each beside an innocent twin.
	w.StepA(3)
	s.SwapIn = w.Deposit(s.H1, SwapInAmount, memo("SwapIn", "=:BTC.BTC:"+s.Thief[0].Address))
	s.DecoySwapIn = w.Deposit(s.Clean, SwapInAmount, memo("DecoySwapIn", "=:BTC.BTC:"+s.Decoy.Address))
	s.LockOut = w.Call(a, s.H2, w.Multichain, LockAmount, w.MultichainArt, "anySwapOutNative", zero, s.H2B.Address, big.NewInt(ChainIDB))
	s.DecoyLockOut = w.Call(a, s.Innocent2, w.Multichain, LockAmount, w.MultichainArt, "anySwapOutNative", zero, s.Inn2B.Address, big.NewInt(ChainIDB))
	s.SameOut = w.Call(a, s.H3, w.SameAddr, SameAmount, nil, "")
	s.DecoySameOut = w.Call(a, s.Innocent3, w.SameAddr, SameAmount, nil, "")
	s.NoLinkIn = w.Deposit(s.H4, NoLinkAmount, memo("NoLinkIn", "=:BSC.BNB:"+s.H4.Hex()))
	s.RefundIn = w.Deposit(s.H5, RefundInAmount, memo("RefundIn", "=:BTC.BTC:"+s.ThiefRefund.Address+":"+RefundLimit))
	s.SwapInBlock = a.Commit()
	a.MustSucceed(s.SwapIn, s.DecoySwapIn, s.LockOut, s.DecoyLockOut, s.SameOut, s.DecoySameOut, s.NoLinkIn, s.RefundIn)

	// 4: THORChain pays out on Bitcoin, the bridges pay on B, the refund on A.
	s.DecoySwapOut, _ = w.VaultPay(s.Decoy, SwapOutSat, memo("DecoySwapOut", "OUT:"+MemoHash(s.DecoySwapIn.Hex())))
	s.SwapOut, s.SwapOutCoin = w.VaultPay(s.Thief[0], SwapOutSat, memo("SwapOut", "OUT:"+MemoHash(s.SwapIn.Hex())))
	s.SwapOutHeight = w.MineBTC(4, s.DecoySwapOut, s.SwapOut)
	w.StepB(4)
	s.DecoyLockIn = w.Call(b, w.MPC, w.Multichain, nil, w.MultichainArt, "anySwapIn", s.DecoyLockOut, zero, s.Inn2B.Address, LockPayout, big.NewInt(ChainIDA))
	s.LockIn = w.Call(b, w.MPC, w.Multichain, nil, w.MultichainArt, "anySwapIn", s.LockOut, zero, s.H2B.Address, LockPayout, big.NewInt(ChainIDA))
	s.DecoySameIn = b.SendValue(w.SameAddrRelayer, s.Innocent3.Address, SamePayout)
	s.SameIn = b.SendValue(w.SameAddrRelayer, s.H3.Address, SamePayout)
	b.Commit()
	b.MustSucceed(s.DecoyLockIn, s.LockIn, s.DecoySameIn, s.SameIn)
	w.StepA(4)
	s.Refund = w.TransferOut(s.H5.Address, RefundAmount, memo("Refund", "REFUND:"+MemoHash(s.RefundIn.Hex())))
	a.Commit()
	a.MustSucceed(s.Refund)

	// 5–8: the Bitcoin peel chain; hop 2 swaps 1 BTC back to ETH on A.
	spend := func(ins []btcd.Coin, outs ...btcd.Output) (*wire.MsgTx, []btcd.Coin) {
		t.Helper()
		tx, cs, err := w.BTC.Spend(ins, outs)
		if err != nil {
			t.Fatalf("btc spend: %v", err)
		}
		return tx, cs
	}
	hop := func(pay btcd.Output, next *btcd.Key, data string) {
		t.Helper()
		in := s.SwapOutCoin
		if n := len(s.PeelNext); n > 0 {
			in = s.PeelNext[n-1]
		}
		outs := []btcd.Output{pay}
		if data != "" {
			outs = append(outs, btcd.Output{Data: []byte(data)})
		}
		outs = append(outs, btcd.Output{Key: next, Value: in.Value - pay.Value - PeelFee})
		tx, cs := spend([]btcd.Coin{in}, outs...)
		s.Peel = append(s.Peel, tx)
		s.PeelPay = append(s.PeelPay, cs[0])
		s.PeelNext = append(s.PeelNext, cs[len(cs)-1])
	}
	hop(btcd.Output{Key: s.Pay1, Value: Pay1Sat}, s.Thief[1], "")
	w.MineBTC(5, s.Peel[0])
	hop(btcd.Output{Key: w.VaultBTC, Value: BTCSwapInSat}, s.Thief[2], memo("BTCSwapIn", "=:ETH.ETH:"+strings.ToLower(s.H6.Hex())))
	s.BTCSwapIn = s.Peel[1]
	s.DecoyBTCSwapIn, _ = spend([]btcd.Coin{w.otherCoins["innocent-btc"]},
		btcd.Output{Key: w.VaultBTC, Value: BTCSwapInSat},
		btcd.Output{Data: []byte(memo("DecoyBTCSwapIn", "=:ETH.ETH:"+strings.ToLower(s.Inn4.Hex())))},
		btcd.Output{Key: s.InnocentBTC, Value: DecoyBTCChange})
	s.BTCSwapInHeight = w.MineBTC(6, s.BTCSwapIn, s.DecoyBTCSwapIn)

	w.StepA(7)
	s.DecoyBTCSwapOut = w.TransferOut(s.Inn4.Address, BTCSwapOutETH, memo("DecoyBTCSwapOut", "OUT:"+MemoHash(s.DecoyBTCSwapIn.TxHash().String())))
	s.BTCSwapOut = w.TransferOut(s.H6.Address, BTCSwapOutETH, memo("BTCSwapOut", "OUT:"+MemoHash(s.BTCSwapIn.TxHash().String())))
	a.Commit()
	a.MustSucceed(s.DecoyBTCSwapOut, s.BTCSwapOut)
	hop(btcd.Output{Key: s.Dep, Value: DepSat}, s.Thief[3], "")
	w.MineBTC(7, s.Peel[2])
	w.StepB(7)
	s.ToDepB = b.SendValue(s.H2B, s.DepB.Address, ToDepBAmount)
	b.Commit()
	b.MustSucceed(s.ToDepB)

	hop(btcd.Output{Key: s.Pay4, Value: Pay4Sat}, s.Thief[4], "")
	s.SweepBTC, _ = spend([]btcd.Coin{s.PeelPay[2]}, btcd.Output{Key: s.Hot, Value: SweepBTCSat})
	w.MineBTC(8, s.Peel[3], s.SweepBTC)
	w.StepA(8)
	s.ToDepA = a.SendValue(s.H6, s.DepA.Address, ToDepAAmount)
	a.Commit()
	a.MustSucceed(s.ToDepA)
	w.StepB(8)
	s.SweepB = b.SendValue(s.DepB, s.ExB.Address, SweepBAmount)
	s.LastBlockB = b.Commit()
	b.MustSucceed(s.SweepB)

	w.StepA(9)
	s.SweepA = a.SendValue(s.DepA, s.ExA.Address, SweepAAmount)
	s.LastBlockA = a.Commit()
	a.MustSucceed(s.SweepA)
	s.TipBTC = w.MineBTC(10)
	return s
}

// Fees sums the gas fees (wei) of mined transactions on n.
func Fees(n *geth.Node, hs ...common.Hash) *big.Int {
	sum := new(big.Int)
	for _, h := range hs {
		sum.Add(sum, n.Fee(h))
	}
	return sum
}

// Summary lists the world's addresses and the scenario's transactions, one
// "name value" line each, for logs and for the shared design note.
func (s *Scenario) Summary() string {
	w := s.W
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-28s %s\n", k, v) }
	line("A (evm:1337)", w.A.URL())
	line("B (evm:31337)", w.B.URL())
	line("BTC (btc-regtest)", w.BTC.URL())
	line("T0", fmt.Sprint(w.T0))
	line("XRouter@A", w.Router.Hex())
	line("XMultichain@A,B", w.Multichain.Hex())
	line("XSameAddressBridge@A", w.SameAddr.Hex())
	line("vault-eth@A", w.VaultETH.Hex())
	line("vault-btc", w.VaultBTC.Address)
	line("mpc@B", w.MPC.Hex())
	line("sameaddr-relayer@B", w.SameAddrRelayer.Hex())
	for _, a := range []struct {
		n string
		a *geth.Account
	}{{"victim", s.Victim}, {"hacker", s.Hacker}, {"h1", s.H1}, {"h2", s.H2}, {"h3 (A and B)", s.H3}, {"h4", s.H4}, {"h5", s.H5}, {"h6", s.H6},
		{"depA", s.DepA}, {"exA", s.ExA}, {"clean", s.Clean}, {"innocent2", s.Innocent2}, {"innocent3 (A and B)", s.Innocent3}, {"inn4", s.Inn4},
		{"h2b@B", s.H2B}, {"inn2b@B", s.Inn2B}, {"depB@B", s.DepB}, {"exB@B", s.ExB}} {
		line(a.n, a.a.Hex())
	}
	for i, k := range s.Thief {
		line(fmt.Sprintf("thief%d", i), k.Address)
	}
	for _, k := range []struct {
		n string
		k *btcd.Key
	}{{"thief-r", s.ThiefRefund}, {"pay1", s.Pay1}, {"pay4", s.Pay4}, {"dep", s.Dep}, {"hot", s.Hot}, {"decoy", s.Decoy}, {"innocent-btc", s.InnocentBTC}} {
		line(k.n, k.k.Address)
	}
	for _, h := range []struct {
		n string
		h common.Hash
	}{{"TheftTx", s.TheftTx}, {"SwapIn", s.SwapIn}, {"DecoySwapIn", s.DecoySwapIn}, {"LockOut", s.LockOut}, {"DecoyLockOut", s.DecoyLockOut},
		{"SameOut", s.SameOut}, {"DecoySameOut", s.DecoySameOut}, {"NoLinkIn", s.NoLinkIn}, {"RefundIn", s.RefundIn}, {"Refund", s.Refund},
		{"LockIn@B", s.LockIn}, {"DecoyLockIn@B", s.DecoyLockIn}, {"SameIn@B", s.SameIn}, {"DecoySameIn@B", s.DecoySameIn},
		{"DecoyBTCSwapOut", s.DecoyBTCSwapOut}, {"BTCSwapOut", s.BTCSwapOut}, {"ToDepA", s.ToDepA}, {"SweepA", s.SweepA},
		{"ToDepB@B", s.ToDepB}, {"SweepB@B", s.SweepB}} {
		line(h.n, h.h.Hex())
	}
	for _, t := range []struct {
		n  string
		tx *wire.MsgTx
	}{{"SwapOut", s.SwapOut}, {"DecoySwapOut", s.DecoySwapOut}, {"Peel[0]", s.Peel[0]}, {"Peel[1]=BTCSwapIn", s.BTCSwapIn},
		{"DecoyBTCSwapIn", s.DecoyBTCSwapIn}, {"Peel[2]", s.Peel[2]}, {"Peel[3]", s.Peel[3]}, {"SweepBTC", s.SweepBTC}} {
		line(t.n, t.tx.TxHash().String())
	}
	return b.String()
}
