package geth

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/crypto"
)

// Tornado Cash's pool events, with their real signatures: what the demixer looks
// for and what TornadoPool emits.
var (
	TopicTornadoDeposit    = crypto.Keccak256Hash([]byte("Deposit(bytes32,uint32,uint256)"))
	TopicTornadoWithdrawal = crypto.Keccak256Hash([]byte("Withdrawal(address,bytes32,address,uint256)"))
)

var (
	selTornadoDeposit  = selector("deposit(bytes32)") // Tornado Cash's own selector
	selTornadoWithdraw = selector("withdraw(address,bytes32,address,uint256)")
)

// tornadoRuntime assembles an ETH pool of one fixed denomination with Tornado
// Cash's events and payout order, minus the zero-knowledge part (anyone may
// withdraw with an unused nullifier: the tests need the events and the money
// movements, not the privacy):
//
//	deposit(bytes32 commitment) payable: value must equal the denomination and
//	  the commitment be new; emits Deposit(commitment indexed, leafIndex, block.timestamp).
//	withdraw(address to, bytes32 nullifierHash, address relayer, uint256 fee):
//	  nullifier must be new and fee ≤ denomination; pays to (denomination − fee),
//	  then relayer (fee, when > 0), each with an internal CALL, then emits
//	  Withdrawal(to, nullifierHash, relayer indexed, fee).
//
// Storage: slot 0 holds the next leaf index, slot commitment marks a used
// commitment, slot ^nullifierHash a spent nullifier.
func tornadoRuntime(denomination *big.Int) []byte {
	a := newAsm()
	a.op(vm.PUSH0, vm.CALLDATALOAD).push(0xe0).op(vm.SHR)
	a.op(vm.DUP1).push(selTornadoDeposit).op(vm.EQ).jumpi("deposit")
	a.op(vm.DUP1).push(selTornadoWithdraw).op(vm.EQ).jumpi("withdraw")
	a.jump("fail")

	a.label("deposit")
	a.op(vm.CALLVALUE).push(denomination).op(vm.EQ, vm.ISZERO).jumpi("fail")
	a.push(4).op(vm.CALLDATALOAD)                                  // [c]
	a.op(vm.DUP1, vm.ISZERO).jumpi("fail")                         // slot 0 is the leaf counter
	a.op(vm.DUP1, vm.SLOAD).jumpi("fail")                          // commitment used
	a.push(1).op(vm.DUP2, vm.SSTORE)                               // [c]
	a.op(vm.PUSH0, vm.SLOAD)                                       // [idx c]
	a.op(vm.DUP1).push(1).op(vm.ADD, vm.PUSH0, vm.SSTORE)          // [idx c]
	a.op(vm.PUSH0, vm.MSTORE, vm.TIMESTAMP).push(32).op(vm.MSTORE) // [c]
	a.push(TopicTornadoDeposit.Bytes()).push(64).op(vm.PUSH0, vm.LOG2, vm.STOP)

	a.label("withdraw")
	a.op(vm.CALLVALUE).jumpi("fail")
	a.push(0x24).op(vm.CALLDATALOAD)                         // [nh]
	a.op(vm.DUP1, vm.NOT, vm.SLOAD).jumpi("fail")            // nullifier spent
	a.push(1).op(vm.DUP2, vm.NOT, vm.SSTORE)                 // [nh]
	a.push(0x64).op(vm.CALLDATALOAD)                         // [fee nh]
	a.op(vm.DUP1).push(denomination).op(vm.LT).jumpi("fail") // denomination < fee
	a.op(vm.PUSH0, vm.PUSH0, vm.PUSH0, vm.PUSH0)
	a.op(vm.DUP5).push(denomination).op(vm.SUB) // denomination − fee
	a.push(4).op(vm.CALLDATALOAD, vm.GAS, vm.CALL, vm.ISZERO).jumpi("fail")
	a.op(vm.DUP1, vm.ISZERO).jumpi("emit")
	a.op(vm.PUSH0, vm.PUSH0, vm.PUSH0, vm.PUSH0, vm.DUP5)
	a.push(0x44).op(vm.CALLDATALOAD, vm.GAS, vm.CALL, vm.ISZERO).jumpi("fail")
	a.label("emit")                                    // [fee nh]
	a.push(4).op(vm.CALLDATALOAD, vm.PUSH0, vm.MSTORE) // to
	a.op(vm.SWAP1).push(32).op(vm.MSTORE)              // nullifierHash
	a.push(64).op(vm.MSTORE)                           // fee
	a.push(0x44).op(vm.CALLDATALOAD).push(TopicTornadoWithdrawal.Bytes()).push(96).op(vm.PUSH0, vm.LOG2, vm.STOP)

	a.label("fail").op(vm.PUSH0, vm.PUSH0, vm.REVERT)
	return a.bytes()
}

