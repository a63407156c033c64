package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// The report's mixer section: candidate withdrawals past mixers with their
// evidence, and the onward trace from the strongest, both set apart from the
// traced funds (docs/mixers.md).

type candidatesView struct {
	Window   uint64
	MinScore int
	Pools    int
	Rows     []candidateRow
	Notes    []string
	Followed *view // the separate trace from candidates scoring ≥ MinScore
}

type candidateRow struct {
	Score      int
	Heuristics string
	Pool       string
	PoolLabel  string
	Amount     string // the pool's denomination
	DepositTx  string
	DepBlock   uint64
	Depositor  string
	WdTx       string
	WdBlock    uint64
	Recipient  string
	Via        string
	Evidence   []string
}

func buildCandidates(r *graph.Result, opts Options) *candidatesView {
	d := r.Demix
	if d == nil {
		return nil
	}
	cv := &candidatesView{Window: d.Window, MinScore: d.MinScore, Pools: len(d.Pools)}
	cs := append([]*graph.Candidate(nil), d.Candidates...)
	sort.SliceStable(cs, func(i, j int) bool { return graph.CandidateLess(cs[i], cs[j]) })
	for _, c := range cs {
		a := r.AssetOf(c.Asset)
		via := "sent by the recipient"
		switch {
		case c.Relayer != "":
			via = "relayer " + c.Relayer + ", fee " + graph.FormatAmount(c.Fee, a)
		case c.Sender != "" && c.Sender != c.Recipient:
			via = "sent by " + c.Sender
		}
		row := candidateRow{
			Score: c.Score, Heuristics: strings.Join(c.Heuristics, ", "), Pool: clean(c.Pool), PoolLabel: clean(c.PoolLabel),
			Amount: graph.FormatAmount(c.Denomination, a), DepositTx: clean(c.DepositTx), DepBlock: c.DepositBlock,
			Depositor: clean(c.Depositor), WdTx: clean(c.WithdrawalTx), WdBlock: c.WithdrawalBlock,
			Recipient: clean(c.Recipient), Via: clean(via),
		}
		for _, e := range c.Evidence {
			row.Evidence = append(row.Evidence, clean(e))
		}
		cv.Rows = append(cv.Rows, row)
	}
	for _, n := range d.Notes {
		cv.Notes = append(cv.Notes, clean(n))
	}
	sort.Strings(cv.Notes)
	if d.Followed != nil {
		fo := opts
		fo.Title = "Followed candidates"
		cv.Followed = buildView(d.Followed, fo)
	}
	return cv
}

// markdownCandidates writes the candidate and followed-candidate sections.
func markdownCandidates(w io.Writer, v *view) {
	cv := v.Candidates
	if cv == nil {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("## Candidate withdrawals past mixers\n\n")
	p("> **Leads, not traced funds.** Each row is a withdrawal from a pool the stolen funds were deposited into that published heuristics link to one of those deposits; no amount above includes it. Check the evidence before acting on it (heuristics and their false positives: docs/mixers.md).\n\n")
	p("Window: %d blocks after each deposit; %d pool%s examined; %d candidate%s.\n\n", cv.Window, cv.Pools, plural(cv.Pools), len(cv.Rows), plural(len(cv.Rows)))
	if len(cv.Rows) > 0 {
		p("| Score | Heuristics | Pool | Deposit tx (block, from) | Withdrawal tx (block, to) | Via |\n")
		p("|--:|---|---|---|---|---|\n")
		for _, r := range cv.Rows {
			pool := code(r.Pool)
			if r.PoolLabel != "" {
				pool += "<br>" + md(r.PoolLabel)
			}
			pool += "<br>" + md(r.Amount)
			p("| %d | %s | %s | %s<br>block %d, %s | %s<br>block %d, %s | %s |\n", r.Score, md(r.Heuristics), pool,
				code(r.DepositTx), r.DepBlock, code(r.Depositor), code(r.WdTx), r.WdBlock, code(r.Recipient), md(r.Via))
		}
		p("\nEvidence:\n\n")
		for i, r := range cv.Rows {
			p("%d. %s → %s\n", i+1, code(r.DepositTx), code(r.WdTx))
			for _, e := range r.Evidence {
				p("   - %s\n", md(e))
			}
		}
		p("\n")
	}
	for _, n := range cv.Notes {
		p("- note: %s\n", md(n))
	}
	if len(cv.Notes) > 0 {
		p("\n")
	}
	f := cv.Followed
	if f == nil {
		return
	}
	p("## Followed candidates\n\n")
	p("> **A separate trace**, from the candidate withdrawals scoring %d or more (%s). It is not part of the amounts above, and it is only as good as the candidates it starts from.\n\n", cv.MinScore, strings.Join(codes(f.Seeds), ", "))
	for _, a := range f.Assets {
		p("### %s (%s)\n\n", md(a.Symbol), md(a.Kind))
		p("| Destination | Amount | Share | |\n|---|--:|--:|---|\n")
		for _, row := range a.Rows {
			p("| %s | %s | %s | %s |\n", md(row.Name), md(row.Amount), md(row.Share), md(row.Note))
		}
		p("\n")
	}
	if len(f.Paths) > 0 {
		p("| Endpoint | Kind | Amount | Hops |\n|---|---|--:|--:|\n")
		for _, pv := range f.Paths {
			addr := code(pv.Address)
			if pv.Label != "" {
				addr += " " + md(pv.Label)
			}
			p("| %s | %s | %s | %d |\n", addr, md(pv.Kind), md(pv.Amount), pv.Hops)
		}
		p("\n")
	}
	for _, ex := range f.Exchanges {
		p("Reached **%s**: %s.\n\n", md(ex.Name), md(strings.Join(ex.Totals, " + ")))
	}
}

func codes(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return out
}
