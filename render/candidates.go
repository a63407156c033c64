package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// The mixer candidate section of every output (docs/mixers.md). Candidates are
// leads, never traced funds: they are drawn apart from the trace (their own
// JSON arrays, text block, dashed DOT edges) and no total includes them.

type jsonCandidate struct {
	Score           int      `json:"score"`
	Heuristics      []string `json:"heuristics"`
	Evidence        []string `json:"evidence"`
	Pool            string   `json:"pool"`
	PoolLabel       string   `json:"pool_label"`
	Asset           string   `json:"asset"`
	Denomination    string   `json:"denomination"`
	DepositTx       string   `json:"deposit_tx"`
	DepositBlock    uint64   `json:"deposit_block"`
	DepositTime     string   `json:"deposit_time"`
	DepositTimeUnix int64    `json:"deposit_time_unix"`
	Depositor       string   `json:"depositor"`
	Commitment      string   `json:"commitment"`
	WithdrawalTx    string   `json:"withdrawal_tx"`
	WithdrawalBlock uint64   `json:"withdrawal_block"`
	Recipient       string   `json:"recipient"`
	Relayer         string   `json:"relayer"`
	Fee             string   `json:"fee"`
	Sender          string   `json:"sender"`
	NullifierHash   string   `json:"nullifier_hash"`
}

type jsonMixerPool struct {
	Address         string `json:"address"`
	Label           string `json:"label"`
	Asset           string `json:"asset"`
	Denomination    string `json:"denomination"`
	TaintedDeposits int    `json:"tainted_deposits"`
	FromBlock       uint64 `json:"from_block"`
	ToBlock         uint64 `json:"to_block"`
	Events          int    `json:"events"`
}

type jsonMixer struct {
	Window           uint64          `json:"window"`
	FollowCandidates int             `json:"follow_candidates"`
	Pools            []jsonMixerPool `json:"pools"`
	Notes            []string        `json:"notes"`
}

func addCandidatesJSON(d *jsonDoc, r *graph.Result) {
	dm := r.Demix
	if dm == nil {
		return
	}
	cs := []jsonCandidate{}
	for _, c := range sortedCandidates(dm) {
		cs = append(cs, jsonCandidate{
			Score: c.Score, Heuristics: nonNil(c.Heuristics), Evidence: nonNil(c.Evidence),
			Pool: c.Pool, PoolLabel: c.PoolLabel, Asset: c.Asset, Denomination: dec(c.Denomination),
			DepositTx: c.DepositTx, DepositBlock: c.DepositBlock, DepositTime: rfc3339(c.DepositTime), DepositTimeUnix: c.DepositTime,
			Depositor: c.Depositor, Commitment: c.Commitment,
			WithdrawalTx: c.WithdrawalTx, WithdrawalBlock: c.WithdrawalBlock, Recipient: c.Recipient,
			Relayer: c.Relayer, Fee: dec(c.Fee), Sender: c.Sender, NullifierHash: c.Nullifier,
		})
	}
	d.Candidates = &cs
	m := &jsonMixer{Window: dm.Window, FollowCandidates: dm.MinScore, Pools: []jsonMixerPool{}, Notes: sortedStrings(dm.Notes)}
	pools := append([]graph.MixerPool(nil), dm.Pools...)
	sort.Slice(pools, func(i, j int) bool { return pools[i].Address < pools[j].Address })
	for _, p := range pools {
		m.Pools = append(m.Pools, jsonMixerPool{
			Address: p.Address, Label: p.Label, Asset: p.Asset, Denomination: dec(p.Denomination),
			TaintedDeposits: p.Deposits, FromBlock: p.FromBlock, ToBlock: p.ToBlock, Events: p.Events,
		})
	}
	d.Mixer = m
	if dm.Followed != nil {
		d.FollowedCandidates = buildJSON(dm.Followed)
	}
}

// sortedCandidates is the exporters' order: highest score first, then chain
// order of deposit and withdrawal.
func sortedCandidates(d *graph.Demix) []*graph.Candidate {
	cs := append([]*graph.Candidate(nil), d.Candidates...)
	sort.SliceStable(cs, func(i, j int) bool { return graph.CandidateLess(cs[i], cs[j]) })
	return cs
}

// assetOr finds an asset for a candidate's amounts: the trace's own, or the
// native coin by id.
func assetOr(r *graph.Result, id string) graph.Asset {
	if a, ok := r.Assets[id]; ok {
		if a.ID == "" {
			a.ID = id
		}
		return a
	}
	return r.AssetOf(id)
}

// writeCandidatesText is the text output's candidate block.
func writeCandidatesText(p func(string, ...any), r *graph.Result) error {
	dm := r.Demix
	if dm == nil {
		return nil
	}
	p("\nmixer candidates — LEADS, NOT TRACED FUNDS: withdrawals that heuristics link to the deposits above; no total includes them\n")
	p("  window %d blocks after each deposit · %d pool%s examined · %d candidate%s\n", dm.Window, len(dm.Pools), plural(len(dm.Pools)), len(dm.Candidates), plural(len(dm.Candidates)))
	for _, c := range sortedCandidates(dm) {
		a := assetOr(r, c.Asset)
		pool := c.Pool
		if c.PoolLabel != "" {
			pool += " (" + cleanText(c.PoolLabel) + ")"
		}
		p("\n  score %3d  %s\n", c.Score, strings.Join(c.Heuristics, ", "))
		p("    pool        %s, %s\n", pool, graph.FormatAmount(c.Denomination, a))
		p("    deposit     %s  block %d  from %s\n", c.DepositTx, c.DepositBlock, c.Depositor)
		via := "sent by the recipient"
		switch {
		case c.Relayer != "":
			via = "relayer " + c.Relayer + ", fee " + graph.FormatAmount(c.Fee, a)
		case c.Sender != "" && c.Sender != c.Recipient:
			via = "sent by " + c.Sender
		}
		p("    withdrawal  %s  block %d  to %s  (%s)\n", c.WithdrawalTx, c.WithdrawalBlock, c.Recipient, via)
		for _, e := range c.Evidence {
			p("    · %s\n", cleanText(e))
		}
	}
	for _, n := range sortedStrings(dm.Notes) {
		p("  note: %s\n", cleanText(n))
	}
	return nil
}

