package graph

import (
	"math/big"
	"sort"
)

// Cross-chain events, as adapters decode them from transactions (the common
// model for crossings; the tracer matches them, adapters only decode).
const (
	// THORChain-style router (THORChain_Router, verified source on Etherscan):
	// Deposit(address indexed to, address indexed asset, uint amount, string memo)
	// and TransferOut(address indexed vault, address indexed to, address asset,
	// uint amount, string memo). On Bitcoin: a payment carrying an OP_RETURN memo.
	EventMemoIn  = "memo-in"  // an inbound to a vault with a memo (Deposit, or a Bitcoin OP_RETURN)
	EventMemoOut = "memo-out" // an outbound from a vault with a memo (TransferOut, or a Bitcoin OP_RETURN)
	// Multichain (anyswap) router: LogAnySwapOut(address indexed token, address
	// indexed from, address indexed to, uint amount, uint fromChainID, uint
	// toChainID) and LogAnySwapIn(bytes32 indexed txhash, address indexed token,
	// address indexed to, uint amount, uint fromChainID, uint toChainID).
	EventLockOut = "lock-out" // funds locked/burnt on the source chain for a destination chain
	EventMintIn  = "mint-in"  // funds released/minted on the destination chain
)

// CrossEvent is one decoded cross-chain instruction or payout.
type CrossEvent struct {
	Kind     string `json:"kind"` // EventMemoIn, EventMemoOut, EventLockOut, EventMintIn
	Chain    string `json:"chain"`
	Tx       string `json:"tx"`
	Block    uint64 `json:"block"`
	Time     int64  `json:"time"`
	LogIndex int    `json:"log_index"` // EVM: the log's index in the block; Bitcoin: the OP_RETURN output's index
	Contract string `json:"contract,omitempty"`
	// From is who sent the funds in (the tx sender for router events, the event's
	// from for LogAnySwapOut, the vault for outbounds); To is who the event pays
	// (the vault for Deposit, the recipient for TransferOut and LogAnySwap*).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Asset is the native symbol or the token contract ("" = the chain's native coin).
	Asset  string   `json:"asset,omitempty"`
	Amount *big.Int `json:"amount"`
	Memo   string   `json:"memo,omitempty"`
	// Vault is the vault an outbound came from (TransferOut's vault, the Bitcoin
	// inputs' address).
	Vault string `json:"vault,omitempty"`
	// RefTx is the source transaction a payout names (LogAnySwapIn's txhash).
	RefTx       string `json:"ref_tx,omitempty"`
	FromChainID uint64 `json:"from_chain_id,omitempty"`
	ToChainID   uint64 `json:"to_chain_id,omitempty"`
	// Outputs: Bitcoin payouts, the outputs the transaction pays (index, address,
	// value), so the matcher can pick the one the memo names.
	Outputs []TxOut `json:"outputs,omitempty"`
}

// Crossing statuses.
const (
	CrossFollowed  = "followed"  // matched on the destination chain and traced on
	CrossUnlinked  = "unlinked"  // the destination chain has no source in this trace
	CrossUnmatched = "unmatched" // the destination chain was searched; no payout matched
	CrossRefund    = "refund"    // the inbound was refunded on its own chain
)

// Crossing rules, each with its confidence (permille) on the crossing.
const (
	RuleMemo         = "thorchain-memo"     // outbound memo OUT:/REFUND: names the inbound hash
	RuleMemoless     = "thorchain-memoless" // vault → memo destination, asset and time window only
	RuleLockTxHash   = "lock-mint-txhash"   // LogAnySwapIn names the source tx
	RuleLockMatch    = "lock-mint-match"    // recipient, amount within tolerance, time window
	RuleSameAddress  = "same-address"       // the sender's own address on the destination chain
	RuleDecodedOnly  = "decoded"            // decoded, not matched (unlinked / unmatched)
	CrossEdgeKind    = "crossing"           // Edge.Kind of a crossing edge
	BridgeKindVault  = "vault"
	BridgeKindRouter = "router"
	BridgeKindEvent  = "event"
	BridgeKindSame   = "same-address"
	BridgeKindRelay  = "relayer"
)

// Crossing is the evidence of one crossing: the inbound on the source chain,
// what it decoded to, and the payout that matched on the destination chain.
type Crossing struct {
	Rule       string
	Confidence int // permille
	Status     string
	Note       string
	Hop        int

	FromChain, ToChain string
	InTx               string
	InBlock            uint64
	InTime             int64
	InFrom             string // who paid the bridge/vault/router
	InTo               string // the bridge, vault or router
	InAsset            string
	InAmount           *big.Int // what the inbound moved
	InTaint            *big.Int // the taint it carried
	Memo               string
	DestAddress        string
	DestAsset          string // as decoded (memo asset "BTC.BTC", or a token/native id)

	OutTx     string
	OutBlock  uint64
	OutTime   int64
	OutFrom   string
	OutTo     string
	OutAsset  string
	OutAmount *big.Int
	OutTaint  *big.Int // ⌊OutAmount × InTaint / InAmount⌋
}

// SortCrossings orders crossings by source block, source tx, destination chain,
// destination tx, destination address.
func (r *Result) SortCrossings() {
	sort.SliceStable(r.Crossings, func(i, j int) bool {
		a, b := r.Crossings[i], r.Crossings[j]
		if a.FromChain != b.FromChain {
			return a.FromChain < b.FromChain
		}
		if a.InBlock != b.InBlock {
			return a.InBlock < b.InBlock
		}
		if a.InTx != b.InTx {
			return a.InTx < b.InTx
		}
		if a.InTo != b.InTo {
			return a.InTo < b.InTo
		}
		if a.ToChain != b.ToChain {
			return a.ToChain < b.ToChain
		}
		if a.OutTx != b.OutTx {
			return a.OutTx < b.OutTx
		}
		return a.DestAddress < b.DestAddress
	})
}

// ChainPart is one chain of a multi-chain result.
type ChainPart struct {
	Name   string
	Family string
	Tip    uint64
}
