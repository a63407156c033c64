package xworld

import (
	"context"
	"embed"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/internal/testnode/npm"
)

// The world's chains.
const (
	ChainIDA = 1337  // geth A: where the theft happens; THORChain memo code ETH
	ChainIDB = 31337 // geth B: reached through the two bridges
	// Chain names as chaintrace's --chain and --link take them.
	ChainA   = "evm:1337"
	ChainB   = "evm:31337"
	ChainBTC = "btc-regtest"
	// ChainNoLink is the destination of the crossing no node serves (memo code BSC).
	ChainNoLink = "bsc"
)

// StepSeconds separates the scenario's steps on the shared timeline.
const StepSeconds = 60

// Deployment gas: generous and fixed, so hashes do not depend on estimates.
const gasDeploy = 3_000_000

//go:embed contracts/*.sol
var contractFS embed.FS

// Sources returns our Solidity sources (file name → text).
func Sources() map[string]string {
	ents, err := contractFS.ReadDir("contracts")
	if err != nil {
		panic(err)
	}
	m := map[string]string{}
	for _, e := range ents {
		b, err := contractFS.ReadFile("contracts/" + e.Name())
		if err != nil {
			panic(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

// CompileOptions are the solc settings the world compiles with.
var CompileOptions = npm.CompileOptions{EVMVersion: "cancun"}

// Account derives the world's EVM account called name (the same key, so the
// same address, on A and B).
func Account(name string) *geth.Account { return geth.NewAccount("xworld/" + name) }

// World is the running three-chain world with its contracts deployed and its
// service accounts funded. Build plays the scenario on it.
type World struct {
	T   testing.TB
	A   *geth.Node
	B   *geth.Node
	BTC *btcd.Node

	// T0 is world time 0 (unix seconds); step k happens at T0 + StepSeconds·k.
	T0 uint64

	// Compiled contracts (ABI for packing calls and decoding logs).
	RouterArt, MultichainArt, SameAddrArt *npm.Artifact

	// Contracts. Multichain has the same address on A and B.
	Router, Multichain, SameAddr common.Address

	// THORChain's vaults: an EOA on A, a P2WPKH key on btcd.
	VaultETH *geth.Account
	VaultBTC *btcd.Key
	// Multichain's MPC relayer on B, the same-address bridge's relayer on B.
	MPC, SameAddrRelayer *geth.Account

	vaultCoins []btcd.Coin // the BTC vault's liquidity: one coin per outbound
	otherCoins map[string]btcd.Coin
}

// Funding the world starts with (genesis balances, contract liquidity, coins).
var (
	VaultETHFunds   = geth.Eth(500, 1)
	MultichainFunds = geth.Eth(500, 1) // XMultichain's liquidity on B
	RelayerFunds    = geth.Eth(500, 1) // the same-address relayer's wallet on B
	MPCFunds        = geth.Eth(10, 1)  // gas for the MPC relayer on B
)

// VaultCoinValue is each of the BTC vault's funding coins (20 BTC).
const VaultCoinValue = 2_000_000_000

// Start runs btcd regtest and geth A and B on 127.0.0.1 until the test ends,
// compiles the contracts with solc-js (skipping the test when it is not in the
// npm cache), deploys them, and funds the vaults, relayers and the scenario's
// actors. Block 1 on A and B and the funding block on btcd are at T0.
func Start(t testing.TB) *World {
	t.Helper()
	arts := npm.MustCompile(t, Sources(), CompileOptions)
	w := &World{T: t, RouterArt: arts["XRouter"], MultichainArt: arts["XMultichain"], SameAddrArt: arts["XSameAddressBridge"],
		VaultETH: Account("thorchain/vault-eth"), MPC: Account("multichain/mpc"), SameAddrRelayer: Account("sameaddr/relayer"),
		otherCoins: map[string]btcd.Coin{}}
	for n, a := range map[string]*npm.Artifact{"XRouter": w.RouterArt, "XMultichain": w.MultichainArt, "XSameAddressBridge": w.SameAddrArt} {
		if a == nil {
			t.Fatalf("solc output has no contract %s", n)
		}
	}
	// A timeline in the future: geth then stamps every block from its parent
	// (never the wall clock), and btcd still accepts it (≤ 2 h ahead).
	w.T0 = uint64(time.Now().Add(30 * time.Minute).Truncate(time.Minute).Unix())

	allocA := types.GenesisAlloc{w.VaultETH.Address: {Balance: VaultETHFunds}}
	for name, v := range FundsA {
		allocA[Account(name).Address] = types.Account{Balance: v}
	}
	allocB := types.GenesisAlloc{
		w.MPC.Address:             {Balance: MPCFunds},
		w.SameAddrRelayer.Address: {Balance: RelayerFunds},
	}
	w.A = geth.Start(t, geth.WithChainID(ChainIDA), geth.WithGenesisTime(w.T0-StepSeconds), geth.WithAlloc(allocA))
	w.B = geth.Start(t, geth.WithChainID(ChainIDB), geth.WithGenesisTime(w.T0-StepSeconds), geth.WithAlloc(allocB))

	bn, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatalf("btcd: %v", err)
	}
	t.Cleanup(func() { bn.Close() })
	w.BTC = bn
	w.VaultBTC = w.BTCKey("thorchain/vault-btc", btcd.P2WPKH)

	// The faucet deploys XMultichain first on both chains (nonce 0), so it has
	// the same address on A and B, like the real router on its chains.
	w.A.AdvanceTo(w.Time(0))
	hm := w.deploy(w.A, w.MultichainArt, w.MPC.Address)
	hr := w.deploy(w.A, w.RouterArt)
	hs := w.deploy(w.A, w.SameAddrArt)
	w.A.Commit()
	w.Multichain, w.Router, w.SameAddr = w.created(w.A, hm), w.created(w.A, hr), w.created(w.A, hs)
	w.B.AdvanceTo(w.Time(0))
	hb := w.deploy(w.B, w.MultichainArt, w.MPC.Address)
	w.B.Commit()
	if mb := w.created(w.B, hb); mb != w.Multichain {
		t.Fatalf("XMultichain on B at %s, on A at %s: the faucet's nonces differ", mb.Hex(), w.Multichain.Hex())
	}
	hl := w.Call(w.B, w.B.Faucet(), w.Multichain, MultichainFunds, nil, "")
	w.B.Commit()
	w.B.MustSucceed(hl)

	// Bitcoin: past segwit activation, then the vault's coins and the
	// innocent user's coin in one funding transaction at T0.
	if err := bn.MineTo(btcd.SegwitHeight + 8); err != nil {
		t.Fatalf("btcd: %v", err)
	}
	outs := []btcd.Output{{Key: w.VaultBTC, Value: VaultCoinValue}, {Key: w.VaultBTC, Value: VaultCoinValue}, {Key: w.VaultBTC, Value: VaultCoinValue}}
	names := sortedKeys(FundsBTC)
	for _, name := range names {
		outs = append(outs, btcd.Output{Key: w.BTCKey(name, btcd.P2WPKH), Value: FundsBTC[name]})
	}
	tx, coins, err := bn.Fund(btcd.FundFee, outs...)
	if err != nil {
		t.Fatalf("btcd fund: %v", err)
	}
	w.MineBTC(0, tx)
	w.vaultCoins = coins[:3]
	for i, name := range names {
		w.otherCoins[name] = coins[3+i]
	}
	return w
}

// FundsA are the genesis balances of the scenario's actors on A.
var FundsA = map[string]*big.Int{
	"victim":      geth.Eth(1000, 1), // Bybit's cold wallet
	"clean":       geth.Eth(200, 1),  // an innocent THORChain user
	"innocent2":   geth.Eth(100, 1),  // an innocent Multichain user
	"innocent3":   geth.Eth(100, 1),  // an innocent same-address bridge user
	"bystander-a": geth.Eth(1, 1),
}

// FundsBTC are the coins the scenario's other Bitcoin actors start with (sat).
var FundsBTC = map[string]int64{
	"innocent-btc": 500_000_000, // an innocent THORChain user swapping BTC to ETH
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// BTCKey derives the world's Bitcoin key called name.
func (w *World) BTCKey(name string, kind btcd.Kind) *btcd.Key {
	return btcd.NewKey("xworld/"+name, kind, w.BTC.Params)
}

// Time is world time of step k (unix seconds).
func (w *World) Time(k int) uint64 { return w.T0 + uint64(k)*StepSeconds }

// StepA starts step k on A: an empty block stamped at the step's time, so the
// block Commit mines next is stamped one second later. Call it before sending.
func (w *World) StepA(k int) { w.A.AdvanceTo(w.Time(k)) }

// StepB is StepA for B.
func (w *World) StepB(k int) { w.B.AdvanceTo(w.Time(k)) }

// MineBTC mines txs (in order) in one block stamped at step k's time.
func (w *World) MineBTC(k int, txs ...*wire.MsgTx) int32 {
	w.T.Helper()
	b, err := w.BTC.MineAt(time.Unix(int64(w.Time(k)), 0), txs...)
	if err != nil {
		w.T.Fatalf("btcd step %d: %v", k, err)
	}
	return b.Height()
}

// deploy sends art's creation with args from n's faucet; the contract's address
// is in the receipt after the next Commit (see created).
func (w *World) deploy(n *geth.Node, art *npm.Artifact, args ...any) common.Hash {
	w.T.Helper()
	data, err := art.DeployData(args...)
	if err != nil {
		w.T.Fatal(err)
	}
	return n.Send(n.Faucet(), nil, nil, data, gasDeploy)
}

func (w *World) created(n *geth.Node, h common.Hash) common.Address {
	w.T.Helper()
	n.MustSucceed(h)
	a := n.Receipt(h).ContractAddress
	if code, err := n.Client().CodeAt(context.Background(), a, nil); err != nil || len(code) == 0 {
		w.T.Fatalf("no code at %s on chain %d: %v", a.Hex(), n.ChainID(), err)
	}
	return a
}

// Call sends a call of method (or a plain payment when method is "") with
// value to a contract; it is mined by the node's next Commit.
func (w *World) Call(n *geth.Node, from *geth.Account, to common.Address, value *big.Int, art *npm.Artifact, method string, args ...any) common.Hash {
	w.T.Helper()
	var data []byte
	if method != "" {
		var err error
		if data, err = art.Pack(method, args...); err != nil {
			w.T.Fatalf("%s: %v", method, err)
		}
	}
	return n.Call(from, to, value, data)
}

// Deposit calls XRouter.deposit{value}(vault, 0, value, memo) on A.
func (w *World) Deposit(from *geth.Account, value *big.Int, memo string) common.Hash {
	w.T.Helper()
	return w.Call(w.A, from, w.Router, value, w.RouterArt, "deposit", w.VaultETH.Address, common.Address{}, value, memo)
}

// TransferOut has the ETH vault call XRouter.transferOut{value}(to, 0, value, memo) on A.
func (w *World) TransferOut(to common.Address, value *big.Int, memo string) common.Hash {
	w.T.Helper()
	return w.Call(w.A, w.VaultETH, w.Router, value, w.RouterArt, "transferOut", to, common.Address{}, value, memo)
}

// VaultPay has the BTC vault pay value to key with an OP_RETURN memo, from its
// next funding coin: outputs [payee, OP_RETURN memo, change to the vault], the
// layout of THORChain's Bitcoin outbounds, with a fee of VaultFee. It returns
// the tx and the payee's coin.
func (w *World) VaultPay(to *btcd.Key, value int64, memo string) (*wire.MsgTx, btcd.Coin) {
	w.T.Helper()
	if len(w.vaultCoins) == 0 {
		w.T.Fatal("the BTC vault has no funding coin left")
	}
	c := w.vaultCoins[0]
	w.vaultCoins = w.vaultCoins[1:]
	tx, coins, err := w.BTC.Spend([]btcd.Coin{c}, []btcd.Output{{Key: to, Value: value}, {Data: []byte(memo)},
		{Key: w.VaultBTC, Value: c.Value - value - VaultFee}})
	if err != nil {
		w.T.Fatalf("vault payout: %v", err)
	}
	return tx, coins[0]
}

// VaultFee is what each BTC vault payout pays the miner (sat).
const VaultFee = 10_000

// MemoHash is a hash as THORChain writes it in OUT:/REFUND: memos: upper-case
// hex without 0x (EVM tx hashes and Bitcoin txids alike).
func MemoHash(h string) string { return strings.ToUpper(strings.TrimPrefix(h, "0x")) }

// Label is one row of the world's label set.
type Label struct {
	Chain, Address, Name, Category, DestChain, BridgeKind string
}

// Labels are the world's service addresses: THORChain's vaults and router,
// the Multichain router on both chains, the same-address bridge and its
// relayer, and the exchanges' hot wallets (from the scenario).
func (w *World) Labels(s *Scenario) []Label {
	ls := []Label{
		{ChainA, w.VaultETH.Hex(), "THORChain vault", "bridge", "", "vault"},
		{ChainA, w.Router.Hex(), "THORChain router", "bridge", "", "router"},
		{ChainBTC, w.VaultBTC.Address, "THORChain vault", "bridge", "", "vault"},
		{ChainA, w.Multichain.Hex(), "Multichain router", "bridge", "", "event"},
		{ChainB, w.Multichain.Hex(), "Multichain router", "bridge", "", "event"},
		{ChainA, w.SameAddr.Hex(), "same-address bridge", "bridge", ChainB, "same-address"},
		{ChainB, w.SameAddrRelayer.Hex(), "same-address bridge relayer", "bridge", "", "relayer"},
	}
	if s != nil {
		ls = append(ls,
			Label{ChainA, s.ExA.Hex(), "Exchange A", "exchange", "", ""},
			Label{ChainB, s.ExB.Hex(), "Exchange B", "exchange", "", ""},
			Label{ChainBTC, s.Hot.Address, "Exchange BTC", "exchange", "", ""})
	}
	return ls
}

// LabelsCSV renders Labels as a label file (columns as the labels package
// reads them, with dest_chain and bridge_kind).
func (w *World) LabelsCSV(s *Scenario, source string) string {
	var b strings.Builder
	b.WriteString("chain,address,label,category,source,confidence,dest_chain,bridge_kind\n")
	for _, l := range w.Labels(s) {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,90,%s,%s\n", l.Chain, l.Address, l.Name, l.Category, source, l.DestChain, l.BridgeKind)
	}
	return b.String()
}
