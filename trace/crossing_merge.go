package trace

import (
	"math/big"
	"sort"

	"github.com/chaintrace/chaintrace/graph"
)

// merge builds the result. A trace that stayed on one chain (no links and no
// refund xleg) keeps its single-chain shape, with the crossings it decoded;
// otherwise every xleg's nodes, edges, endpoints, assets and totals are
// qualified by chain ("btc-regtest/BTC", "evm:1337/0x…") and joined, with
// one crossing edge per followed crossing.
func (x *crosser) merge() *graph.Result {
	first := x.legs[0].res
	if !x.linked && len(x.legs) == 1 {
		for _, r := range x.recs {
			first.Crossings = append(first.Crossings, r.c)
		}
		dropEmpty(first)
		first.SortCrossings()
		return first
	}
	out := &graph.Result{
		Tool: first.Tool, Chain: first.Chain, Family: first.Family, Policy: first.Policy,
		Seeds: first.Seeds, Params: first.Params, Tip: first.Tip, Assets: map[string]graph.Asset{},
		Totals: map[string]*graph.Totals{}, Flow: graph.NewFlow(), Demix: first.Demix, Error: first.Error, Budget: first.Budget,
	}
	seen := map[string]bool{}
	for _, c := range x.traced {
		if !seen[c.Name] {
			seen[c.Name] = true
			part := graph.ChainPart{Name: c.Name, Family: c.Family}
			for _, l := range x.legs {
				if l.chain == c.Name && l.res.Tip > part.Tip {
					part.Tip = l.res.Tip
				}
			}
			out.Chains = append(out.Chains, part)
		}
	}
	sort.SliceStable(out.Chains[1:], func(i, j int) bool { return out.Chains[1+i].Name < out.Chains[1+j].Name })
	ends := map[[4]string]*graph.Endpoint{}
	warned := map[string]bool{}
	for _, l := range x.legs {
		ch, r := l.chain, l.res
		for id, a := range r.Assets {
			a.ID = qual(ch, id)
			out.Assets[a.ID] = a
		}
		for _, n := range r.Flow.Nodes() {
			m := out.Flow.Node(qual(ch, n.ID), n.Role, n.Hop)
			if n.Address != "" {
				m.Address = n.Address
			}
			if n.Tx != "" {
				m.Tx = n.Tx
			}
			if n.Label != "" {
				m.Label, m.Category = n.Label, n.Category
			}
			m.Chain = ch
		}
		for _, e := range r.Flow.Edges() {
			f := *e
			f.From, f.To, f.Asset, f.Chain = qual(ch, e.From), qual(ch, e.To), qual(ch, e.Asset), ch
			f.Amount, f.Taint = new(big.Int).Set(e.Amount), new(big.Int).Set(e.Taint)
			out.Flow.AddEdge(&f)
		}
		for _, e := range r.Endpoints {
			if e.Amount.Sign() == 0 {
				continue
			}
			f := *e
			f.Chain, f.Asset, f.Path = ch, qual(ch, e.Asset), x.fullPath(l, e)
			k := [4]string{ch, f.Kind, f.Address + "|" + f.Outpoint, f.Asset}
			if have, ok := ends[k]; ok { // a chain traced in two legs (a refund)
				have.Amount = new(big.Int).Add(have.Amount, f.Amount)
				have.Inflows = append(have.Inflows, f.Inflows...)
				if f.Hops < have.Hops {
					have.Hops, have.Path = f.Hops, f.Path
				}
				continue
			}
			f.Amount = new(big.Int).Set(e.Amount)
			f.Inflows = append([]graph.Inflow(nil), e.Inflows...)
			ends[k] = &f
			out.Endpoints = append(out.Endpoints, &f)
		}
		for id, t := range r.Totals {
			addTotals(out.Totals, qual(ch, id), t)
		}
		for _, cv := range r.Conversions {
			c := *cv
			c.FromAsset, c.ToAsset = qual(ch, cv.FromAsset), qual(ch, cv.ToAsset)
			out.Conversions = append(out.Conversions, &c)
		}
		for _, d := range r.Discrepancies {
			e := *d
			e.Asset = qual(ch, d.Asset)
			out.Discrepancies = append(out.Discrepancies, &e)
		}
		for _, w := range r.Warnings {
			m := ch + ": " + w
			if !warned[m] {
				warned[m] = true
				out.Warnings = append(out.Warnings, m)
			}
		}
		if out.Error == "" && r.Error != "" {
			out.Error = ch + ": " + r.Error
		}
	}
	for _, r := range x.recs {
		c := *r.c
		c.InAsset = qual(c.FromChain, c.InAsset)
		if c.OutAsset != "" {
			c.OutAsset = qual(c.ToChain, c.OutAsset)
		}
		out.Crossings = append(out.Crossings, &c)
		if r.credit == nil {
			continue
		}
		from := qual(c.FromChain, c.InTo)
		to := qual(c.ToChain, c.OutFrom)
		if _, ok := out.Flow.Lookup(to); !ok {
			out.Flow.Node(to, graph.RoleCrossing, c.Hop).Address = c.OutFrom
		}
		out.Flow.AddEdge(&graph.Edge{
			Tx: c.OutTx, Position: "crossing", From: from, To: to, Asset: c.OutAsset, Amount: new(big.Int).Set(c.OutAmount),
			Taint: new(big.Int).Set(c.OutTaint), Block: c.OutBlock, Time: c.OutTime, Hop: c.Hop, Kind: graph.CrossEdgeKind,
			Chain: c.ToChain, Rule: c.Rule, Confidence: c.Confidence, InTx: c.InTx,
		})
	}
	out.SortEndpoints()
	out.SortConversions()
	out.SortCrossings()
	sort.Strings(out.Warnings)
	return out
}

// dropEmpty removes endpoints whose whole taint crossed on.
func dropEmpty(r *graph.Result) {
	kept := r.Endpoints[:0]
	for _, e := range r.Endpoints {
		if e.Amount.Sign() != 0 {
			kept = append(kept, e)
		}
	}
	r.Endpoints = kept
}

func addTotals(m map[string]*graph.Totals, id string, t *graph.Totals) {
	have, ok := m[id]
	if !ok {
		have = &graph.Totals{Seed: new(big.Int), Fees: new(big.Int), ByKind: map[string]*big.Int{}, Untraced: new(big.Int)}
		m[id] = have
	}
	have.Seed.Add(have.Seed, t.Seed)
	have.Fees.Add(have.Fees, t.Fees)
	have.Untraced.Add(have.Untraced, t.Untraced)
	for k, v := range t.ByKind {
		have.ByKind[k] = new(big.Int).Add(nz(have.ByKind[k]), v)
	}
	for _, p := range []struct {
		dst **big.Int
		src *big.Int
	}{
		{&have.Growth, t.Growth}, {&have.WrappedIn, t.WrappedIn}, {&have.WrappedOut, t.WrappedOut},
		{&have.SwappedIn, t.SwappedIn}, {&have.SwappedOut, t.SwappedOut},
		{&have.CrossedIn, t.CrossedIn}, {&have.CrossedOut, t.CrossedOut},
	} {
		if p.src != nil {
			*p.dst = new(big.Int).Add(nz(*p.dst), p.src)
		}
	}
}
