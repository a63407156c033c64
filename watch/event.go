package watch

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// Event kinds.
const (
	Moved           = "moved"
	ReachedExchange = "reached-exchange"
	ReachedMixer    = "reached-mixer"
	ReachedBridge   = "reached-bridge"
	NewHolding      = "new-holding"
	Retracted       = "retracted"
)

// Event is one thing that happened to watched funds. Amounts are decimal
// strings of base units (satoshi, wei): exact, never floats.
type Event struct {
	Seq       int64    `json:"seq"`
	Kind      string   `json:"event"`
	Chain     string   `json:"chain"`
	Tx        string   `json:"tx"`
	Block     uint64   `json:"block"`
	BlockHash string   `json:"block_hash,omitempty"`
	Time      int64    `json:"time"`
	From      string   `json:"from"`
	To        []string `json:"to"`
	Asset     string   `json:"asset"`
	Amount    string   `json:"amount"` // tainted amount, base units
	Decimals  uint8    `json:"decimals"`
	Symbol    string   `json:"symbol"`
	Holding   string   `json:"holding"`            // the watched holding this came from
	Endpoint  string   `json:"endpoint,omitempty"` // the endpoint kind the funds reached (new-holding, reached-*)
	At        string   `json:"at,omitempty"`       // the output (watched holdings) or address the funds are at now
	Outpoint  string   `json:"outpoint,omitempty"` // UTXO chains: the output that holds them
	Label     string   `json:"label,omitempty"`
	Category  string   `json:"category,omitempty"`
	Exchange  string   `json:"exchange,omitempty"` // the exchange or entity to ask for a freeze
	Path      []string `json:"path"`               // from the seed
	// Retracts is set on retracted events: the seq of the event a reorg removed.
	Retracts int64 `json:"retracts,omitempty"`
	// ID identifies the event across restarts (kind, holding, tx, destination).
	ID string `json:"id"`
}

// Line is the event for a person: one line, human amount beside base units.
func (e *Event) Line() string {
	amt := new(big.Int)
	amt.SetString(e.Amount, 10)
	h := graph.FormatUnits(amt, e.Decimals) + " " + e.Symbol
	switch e.Kind {
	case Retracted:
		return fmt.Sprintf("RETRACTED  event %d (%s %s in block %d): block %d is no longer in the chain", e.Retracts, h, short(e.Tx), e.Block, e.Block)
	case Moved:
		return fmt.Sprintf("MOVED      block %d  %s (%s base units) from %s in tx %s to %s", e.Block, h, e.Amount, e.Holding, e.Tx, strings.Join(e.To, ", "))
	case ReachedExchange, ReachedMixer, ReachedBridge:
		who := e.Exchange
		if who == "" {
			who = e.Label
		}
		return fmt.Sprintf("%-10s block %d  %s (%s base units) reached %s %s (%s) in tx %s from %s", strings.ToUpper(strings.TrimPrefix(e.Kind, "reached-")), e.Block, h, e.Amount, e.Endpoint, e.At, who, e.Tx, e.From)
	default:
		return fmt.Sprintf("HOLDING    block %d  %s (%s base units) now at %s (%s) via tx %s", e.Block, h, e.Amount, e.At, e.Endpoint, e.Tx)
	}
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
