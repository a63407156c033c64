package casecheck

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/trace"
)

// ErrBadSpec: the spec file cannot be read, parsed or does not make sense. The CLI
// maps it to exit code 2.
var ErrBadSpec = errors.New("bad case spec")

// Spec is one case spec file.
type Spec struct {
	Name    string      `yaml:"name,omitempty"`
	Case    string      `yaml:"case"`            // case file, relative to the spec
	Chain   string      `yaml:"chain,omitempty"` // must match the case's chain when set
	Seeds   []string    `yaml:"seeds,omitempty"` // default: the seeds the case suggests
	Policy  string      `yaml:"policy,omitempty"`
	Options SpecOptions `yaml:"options,omitempty"`
	// Labels files, relative to the spec, loaded after the built-in set (unless
	// NoBuiltinLabels) in order.
	Labels          []string `yaml:"labels,omitempty"`
	NoBuiltinLabels bool     `yaml:"no_builtin_labels,omitempty"`
	Expect          Expect   `yaml:"expect"`

	path string // where it was read from
	dir  string
}

// SpecOptions mirror `chaintrace trace` flags.
type SpecOptions struct {
	MaxHops           int      `yaml:"max_hops,omitempty"`
	MinAmount         string   `yaml:"min_amount,omitempty"` // human units: "0.1"
	FromBlock         uint64   `yaml:"from_block,omitempty"`
	ToBlock           uint64   `yaml:"to_block,omitempty"`
	AddressBudget     int      `yaml:"address_budget,omitempty"`
	MaxAddresses      int      `yaml:"max_addresses,omitempty"`
	StopAt            []string `yaml:"stop_at,omitempty"`
	Through           []string `yaml:"through,omitempty"`
	DepositRule       bool     `yaml:"deposit_rule,omitempty"`
	DepositAlpha      string   `yaml:"deposit_alpha,omitempty"` // base units of the native asset
	DepositTau        uint64   `yaml:"deposit_tau,omitempty"`
	ChangeHeuristic   bool     `yaml:"change_heuristic,omitempty"`
	CoinJoinHeuristic bool     `yaml:"coinjoin_heuristic,omitempty"`
}

// Expect is what the trace must conclude.
type Expect struct {
	Endpoints []EndpointExpect `yaml:"endpoints,omitempty"`
	Totals    map[string]Total `yaml:"totals,omitempty"` // by asset id
	// MaxUntracedShare bounds untraced/seed for every asset, a decimal fraction
	// ("0.05" = 5 %).
	MaxUntracedShare string `yaml:"max_untraced_share,omitempty"`
}

// EndpointExpect selects endpoints (every given selector must match) and bounds
// the sum of their amounts and, optionally, how many there are.
type EndpointExpect struct {
	Kind    string `yaml:"kind,omitempty"`
	Label   string `yaml:"label,omitempty"`
	Address string `yaml:"address,omitempty"`
	Asset   string `yaml:"asset,omitempty"`
	// Amount in base units: "1234" exact, "1000..2000" a closed range, ">=1000" or
	// "<=2000" one-sided.
	Amount string `yaml:"amount,omitempty"`
	Count  *int   `yaml:"count,omitempty"`
}

// Total bounds one asset's totals; amounts as in EndpointExpect.Amount.
type Total struct {
	Seed     string            `yaml:"seed,omitempty"`
	Fees     string            `yaml:"fees,omitempty"`
	Untraced string            `yaml:"untraced,omitempty"`
	ByKind   map[string]string `yaml:"by_kind,omitempty"`
}

// Load reads and checks a spec file.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadSpec, path, err)
	}
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadSpec, path, err)
	}
	s.path = path
	s.dir = filepath.Dir(path)
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadSpec, path, err)
	}
	return &s, nil
}

// Path is the spec file.
func (s *Spec) Path() string { return s.path }

// CasePath is the case file, resolved against the spec's directory.
func (s *Spec) CasePath() string { return s.rel(s.Case) }

