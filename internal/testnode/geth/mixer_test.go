package geth

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

func TestTornadoPool(t *testing.T) {
	n := Start(t)
	alice, bob, relayer := NewAccount("tc-alice"), NewAccount("tc-bob"), NewAccount("tc-relayer")
	n.Fund(Eth(5, 1), alice, relayer)
	pool := n.DeployTornado(n.Faucet(), Eth(1, 1))
	c1, c2 := common.HexToHash("0xc1"), common.HexToHash("0xc2")

	dep := n.TornadoDeposit(alice, pool, Eth(1, 1), c1, Fees{})
	wrong := n.TornadoDeposit(alice, pool, Eth(1, 2), c2, Fees{}) // not the denomination
	n.Commit()
	n.MustSucceed(dep)
	if n.Receipt(wrong).Status != 0 {
		t.Fatal("a deposit of the wrong amount did not revert")
	}
	again := n.TornadoDeposit(alice, pool, Eth(1, 1), c1, Fees{}) // commitment reused
	n.Commit()
	if n.Receipt(again).Status != 0 {
		t.Fatal("a reused commitment did not revert")
	}
	fee := Eth(1, 100)
	tip := big.NewInt(1_234_567_891)
	wd := n.TornadoWithdraw(relayer, pool, bob.Address, common.HexToHash("0xa1"), relayer.Address, fee, Fees{Tip: tip})
	n.Commit()
	n.MustSucceed(wd)
	if got, want := n.Balance(bob.Address), Eth(99, 100); got.Cmp(want) != 0 {
		t.Errorf("bob got %s, want %s", got, want)
	}
	if got := n.Balance(pool); got.Sign() != 0 {
		t.Errorf("pool keeps %s", got)
	}
	twice := n.TornadoWithdraw(relayer, pool, bob.Address, common.HexToHash("0xa1"), relayer.Address, fee, Fees{})
	n.Commit()
	if n.Receipt(twice).Status != 0 {
		t.Fatal("a spent nullifier did not revert")
	}

	logs, err := n.Client().FilterLogs(context.Background(), ethereum.FilterQuery{Addresses: []common.Address{pool}})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 {
		t.Fatalf("%d logs, want 2", len(logs))
	}
	d, w := logs[0], logs[1]
	if d.Topics[0] != TopicTornadoDeposit || d.Topics[1] != c1 || len(d.Data) != 64 ||
		new(big.Int).SetBytes(d.Data[:32]).Sign() != 0 || new(big.Int).SetBytes(d.Data[32:]).Sign() == 0 {
		t.Errorf("deposit log: topics %v data %x", d.Topics, d.Data)
	}
	if w.Topics[0] != TopicTornadoWithdrawal || common.BytesToAddress(w.Topics[1].Bytes()) != relayer.Address || len(w.Data) != 96 ||
		common.BytesToAddress(w.Data[:32]) != bob.Address || common.BytesToHash(w.Data[32:64]) != common.HexToHash("0xa1") ||
		new(big.Int).SetBytes(w.Data[64:]).Cmp(fee) != 0 {
		t.Errorf("withdrawal log: topics %v data %x", w.Topics, w.Data)
	}
	tx, _, err := n.Client().TransactionByHash(context.Background(), wd)
	if err != nil || tx.GasTipCap().Cmp(tip) != 0 {
		t.Errorf("withdrawal tip: %v %v", tx.GasTipCap(), err)
	}
}