// DeployTornado deploys a Tornado Cash-style ETH pool of one denomination, and
// commits.
func (n *Node) DeployTornado(from *Account, denomination *big.Int) common.Address {
	n.t.Helper()
	return n.deploy(from, deployCode(nil, tornadoRuntime(denomination)))
}

// Fees are a transaction's EIP-1559 fee caps; the zero value means the node's
// fixed defaults (GasTipCap, GasFeeCap). Tests set them to give a transaction a
// recognisable gas price.
type Fees struct {
	Tip, FeeCap *big.Int
}

// TornadoDeposit calls deposit(commitment) on pool with value.
func (n *Node) TornadoDeposit(from *Account, pool common.Address, value *big.Int, commitment common.Hash, fees Fees) common.Hash {
	n.t.Helper()
	data := append(append([]byte(nil), selTornadoDeposit...), commitment.Bytes()...)
	return n.SendFees(from, &pool, value, data, GasCall, fees)
}

// TornadoWithdraw has sender submit withdraw(to, nullifierHash, relayer, fee) to
// pool: without a relayer (the zero address, fee 0) the recipient usually sends
// it; with one, the relayer sends it and keeps fee.
func (n *Node) TornadoWithdraw(sender *Account, pool, to common.Address, nullifier common.Hash, relayer common.Address, fee *big.Int, fees Fees) common.Hash {
	n.t.Helper()
	if fee == nil {
		fee = new(big.Int)
	}
	d := append([]byte(nil), selTornadoWithdraw...)
	d = append(d, common.LeftPadBytes(to.Bytes(), 32)...)
	d = append(d, nullifier.Bytes()...)
	d = append(d, common.LeftPadBytes(relayer.Bytes(), 32)...)
	d = append(d, common.LeftPadBytes(fee.Bytes(), 32)...)
	return n.SendFees(sender, &pool, nil, d, GasCall, fees)
}

// SendFees is Send with chosen fee caps (zero Fees: the defaults).
func (n *Node) SendFees(from *Account, to *common.Address, value *big.Int, data []byte, gas uint64, fees Fees) common.Hash {
	n.t.Helper()
	tip, feeCap := GasTipCap, GasFeeCap
	if fees.Tip != nil {
		tip = fees.Tip
	}
	if fees.FeeCap != nil {
		feeCap = fees.FeeCap
	}
	return n.send(from, to, value, data, gas, tip, feeCap)
}

