package casecheck

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/opening"
	"github.com/chaintrace/chaintrace/trace"
)

// Trace runs the spec's trace on its case, offline, opened as `chaintrace
// trace --case` opens it and with the same options.
func Trace(ctx context.Context, s *Spec) (*graph.Result, error) {
	o := s.TraceOptions()
	o.Chain = "" // compared below, as the spec's own key
	src, err := opening.Open(ctx, &o, opening.Env{})
	if err != nil {
		return nil, fmt.Errorf("case %s (from %s): %w", s.CasePath(), s.path, err)
	}
	defer src.Close()
	if s.Chain != "" && !strings.EqualFold(s.Chain, src.Source.Info().Name) {
		return nil, fmt.Errorf("%w: %s: chain %q, but case %s is on %q", ErrBadSpec, s.path, s.Chain, s.CasePath(), src.Source.Info().Name)
	}
	seeds := o.Seeds
	if len(seeds) == 0 {
		seeds = src.Seeds
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("%w: %s: no seeds, and the case suggests none", ErrBadSpec, s.path)
	}
	topts, err := o.Trace(src.Source.Info().Native)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadSpec, s.path, err)
	}
	if topts.Labels, err = src.LoadLabels(&o); err != nil {
		return nil, fmt.Errorf("%w: %s: labels: %w", ErrBadSpec, s.path, err)
	}
	return trace.RunChains(ctx, src.Source, src.Links, seeds, topts)
}

// Failure is one expectation that does not hold.
type Failure struct {
	Where string // "expect.endpoints[0] {kind: exchange, asset: BTC}"
	Want  string
	Got   string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s\n  - want %s\n  + got  %s", f.Where, f.Want, f.Got)
}

// Evaluate compares a result with the spec's expectations.
func Evaluate(s *Spec, r *graph.Result) []Failure {
	var fs []Failure
	for i, e := range s.Expect.Endpoints {
		var sel []string
		for _, kv := range [][2]string{{"kind", e.Kind}, {"label", e.Label}, {"address", e.Address}, {"asset", e.Asset}} {
			if kv[1] != "" {
				sel = append(sel, kv[0]+": "+kv[1])
			}
		}
		where := fmt.Sprintf("expect.endpoints[%d] {%s}", i, strings.Join(sel, ", "))
		sum, n, addrs := new(big.Int), 0, []string{}
		for _, ep := range r.Endpoints {
			if matches(e, ep) {
				sum.Add(sum, ep.Amount)
				n++
				addrs = append(addrs, ep.Address)
			}
		}
		got := fmt.Sprintf("amount %s in %d endpoint(s)", sum, n)
		if n > 0 && n <= 3 {
			got += " at " + strings.Join(addrs, ", ")
		}
		if e.Count != nil && *e.Count != n {
			fs = append(fs, Failure{where, fmt.Sprintf("count %d", *e.Count), got})
			continue
		}
		if e.Amount != "" {
			b, _ := ParseBound(e.Amount)
			if n == 0 || !b.Holds(sum) {
				fs = append(fs, Failure{where, "amount " + e.Amount, got})
			}
		}
	}
	assets := make([]string, 0, len(s.Expect.Totals))
	for a := range s.Expect.Totals {
		assets = append(assets, a)
	}
	sort.Strings(assets)
	for _, a := range assets {
		want := s.Expect.Totals[a]
		got := r.Totals[a]
		if got == nil {
			fs = append(fs, Failure{"expect.totals." + a, "totals for " + a, "no taint in " + a + " (assets traced: " + strings.Join(totalAssets(r), ", ") + ")"})
			continue
		}
		check := func(name, bound string, v *big.Int) {
			if bound == "" {
				return
			}
			b, _ := ParseBound(bound)
			if !b.Holds(v) {
				fs = append(fs, Failure{"expect.totals." + a + "." + name, bound, orZero(v).String()})
			}
		}
		check("seed", want.Seed, got.Seed)
		check("fees", want.Fees, got.Fees)
		check("untraced", want.Untraced, got.Untraced)
		kinds := make([]string, 0, len(want.ByKind))
		for k := range want.ByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			check("by_kind."+k, want.ByKind[k], got.ByKind[k])
		}
	}
	if s.Expect.MaxUntracedShare != "" {
		limit, _ := new(big.Rat).SetString(s.Expect.MaxUntracedShare)
		for _, a := range totalAssets(r) {
			t := r.Totals[a]
			if t.Seed == nil || t.Seed.Sign() == 0 {
				continue
			}
			share := new(big.Rat).SetFrac(orZero(t.Untraced), t.Seed)
			if share.Cmp(limit) > 0 {
				fs = append(fs, Failure{"expect.max_untraced_share (" + a + ")", "≤ " + s.Expect.MaxUntracedShare,
					fmt.Sprintf("%s (untraced %s of seed %s)", share.FloatString(4), orZero(t.Untraced), t.Seed)})
			}
		}
	}
	return fs
}

