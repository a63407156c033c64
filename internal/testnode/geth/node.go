package geth

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"maps"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/txpool"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/eth/tracers"
	_ "github.com/ethereum/go-ethereum/eth/tracers/native" // callTracer, flatCallTracer
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// Fixed fee parameters: with them every transaction's hash depends only on the
// scenario, never on the node's fee market.
var (
	GasTipCap = big.NewInt(1_000_000_000)  // 1 gwei
	GasFeeCap = big.NewInt(50_000_000_000) // 50 gwei
)

// Gas limits used by the helpers. Contract calls get a fixed, generous limit so
// hashes stay deterministic; only gas used is charged.
const (
	GasValue    = 21_000
	GasCall     = 300_000
	GasDeploy   = 1_000_000
	DefaultID   = 1337
	FaucetFunds = "1000000000000000000000000" // 1,000,000 ETH in wei
)

// Ether is 10^18 wei.
var Ether = big.NewInt(1_000_000_000_000_000_000)

// Eth returns n/d ETH in wei (Eth(1, 10) = 0.1 ETH).
func Eth(n, d int64) *big.Int {
	v := new(big.Int).Mul(big.NewInt(n), Ether)
	return v.Div(v, big.NewInt(d))
}

// Account is a test key pair. Keys derive from the name, so a name always maps
// to the same address.
type Account struct {
	Name    string
	Key     *ecdsa.PrivateKey
	Address common.Address
}

// Hex is the EIP-55 address.
func (a *Account) Hex() string { return a.Address.Hex() }

// NewAccount derives a deterministic account from name.
func NewAccount(name string) *Account {
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte("chaintrace test account " + name)))
	if err != nil {
		panic(err)
	}
	return &Account{Name: name, Key: k, Address: crypto.PubkeyToAddress(k.PublicKey)}
}

// Node is a running in-process geth with an HTTP JSON-RPC endpoint. Blocks are
// mined only by Commit. Its methods fail the test on error; they are meant for
// building fixtures, not for exercising error paths.
type Node struct {
	t       testing.TB
	stack   *node.Node
	eth     *eth.Ethereum
	beacon  *catalyst.SimulatedBeacon
	rpc     *rpc.Client
	client  *ethclient.Client
	url     string
	wsURL   string
	chainID *big.Int
	signer  types.Signer
	faucet  *Account

	mu     sync.Mutex
	nonces map[common.Address]uint64
	sent   []common.Hash // since the last Commit
	wdIdx  uint64        // next withdrawal index
}

// Option adjusts the node before it starts.
type Option func(*options)

type options struct {
	chainID      uint64
	alloc        types.GenesisAlloc
	feeRecipient common.Address
	withdrawals  bool
	genesisTime  uint64
	ws           bool
}

// WithFeeRecipient makes addr the fee recipient (coinbase) of every block: it
// earns the priority fees of the transactions the blocks include.
func WithFeeRecipient(addr common.Address) Option { return func(o *options) { o.feeRecipient = addr } }

// WithWithdrawals lets the test queue beacon-chain withdrawals (Withdraw) for
// the next Commit, through the simulated beacon's dev API (in-process only;
// the HTTP endpoint does not serve it).
func WithWithdrawals() Option { return func(o *options) { o.withdrawals = true } }

// WithGenesisTime stamps the genesis block at ts (unix seconds). Commit stamps
// a block with the wall clock or one second after its parent, whichever is
// later, so a genesis in the future gives every block a time that depends only
// on the blocks before it (see AdvanceTo) — a timeline several nodes can share.
func WithGenesisTime(ts uint64) Option { return func(o *options) { o.genesisTime = ts } }

// WithWebSocket serves JSON-RPC over WebSocket too, on the HTTP endpoint's
// port (as geth does when --ws.port is --http.port): WSURL, with eth_subscribe.
func WithWebSocket() Option { return func(o *options) { o.ws = true } }

// WithChainID sets the chain id (default 1337).
func WithChainID(id uint64) Option { return func(o *options) { o.chainID = id } }

// WithAlloc adds genesis balances.
func WithAlloc(alloc types.GenesisAlloc) Option {
	return func(o *options) { maps.Copy(o.alloc, alloc) }
}

