package geth

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/crypto"
)

// Event topics and function selectors the contracts here use; tests compare
// adapters' decoding against these.
var (
	TopicTransfer   = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	TopicDeposit    = crypto.Keccak256Hash([]byte("Deposit(address,uint256)"))
	TopicWithdrawal = crypto.Keccak256Hash([]byte("Withdrawal(address,uint256)"))
)

func selector(sig string) []byte { return crypto.Keccak256([]byte(sig))[:4] }

var (
	selTransfer  = selector("transfer(address,uint256)")
	selBalanceOf = selector("balanceOf(address)")
	selSymbol    = selector("symbol()")
	selDecimals  = selector("decimals()")
	selDeposit   = selector("deposit()")
	selWithdraw  = selector("withdraw(uint256)")
)

// tokenRuntime assembles an ERC-20 whose balances live at storage slot = holder
// address. With weth set it also has WETH9's deposit()/withdraw(uint256), emits
// Deposit/Withdrawal like WETH9, and treats a call without data as deposit().
func tokenRuntime(symbol string, decimals uint8, weth bool) []byte {
	a := newAsm()
	if weth {
		a.op(vm.CALLDATASIZE, vm.ISZERO).jumpi("deposit")
	}
	a.op(vm.PUSH0, vm.CALLDATALOAD).push(0xe0).op(vm.SHR)
	dispatch := func(sel []byte, l string) { a.op(vm.DUP1).push(sel).op(vm.EQ).jumpi(l) }
	dispatch(selTransfer, "transfer")
	dispatch(selBalanceOf, "balanceOf")
	dispatch(selSymbol, "symbol")
	dispatch(selDecimals, "decimals")
	if weth {
		dispatch(selDeposit, "deposit")
		dispatch(selWithdraw, "withdraw")
	}
	a.jump("fail")

	// transfer(to, amt): checked debit of caller, credit of to, Transfer LOG3.
	a.label("transfer").push(0x24).op(vm.CALLDATALOAD)    // [amt]
	a.op(vm.CALLER, vm.SLOAD)                             // [bal amt]
	a.op(vm.DUP2, vm.DUP2, vm.LT).jumpi("fail")           // bal < amt
	a.op(vm.DUP2, vm.SWAP1, vm.SUB, vm.CALLER, vm.SSTORE) // [amt]
	a.push(4).op(vm.CALLDATALOAD, vm.DUP1, vm.SLOAD)      // [balTo to amt]
	a.op(vm.DUP3, vm.ADD, vm.SWAP1, vm.SSTORE)            // [amt]
	a.op(vm.PUSH0, vm.MSTORE)
	a.push(4).op(vm.CALLDATALOAD, vm.CALLER).push(TopicTransfer.Bytes()).push(32).op(vm.PUSH0, vm.LOG3)
	a.push(1).op(vm.PUSH0, vm.MSTORE).push(32).op(vm.PUSH0, vm.RETURN)

	a.label("balanceOf").push(4).op(vm.CALLDATALOAD, vm.SLOAD, vm.PUSH0, vm.MSTORE).push(32).op(vm.PUSH0, vm.RETURN)

	a.label("decimals").push(int(decimals)).op(vm.PUSH0, vm.MSTORE).push(32).op(vm.PUSH0, vm.RETURN)

	var sym [32]byte
	copy(sym[:], symbol)
	a.label("symbol").push(0x20).op(vm.PUSH0, vm.MSTORE)
	a.push(len(symbol)).push(0x20).op(vm.MSTORE)
	a.code = append(a.code, byte(vm.PUSH32))
	a.code = append(a.code, sym[:]...)
	a.push(0x40).op(vm.MSTORE).push(0x60).op(vm.PUSH0, vm.RETURN)

	if weth {
		a.label("deposit").op(vm.CALLVALUE, vm.CALLER, vm.SLOAD, vm.ADD, vm.CALLER, vm.SSTORE)
		a.op(vm.CALLVALUE, vm.PUSH0, vm.MSTORE)
		a.op(vm.CALLER).push(TopicDeposit.Bytes()).push(32).op(vm.PUSH0, vm.LOG2, vm.STOP)

		a.label("withdraw").push(4).op(vm.CALLDATALOAD) // [wad]
		a.op(vm.CALLER, vm.SLOAD)                       // [bal wad]
		a.op(vm.DUP2, vm.DUP2, vm.LT).jumpi("fail")
		a.op(vm.DUP2, vm.SWAP1, vm.SUB, vm.CALLER, vm.SSTORE) // [wad]
		a.op(vm.DUP1, vm.PUSH0, vm.MSTORE)
		a.op(vm.CALLER).push(TopicWithdrawal.Bytes()).push(32).op(vm.PUSH0, vm.LOG2)
		a.op(vm.PUSH0, vm.PUSH0, vm.PUSH0, vm.PUSH0, vm.DUP5, vm.CALLER, vm.GAS, vm.CALL)
		a.op(vm.ISZERO).jumpi("fail").op(vm.STOP)
	}
	a.label("fail").op(vm.PUSH0, vm.PUSH0, vm.REVERT)
	return a.bytes()
}

// tokenInit credits supply to the deployer, then returns the runtime code.
func tokenInit(symbol string, decimals uint8, supply *big.Int, weth bool) []byte {
	pre := newAsm()
	if supply != nil && supply.Sign() > 0 {
		pre.push(supply).op(vm.CALLER, vm.SSTORE)
	}
	return deployCode(pre.bytes(), tokenRuntime(symbol, decimals, weth))
}

// forwarderRuntime pays out calldata's (address, amount) word pairs in order with
// one CALL each, reverting if any call fails. Called without data it reverts,
// which the scenarios use for a failed transaction.
func forwarderRuntime() []byte {
	a := newAsm()
	a.op(vm.CALLDATASIZE, vm.ISZERO).jumpi("fail")
	a.op(vm.PUSH0) // [i]
	a.label("loop").op(vm.DUP1, vm.CALLDATASIZE, vm.GT, vm.ISZERO).jumpi("done")
	a.op(vm.PUSH0, vm.PUSH0, vm.PUSH0, vm.PUSH0)
	a.op(vm.DUP5).push(32).op(vm.ADD, vm.CALLDATALOAD) // amount
	a.op(vm.DUP6, vm.CALLDATALOAD)                     // address
	a.op(vm.GAS, vm.CALL, vm.ISZERO).jumpi("fail")
	a.push(64).op(vm.ADD).jump("loop")
	a.label("done").op(vm.STOP)
	a.label("fail").op(vm.PUSH0, vm.PUSH0, vm.REVERT)
	return a.bytes()
}

// Payment is one (recipient, amount) pair for Forward.
type Payment struct {
	To     common.Address
	Amount *big.Int
}

func forwardData(ps []Payment) []byte {
	var d []byte
	for _, p := range ps {
		d = append(d, common.LeftPadBytes(p.To.Bytes(), 32)...)
		d = append(d, common.LeftPadBytes(p.Amount.Bytes(), 32)...)
	}
	return d
}

func transferData(to common.Address, amount *big.Int) []byte {
	d := append([]byte(nil), selTransfer...)
	d = append(d, common.LeftPadBytes(to.Bytes(), 32)...)
	return append(d, common.LeftPadBytes(amount.Bytes(), 32)...)
}

func withdrawData(wad *big.Int) []byte {
	return append(append([]byte(nil), selWithdraw...), common.LeftPadBytes(wad.Bytes(), 32)...)
}
