package geth

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"
)

// HostileToken is an ERC-20 whose metadata an attacker wrote: symbol() and
// name() return Text followed by Repeat copies of the 32-byte Filler (so a
// symbol can be far longer than the 24 kB a contract's code may hold), and
// decimals() returns Decimals, or reverts when Decimals is negative. Transfers
// work like DeployERC20's token; Supply is credited to the deployer.
type HostileToken struct {
	Text     string
	Filler   string // padded with spaces or cut to 32 bytes
	Repeat   int
	Decimals int // 0..255; negative: decimals() reverts
	Supply   *big.Int
}

var selName = selector("name()")

func hostileTokenRuntime(h HostileToken) []byte {
	filler := []byte(h.Filler + "                                ")[:32]
	n := len(h.Text) + 32*h.Repeat
	a := newAsm()
	a.op(vm.PUSH0, vm.CALLDATALOAD).push(0xe0).op(vm.SHR)
	dispatch := func(sel []byte, l string) { a.op(vm.DUP1).push(sel).op(vm.EQ).jumpi(l) }
	dispatch(selTransfer, "transfer")
	dispatch(selBalanceOf, "balanceOf")
	dispatch(selSymbol, "meta")
	dispatch(selName, "meta")
	dispatch(selDecimals, "decimals")
	a.jump("fail")

	// transfer(to, amt), as in tokenRuntime.
	a.label("transfer").push(0x24).op(vm.CALLDATALOAD)
	a.op(vm.CALLER, vm.SLOAD)
	a.op(vm.DUP2, vm.DUP2, vm.LT).jumpi("fail")
	a.op(vm.DUP2, vm.SWAP1, vm.SUB, vm.CALLER, vm.SSTORE)
	a.push(4).op(vm.CALLDATALOAD, vm.DUP1, vm.SLOAD)
	a.op(vm.DUP3, vm.ADD, vm.SWAP1, vm.SSTORE)
	a.op(vm.PUSH0, vm.MSTORE)
	a.push(4).op(vm.CALLDATALOAD, vm.CALLER).push(TopicTransfer.Bytes()).push(32).op(vm.PUSH0, vm.LOG3)
	a.push(1).op(vm.PUSH0, vm.MSTORE).push(32).op(vm.PUSH0, vm.RETURN)

	a.label("balanceOf").push(4).op(vm.CALLDATALOAD, vm.SLOAD, vm.PUSH0, vm.MSTORE).push(32).op(vm.PUSH0, vm.RETURN)

	a.label("decimals")
	if h.Decimals < 0 {
		a.jump("fail")
	} else {
		a.push(h.Decimals).op(vm.PUSH0, vm.MSTORE).push(32).op(vm.PUSH0, vm.RETURN)
	}

	// An ABI string: offset 0x20, length n, then Text (copied from the data
	// after the code) and the filler words, written from the last one down.
	a.label("meta").push(0x20).op(vm.PUSH0, vm.MSTORE)
	a.push(n).push(0x20).op(vm.MSTORE)
	a.push(len(h.Text)).pushLabel("data").push(1).op(vm.ADD).push(0x40).op(vm.CODECOPY)
	a.push(h.Repeat)
	a.label("loop").op(vm.DUP1, vm.ISZERO).jumpi("ret")
	a.push(1).op(vm.SWAP1, vm.SUB)
	a.push(filler).op(vm.DUP2).push(32).op(vm.MUL).push(0x40+len(h.Text)).op(vm.ADD, vm.MSTORE)
	a.jump("loop")
	a.label("ret").op(vm.POP).push(0x40+(n+31)/32*32).op(vm.PUSH0, vm.RETURN)

	a.label("fail").op(vm.PUSH0, vm.PUSH0, vm.REVERT)
	a.label("data")
	return append(a.bytes(), h.Text...)
}

// DeployHostileToken deploys h, and commits.
func (n *Node) DeployHostileToken(from *Account, h HostileToken) common.Address {
	n.t.Helper()
	pre := newAsm()
	if h.Supply != nil && h.Supply.Sign() > 0 {
		pre.push(h.Supply).op(vm.CALLER, vm.SSTORE)
	}
	return n.deploy(from, deployCode(pre.bytes(), hostileTokenRuntime(h)))
}