// Mixing is a laundering scenario through two Tornado Cash-style pools (1 ETH
// and 10 ETH), built so that each linking heuristic has exactly one planted
// withdrawal that it alone matches, beside decoy users' deposits and
// withdrawals and a thief withdrawal that no heuristic can see. Block numbers
// in brackets are what BuildMixing produces.
//
//	[1] faucet funds victim 100 ETH, decoys u1–u6 25 ETH each, the relayer, and
//	    the gas wallet G, linked wallet L and decoy recipients v1–v6 1 ETH each
//	[2,3] Pool1 (1 ETH) and Pool10 (10 ETH) deployed
//	[4] Theft: victim → hacker 60 ETH
//	[5] hacker → HA 3, HL 3, HG 3, HM 13, HT 11, HN 3 ETH; Link: L → HL 0.1 ETH
//	[6] tainted deposits: HA, HL, HG (its own unusual fee), HN into Pool1;
//	    HM into Pool10 and twice into Pool1
//	[7] decoys u1–u3 deposit into Pool1; [8] u4–u6 into Pool1, u1–u5 into Pool10
//	[9] HT deposits into Pool10 (DepT)
//	[10] WdT: Pool10 → TR via the relayer, one block after DepT (timing);
//	     then u6 and u1, u2 deposit into Pool10
//	[11] WdA: Pool1 → HA via the relayer (address match);
//	     WdL: Pool1 → L via the relayer (linked address);
//	     WdG: Pool1 → G, sent by G with HG's fee (unique gas price);
//	     WdM1a, WdM1b: Pool1 → MR and WdM10: Pool10 → MR via the relayer
//	     (the same 2 × 1 + 1 × 10 ETH HM deposited: multi-denomination);
//	     WdR: Pool10 → RR, relayed by the hacker (relayer);
//	     WdN: Pool1 → NR via the relayer (the thief's, matching nothing)
//	[12] decoy withdrawals: Pool1 → v1–v6 (v1–v3 sending their own), Pool10 → v1–v3
type Mixing struct {
	Node *Node

	Victim, Hacker, Relayer, G, L           *Account
	HA, HL, HG, HM, HT, HN                  *Account
	TR, MR, RR, NR                          common.Address
	Pool1, Pool10                           common.Address
	Theft, Link                             common.Hash
	DepA, DepL, DepG, DepN, DepM10, DepM1a  common.Hash
	DepM1b, DepT                            common.Hash
	WdT, WdA, WdL, WdG, WdM1a, WdM1b, WdM10 common.Hash
	WdR, WdN                                common.Hash
	Decoys                                  []common.Hash // decoy deposits and withdrawals
	UniqueFees                              Fees          // HG's deposit and G's withdrawal
}

