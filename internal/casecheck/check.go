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
		for _, kv := range [][2]string{{"chain", e.Chain}, {"kind", e.Kind}, {"label", e.Label}, {"address", e.Address}, {"asset", e.Asset}} {
			if kv[1] != "" {
				sel = append(sel, kv[0]+": "+kv[1])
			}
		}
		where := fmt.Sprintf("expect.endpoints[%d] {%s}", i, strings.Join(sel, ", "))
		sum, n, addrs := new(big.Int), 0, []string{}
		asset := e.Asset
		for _, ep := range r.Endpoints {
			if matches(e, ep) {
				sum.Add(sum, ep.Amount)
				n++
				addrs = append(addrs, ep.Address)
				if e.Asset == "" && n == 1 {
					asset = ep.Asset
				} else if e.Asset == "" && asset != ep.Asset {
					asset = "" // several assets: no one unit
				}
			}
		}
		got := fmt.Sprintf("amount %s%s in %d endpoint(s)", sum, human(r, asset, sum), n)
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
				fs = append(fs, Failure{where, "amount " + e.Amount + humanBound(r, asset, b), got})
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
				fs = append(fs, Failure{"expect.totals." + a + "." + name, bound + humanBound(r, a, b), orZero(v).String() + human(r, a, orZero(v))})
			}
		}
		check("seed", want.Seed, got.Seed)
		check("fees", want.Fees, got.Fees)
		check("untraced", want.Untraced, got.Untraced)
		check("crossed_out", want.CrossedOut, got.CrossedOut)
		check("crossed_in", want.CrossedIn, got.CrossedIn)
		kinds := make([]string, 0, len(want.ByKind))
		for k := range want.ByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			check("by_kind."+k, want.ByKind[k], got.ByKind[k])
		}
	}
	fs = append(fs, evaluateCrossings(s, r)...)
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

// human is v in the asset's human units, " (1.5 ETH)", beside the base units
// a spec is written in; "" when the result does not describe the asset.
func human(r *graph.Result, asset string, v *big.Int) string {
	a, ok := r.Assets[asset]
	if asset == "" || !ok || a.Decimals == 0 {
		return ""
	}
	sym := a.Symbol
	if sym == "" {
		sym = asset
	}
	return " (" + graph.FormatUnits(v, a.Decimals) + " " + sym + ")"
}

func humanBound(r *graph.Result, asset string, b Bound) string {
	h := func(v *big.Int) string {
		s := human(r, asset, v)
		return strings.TrimSuffix(strings.TrimPrefix(s, " ("), ")")
	}
	if human(r, asset, new(big.Int)) == "" {
		return ""
	}
	switch {
	case b.Min != nil && b.Max != nil && b.Min.Cmp(b.Max) == 0:
		return " (" + h(b.Min) + ")"
	case b.Min != nil && b.Max != nil:
		lo := h(b.Min)
		return " (" + lo[:strings.LastIndexByte(lo, ' ')] + ".." + h(b.Max) + ")"
	case b.Min != nil:
		return " (≥ " + h(b.Min) + ")"
	case b.Max != nil:
		return " (≤ " + h(b.Max) + ")"
	}
	return ""
}

