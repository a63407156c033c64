package geth

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/core/vm"
)

// asm is a tiny EVM assembler: opcodes, pushes of the shortest width, and labels
// resolved to fixed two-byte jump targets.
type asm struct {
	code   []byte
	labels map[string]int
	fixups map[int]string // offset of a PUSH2 operand → label
}

func newAsm() *asm { return &asm{labels: map[string]int{}, fixups: map[int]string{}} }

func (a *asm) op(ops ...vm.OpCode) *asm {
	for _, o := range ops {
		a.code = append(a.code, byte(o))
	}
	return a
}

// push pushes an unsigned value with the smallest PUSHn (PUSH0 for zero).
func (a *asm) push(v any) *asm {
	var b []byte
	switch x := v.(type) {
	case int:
		b = big.NewInt(int64(x)).Bytes()
	case uint64:
		b = new(big.Int).SetUint64(x).Bytes()
	case *big.Int:
		b = x.Bytes()
	case []byte:
		b = x
	default:
		panic(fmt.Sprintf("asm: push of %T", v))
	}
	if len(b) == 0 {
		return a.op(vm.PUSH0)
	}
	if len(b) > 32 {
		panic("asm: push wider than 32 bytes")
	}
	a.code = append(a.code, byte(vm.PUSH1)+byte(len(b)-1))
	a.code = append(a.code, b...)
	return a
}

// pushLabel pushes a label's offset (resolved in bytes()).
func (a *asm) pushLabel(l string) *asm {
	a.code = append(a.code, byte(vm.PUSH2))
	a.fixups[len(a.code)] = l
	a.code = append(a.code, 0, 0)
	return a
}

// label marks a JUMPDEST.
func (a *asm) label(l string) *asm {
	a.labels[l] = len(a.code)
	return a.op(vm.JUMPDEST)
}

// jumpi jumps to l when the top of the stack is non-zero (consumes it).
func (a *asm) jumpi(l string) *asm { return a.pushLabel(l).op(vm.JUMPI) }

func (a *asm) jump(l string) *asm { return a.pushLabel(l).op(vm.JUMP) }

func (a *asm) bytes() []byte {
	out := append([]byte(nil), a.code...)
	for off, l := range a.fixups {
		dst, ok := a.labels[l]
		if !ok {
			panic("asm: undefined label " + l)
		}
		out[off], out[off+1] = byte(dst>>8), byte(dst)
	}
	return out
}

// deployCode wraps runtime code in init code that runs pre (constructor body),
// then copies runtime to memory and returns it.
func deployCode(pre []byte, runtime []byte) []byte {
	// Layout: pre ‖ PUSH2 len PUSH2 off PUSH0 CODECOPY PUSH2 len PUSH0 RETURN ‖ runtime
	tailLen := 3 + 3 + 1 + 1 + 3 + 1 + 1
	off := len(pre) + tailLen
	n := len(runtime)
	c := append([]byte(nil), pre...)
	c = append(c, byte(vm.PUSH2), byte(n>>8), byte(n), byte(vm.PUSH2), byte(off>>8), byte(off),
		byte(vm.PUSH0), byte(vm.CODECOPY), byte(vm.PUSH2), byte(n>>8), byte(n), byte(vm.PUSH0), byte(vm.RETURN))
	return append(c, runtime...)
}