// BuildMixing runs the Mixing scenario on n.
func BuildMixing(t testing.TB, n *Node) *Mixing {
	t.Helper()
	s := &Mixing{Node: n}
	acc := NewAccount
	s.Victim, s.Hacker, s.Relayer, s.G, s.L = acc("mx-victim"), acc("mx-hacker"), acc("mx-relayer"), acc("mx-g"), acc("mx-l")
	s.HA, s.HL, s.HG, s.HM, s.HT, s.HN = acc("mx-ha"), acc("mx-hl"), acc("mx-hg"), acc("mx-hm"), acc("mx-ht"), acc("mx-hn")
	s.TR, s.MR, s.RR, s.NR = acc("mx-tr").Address, acc("mx-mr").Address, acc("mx-rr").Address, acc("mx-nr").Address
	var us, vs []*Account
	for i := 1; i <= 6; i++ {
		us = append(us, acc(fmt.Sprintf("mx-u%d", i)))
		vs = append(vs, acc(fmt.Sprintf("mx-v%d", i)))
	}
	s.UniqueFees = Fees{Tip: big.NewInt(1_234_567_891), FeeCap: big.NewInt(51_234_567_891)}
	f := n.Faucet()
	var hs []common.Hash
	must := func() {
		n.Commit()
		n.MustSucceed(hs...)
		hs = nil
	}
	hs = append(hs, n.SendValue(f, s.Victim.Address, Eth(100, 1)))
	for _, u := range us {
		hs = append(hs, n.SendValue(f, u.Address, Eth(25, 1)))
	}
	for _, a := range append([]*Account{s.Relayer, s.G, s.L}, vs...) {
		hs = append(hs, n.SendValue(f, a.Address, Eth(1, 1)))
	}
	must()
	s.Pool1 = n.DeployTornado(f, Eth(1, 1))
	s.Pool10 = n.DeployTornado(f, Eth(10, 1))

	s.Theft = n.SendValue(s.Victim, s.Hacker.Address, Eth(60, 1))
	hs = append(hs, s.Theft)
	must()
	for _, p := range []struct {
		a *Account
		v int64
	}{{s.HA, 3}, {s.HL, 3}, {s.HG, 3}, {s.HM, 13}, {s.HT, 11}, {s.HN, 3}} {
		hs = append(hs, n.SendValue(s.Hacker, p.a.Address, Eth(p.v, 1)))
	}
	s.Link = n.SendValue(s.L, s.HL.Address, Eth(1, 10))
	hs = append(hs, s.Link)
	must()

	commit := 0
	c := func() common.Hash { commit++; return common.BigToHash(big.NewInt(int64(0xc000 + commit))) }
	nul := func() common.Hash { commit++; return common.BigToHash(big.NewInt(int64(0xa000 + commit))) }
	one, ten := Eth(1, 1), Eth(10, 1)
	s.DepA = n.TornadoDeposit(s.HA, s.Pool1, one, c(), Fees{})
	s.DepL = n.TornadoDeposit(s.HL, s.Pool1, one, c(), Fees{})
	s.DepG = n.TornadoDeposit(s.HG, s.Pool1, one, c(), s.UniqueFees)
	s.DepN = n.TornadoDeposit(s.HN, s.Pool1, one, c(), Fees{})
	s.DepM10 = n.TornadoDeposit(s.HM, s.Pool10, ten, c(), Fees{})
	s.DepM1a = n.TornadoDeposit(s.HM, s.Pool1, one, c(), Fees{})
	s.DepM1b = n.TornadoDeposit(s.HM, s.Pool1, one, c(), Fees{})
	hs = append(hs, s.DepA, s.DepL, s.DepG, s.DepN, s.DepM10, s.DepM1a, s.DepM1b)
	must()
	decoy := func(h common.Hash) { s.Decoys = append(s.Decoys, h); hs = append(hs, h) }
	for _, u := range us[:3] {
		decoy(n.TornadoDeposit(u, s.Pool1, one, c(), Fees{}))
	}
	must()
	for _, u := range us[3:] {
		decoy(n.TornadoDeposit(u, s.Pool1, one, c(), Fees{}))
	}
	for _, u := range us[:5] {
		decoy(n.TornadoDeposit(u, s.Pool10, ten, c(), Fees{}))
	}
	must()
	s.DepT = n.TornadoDeposit(s.HT, s.Pool10, ten, c(), Fees{})
	hs = append(hs, s.DepT)
	must()

	fee1, fee10 := Eth(1, 100), Eth(1, 10)
	rel := s.Relayer
	s.WdT = n.TornadoWithdraw(rel, s.Pool10, s.TR, nul(), rel.Address, fee10, Fees{})
	hs = append(hs, s.WdT)
	for _, u := range []*Account{us[5], us[0], us[1]} {
		decoy(n.TornadoDeposit(u, s.Pool10, ten, c(), Fees{}))
	}
	must()

	s.WdA = n.TornadoWithdraw(rel, s.Pool1, s.HA.Address, nul(), rel.Address, fee1, Fees{})
	s.WdL = n.TornadoWithdraw(rel, s.Pool1, s.L.Address, nul(), rel.Address, fee1, Fees{})
	s.WdG = n.TornadoWithdraw(s.G, s.Pool1, s.G.Address, nul(), common.Address{}, nil, s.UniqueFees)
	s.WdM1a = n.TornadoWithdraw(rel, s.Pool1, s.MR, nul(), rel.Address, fee1, Fees{})
	s.WdM1b = n.TornadoWithdraw(rel, s.Pool1, s.MR, nul(), rel.Address, fee1, Fees{})
	s.WdM10 = n.TornadoWithdraw(rel, s.Pool10, s.MR, nul(), rel.Address, fee10, Fees{})
	s.WdR = n.TornadoWithdraw(s.Hacker, s.Pool10, s.RR, nul(), s.Hacker.Address, fee10, Fees{})
	s.WdN = n.TornadoWithdraw(rel, s.Pool1, s.NR, nul(), rel.Address, fee1, Fees{})
	hs = append(hs, s.WdA, s.WdL, s.WdG, s.WdM1a, s.WdM1b, s.WdM10, s.WdR, s.WdN)
	must()
	for i, v := range vs {
		if i < 3 {
			decoy(n.TornadoWithdraw(v, s.Pool1, v.Address, nul(), common.Address{}, nil, Fees{}))
			decoy(n.TornadoWithdraw(rel, s.Pool10, v.Address, nul(), rel.Address, fee10, Fees{}))
		} else {
			decoy(n.TornadoWithdraw(rel, s.Pool1, v.Address, nul(), rel.Address, fee1, Fees{}))
		}
	}
	must()
	return s
}