// Start runs a node until the test ends. The faucet account (NewAccount("faucet"))
// holds 1,000,000 ETH at genesis.
func Start(t testing.TB, opts ...Option) *Node {
	t.Helper()
	o := options{chainID: DefaultID, alloc: types.GenesisAlloc{}}
	for _, f := range opts {
		f(&o)
	}
	faucet := NewAccount("faucet")
	funds, _ := new(big.Int).SetString(FaucetFunds, 10)
	alloc := core.SystemContractAllocs()
	alloc[faucet.Address] = types.Account{Balance: funds}
	maps.Copy(alloc, o.alloc)

	cc := *params.AllDevChainProtocolChanges
	cc.ChainID = new(big.Int).SetUint64(o.chainID)
	cc.BogotaTime = nil // unreleased fork with odd gas costs; keep mainnet rules

	nc := node.DefaultConfig
	nc.DataDir = ""
	nc.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}
	nc.HTTPHost = "127.0.0.1"
	nc.HTTPPort = 0
	nc.HTTPModules = []string{"eth", "net", "web3", "debug", "txpool"}
	nc.HTTPVirtualHosts = []string{"*"}
	nc.WSHost = ""
	if o.ws {
		nc.WSHost, nc.WSPort, nc.WSModules, nc.WSOrigins = "127.0.0.1", 0, nc.HTTPModules, []string{"*"}
	}
	nc.IPCPath = ""
	nc.Logger = log.NewLogger(log.DiscardHandler())

	ec := ethconfig.Defaults
	ec.NetworkId = o.chainID
	ec.Genesis = &core.Genesis{Config: &cc, GasLimit: 30_000_000, Alloc: alloc, BaseFee: big.NewInt(params.InitialBaseFee), Timestamp: o.genesisTime}
	ec.SyncMode = ethconfig.FullSync
	ec.TxPool.NoLocals = true
	ec.NoPruning = true // archive: eth_getBalance at any past block
	ec.StateScheme = "hash"
	// Commit puts every pending transaction in its block however slow the
	// machine is: geth's block builder stops adding transactions once
	// Miner.Recommit has passed (2 s, a mainnet slot budget), which would make a
	// block's contents depend on the wall clock — on a starved machine Commit's
	// block lacks some transactions and the test fails "not mined in block N".
	ec.Miner.Recommit = time.Hour

	stack, err := node.New(&nc)
	if err != nil {
		t.Fatalf("geth node: %v", err)
	}
	be, err := eth.New(stack, &ec)
	if err != nil {
		stack.Close()
		t.Fatalf("geth eth service: %v", err)
	}
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth",
		Service: filters.NewFilterAPI(filters.NewFilterSystem(be.APIBackend, filters.Config{}))}})
	stack.RegisterAPIs(tracers.APIs(be.APIBackend))
	var beacon *catalyst.SimulatedBeacon
	if o.withdrawals {
		// The dev API must be registered before the node starts. With period 0
		// it would mine on every new transaction; a period the beacon never
		// reaches (its loop is not started) keeps mining to Commit.
		if beacon, err = catalyst.NewSimulatedBeacon(1<<40, o.feeRecipient, be); err != nil {
			stack.Close()
			t.Fatalf("geth beacon: %v", err)
		}
		catalyst.RegisterSimulatedBeaconAPIs(stack, beacon)
	}
	if err := stack.Start(); err != nil {
		stack.Close()
		t.Fatalf("geth start: %v", err)
	}
	if beacon == nil {
		if beacon, err = catalyst.NewSimulatedBeacon(0, o.feeRecipient, be); err != nil {
			stack.Close()
			t.Fatalf("geth beacon: %v", err)
		}
	}
	if err := beacon.Fork(be.BlockChain().GetCanonicalHash(0)); err != nil {
		stack.Close()
		t.Fatalf("geth fork: %v", err)
	}
	// Let the pool finish the reset the fork triggers before the first
	// transaction arrives; otherwise it can strand a sender's second transaction
	// as queued.
	for i := 0; i < 3; i++ {
		be.TxPool().Sync()
	}
	rc := stack.Attach()
	n := &Node{
		t: t, stack: stack, eth: be, beacon: beacon, rpc: rc, client: ethclient.NewClient(rc),
		url: stack.HTTPEndpoint(), chainID: cc.ChainID, signer: types.LatestSignerForChainID(cc.ChainID),
		faucet: faucet, nonces: map[common.Address]uint64{},
	}
	if !strings.HasPrefix(n.url, "http://") {
		n.url = "http://" + n.url
	}
	if o.ws {
		n.wsURL = stack.WSEndpoint()
		if n.wsURL != "ws://"+strings.TrimPrefix(n.url, "http://") {
			stack.Close()
			t.Fatalf("geth WebSocket endpoint %s is not on the HTTP endpoint %s", n.wsURL, n.url)
		}
	}
	t.Cleanup(func() {
		rc.Close()
		beacon.Stop()
		stack.Close()
	})
	return n
}

