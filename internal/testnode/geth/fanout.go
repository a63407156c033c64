package geth

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// FanOut is a laundering tree for round-trip benchmarks: the theft pays the
// hacker (hop 1), and every address of hop h < Depth pays Branch fresh
// addresses (hop h+1), each level in its own block. With Branch 4 and Depth 6
// it holds 1+4+…+1024 = 1,365 addresses. The last level keeps its funds.
type FanOut struct {
	Branch, Depth int
	Victim        *Account
	Theft         common.Hash
	Levels        [][]*Account // Levels[h-1]: the addresses of hop h
	Addresses     int
	TheftBlock    uint64
	LastBlock     uint64
}

// BuildFanOut runs a FanOut on n.
func BuildFanOut(t testing.TB, n *Node, branch, depth int) *FanOut {
	t.Helper()
	f := &FanOut{Branch: branch, Depth: depth, Victim: NewAccount("fanout/victim")}
	n.Fund(Eth(10_000, 1), f.Victim)
	hacker := NewAccount("fanout/1/0")
	f.Theft = n.SendValue(f.Victim, hacker.Address, Eth(5_000, 1))
	f.TheftBlock = n.Commit()
	n.MustSucceed(f.Theft)
	level := []*Account{hacker}
	f.Levels = append(f.Levels, level)
	f.Addresses = 1
	value := Eth(5_000, 1)
	// Each sender keeps enough for its own gas (GasFeeCap × 21,000 per payment).
	reserve := new(big.Int).Mul(GasFeeCap, big.NewInt(GasValue*int64(branch)))
	for hop := 2; hop <= depth; hop++ {
		pay := new(big.Int).Sub(value, reserve)
		pay.Div(pay, big.NewInt(int64(branch)))
		var next []*Account
		var hs []common.Hash
		for i, a := range level {
			for j := 0; j < branch; j++ {
				c := NewAccount(fmt.Sprintf("fanout/%d/%d", hop, i*branch+j))
				next = append(next, c)
				hs = append(hs, n.SendValue(a, c.Address, pay))
			}
		}
		f.LastBlock = n.Commit()
		n.MustSucceed(hs...)
		f.Levels = append(f.Levels, next)
		f.Addresses += len(next)
		level, value = next, pay
	}
	return f
}
