package geth

import (
	"math/big"

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