// writeFollowedText ends the text output with the onward trace from the
// candidates, under a banner saying what it is.
func writeFollowedText(p func(string, ...any), r *graph.Result, opts TextOptions) error {
	dm := r.Demix
	if dm == nil || dm.Followed == nil {
		return nil
	}
	p("\n==== followed candidates — A SEPARATE TRACE from the candidate withdrawals scoring %d or more; not part of the totals above ====\n\n", dm.MinScore)
	var b strings.Builder
	if err := WriteText(&b, dm.Followed, opts); err != nil {
		return err
	}
	p("%s", b.String())
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// candidateEdge is one withdrawal drawn in DOT: pool → recipient, with the best
// score among the deposits it is linked to.
type candidateEdge struct {
	pool, to, tx string
	score        int
	heurs        map[string]bool
	deposits     int
}

// writeCandidatesDOT draws each candidate withdrawal as a dashed edge from the
// pool to the recipient (recipients outside the trace get dashed nodes), and
// the followed trace, if any, in its own labelled cluster.
func writeCandidatesDOT(p func(string, ...any), r *graph.Result, present map[string]bool) {
	dm := r.Demix
	if dm == nil {
		return
	}
	known := map[string]bool{}
	if r.Flow != nil {
		for _, n := range r.Flow.Nodes() {
			known[n.ID] = true
		}
	}
	byTx := map[string]*candidateEdge{}
	var order []string
	for _, c := range sortedCandidates(dm) {
		e := byTx[c.WithdrawalTx]
		if e == nil {
			e = &candidateEdge{pool: c.Pool, to: c.Recipient, tx: c.WithdrawalTx, heurs: map[string]bool{}}
			byTx[c.WithdrawalTx] = e
			order = append(order, c.WithdrawalTx)
		}
		e.score = max(e.score, c.Score)
		e.deposits++
		for _, h := range c.Heuristics {
			e.heurs[h] = true
		}
	}
	if len(order) > 0 {
		p("  subgraph %s {\n", dotQuote("cluster_mixer_candidates"))
		p("    label=<%s>; style=dashed; color=\"#7b3294\"; fontcolor=\"#7b3294\";\n", htmlText("mixer candidates: leads, not traced funds"))
		declared := map[string]bool{}
		for _, tx := range order {
			e := byTx[tx]
			for _, id := range []string{e.pool, e.to} {
				if !known[id] && !declared[id] {
					declared[id] = true
					p("    %s [label=<%s>, style=\"rounded,dashed\", color=\"#7b3294\", tooltip=%s];\n", dotQuote(id), htmlText(shortID(id)), dotQuote(id))
				}
			}
		}
		p("  }\n")
		for _, tx := range order {
			e := byTx[tx]
			var hs []string
			for _, h := range graph.Heuristics {
				if e.heurs[h] {
					hs = append(hs, h)
				}
			}
			lines := []string{
				fmt.Sprintf("candidate, score %d", e.score),
				htmlText(strings.Join(hs, ", ")),
				"tx " + htmlText(shortID(e.tx)),
			}
			if e.deposits > 1 {
				lines = append(lines, fmt.Sprintf("linked to %d deposits", e.deposits))
			}
			p("  %s -> %s [label=<%s>, style=dashed, color=\"#7b3294\", fontcolor=\"#7b3294\", constraint=false];\n",
				dotQuote(e.pool), dotQuote(e.to), strings.Join(lines, "<BR/>"))
		}
	}
	if f := dm.Followed; f != nil && f.Flow != nil {
		p("  subgraph %s {\n", dotQuote("cluster_followed_candidates"))
		p("    label=<%s>; style=dashed; color=\"#7b3294\"; fontcolor=\"#7b3294\";\n",
			htmlText(fmt.Sprintf("followed candidates: a separate trace from candidate withdrawals scoring %d or more, not part of the totals", dm.MinScore)))
		ends := endpointsByNode(f)
		for _, n := range f.Flow.Nodes() {
			present[n.Role] = true
			s := styleOf(n.Role)
			p("    %s [label=<%s>, fillcolor=%q, color=%q, style=%q, tooltip=%s];\n",
				dotQuote("followed:"+n.ID), nodeLabel(f, n, ends[n.ID]), s.fill, s.border, strings.TrimPrefix(s.style+",dashed", ","), dotQuote(n.ID))
		}
		p("  }\n")
		for _, g := range aggregateEdges(f) {
			a := f.AssetOf(g.asset)
			p("  %s -> %s [label=<%s>, style=dashed];\n", dotQuote("followed:"+g.from), dotQuote("followed:"+g.to),
				"taint "+htmlText(graph.FormatAmount(g.taint, a)))
		}
	}
}