// URL is the HTTP JSON-RPC endpoint, http://127.0.0.1:PORT.
func (n *Node) URL() string { return n.url }

// WSURL is the WebSocket JSON-RPC endpoint, ws://127.0.0.1:PORT on the HTTP
// endpoint's port (WithWebSocket; "" without it).
func (n *Node) WSURL() string { return n.wsURL }

// ChainID is the node's chain id.
func (n *Node) ChainID() uint64 { return n.chainID.Uint64() }

// Faucet is the prefunded account.
func (n *Node) Faucet() *Account { return n.faucet }

// Client is an in-process typed client (for fixtures; code under test should dial URL).
func (n *Node) Client() *ethclient.Client { return n.client }

// Send signs and submits a dynamic-fee transaction (to nil deploys data) and
// returns its hash; it is mined by the next Commit.
func (n *Node) Send(from *Account, to *common.Address, value *big.Int, data []byte, gas uint64) common.Hash {
	n.t.Helper()
	return n.send(from, to, value, data, gas, GasTipCap, GasFeeCap)
}

func (n *Node) send(from *Account, to *common.Address, value *big.Int, data []byte, gas uint64, tip, feeCap *big.Int) common.Hash {
	n.t.Helper()
	n.mu.Lock()
	nonce, ok := n.nonces[from.Address]
	if !ok {
		var err error
		nonce, err = n.client.PendingNonceAt(context.Background(), from.Address)
		if err != nil {
			n.mu.Unlock()
			n.t.Fatalf("nonce of %s: %v", from.Name, err)
		}
	}
	n.nonces[from.Address] = nonce + 1
	n.mu.Unlock()
	if value == nil {
		value = new(big.Int)
	}
	tx := types.MustSignNewTx(from.Key, n.signer, &types.DynamicFeeTx{
		ChainID: n.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas, To: to, Value: value, Data: data,
	})
	var err error
	for try := 0; try < 50; try++ {
		// The pool can lag a block behind a Commit; an account funded in the
		// previous block then looks empty for a moment.
		if err = n.client.SendTransaction(context.Background(), tx); err == nil {
			n.mu.Lock()
			n.sent = append(n.sent, tx.Hash())
			n.mu.Unlock()
			return tx.Hash()
		}
		if !strings.Contains(err.Error(), "insufficient funds") && !strings.Contains(err.Error(), "nonce too") {
			break
		}
		n.eth.TxPool().Sync()
		time.Sleep(20 * time.Millisecond)
	}
	n.t.Fatalf("send from %s (nonce %d): %v", from.Name, nonce, err)
	return common.Hash{}
}

// SendValue sends value wei from → to.
func (n *Node) SendValue(from *Account, to common.Address, value *big.Int) common.Hash {
	n.t.Helper()
	return n.Send(from, &to, value, nil, GasValue)
}

// Call sends a contract call with a fixed gas limit.
func (n *Node) Call(from *Account, to common.Address, value *big.Int, data []byte) common.Hash {
	n.t.Helper()
	return n.Send(from, &to, value, data, GasCall)
}

