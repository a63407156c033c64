package casecheck

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/opening"
)

// ErrBadSpec: the spec file cannot be read, parsed or does not make sense. The CLI
// maps it to exit code 2.
var ErrBadSpec = errors.New("bad case spec")

// Spec is one case spec file.
type Spec struct {
	Name   string   `yaml:"name,omitempty"`
	Case   string   `yaml:"case"`            // case file, relative to the spec
	Chain  string   `yaml:"chain,omitempty"` // must match the case's chain when set
	Seeds  []string `yaml:"seeds,omitempty"` // default: the seeds the case suggests
	Policy string   `yaml:"policy,omitempty"`
	// Options are `chaintrace trace` flags by name with the values the flags
	// take (human units, the same defaults): hops: 6, deposit-alpha: "0.01",
	// stop-at: [exchange, deposit]. internal/opening reads them.
	Options yaml.Node `yaml:"options,omitempty"`
	// Labels files, relative to the spec, loaded after the built-in set (unless
	// NoBuiltinLabels) in order.
	Labels          []string `yaml:"labels,omitempty"`
	NoBuiltinLabels bool     `yaml:"no_builtin_labels,omitempty"`
	Expect          Expect   `yaml:"expect"`

	path string // where it was read from
	dir  string
	opts opening.Options // the resolved options (Defaults, then the spec's)
}

// Expect is what the trace must conclude.
type Expect struct {
	Endpoints []EndpointExpect `yaml:"endpoints,omitempty"`
	Totals    map[string]Total `yaml:"totals,omitempty"` // by asset id
	// MaxUntracedShare bounds untraced/seed for every asset, a decimal fraction
	// ("0.05" = 5 %).
	MaxUntracedShare string `yaml:"max_untraced_share,omitempty"`
	// Crossings bounds the cross-chain crossings of a multi-chain case.
	Crossings []CrossingExpect `yaml:"crossings,omitempty"`
}

// CrossingExpect selects crossings (every given selector must match; hashes
// and chains case-insensitively) and bounds how many there are and the sums of
// their payouts and of the taint those carried (base units of the destination
// asset, as in EndpointExpect.Amount). With neither count nor a bound, at
// least one crossing must match.
type CrossingExpect struct {
	Rule      string `yaml:"rule,omitempty"`
	Status    string `yaml:"status,omitempty"`
	FromChain string `yaml:"from_chain,omitempty"`
	ToChain   string `yaml:"to_chain,omitempty"`
	InTx      string `yaml:"in_tx,omitempty"`
	OutTx     string `yaml:"out_tx,omitempty"`
	OutAmount string `yaml:"out_amount,omitempty"`
	OutTaint  string `yaml:"out_taint,omitempty"`
	Count     *int   `yaml:"count,omitempty"`
}

