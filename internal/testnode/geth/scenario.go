package geth

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// Theft is a laundering scenario on a fresh chain (block numbers in brackets are
// what Build produces; every amount is exact):
//
//	[1] faucet funds victim 100 ETH, clean 10 ETH, exchange 5 ETH
//	[2..4] faucet deploys USDT (6 decimals, 1,000,000 USDT), Forwarder, WETH
//	[5] faucet → victim 600,000 USDT
//	[6] TheftETH: victim → hacker 40 ETH; TheftUSDT: victim → hacker 500,000 USDT
//	[7] fan-out: hacker → h1 10 ETH, → h2 10 ETH, → h3 5 ETH;
//	    ForwardTx: hacker → Forwarder 10 ETH, which CALLs h4 6 ETH and dep3 4 ETH;
//	    hacker → h3 200,000 USDT
//	[8] peel: h1 → dep1 1 ETH, h1 → p1 8 ETH; clean → p1 2 ETH (clean funds mixed in)
//	[9] p1 → dep2 1 ETH, p1 → p2 8 ETH; h3 → exchange 200,000 USDT; h4 wraps 2 ETH
//	[10] sweeps: dep1 → exchange 0.99 ETH, dep2 → exchange 0.99 ETH,
//	    dep3 → exchange 3.99 ETH; h4 unwraps 1 WETH; RevertedTx: h2 calls the
//	    Forwarder with 1 ETH and no payments, which reverts (only gas is spent)
//
// Left unspent: hacker (≈5 ETH, 300,000 USDT), h2 (≈10 ETH), h3 (≈5 ETH), p1 (≈1 ETH),
// p2 (8 ETH), h4 (≈5 ETH, 1 WETH).
type Theft struct {
	Node *Node

	Victim, Hacker, Clean, Exchange  *Account
	H1, H2, H3, H4, P1, P2           *Account
	Dep1, Dep2, Dep3                 *Account
	USDT, Forwarder, WETH            common.Address
	TheftETH, TheftUSDT              common.Hash
	FanH1, FanH2, FanH3, ForwardTx   common.Hash
	USDTToH3                         common.Hash
	PeelDep1, PeelP1, CleanToP1      common.Hash
	P1Dep2, P1P2, H3USDTToEx, WrapTx common.Hash
	Sweep1, Sweep2, Sweep3, UnwrapTx common.Hash
	RevertedTx                       common.Hash
	TheftBlock, FanBlock, LastBlock  uint64
}

// USDT returns n whole USDT in base units (6 decimals).
func USDT(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1_000_000)) }

// BuildTheft runs the Theft scenario on n.
func BuildTheft(t testing.TB, n *Node) *Theft {
	t.Helper()
	s := &Theft{Node: n}
	acc := func(name string) *Account { return NewAccount(name) }
	s.Victim, s.Hacker, s.Clean, s.Exchange = acc("victim"), acc("hacker"), acc("clean"), acc("exchange")
	s.H1, s.H2, s.H3, s.H4, s.P1, s.P2 = acc("h1"), acc("h2"), acc("h3"), acc("h4"), acc("p1"), acc("p2")
	s.Dep1, s.Dep2, s.Dep3 = acc("dep1"), acc("dep2"), acc("dep3")
	f := n.Faucet()

	hs := []common.Hash{
		n.SendValue(f, s.Victim.Address, Eth(100, 1)),
		n.SendValue(f, s.Clean.Address, Eth(10, 1)),
		n.SendValue(f, s.Exchange.Address, Eth(5, 1)),
	}
	n.Commit()
	n.MustSucceed(hs...)
	s.USDT = n.DeployERC20(f, "USDT", 6, USDT(1_000_000))
	s.Forwarder = n.DeployForwarder(f)
	s.WETH = n.DeployWETH(f)
	h := n.TransferToken(f, s.USDT, s.Victim.Address, USDT(600_000))
	n.Commit()
	n.MustSucceed(h)

	s.TheftETH = n.SendValue(s.Victim, s.Hacker.Address, Eth(40, 1))
	s.TheftUSDT = n.TransferToken(s.Victim, s.USDT, s.Hacker.Address, USDT(500_000))
	s.TheftBlock = n.Commit()
	n.MustSucceed(s.TheftETH, s.TheftUSDT)

	s.FanH1 = n.SendValue(s.Hacker, s.H1.Address, Eth(10, 1))
	s.FanH2 = n.SendValue(s.Hacker, s.H2.Address, Eth(10, 1))
	s.FanH3 = n.SendValue(s.Hacker, s.H3.Address, Eth(5, 1))
	s.ForwardTx = n.Forward(s.Hacker, s.Forwarder, Eth(10, 1),
		Payment{s.H4.Address, Eth(6, 1)}, Payment{s.Dep3.Address, Eth(4, 1)})
	s.USDTToH3 = n.TransferToken(s.Hacker, s.USDT, s.H3.Address, USDT(200_000))
	s.FanBlock = n.Commit()
	n.MustSucceed(s.FanH1, s.FanH2, s.FanH3, s.ForwardTx, s.USDTToH3)

	s.PeelDep1 = n.SendValue(s.H1, s.Dep1.Address, Eth(1, 1))
	s.PeelP1 = n.SendValue(s.H1, s.P1.Address, Eth(8, 1))
	s.CleanToP1 = n.SendValue(s.Clean, s.P1.Address, Eth(2, 1))
	n.Commit()
	n.MustSucceed(s.PeelDep1, s.PeelP1, s.CleanToP1)

	s.P1Dep2 = n.SendValue(s.P1, s.Dep2.Address, Eth(1, 1))
	s.P1P2 = n.SendValue(s.P1, s.P2.Address, Eth(8, 1))
	s.H3USDTToEx = n.TransferToken(s.H3, s.USDT, s.Exchange.Address, USDT(200_000))
	s.WrapTx = n.WrapETH(s.H4, s.WETH, Eth(2, 1))
	n.Commit()
	n.MustSucceed(s.P1Dep2, s.P1P2, s.H3USDTToEx, s.WrapTx)

	s.Sweep1 = n.SendValue(s.Dep1, s.Exchange.Address, Eth(99, 100))
	s.Sweep2 = n.SendValue(s.Dep2, s.Exchange.Address, Eth(99, 100))
	s.Sweep3 = n.SendValue(s.Dep3, s.Exchange.Address, Eth(399, 100))
	s.UnwrapTx = n.UnwrapETH(s.H4, s.WETH, Eth(1, 1))
	s.RevertedTx = n.Forward(s.H2, s.Forwarder, Eth(1, 1))
	s.LastBlock = n.Commit()
	n.MustSucceed(s.Sweep1, s.Sweep2, s.Sweep3, s.UnwrapTx)
	if r := n.Receipt(s.RevertedTx); r.Status != 0 {
		t.Fatalf("scenario: RevertedTx %s did not revert", s.RevertedTx.Hex())
	}
	return s
}