func matches(e EndpointExpect, ep *graph.Endpoint) bool {
	return (e.Kind == "" || e.Kind == ep.Kind) &&
		(e.Label == "" || strings.EqualFold(e.Label, ep.Label) || strings.EqualFold(e.Label, ep.Exchange)) &&
		(e.Address == "" || strings.EqualFold(e.Address, ep.Address) || strings.EqualFold(e.Address, ep.Outpoint)) &&
		(e.Asset == "" || strings.EqualFold(e.Asset, ep.Asset))
}

func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}

func totalAssets(r *graph.Result) []string {
	var as []string
	for a := range r.Totals {
		as = append(as, a)
	}
	sort.Strings(as)
	return as
}

// located kinds are listed endpoint by endpoint by Update; the rest (where the
// trace lost sight of the funds) are summed per kind and asset.
var locatedKind = map[string]bool{
	graph.EndExchange: true, graph.EndExchangeDeposit: true, graph.EndMixer: true,
	graph.EndBridge: true, graph.EndService: true, graph.EndContract: true,
}

// Expectations derives exact expectations from a result (for --update), keeping
// max_untraced_share from old.
func Expectations(r *graph.Result, old Expect) Expect {
	e := Expect{Totals: map[string]Total{}, MaxUntracedShare: old.MaxUntracedShare}
	type gk struct{ kind, asset string }
	groups := map[gk]*big.Int{}
	counts := map[gk]int{}
	var order []gk
	type lk struct{ kind, addr, asset, label string }
	located := map[lk]*big.Int{}
	var lorder []lk
	for _, ep := range r.Endpoints {
		if locatedKind[ep.Kind] {
			k := lk{ep.Kind, ep.Address, ep.Asset, ep.Label}
			if located[k] == nil {
				located[k] = new(big.Int)
				lorder = append(lorder, k)
			}
			located[k].Add(located[k], ep.Amount)
			continue
		}
		k := gk{ep.Kind, ep.Asset}
		if groups[k] == nil {
			groups[k] = new(big.Int)
			order = append(order, k)
		}
		groups[k].Add(groups[k], ep.Amount)
		counts[k]++
	}
	sort.Slice(lorder, func(i, j int) bool {
		a, b := lorder[i], lorder[j]
		if a.asset != b.asset {
			return a.asset < b.asset
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.addr < b.addr
	})
	for _, k := range lorder {
		e.Endpoints = append(e.Endpoints, EndpointExpect{Kind: k.kind, Label: k.label, Address: k.addr, Asset: k.asset, Amount: located[k].String()})
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].asset != order[j].asset {
			return order[i].asset < order[j].asset
		}
		return order[i].kind < order[j].kind
	})
	for _, k := range order {
		n := counts[k]
		e.Endpoints = append(e.Endpoints, EndpointExpect{Kind: k.kind, Asset: k.asset, Amount: groups[k].String(), Count: &n})
	}
	for _, a := range totalAssets(r) {
		t := r.Totals[a]
		tot := Total{Seed: orZero(t.Seed).String(), Fees: orZero(t.Fees).String(), Untraced: orZero(t.Untraced).String(), ByKind: map[string]string{}}
		for k, v := range t.ByKind {
			if v != nil && v.Sign() != 0 {
				tot.ByKind[k] = v.String()
			}
		}
		e.Totals[a] = tot
	}
	return e
}

// Update rewrites the spec file's expect section from r, keeping everything else
// in the file (comments included) as it was.
func Update(s *Spec, r *graph.Result) error {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadSpec, s.path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%w: %s: the spec is not a YAML mapping", ErrBadSpec, s.path)
	}
	var val yaml.Node
	exp := Expectations(r, s.Expect)
	if err := val.Encode(exp); err != nil {
		return err
	}
	m := doc.Content[0]
	replaced := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "expect" {
			m.Content[i+1] = &val
			replaced = true
		}
	}
	if !replaced {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "expect"}, &val)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	enc.Close()
	s.Expect = exp
	return os.WriteFile(s.path, buf.Bytes(), 0o644)
}
