package btcd

import (
	"fmt"

	"github.com/btcsuite/btcd/wire"
)

// Theft is the standard laundering scenario every Bitcoin test shares. Amounts
// are in satoshis; every transaction pays a fixed fee so the expectations in
// tests can be written down by hand:
//
//	441  funding: victim 10 BTC (P2WPKH); exchange E1 0.5 (P2PKH), E2 0.3 (P2WPKH);
//	     CoinJoin peers K1..K4 1.5 each; 30 deposits of 0.01 to the exchange hot
//	     wallet H (so H has more than one Esplora page of history)
//	442  theft T: victim → P 4.0 (P2WPKH, peel chain), C1 2.0 (P2PKH, to the
//	     exchange), X 1.5 (P2TR, into a CoinJoin), U 1.0 (P2SH-P2WPKH, never
//	     spent), M 1.4999 (P2PK, mixed script types), OP_RETURN 0; fee 10,000
//	443  C1 → D 1.9999 (P2PKH deposit address); fee 10,000
//	     M → P2PKH 0.4, P2WPKH 0.3, P2TR 0.3, P2WSH 0.2, bare 1-of-2 multisig
//	     0.2998; fee 10,000
//	     CoinJoin: inputs K1, X, K2, K3, K4 → 5 × 1.0 (P2WPKH) then 5 change
//	     outputs of 0.49998 in input order; fee 10,000
//	     peel hop 1
//	444–472 peel hops 2..30: each pays 0.01 (1,000,000) to a fresh payee and
//	     the rest minus a 1,234 fee to a fresh P2WPKH change address; odd hops
//	     put the payment first, even hops the change first; payee script types
//	     cycle P2PKH, P2TR, P2SH-P2WPKH, P2WPKH
//	473  consolidation: inputs E1, D, E2 → H 2.7998; fee 10,000
//	474, 475  empty
type Theft struct {
	Victim, E1, E2, H, D *Key
	Peers                []*Key // K1..K4

	Funding      []*wire.MsgTx
	Theft        *wire.MsgTx
	ToDeposit    *wire.MsgTx
	Mixed        *wire.MsgTx
	CoinJoin     *wire.MsgTx
	Peel         []*wire.MsgTx // hop 1..30
	PeelChange   []Coin        // change of hop 1..30
	PeelPay      []Coin        // payment of hop 1..30
	Consolidate  *wire.MsgTx
	HotDeposits  []*wire.MsgTx // the 30 deposits to H
	TheftCoins   []Coin        // T's outputs
	Tip          int32
	FundedHeight int32
}

// Scenario amounts (satoshis).
const (
	FundFee  = 10_000
	TxFee    = 10_000
	PeelFee  = 1_234
	PeelPay  = 1_000_000
	PeelHops = 30
)

