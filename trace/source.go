package trace

import (
	"context"
	"errors"
	"math/big"

	"github.com/chaintrace/chaintrace/graph"
)

// Sentinel errors adapters wrap so the tracer and the CLI can tell cases apart.
var (
	// ErrNotFound: the transaction, block or output does not exist on this chain.
	ErrNotFound = errors.New("not found")
	// ErrReverted: the transaction failed on chain and moved nothing.
	ErrReverted = errors.New("transaction reverted")
	// ErrUnsupported: the data source lacks a method the request needs.
	ErrUnsupported = errors.New("not supported by this data source")
	// ErrBadInput: a seed, address or parameter is malformed or for another chain.
	ErrBadInput = errors.New("bad input")
)

// ChainInfo describes the chain a source serves.
type ChainInfo struct {
	Name    string      // as --chain accepts it: "eth", "btc", "evm:1337", …
	Family  string      // graph.FamilyAccount or graph.FamilyUTXO
	Native  graph.Asset // the chain's own coin
	ChainID uint64      // EVM chain id; 0 elsewhere
}

// Source is what every adapter offers.
type Source interface {
	Info() ChainInfo
	// Tip returns the current chain height.
	Tip(ctx context.Context) (uint64, error)
	// NormalizeAddress validates an address for this chain and returns its
	// canonical form (EIP-55 on EVM chains); the error wraps ErrBadInput.
	NormalizeAddress(addr string) (string, error)
}

// HistoryQuery asks for an account's transfers in a block range.
type HistoryQuery struct {
	Address   string
	FromBlock uint64
	ToBlock   uint64
	// Limit, when > 0, lets the source stop once it has more than Limit transfers
	// (returning at least Limit+1 of them and Truncated set): the tracer only needs
	// to know the address is too busy to follow.
	Limit int
}

// History is an account's transfers, in graph.TransferKey order: credits and debits
// of every asset, internal transfers and gas fees included.
type History struct {
	Transfers []graph.Transfer
	Truncated bool
}

// AccountSource serves account-model chains (Ethereum and other EVM chains).
type AccountSource interface {
	Source
	// TxTransfers returns every transfer the transaction made, ordered by Seq, its
	// gas fee included. Unknown hash: ErrNotFound. Failed tx: ErrReverted.
	TxTransfers(ctx context.Context, txHash string) ([]graph.Transfer, error)
	// History returns the transfers in which q.Address is sender or recipient.
	History(ctx context.Context, q HistoryQuery) (History, error)
	// Balance returns addr's balance of asset at the end of block.
	Balance(ctx context.Context, addr string, asset graph.Asset, block uint64) (*big.Int, error)
}

// UTXOSource serves UTXO chains (Bitcoin).
type UTXOSource interface {
	Source
	// Tx returns a transaction with every input's spent value and address filled in.
	Tx(ctx context.Context, txid string) (*graph.UTXOTx, error)
	// Spender returns the transaction that spends op, or nil when op is unspent at
	// the tip. Unknown outpoint: ErrNotFound.
	Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error)
	// AddressTxs returns the confirmed transactions that pay to or spend from addr
	// up to toBlock, oldest first (address seeds).
	AddressTxs(ctx context.Context, addr string, toBlock uint64) ([]*graph.UTXOTx, error)
}

// ContractChecker is optionally implemented by account sources that can tell a
// contract from an externally owned account, so funds a contract keeps show as a
// contract endpoint (Capabilities.Contracts).
type ContractChecker interface {
	IsContract(ctx context.Context, addr string, block uint64) (bool, error)
}

// Warner is optionally implemented by sources that degrade (a missing tracer API,
// a non-archive node) and must say so in the output (Capabilities.Warnings).
type Warner interface {
	Warnings() []string
}

// Label categories (../shared/TRACING.md).
const (
	CatExchange   = "exchange"
	CatMixer      = "mixer"
	CatBridge     = "bridge"
	CatDEX        = "dex"
	CatService    = "service"
	CatSanctioned = "sanctioned"
	CatScam       = "scam"
	CatHacker     = "hacker"
	CatOther      = "other"
	// CatDeposit labels a known exchange deposit address (an exchange's answer,
	// an earlier case): it ends a trace as an exchange-deposit endpoint, like
	// one the deposit rule finds, and is stopped at by --stop-at deposit.
	CatDeposit = StopDeposit
)

// Label is what is known about an address.
type Label struct {
	Chain      string `json:"chain"`
	Address    string `json:"address"`
	Name       string `json:"label"`
	Category   string `json:"category"`
	Source     string `json:"source"`
	Confidence int    `json:"confidence"` // 0–100
	DestChain  string `json:"dest_chain,omitempty"`
	// BridgeKind says how a bridge-category address crosses chains (crossing.go):
	// "vault" or "router" (THORChain-style memos), "event" (lock-and-mint
	// events), "same-address", "relayer" (pays same-address payouts); "" unknown.
	BridgeKind string `json:"bridge_kind,omitempty"`
	// Entity is the organisation behind the label ("Binance" for "Binance 14"),
	// when the label store knows it: deposits are attributed to the entity, since
	// that is who receives a freeze request.
	Entity string `json:"entity,omitempty"`
}

// Labels looks addresses up. chain is the --chain name; implementations match EVM
// addresses case-insensitively and honour "evm" and empty-chain entries.
type Labels interface {
	Lookup(chain, address string) (Label, bool)
}

// NoLabels is the empty label set.
type NoLabels struct{}

// Lookup never finds anything.
func (NoLabels) Lookup(string, string) (Label, bool) { return Label{}, false }