func (s *Spec) rel(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

// LabelPaths are the label files, resolved against the spec's directory.
func (s *Spec) LabelPaths() []string {
	var out []string
	for _, l := range s.Labels {
		out = append(out, s.rel(l))
	}
	return out
}

func (s *Spec) check() error {
	if s.Case == "" {
		return errors.New(`"case" is missing: name the case file (relative to the spec)`)
	}
	if s.Policy != "" {
		if _, err := trace.ParsePolicy(s.Policy); err != nil {
			return fmt.Errorf("policy: %w", err)
		}
	}
	if s.Options.MinAmount != "" {
		if _, ok := new(big.Rat).SetString(s.Options.MinAmount); !ok {
			return fmt.Errorf("options.min_amount %q is not a decimal number", s.Options.MinAmount)
		}
	}
	if s.Options.DepositAlpha != "" {
		if _, ok := new(big.Int).SetString(s.Options.DepositAlpha, 10); !ok {
			return fmt.Errorf("options.deposit_alpha %q is not a base-unit integer", s.Options.DepositAlpha)
		}
	}
	for i, e := range s.Expect.Endpoints {
		if e.Kind == "" && e.Label == "" && e.Address == "" && e.Asset == "" {
			return fmt.Errorf("expect.endpoints[%d]: select endpoints by kind, label, address or asset", i)
		}
		if e.Amount == "" && e.Count == nil {
			return fmt.Errorf("expect.endpoints[%d]: give an amount or a count to check", i)
		}
		if e.Amount != "" {
			if _, err := ParseBound(e.Amount); err != nil {
				return fmt.Errorf("expect.endpoints[%d].amount: %w", i, err)
			}
		}
	}
	for asset, t := range s.Expect.Totals {
		for name, v := range map[string]string{"seed": t.Seed, "fees": t.Fees, "untraced": t.Untraced} {
			if v == "" {
				continue
			}
			if _, err := ParseBound(v); err != nil {
				return fmt.Errorf("expect.totals.%s.%s: %w", asset, name, err)
			}
		}
		for k, v := range t.ByKind {
			if _, err := ParseBound(v); err != nil {
				return fmt.Errorf("expect.totals.%s.by_kind.%s: %w", asset, k, err)
			}
		}
	}
	if s.Expect.MaxUntracedShare != "" {
		r, ok := new(big.Rat).SetString(s.Expect.MaxUntracedShare)
		if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
			return fmt.Errorf("expect.max_untraced_share %q: want a fraction between 0 and 1 (\"0.05\")", s.Expect.MaxUntracedShare)
		}
	}
	return nil
}

// Options builds the trace options the spec asks for (labels are set by the caller).
func (s *Spec) TraceOptions() trace.Options {
	o := trace.Options{
		MaxHops: s.Options.MaxHops, FromBlock: s.Options.FromBlock, ToBlock: s.Options.ToBlock,
		AddressBudget: s.Options.AddressBudget, MaxAddresses: s.Options.MaxAddresses,
		StopAt: s.Options.StopAt, Through: s.Options.Through,
		DepositRule: s.Options.DepositRule, DepositTau: s.Options.DepositTau,
		ChangeHeuristic: s.Options.ChangeHeuristic, CoinJoinHeuristic: s.Options.CoinJoinHeuristic,
	}
	if s.Policy != "" {
		o.Policy, _ = trace.ParsePolicy(s.Policy)
	}
	if s.Options.MinAmount != "" {
		o.MinAmount, _ = new(big.Rat).SetString(s.Options.MinAmount)
	}
	if s.Options.DepositAlpha != "" {
		o.DepositAlpha, _ = new(big.Int).SetString(s.Options.DepositAlpha, 10)
	}
	return o
}

// Bound is an amount expectation: Min ≤ x ≤ Max, either side open when nil.
type Bound struct {
	Min, Max *big.Int
}

// ParseBound reads "1234", "1000..2000", ">=1000" or "<=2000" (base units).
func ParseBound(s string) (Bound, error) {
	s = strings.TrimSpace(s)
	num := func(v string) (*big.Int, error) {
		v = strings.TrimSpace(v)
		n, ok := new(big.Int).SetString(v, 10)
		if !ok || n.Sign() < 0 {
			return nil, fmt.Errorf("%q is not a non-negative base-unit integer", v)
		}
		return n, nil
	}
	switch {
	case strings.HasPrefix(s, ">="):
		n, err := num(s[2:])
		return Bound{Min: n}, err
	case strings.HasPrefix(s, "<="):
		n, err := num(s[2:])
		return Bound{Max: n}, err
	case strings.Contains(s, ".."):
		a, b, _ := strings.Cut(s, "..")
		lo, err := num(a)
		if err != nil {
			return Bound{}, err
		}
		hi, err := num(b)
		if err != nil {
			return Bound{}, err
		}
		if lo.Cmp(hi) > 0 {
			return Bound{}, fmt.Errorf("range %q is empty", s)
		}
		return Bound{Min: lo, Max: hi}, nil
	}
	n, err := num(s)
	return Bound{Min: n, Max: n}, err
}

// Holds reports whether v is within the bound.
func (b Bound) Holds(v *big.Int) bool {
	if v == nil {
		v = new(big.Int)
	}
	return (b.Min == nil || v.Cmp(b.Min) >= 0) && (b.Max == nil || v.Cmp(b.Max) <= 0)
}
