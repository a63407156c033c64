package graph

import (
	"math/big"
	"sort"
)

// Mixer candidate heuristics (docs/mixers.md has each one's source and its
// false positives).
const (
	HeurAddressMatch  = "address-match"
	HeurLinkedAddress = "linked-address"
	HeurUniqueGas     = "unique-gas-price"
	HeurMultiDenom    = "multi-denomination"
	HeurTiming        = "timing"
	HeurRelayer       = "relayer"
)

// Heuristics lists the candidate heuristics in report order.
var Heuristics = []string{HeurAddressMatch, HeurLinkedAddress, HeurUniqueGas, HeurMultiDenom, HeurTiming, HeurRelayer}

// Candidate is a lead past a mixer: a withdrawal from the pool a tainted deposit
// went into that published heuristics link to that deposit. It is never traced
// taint: no total counts it.
type Candidate struct {
	Pool         string   `json:"pool"`
	PoolLabel    string   `json:"pool_label"`
	Asset        string   `json:"asset"`
	Denomination *big.Int `json:"denomination"`

	DepositTx    string `json:"deposit_tx"`
	DepositBlock uint64 `json:"deposit_block"`
	DepositTime  int64  `json:"deposit_time"`
	Depositor    string `json:"depositor"` // sender of the deposit transaction
	Commitment   string `json:"commitment"`

	WithdrawalTx    string   `json:"withdrawal_tx"`
	WithdrawalBlock uint64   `json:"withdrawal_block"`
	Recipient       string   `json:"recipient"`
	Relayer         string   `json:"relayer"` // "" when none (the zero address)
	Fee             *big.Int `json:"fee"`
	Sender          string   `json:"sender"` // who submitted the withdrawal transaction
	Nullifier       string   `json:"nullifier_hash"`

	Heuristics []string `json:"heuristics"` // in Heuristics order
	Evidence   []string `json:"evidence"`   // one line per heuristic, same order
	Score      int      `json:"score"`      // 0–100
}

// MixerPool is one pool the candidate search examined.
type MixerPool struct {
	Address      string   `json:"address"`
	Label        string   `json:"label"`
	Asset        string   `json:"asset"`
	Denomination *big.Int `json:"denomination"`
	Deposits     int      `json:"tainted_deposits"` // deposits of the trace into it
	FromBlock    uint64   `json:"from_block"`       // the event window fetched
	ToBlock      uint64   `json:"to_block"`
	Events       int      `json:"events"` // Deposit + Withdrawal events in the window
}

// Demix is the outcome of the candidate search, when it ran.
type Demix struct {
	Window     uint64       `json:"window"`    // blocks after a deposit searched for withdrawals
	MinScore   int          `json:"min_score"` // --follow-candidates (0: not followed)
	Pools      []MixerPool  `json:"pools"`
	Candidates []*Candidate `json:"candidates"`
	Notes      []string     `json:"notes"`
	// Followed is the onward trace from candidates scoring at least MinScore, a
	// separate result with its own totals (nil when not asked for).
	Followed *Result `json:"-"`
}

// SortCandidates orders candidates highest score first, then by deposit and
// withdrawal position in the chain: the order every exporter uses.
func (d *Demix) SortCandidates() {
	sort.SliceStable(d.Candidates, func(i, j int) bool { return CandidateLess(d.Candidates[i], d.Candidates[j]) })
	sort.Slice(d.Pools, func(i, j int) bool { return d.Pools[i].Address < d.Pools[j].Address })
}

// CandidateLess is the candidates' order in every output: highest score first,
// then chain order of deposit and withdrawal.
func CandidateLess(a, b *Candidate) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	if a.DepositBlock != b.DepositBlock {
		return a.DepositBlock < b.DepositBlock
	}
	if a.DepositTx != b.DepositTx {
		return a.DepositTx < b.DepositTx
	}
	if a.WithdrawalBlock != b.WithdrawalBlock {
		return a.WithdrawalBlock < b.WithdrawalBlock
	}
	return a.WithdrawalTx < b.WithdrawalTx
}