func matches(e EndpointExpect, ep *graph.Endpoint) bool {
	return (e.Chain == "" || strings.EqualFold(e.Chain, ep.Chain)) &&
		(e.Kind == "" || e.Kind == ep.Kind) &&
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
	e := Expect{Totals: map[string]Total{}, MaxUntracedShare: old.MaxUntracedShare, Crossings: crossingExpectations(r)}
	type gk struct{ kind, asset string }
	groups := map[gk]*big.Int{}
	counts := map[gk]int{}
	var order []gk
	type lk struct{ chain, kind, addr, asset, label string }
	located := map[lk]*big.Int{}
	var lorder []lk
	for _, ep := range r.Endpoints {
		if locatedKind[ep.Kind] {
			k := lk{ep.Chain, ep.Kind, ep.Address, ep.Asset, ep.Label}
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
		e.Endpoints = append(e.Endpoints, EndpointExpect{Chain: k.chain, Kind: k.kind, Label: k.label, Address: k.addr, Asset: k.asset, Amount: located[k].String()})
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
		if t.CrossedOut != nil && t.CrossedOut.Sign() != 0 {
			tot.CrossedOut = t.CrossedOut.String()
		}
		if t.CrossedIn != nil && t.CrossedIn.Sign() != 0 {
			tot.CrossedIn = t.CrossedIn.String()
		}
		for k, v := range t.ByKind {
			if v != nil && v.Sign() != 0 {
				tot.ByKind[k] = v.String()
			}
		}
		e.Totals[a] = tot
	}
	return e
}

// Update rewrites the spec file's expectations from r in place, keeping
// everything else in the file — the order of the expectations, comments, and
// bounds that still hold (a deliberate range stays a range): an amount, count
// or total that no longer holds is set to the exact current value, an
// expectation that now selects nothing is dropped, and endpoints and assets no
// expectation covers are appended. A spec without expectations gets them all.
func Update(s *Spec, r *graph.Result) error {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%w: %s: %s", ErrBadSpec, s.path, plainYAML(err))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%w: %s: the spec is not a YAML mapping", ErrBadSpec, s.path)
	}
	m := doc.Content[0]
	gen := Expectations(r, s.Expect)
	exp := mapGet(m, "expect")
	if exp == nil || exp.Kind != yaml.MappingNode || len(exp.Content) == 0 {
		var val yaml.Node
		if err := val.Encode(gen); err != nil {
			return err
		}
		if exp != nil {
			*exp = val
		} else {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "expect"}, &val)
		}
	} else if err := updateExpect(exp, s.Expect, gen, r); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	enc.Close()
	if err := os.WriteFile(s.path, buf.Bytes(), 0o644); err != nil {
		return err
	}
	ns, err := Load(s.path)
	if err != nil {
		return err
	}
	s.Expect = ns.Expect
	return nil
}

func updateExpect(exp *yaml.Node, old, gen Expect, r *graph.Result) error {
	covered := map[int]bool{}
	if eps := mapGet(exp, "endpoints"); eps != nil && eps.Kind == yaml.SequenceNode && len(eps.Content) == len(old.Endpoints) {
		var keep []*yaml.Node
		for i, e := range old.Endpoints {
			node := eps.Content[i]
			sum, n, idx := selectEndpoints(e, r)
			if n == 0 {
				continue // selects nothing now: an amount or count would never hold
			}
			for _, j := range idx {
				covered[j] = true
			}
			if e.Amount != "" {
				if b, _ := ParseBound(e.Amount); !b.Holds(sum) {
					setScalar(node, "amount", sum.String())
				}
			}
			if e.Count != nil && *e.Count != n {
				setScalar(node, "count", fmt.Sprint(n))
				mapGet(node, "count").Style = 0
			}
			keep = append(keep, node)
		}
		eps.Content = keep
		for _, g := range gen.Endpoints {
			_, _, idx := selectEndpoints(g, r)
			newOne := false
			for _, j := range idx {
				newOne = newOne || !covered[j]
			}
			if !newOne {
				continue
			}
			for _, j := range idx {
				covered[j] = true
			}
			var n yaml.Node
			if err := n.Encode(g); err != nil {
				return err
			}
			eps.Content = append(eps.Content, &n)
		}
	}
	if tots := mapGet(exp, "totals"); tots != nil && tots.Kind == yaml.MappingNode {
		for _, a := range totalAssets(r) {
			g := gen.Totals[a]
			t := mapGet(tots, a)
			if t == nil {
				var n yaml.Node
				if err := n.Encode(g); err != nil {
					return err
				}
				tots.Content = append(tots.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: a}, &n)
				continue
			}
			have := old.Totals[a]
			for _, f := range []struct{ key, bound, now string }{{"seed", have.Seed, g.Seed}, {"fees", have.Fees, g.Fees}, {"untraced", have.Untraced, g.Untraced}} {
				if f.bound == "" {
					continue
				}
				v, _ := new(big.Int).SetString(f.now, 10)
				if b, _ := ParseBound(f.bound); !b.Holds(v) {
					setScalar(t, f.key, f.now)
				}
			}
			bk := mapGet(t, "by_kind")
			if bk == nil || bk.Kind != yaml.MappingNode {
				continue
			}
			for _, k := range sortedKeys(have.ByKind) {
				now := g.ByKind[k]
				if now == "" {
					now = "0"
				}
				v, _ := new(big.Int).SetString(now, 10)
				if b, _ := ParseBound(have.ByKind[k]); !b.Holds(v) {
					setScalar(bk, k, now)
				}
			}
			for _, k := range sortedKeys(g.ByKind) {
				if _, ok := have.ByKind[k]; !ok {
					bk.Content = append(bk.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k},
						&yaml.Node{Kind: yaml.ScalarNode, Value: g.ByKind[k], Style: yaml.DoubleQuotedStyle})
				}
			}
		}
	}
	return nil
}

