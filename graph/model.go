package graph

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/chainid"
)

// Chain families. The tracer splits taint per transaction on UTXO chains and per
// address ledger on account chains.
const (
	FamilyAccount = chainid.FamilyAccount
	FamilyUTXO    = chainid.FamilyUTXO
)

// Asset identifies what a transfer moves. ID is the key used everywhere (maps,
// JSON, sorting): the native symbol for the chain's own coin ("ETH", "BTC", "BNB")
// and the checksummed contract address for a token.
type Asset struct {
	ID       string `json:"id"`
	Symbol   string `json:"symbol"`
	Decimals uint8  `json:"decimals"`
	Contract string `json:"contract,omitempty"` // empty for the native coin
}

// Native reports whether the asset is the chain's own coin.
func (a Asset) Native() bool { return a.Contract == "" }

// TransferKind says which mechanism moved value, so an investigator can tell a
// plain payment from an internal call or a token log.
type TransferKind string

const (
	KindValue    TransferKind = "value"    // native value of a transaction (tx.value)
	KindInternal TransferKind = "internal" // native value moved by a CALL inside a transaction
	// KindSelfDestruct: a contract's SELFDESTRUCT paid its whole balance to the
	// beneficiary (an internal movement, named because no call carries it).
	KindSelfDestruct TransferKind = "selfdestruct"
	KindToken        TransferKind = "token" // ERC-20 Transfer log
	KindWrap         TransferKind = "wrap"  // WETH Deposit/Withdrawal: value changes asset
	KindFee          TransferKind = "fee"   // gas paid by From; To is empty
	KindUTXO         TransferKind = "utxo"  // one output of a UTXO transaction
	// Credits that are not transfers: no transaction moves them, so TxHash is
	// empty and From is one of the pseudo-senders below; they come after the
	// block's transactions (TxIndex = the block's transaction count, +1 for
	// withdrawals).
	KindReward     TransferKind = "reward"     // block reward / priority fees to the block's fee recipient (coinbase)
	KindWithdrawal TransferKind = "withdrawal" // beacon-chain withdrawal (post-Shanghai blocks' withdrawals list)
)

// Pseudo-senders of non-transfer credits.
const (
	FromBlockReward       = "block-reward"
	FromBeaconWithdrawals = "beacon-withdrawals"
)

// Transfer is one movement of one asset from one address to another inside one
// transaction, as an account-chain adapter reports it. Fee transfers have an empty To.
//
// The triple (Block, TxIndex, Seq) orders every transfer of a chain totally; Seq is
// assigned by the adapter inside a transaction (fee first, then the transaction's
// own value, then internal calls in execution order, then logs by log index) so
// that funds received earlier in a transaction can be spent later in it.
type Transfer struct {
	Chain     string       `json:"chain"`
	Asset     Asset        `json:"asset"`
	Kind      TransferKind `json:"kind"`
	TxHash    string       `json:"tx"`
	TxIndex   int          `json:"tx_index"`
	Seq       int          `json:"seq"`
	Position  string       `json:"position"` // human form of the place in the tx: "value", "log 3", "call 0.1", "fee"
	Block     uint64       `json:"block"`
	BlockHash string       `json:"block_hash"`
	Time      int64        `json:"time"` // block time, Unix seconds UTC
	From      string       `json:"from"`
	To        string       `json:"to"`
	Amount    *big.Int     `json:"amount"`
	// SrcAsset is set on KindWrap transfers only: the asset debited from From, while
	// Asset is credited to To (WETH Deposit: ETH → WETH on the same holder). The
	// adapter drops the matching native transfer to the WETH contract so value is
	// not counted twice.
	SrcAsset *Asset `json:"src_asset,omitempty"`
}

// Key identifies a transfer uniquely within a chain.
func (t *Transfer) Key() TransferKey {
	return TransferKey{Block: t.Block, TxIndex: t.TxIndex, Seq: t.Seq, TxHash: t.TxHash}
}

// TransferKey orders transfers in chain order.
type TransferKey struct {
	Block   uint64
	TxIndex int
	Seq     int
	TxHash  string
}

// Less orders keys by block, transaction index, sequence, then hash.
func (k TransferKey) Less(o TransferKey) bool {
	if k.Block != o.Block {
		return k.Block < o.Block
	}
	if k.TxIndex != o.TxIndex {
		return k.TxIndex < o.TxIndex
	}
	if k.Seq != o.Seq {
		return k.Seq < o.Seq
	}
	return k.TxHash < o.TxHash
}

// Outpoint names one output of a UTXO transaction.
type Outpoint struct {
	TxID string `json:"txid"`
	Vout uint32 `json:"vout"`
}

func (o Outpoint) String() string { return o.TxID + ":" + strconv.FormatUint(uint64(o.Vout), 10) }

// ParseOutpoint parses "txid:vout".
func ParseOutpoint(s string) (Outpoint, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return Outpoint{}, fmt.Errorf("outpoint %q: want txid:vout", s)
	}
	var n uint32
	if _, err := fmt.Sscanf(s[i+1:], "%d", &n); err != nil || fmt.Sprint(n) != s[i+1:] {
		return Outpoint{}, fmt.Errorf("outpoint %q: vout %q is not a non-negative integer", s, s[i+1:])
	}
	return Outpoint{TxID: strings.ToLower(s[:i]), Vout: n}, nil
}

// TxIn is one input of a UTXO transaction with the output it spends.
type TxIn struct {
	Prev    Outpoint `json:"prev"`
	Address string   `json:"address"` // address of the spent output; "" when it has none
	Value   *big.Int `json:"value"`
}

// TxOut is one output of a UTXO transaction.
type TxOut struct {
	Index      uint32   `json:"index"`
	Address    string   `json:"address"` // "" for OP_RETURN and non-standard scripts
	Value      *big.Int `json:"value"`
	ScriptType string   `json:"script_type"` // p2pkh, p2sh, p2wpkh, p2wsh, p2tr, p2pk, multisig, op_return, nonstandard
	// Data is an OP_RETURN output's pushed data (hex), which carries THORChain-style
	// memos; empty for every other output.
	Data string `json:"data,omitempty"`
}

// OpReturn reports whether the output is provably unspendable; it carries no taint.
func (o TxOut) OpReturn() bool { return o.ScriptType == "op_return" }

// UTXOTx is a whole UTXO transaction: the tracer needs every input and output to
// split taint. Block is 0 and BlockHash empty for a transaction still in the mempool.
type UTXOTx struct {
	Chain     string  `json:"chain"`
	TxID      string  `json:"txid"`
	Block     uint64  `json:"block"`
	BlockHash string  `json:"block_hash"`
	Time      int64   `json:"time"`
	Coinbase  bool    `json:"coinbase,omitempty"`
	Inputs    []TxIn  `json:"inputs"`
	Outputs   []TxOut `json:"outputs"`
}

// Fee is Σinputs − Σoutputs (zero for a coinbase).
func (tx *UTXOTx) Fee() *big.Int {
	if tx.Coinbase {
		return new(big.Int)
	}
	f := new(big.Int)
	for _, in := range tx.Inputs {
		f.Add(f, in.Value)
	}
	for _, out := range tx.Outputs {
		f.Sub(f, out.Value)
	}
	return f
}

// Confirmed reports whether the transaction is in a block.
func (tx *UTXOTx) Confirmed() bool { return tx.BlockHash != "" }