// BuildTheft mines the Theft scenario on a fresh node (tip 0) and returns it.
func BuildTheft(n *Node) (*Theft, error) {
	p := n.Params
	s := &Theft{
		Victim: NewKey("victim", P2WPKH, p),
		E1:     NewKey("exchange/e1", P2PKH, p),
		E2:     NewKey("exchange/e2", P2WPKH, p),
		H:      NewKey("exchange/hot", P2PKH, p),
		D:      NewKey("deposit/1", P2PKH, p),
	}
	if err := n.MineTo(440); err != nil {
		return nil, err
	}
	var err error
	fund := func(outs ...Output) []Coin {
		if err != nil {
			return nil
		}
		var tx *wire.MsgTx
		var cs []Coin
		tx, cs, err = n.Fund(FundFee, outs...)
		if err == nil {
			s.Funding = append(s.Funding, tx)
		}
		return cs
	}
	victim := fund(Output{Key: s.Victim, Value: 1_000_000_000})
	ex := fund(Output{Key: s.E1, Value: 50_000_000}, Output{Key: s.E2, Value: 30_000_000})
	var peers []Output
	for i := 1; i <= 4; i++ {
		k := NewKey(fmt.Sprintf("coinjoin/peer%d", i), P2WPKH, p)
		s.Peers = append(s.Peers, k)
		peers = append(peers, Output{Key: k, Value: 150_000_000})
	}
	peerCoins := fund(peers...)
	for i := 0; i < 30 && err == nil; i++ {
		fund(Output{Key: s.H, Value: 1_000_000})
		s.HotDeposits = append(s.HotDeposits, s.Funding[len(s.Funding)-1])
	}
	if err != nil {
		return nil, err
	}
	if _, err := n.Mine(s.Funding...); err != nil {
		return nil, err
	}
	s.FundedHeight = n.Height()

	P := NewKey("thief/peel", P2WPKH, p)
	C1 := NewKey("thief/consolidate", P2PKH, p)
	X := NewKey("thief/coinjoin", P2TR, p)
	U := NewKey("thief/unspent", P2SHP2WPKH, p)
	M := NewKey("thief/p2pk", P2PK, p)
	s.Theft, s.TheftCoins, err = n.Spend(victim, []Output{
		{Key: P, Value: 400_000_000}, {Key: C1, Value: 200_000_000}, {Key: X, Value: 150_000_000},
		{Key: U, Value: 100_000_000}, {Key: M, Value: 149_990_000}, {Data: []byte("chaintrace theft")},
	})
	if err != nil {
		return nil, err
	}
	if _, err := n.Mine(s.Theft); err != nil {
		return nil, err
	}
	tc := s.TheftCoins

	var dep []Coin
	s.ToDeposit, dep, err = n.Spend([]Coin{tc[1]}, []Output{{Key: s.D, Value: 199_990_000}})
	if err != nil {
		return nil, err
	}
	s.Mixed, _, err = n.Spend([]Coin{tc[4]}, []Output{
		{Key: NewKey("mixed/a", P2PKH, p), Value: 40_000_000},
		{Key: NewKey("mixed/b", P2WPKH, p), Value: 30_000_000},
		{Key: NewKey("mixed/c", P2TR, p), Value: 30_000_000},
		{Key: NewKey("mixed/d", P2WSH, p), Value: 20_000_000},
		{Key: NewKey("mixed/e", Multisig, p), Value: 29_980_000},
	})
	if err != nil {
		return nil, err
	}
	cjIns := []Coin{peerCoins[0], tc[2], peerCoins[1], peerCoins[2], peerCoins[3]}
	var cjOuts []Output
	for i := 0; i < 5; i++ {
		cjOuts = append(cjOuts, Output{Key: NewKey(fmt.Sprintf("coinjoin/out%d", i), P2WPKH, p), Value: 100_000_000})
	}
	for i := 0; i < 5; i++ {
		cjOuts = append(cjOuts, Output{Key: NewKey(fmt.Sprintf("coinjoin/change%d", i), P2WPKH, p), Value: 49_998_000})
	}
	s.CoinJoin, _, err = n.Spend(cjIns, cjOuts)
	if err != nil {
		return nil, err
	}

	payeeKinds := []Kind{P2PKH, P2TR, P2SHP2WPKH, P2WPKH}
	cur := tc[0]
	block := []*wire.MsgTx{s.ToDeposit, s.Mixed, s.CoinJoin}
	for hop := 1; hop <= PeelHops; hop++ {
		payee := NewKey(fmt.Sprintf("peel/pay%d", hop), payeeKinds[(hop-1)%4], p)
		change := NewKey(fmt.Sprintf("peel/change%d", hop), P2WPKH, p)
		pay := Output{Key: payee, Value: PeelPay}
		ch := Output{Key: change, Value: cur.Value - PeelPay - PeelFee}
		outs := []Output{pay, ch}
		if hop%2 == 0 {
			outs = []Output{ch, pay}
		}
		tx, cs, err := n.Spend([]Coin{cur}, outs)
		if err != nil {
			return nil, err
		}
		if hop%2 == 0 {
			cs[0], cs[1] = cs[1], cs[0]
		}
		s.Peel = append(s.Peel, tx)
		s.PeelPay = append(s.PeelPay, cs[0])
		s.PeelChange = append(s.PeelChange, cs[1])
		cur = cs[1]
		block = append(block, tx)
		if _, err := n.Mine(block...); err != nil {
			return nil, err
		}
		block = nil
	}
	s.Consolidate, _, err = n.Spend([]Coin{ex[0], dep[0], ex[1]}, []Output{{Key: s.H, Value: 279_980_000}})
	if err != nil {
		return nil, err
	}
	if _, err := n.Mine(s.Consolidate); err != nil {
		return nil, err
	}
	if err := n.MineTo(475); err != nil {
		return nil, err
	}
	s.Tip = n.Height()
	return s, nil
}