func selectEndpoints(e EndpointExpect, r *graph.Result) (*big.Int, int, []int) {
	sum, idx := new(big.Int), []int(nil)
	for i, ep := range r.Endpoints {
		if matches(e, ep) {
			sum.Add(sum, ep.Amount)
			idx = append(idx, i)
		}
	}
	return sum, len(idx), idx
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setScalar sets key's value in mapping m, keeping the node (and its comments).
func setScalar(m *yaml.Node, key, v string) {
	if n := mapGet(m, key); n != nil {
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "", v, yaml.DoubleQuotedStyle
		n.Content = nil
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Value: v, Style: yaml.DoubleQuotedStyle})
}

func crossingMatches(e CrossingExpect, c *graph.Crossing) bool {
	return (e.Rule == "" || e.Rule == c.Rule) && (e.Status == "" || e.Status == c.Status) &&
		(e.FromChain == "" || strings.EqualFold(e.FromChain, c.FromChain)) &&
		(e.ToChain == "" || strings.EqualFold(e.ToChain, c.ToChain)) &&
		(e.InTx == "" || strings.EqualFold(e.InTx, c.InTx)) &&
		(e.OutTx == "" || strings.EqualFold(e.OutTx, c.OutTx))
}

func evaluateCrossings(s *Spec, r *graph.Result) []Failure {
	var fs []Failure
	for i, e := range s.Expect.Crossings {
		var sel []string
		for _, kv := range [][2]string{{"rule", e.Rule}, {"status", e.Status}, {"from_chain", e.FromChain}, {"to_chain", e.ToChain}, {"in_tx", e.InTx}, {"out_tx", e.OutTx}} {
			if kv[1] != "" {
				sel = append(sel, kv[0]+": "+kv[1])
			}
		}
		where := fmt.Sprintf("expect.crossings[%d] {%s}", i, strings.Join(sel, ", "))
		out, taint, n := new(big.Int), new(big.Int), 0
		var seen []string
		for _, c := range r.Crossings {
			if !crossingMatches(e, c) {
				continue
			}
			n++
			out.Add(out, orZero(c.OutAmount))
			taint.Add(taint, orZero(c.OutTaint))
			seen = append(seen, fmt.Sprintf("%s %s %s→%s in %s out %s", c.Rule, c.Status, c.FromChain, c.ToChain, c.InTx, c.OutTx))
		}
		got := fmt.Sprintf("%d crossing(s), payout %s, taint %s", n, out, taint)
		if n > 0 && n <= 3 {
			got += ": " + strings.Join(seen, "; ")
		}
		switch {
		case e.Count != nil && *e.Count != n:
			fs = append(fs, Failure{where, fmt.Sprintf("count %d", *e.Count), got})
			continue
		case e.Count == nil && n == 0:
			fs = append(fs, Failure{where, "at least one crossing", got})
			continue
		}
		for _, c := range [][3]string{{"out_amount", e.OutAmount, out.String()}, {"out_taint", e.OutTaint, taint.String()}} {
			if c[1] == "" {
				continue
			}
			b, _ := ParseBound(c[1])
			v, _ := new(big.Int).SetString(c[2], 10)
			if !b.Holds(v) {
				fs = append(fs, Failure{where, c[0] + " " + c[1], got})
			}
		}
	}
	return fs
}

// crossingExpectations lists every crossing exactly (for --update).
func crossingExpectations(r *graph.Result) []CrossingExpect {
	var out []CrossingExpect
	for _, c := range r.Crossings {
		e := CrossingExpect{Rule: c.Rule, Status: c.Status, FromChain: c.FromChain, ToChain: c.ToChain, InTx: c.InTx, OutTx: c.OutTx}
		if c.OutAmount != nil {
			e.OutAmount = c.OutAmount.String()
		}
		if c.OutTaint != nil {
			e.OutTaint = c.OutTaint.String()
		}
		out = append(out, e)
	}
	return out
}
