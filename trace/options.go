package trace

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/graph"
)

// ErrBudget is what a BudgetError is: a budget the caller set ran out.
var ErrBudget = errors.New("budget exhausted")

// BudgetError is the cause (context.WithCancelCause, context.WithTimeoutCause)
// with which a caller ends a trace's context when one of its budgets runs out.
// Run then stops cleanly: what it reached is reported as usual, every holder it
// had not finished following becomes an endpoint of kind budget (graph.EndBudget:
// the untraced remainder), and Result.Budget names the budget.
type BudgetError struct {
	Kind  string // "requests" or "time"
	Limit string // as given: "40", "30s"
	Flag  string // the option that set it, for messages ("--max-requests")
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("%s %s reached", e.Flag, e.Limit)
}

// Is makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// budgetOf is the budget that ended ctx, nil when none did.
func budgetOf(ctx context.Context) *BudgetError {
	var be *BudgetError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &be) {
		return be
	}
	return nil
}

// stopKind is the kind of endpoint a holder left unfollowed because the trace
// stopped early becomes: budget when a budget ended ctx, incomplete otherwise.
func stopKind(ctx context.Context) string {
	if budgetOf(ctx) != nil {
		return graph.EndBudget
	}
	return graph.EndIncomplete
}

// Policy names a taint-splitting rule (../shared/TRACING.md).
type Policy string

// The policies.
const (
	Poison  Policy = "poison"
	Haircut Policy = "haircut"
	FIFO    Policy = "fifo"
	LIFO    Policy = "lifo"
	TIHO    Policy = "tiho"
)

// Policies lists every policy, default first.
var Policies = []Policy{Haircut, Poison, FIFO, LIFO, TIHO}

// ParsePolicy accepts a policy name, case-insensitively.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range Policies {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: unknown policy %q (want one of poison, haircut, fifo, lifo, tiho)", ErrBadInput, s)
}

// Stop categories for Options.StopAt: label categories plus "deposit" for
// addresses the deposit rule attributes to an exchange.
const StopDeposit = "deposit"

// DefaultStopAt is what ends a trace unless --stop-at says otherwise.
var DefaultStopAt = []string{CatExchange, StopDeposit, CatMixer, CatBridge}

// Options steer a trace. The zero value is completed by Defaults.
type Options struct {
	Policy  Policy
	MaxHops int // hops to follow; seed outputs are hop 1
	// MinAmount is in human units of each asset (0.1 = 0.1 ETH, 0.1 BTC, 0.1 USDT);
	// a flow carrying less taint is not followed (below-threshold). nil: no minimum.
	MinAmount *big.Rat
	FromBlock uint64 // address seeds: taint starts at this block (0: the genesis allocation counts)
	// FromTime, when set, replaces FromBlock with the first block at or after it
	// (the source must implement BlockTimer).
	FromTime time.Time
	// SeedAssets, on account chains, limits what an address seed counts as
	// stolen to these asset ids (its other assets are the holder's own, as
	// any holder's are); nil: every asset it holds or receives. A watch
	// tracing one watched (address, asset) onward sets it.
	SeedAssets []string
	ToBlock    uint64 // 0: the tip
	// AddressBudget: an unlabelled address with more transfers than this in the
	// traced range is an endpoint of kind high-activity (probably a service).
	AddressBudget int
	// MaxAddresses bounds how many holders the tracer follows in all.
	MaxAddresses int
	StopAt       []string // label categories (and "deposit") that end a trace
	Through      []string // addresses or label names to follow through despite StopAt
	Labels       Labels

	// Deposit rule (../shared/TRACING.md, Victor FC 2020). DepositAlpha is in base
	// units of the native asset; DepositTau in blocks.
	DepositRule  bool
	DepositAlpha *big.Int
	DepositTau   uint64

	// NoSwaps turns the swap rule off (swap.go): a DEX pool or router that takes
	// the taint is then an endpoint or a holder like any other address.
	NoSwaps bool

	// Crossing steers cross-chain continuation (crossing.go, RunChains).
	Crossing CrossOptions

	// UTXO heuristics, each reported by name on the edges it marks.
	ChangeHeuristic   bool
	CoinJoinHeuristic bool

	// Concurrency bounds how many independent source requests (spender lookups,
	// histories of a holder's recipients) run at once; values below 2 run them one
	// by one. A source used with Concurrency > 1 must be safe for concurrent use.
	Concurrency int

	// Progress, when set, is called as the trace advances (for a terminal display).
	Progress func(Progress)
}

// Progress is a snapshot of a running trace.
type Progress struct {
	Addresses int // holders followed so far
	Transfers int // transfers examined
	Hop       int // deepest hop reached
}

// Defaults fills unset options with their documented defaults.
func (o *Options) Defaults() {
	if o.Policy == "" {
		o.Policy = Haircut
	}
	if o.MaxHops == 0 {
		o.MaxHops = 5
	}
	if o.AddressBudget == 0 {
		o.AddressBudget = 1000
	}
	if o.MaxAddresses == 0 {
		o.MaxAddresses = 10000
	}
	if o.StopAt == nil {
		o.StopAt = DefaultStopAt
	}
	if o.Labels == nil {
		o.Labels = NoLabels{}
	}
	if o.DepositAlpha == nil {
		o.DepositAlpha = big.NewInt(1e16) // 0.01 ETH, the published default
	}
	if o.DepositTau == 0 {
		o.DepositTau = 3200
	}
}
