package demix

import (
	"context"
	"math/big"
)

// Tornado Cash's pool events (keccak-256 of the signatures):
//
//	Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp)
//	Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee)
//
// A pool is recognised by them, so a fork with the same events is handled too.
const (
	TopicDeposit    = "0xa945e51eec50ab98c161376f0db4cf2aeba3ec92755fe2fcd388bdbbb80ff196"
	TopicWithdrawal = "0xe9e508bad6d4c3227e881ca19068f099da81b5164dd6d62b2eaf1e8bc6c34931"
)

// LogSource is optionally implemented by account-chain sources that can run
// log queries (eth_getLogs) and describe transactions; the candidate search
// needs it and is skipped, with a note, on sources without it (recorded cases).
type LogSource interface {
	// Logs runs every query (batched where the source can) and returns each
	// query's logs in chain order (block, log index), removed logs dropped.
	Logs(ctx context.Context, qs []LogQuery) ([][]Log, error)
	// TxMetas describes the transactions (batched); an unknown hash is an error.
	TxMetas(ctx context.Context, hashes []string) (map[string]TxMeta, error)
}

// LogQuery selects logs in blocks [FromBlock, ToBlock] whose first topic is one
// of Topics, emitted by one of Addresses (any address when empty).
type LogQuery struct {
	Addresses []string
	Topics    []string
	FromBlock uint64
	ToBlock   uint64
}

// Log is one event log.
type Log struct {
	Address string   // emitting contract, EIP-55
	Topics  []string // 0x-prefixed lower-case hex
	Data    []byte
	Block   uint64
	TxHash  string
	TxIndex int
	Index   int // log index in the block
}

// TxMeta is what the heuristics read from a transaction.
type TxMeta struct {
	Hash  string
	From  string // EIP-55
	Block uint64
	// The fee the sender chose: GasPrice for legacy and access-list
	// transactions, TipCap and FeeCap for EIP-1559 ones (GasPrice nil then).
	GasPrice       *big.Int
	TipCap, FeeCap *big.Int
}

// gasKey is the sender's fee choice as one comparable string ("" when unknown).
func (m TxMeta) gasKey() string {
	switch {
	case m.GasPrice != nil:
		return "gasPrice " + m.GasPrice.String()
	case m.TipCap != nil && m.FeeCap != nil:
		return "tip " + m.TipCap.String() + " cap " + m.FeeCap.String()
	}
	return ""
}