// Commit mines a block with every pending transaction and returns its number.
func (n *Node) Commit() uint64 {
	n.t.Helper()
	n.mu.Lock()
	sent := n.sent
	n.sent = nil
	n.mu.Unlock()
	// A transaction the pool still holds as queued (its sender's funding or
	// previous nonce not yet seen after the last block) would miss this block and
	// shift every later block number; wait until all are pending.
	deadline := time.Now().Add(10 * time.Second)
	for _, h := range sent {
		for n.eth.TxPool().Status(h) != txpool.TxStatusPending {
			if time.Now().After(deadline) {
				tx := n.eth.TxPool().Get(h)
				from, _ := types.Sender(n.signer, tx)
				st, _ := n.client.NonceAt(context.Background(), from, nil)
				n.t.Fatalf("tx %s (from %s nonce %d, state nonce %d, head %d) not pending in the pool (status %v)", h.Hex(), from, tx.Nonce(), st, n.eth.BlockChain().CurrentBlock().Number, n.eth.TxPool().Status(h))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	n.beacon.Commit()
	n.eth.TxPool().Sync()
	num := n.eth.BlockChain().CurrentBlock().Number.Uint64()
	for _, h := range sent {
		if _, err := n.client.TransactionReceipt(context.Background(), h); err != nil {
			n.t.Fatalf("tx %s not mined in block %d: %v", h.Hex(), num, err)
		}
	}
	return num
}

// HeadTime is the timestamp of the latest block (unix seconds).
func (n *Node) HeadTime() uint64 { return n.eth.BlockChain().CurrentBlock().Time }

// AdvanceTo mines an empty block stamped ts (or one second after the head when
// ts is not later) and returns its number, so that the next Commit is stamped
// after ts. No transaction may be pending: send the next ones after it.
func (n *Node) AdvanceTo(ts uint64) uint64 {
	n.t.Helper()
	n.mu.Lock()
	pending := len(n.sent)
	n.mu.Unlock()
	if pending > 0 {
		n.t.Fatalf("AdvanceTo with %d transactions pending: call it before sending", pending)
	}
	head := n.HeadTime()
	var adj time.Duration
	if ts > head {
		adj = time.Duration(ts-head) * time.Second
	}
	if err := n.beacon.AdjustTime(adj); err != nil {
		n.t.Fatalf("advancing the clock to %d: %v", ts, err)
	}
	n.eth.TxPool().Sync()
	return n.eth.BlockChain().CurrentBlock().Number.Uint64()
}

// Receipt returns a mined transaction's receipt.
func (n *Node) Receipt(h common.Hash) *types.Receipt {
	n.t.Helper()
	r, err := n.client.TransactionReceipt(context.Background(), h)
	if err != nil {
		n.t.Fatalf("receipt %s: %v", h.Hex(), err)
	}
	return r
}

// Fee is the wei a mined transaction paid for gas (gasUsed × effectiveGasPrice).
func (n *Node) Fee(h common.Hash) *big.Int {
	r := n.Receipt(h)
	return new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), r.EffectiveGasPrice)
}

// MustSucceed fails the test unless every hash was mined with status 1.
func (n *Node) MustSucceed(hs ...common.Hash) {
	n.t.Helper()
	for _, h := range hs {
		if r := n.Receipt(h); r.Status != types.ReceiptStatusSuccessful {
			n.t.Fatalf("tx %s failed (gas used %d)", h.Hex(), r.GasUsed)
		}
	}
}

// Fund sends each account amount from the faucet and commits.
func (n *Node) Fund(amount *big.Int, accts ...*Account) uint64 {
	n.t.Helper()
	var hs []common.Hash
	for _, a := range accts {
		hs = append(hs, n.SendValue(n.faucet, a.Address, amount))
	}
	b := n.Commit()
	n.MustSucceed(hs...)
	return b
}

func (n *Node) deploy(from *Account, code []byte) common.Address {
	n.t.Helper()
	h := n.Send(from, nil, nil, code, GasDeploy)
	n.Commit()
	r := n.Receipt(h)
	if r.Status != types.ReceiptStatusSuccessful {
		n.t.Fatalf("deploy from %s failed", from.Name)
	}
	return r.ContractAddress
}

// DeployERC20 deploys a token crediting supply to from, and commits.
func (n *Node) DeployERC20(from *Account, symbol string, decimals uint8, supply *big.Int) common.Address {
	n.t.Helper()
	return n.deploy(from, tokenInit(symbol, decimals, supply, false))
}

// DeployWETH deploys a WETH9-like wrapper (symbol WETH, 18 decimals), and commits.
func (n *Node) DeployWETH(from *Account) common.Address {
	n.t.Helper()
	return n.DeployWrapper(from, "WETH")
}

// DeployWrapper deploys the WETH9-like contract under another symbol (18
// decimals), and commits.
func (n *Node) DeployWrapper(from *Account, symbol string) common.Address {
	n.t.Helper()
	return n.deploy(from, tokenInit(symbol, 18, nil, true))
}

// DeployForwarder deploys the payment forwarder, and commits.
func (n *Node) DeployForwarder(from *Account) common.Address {
	n.t.Helper()
	return n.deploy(from, deployCode(nil, forwarderRuntime()))
}

// TransferToken sends a token transfer(to, amount) call.
func (n *Node) TransferToken(from *Account, token, to common.Address, amount *big.Int) common.Hash {
	n.t.Helper()
	return n.Call(from, token, nil, transferData(to, amount))
}

// Forward calls the forwarder with value, which pays each Payment with an
// internal CALL in order. No payments: the call reverts.
func (n *Node) Forward(from *Account, fwd common.Address, value *big.Int, pays ...Payment) common.Hash {
	n.t.Helper()
	return n.Call(from, fwd, value, forwardData(pays))
}

// WrapETH calls deposit() on a WETH contract with value.
func (n *Node) WrapETH(from *Account, weth common.Address, value *big.Int) common.Hash {
	n.t.Helper()
	return n.Call(from, weth, value, append([]byte(nil), selDeposit...))
}

// UnwrapETH calls withdraw(wad) on a WETH contract.
func (n *Node) UnwrapETH(from *Account, weth common.Address, wad *big.Int) common.Hash {
	n.t.Helper()
	return n.Call(from, weth, nil, withdrawData(wad))
}

// TokenBalance reads balanceOf(holder) at the latest block.
func (n *Node) TokenBalance(token, holder common.Address) *big.Int {
	n.t.Helper()
	var out string
	data := append(append([]byte(nil), selBalanceOf...), common.LeftPadBytes(holder.Bytes(), 32)...)
	err := n.rpc.Call(&out, "eth_call", map[string]any{"to": token, "data": fmt.Sprintf("0x%x", data)}, "latest")
	if err != nil {
		n.t.Fatalf("balanceOf: %v", err)
	}
	v, _ := new(big.Int).SetString(strings.TrimPrefix(out, "0x"), 16)
	return v
}

// Balance is an address's native balance at the latest block.
func (n *Node) Balance(a common.Address) *big.Int {
	n.t.Helper()
	b, err := n.client.BalanceAt(context.Background(), a, nil)
	if err != nil {
		n.t.Fatalf("balance: %v", err)
	}
	return b
}

// Withdraw queues a beacon-chain withdrawal of gwei to addr for the next Commit
// (at most 10 per block). The node must be started WithWithdrawals.
func (n *Node) Withdraw(addr common.Address, gwei uint64) {
	n.t.Helper()
	n.mu.Lock()
	idx := n.wdIdx
	n.wdIdx++
	n.mu.Unlock()
	w := &types.Withdrawal{Index: idx, Validator: 7, Address: addr, Amount: gwei}
	if err := n.rpc.Call(nil, "dev_addWithdrawal", w); err != nil {
		n.t.Fatalf("queueing a withdrawal (start the node WithWithdrawals): %v", err)
	}
}

// Reorg makes the block at height the head again: the blocks above it leave
// the chain, their transactions return to the pool (as geth's pool reinjects
// a reorganisation's dropped transactions) and the next Commit mines them
// again, in a block of another hash (a new timestamp and prevRandao).
func (n *Node) Reorg(height uint64) {
	n.t.Helper()
	hash := n.eth.BlockChain().GetCanonicalHash(height)
	if err := n.beacon.Fork(hash); err != nil {
		n.t.Fatalf("reorg to block %d: %v", height, err)
	}
	n.eth.TxPool().Sync()
	if got := n.eth.BlockChain().CurrentBlock().Number.Uint64(); got != height {
		n.t.Fatalf("reorg to block %d: the head is %d", height, got)
	}
}
