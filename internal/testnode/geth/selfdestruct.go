package geth

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"
)

// selfDestructRuntime keeps any value it is paid; a call without value runs
// SELFDESTRUCT(beneficiary), which pays the contract's whole balance out
// without a CALL (since EIP-6780 the code stays, the balance still moves).
func selfDestructRuntime(beneficiary common.Address) []byte {
	code := []byte{byte(vm.CALLVALUE), byte(vm.PUSH1), 26, byte(vm.JUMPI), byte(vm.PUSH20)}
	code = append(code, beneficiary.Bytes()...)
	return append(code, byte(vm.SELFDESTRUCT), byte(vm.JUMPDEST), byte(vm.STOP))
}

// DeploySelfDestructor deploys a contract that holds what it is paid until any
// call without value self-destructs it in favour of beneficiary; commits.
func (n *Node) DeploySelfDestructor(from *Account, beneficiary common.Address) common.Address {
	n.t.Helper()
	return n.deploy(from, deployCode(nil, selfDestructRuntime(beneficiary)))
}