// EndpointExpect selects endpoints (every given selector must match) and bounds
// the sum of their amounts and, optionally, how many there are.
type EndpointExpect struct {
	// Chain selects endpoints of one chain of a multi-chain case.
	Chain   string `yaml:"chain,omitempty"`
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
	// Multi-chain cases: taint that left this chain's asset over a crossing,
	// and that arrived over one.
	CrossedOut string `yaml:"crossed_out,omitempty"`
	CrossedIn  string `yaml:"crossed_in,omitempty"`
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
		return nil, fmt.Errorf("%w: %s: %s", ErrBadSpec, path, plainYAML(err))
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

// specKeys are the keys each part of a spec takes, for messages.
var specKeys = map[string]string{
	"casecheck.Spec":           "name, case, chain, seeds, policy, options, labels, no_builtin_labels, expect",
	"casecheck.Expect":         "endpoints, totals, max_untraced_share",
	"casecheck.EndpointExpect": "kind, label, address, asset, amount, count",
	"casecheck.Total":          "seed, fees, untraced, by_kind",
}

var (
	unknownField = regexp.MustCompile(`field (\S+) not found in type ([\w.]+)`)
	badValue     = regexp.MustCompile("cannot unmarshal !!(\\w+) `([^`]*)` into ([\\w.\\[\\]*]+)")
)

// plainYAML rewords the YAML decoder's errors without Go type names: an
// unknown key is named with the keys that part of the spec takes.
func plainYAML(err error) string {
	msg := unknownField.ReplaceAllStringFunc(err.Error(), func(m string) string {
		p := unknownField.FindStringSubmatch(m)
		if keys, ok := specKeys[p[2]]; ok {
			return fmt.Sprintf("unknown key %q (keys here: %s)", p[1], keys)
		}
		return fmt.Sprintf("unknown key %q", p[1])
	})
	msg = badValue.ReplaceAllStringFunc(msg, func(m string) string {
		p := badValue.FindStringSubmatch(m)
		want := "a value of another kind"
		switch t := p[3]; {
		case strings.HasPrefix(t, "[]"):
			want = "a list"
		case strings.HasPrefix(t, "map") || strings.HasPrefix(t, "casecheck."):
			want = "a mapping (key: value)"
		case t == "int" || t == "*int" || t == "uint64":
			want = "a whole number"
		case t == "bool":
			want = "true or false"
		case t == "string":
			want = "a plain value"
		}
		return fmt.Sprintf("%q is not %s", p[2], want)
	})
	return strings.Replace(msg, "yaml: unmarshal errors:\n  ", "", 1)
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
	s.opts = opening.Defaults()
	if err := s.opts.ApplySpec(&s.Options); err != nil {
		return err
	}
	if s.Policy != "" {
		if s.opts.Policy != opening.Defaults().Policy {
			return errors.New(`"policy" and "options.policy" are both given: keep one`)
		}
		s.opts.Policy = s.Policy
	}
	s.opts.Case = s.CasePath()
	s.opts.Chain = s.Chain
	s.opts.Seeds = s.Seeds
	s.opts.Labels = s.LabelPaths()
	s.opts.NoBuiltinLabels = s.NoBuiltinLabels
	s.opts.NoCache = true
	if err := s.opts.Check(); err != nil {
		return err
	}
	for i, e := range s.Expect.Endpoints {
		if e.Kind != "" && !slices.Contains(graph.EndpointKinds, e.Kind) {
			return fmt.Errorf("expect.endpoints[%d].kind %q is not an endpoint kind (want one of %s)", i, e.Kind, strings.Join(graph.EndpointKinds, ", "))
		}
		if e.Kind == "" && e.Label == "" && e.Address == "" && e.Asset == "" && e.Chain == "" {
			return fmt.Errorf("expect.endpoints[%d]: select endpoints by chain, kind, label, address or asset", i)
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
		for name, v := range map[string]string{"seed": t.Seed, "fees": t.Fees, "untraced": t.Untraced, "crossed_out": t.CrossedOut, "crossed_in": t.CrossedIn} {
			if v == "" {
				continue
			}
			if _, err := ParseBound(v); err != nil {
				return fmt.Errorf("expect.totals.%s.%s: %w", asset, name, err)
			}
		}
		for k, v := range t.ByKind {
			if !slices.Contains(graph.EndpointKinds, k) {
				return fmt.Errorf("expect.totals.%s.by_kind.%s: %q is not an endpoint kind (want one of %s)", asset, k, k, strings.Join(graph.EndpointKinds, ", "))
			}
			if _, err := ParseBound(v); err != nil {
				return fmt.Errorf("expect.totals.%s.by_kind.%s: %w", asset, k, err)
			}
		}
	}
	for i, c := range s.Expect.Crossings {
		if c.Rule == "" && c.Status == "" && c.FromChain == "" && c.ToChain == "" && c.InTx == "" && c.OutTx == "" {
			return fmt.Errorf("expect.crossings[%d]: select crossings by rule, status, from_chain, to_chain, in_tx or out_tx", i)
		}
		for name, v := range map[string]string{"out_amount": c.OutAmount, "out_taint": c.OutTaint} {
			if v == "" {
				continue
			}
			if _, err := ParseBound(v); err != nil {
				return fmt.Errorf("expect.crossings[%d].%s: %w", i, name, err)
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

// TraceOptions are the spec's options resolved: opening.Defaults(), then
// what the spec sets, its case, seeds and labels resolved against the spec.
func (s *Spec) TraceOptions() opening.Options { return s.opts }

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
