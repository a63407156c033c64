package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
)

// Markdown writes the report as Markdown (GitHub-flavoured tables).
func Markdown(w io.Writer, r *graph.Result, opts Options) error {
	v := buildView(r, opts)
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }

	p("# %s\n\n", md(v.Title))
	p("Every amount below is exact, in the asset's own units, and comes from the transactions listed; shares are of the stolen amount of the same asset.\n\n")
	if v.Incomplete {
		p("> **INCOMPLETE.** The trace stopped early: %s. Amounts cover what was fetched before that.\n\n", md(v.Error))
	}

	p("## Case\n\n")
	p("| | |\n|---|---|\n")
	if v.CaseName != "" {
		p("| Case | %s |\n", md(v.CaseName))
	}
	p("| Trace ID | %s |\n", code(v.TraceID))
	if v.Investigator != "" {
		p("| Investigator | %s |\n", md(v.Investigator))
	}
	if v.Generated != "" {
		p("| Generated | %s |\n", v.Generated)
	}
	if v.Description != "" {
		p("| Description | %s |\n", md(v.Description))
	}
	if len(v.Sources) > 0 {
		ss := make([]string, len(v.Sources))
		for i, s := range v.Sources {
			ss[i] = md(s)
		}
		p("| Sources | %s |\n", strings.Join(ss, "<br>"))
	}
	seeds := make([]string, len(v.Seeds))
	for i, s := range v.Seeds {
		seeds[i] = code(s)
	}
	p("| Seeds | %s |\n", strings.Join(seeds, "<br>"))
	chain := md(v.Chain)
	if v.Family != "" {
		chain += " (" + md(v.Family) + ")"
	}
	p("| Chain | %s |\n", chain)
	p("| Policy | %s |\n", md(v.Policy))
	if len(v.Params) > 0 {
		ps := make([]string, len(v.Params))
		for i, kv := range v.Params {
			ps[i] = md(kv.K) + " = " + code(kv.V)
		}
		p("| Parameters | %s |\n", strings.Join(ps, "<br>"))
	}
	p("| Tool | %s |\n", md(v.Tool))
	tip := v.Tip
	if tip == "" {
		tip = "not recorded"
	}
	p("| Block height seen | %s |\n", tip)
	if v.Reproduce != "" {
		p("| Reproduce | %s |\n", code(v.Reproduce))
	}
	status := "complete"
	if v.Incomplete {
		status = "**incomplete** (see above)"
	}
	p("| Status | %s |\n\n", status)

	p("## Where the funds went\n\n")
	for _, a := range v.Assets {
		p("### %s (%s)\n\n", md(a.Symbol), md(a.Kind))
		p("| Destination | Amount | Share | |\n|---|--:|--:|---|\n")
		for _, row := range a.Rows {
			name := md(row.Name)
			if row.Strong {
				name = "**" + name + "**"
			}
			if row.Sub {
				name = "&nbsp;&nbsp;↳ " + name
			}
			p("| %s | %s | %s | %s |\n", name, md(row.Amount), md(row.Share), md(row.Note))
		}
		p("\n")
	}

	if len(v.Swaps) > 0 {
		p("## Swaps\n\n")
		p("Stolen funds converted into another asset inside one transaction; the taint follows at that transaction's own rate (tainted out = received × tainted in / sent).\n\n")
		for _, sw := range v.Swaps {
			p("- **%s**\n", md(sw.Head))
			for _, d := range sw.Details {
				p("  - %s\n", md(d))
			}
		}
		p("\n")
	}

	if len(v.Crossings) > 0 {
		p("## Crossings\n\n")
		p("Stolen funds sent into another chain (a THORChain-style swap or a bridge): the inbound, the destination it names, and the payout matched on the destination chain with the rule and its confidence; the taint follows at the observed rate (tainted out = payout × tainted in / sent in).\n\n")
		for _, c := range v.Crossings {
			p("- **%s**\n", md(c.Head))
			for _, d := range c.Details {
				p("  - %s\n", md(d))
			}
		}
		p("\n")
	}

	p("## Freeze requests\n\n")
	if len(v.Exchanges) == 0 {
		p("No stolen funds reached a known exchange or an address the deposit rule attributes to one.\n\n")
	}
	for _, ex := range v.Exchanges {
		p("### %s\n\n", md(ex.Name))
		p("Stolen funds credited to %s: **%s**. Each row is one transaction that paid stolen funds into an address of this exchange; a deposit address identifies the customer account. *Tx amount* is what the transaction paid into the address, as the exchange sees it; *tainted* is the part of it that is stolen funds.\n\n", md(ex.Name), md(strings.Join(ex.Totals, " + ")))
		p("| Address | Type | Tx into it | Block | Time (UTC) | Tx amount | Tainted | Hops from theft | Sweep tx | Confidence |\n")
		p("|---|---|---|--:|---|--:|--:|--:|---|---|\n")
		for _, row := range ex.Rows {
			addr := code(row.Address)
			if row.Label != "" {
				addr += "<br>" + md(row.Label)
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", addr, row.Kind, codeOrDash(row.Tx), row.Block, row.Time, md(row.TxAmount), md(row.Amount), row.Hops, codeOrDash(row.Sweep), md(row.Confidence))
		}
		p("\n")
	}

	p("## Paths\n\n")
	p("Each endpoint with the transactions that carried stolen funds to it, from the theft on.\n\n")
	for _, pv := range v.Paths {
		head := fmt.Sprintf("%d. **%s** %s", pv.N, md(pv.Kind), code(pv.Address))
		if pv.Outpoint != "" {
			head += " (output " + code(pv.Outpoint) + ")"
		}
		if pv.Label != "" {
			head += " — " + md(pv.Label)
		}
		p("%s: %s (%s), %d hop%s\n", head, md(pv.Amount), md(pv.Share), pv.Hops, plural(pv.Hops))
		for i, t := range pv.Txs {
			p("   %d. %s\n", i+1, code(t))
		}
		if pv.Sweep != "" {
			ex := ""
			if pv.Exchange != "" {
				ex = " into " + md(pv.Exchange)
			}
			p("   - sweep%s: %s\n", ex, code(pv.Sweep))
		}
		if pv.Dest != "" {
			p("   - destination chain: %s\n", md(pv.Dest))
		}
		if pv.Note != "" {
			p("   - note: %s\n", md(pv.Note))
		}
	}
	if len(v.Paths) == 0 {
		p("No endpoints.\n")
	}
	p("\n")

	if len(v.Reconciliation) > 0 {
		p("## Balance reconciliation\n\n")
		p("The node's balance of these holders at the end of the traced window differs from their opening balance plus the credits minus the debits and fees the trace saw: value moved without a transfer the history returned (a block reward, a withdrawal, a self-destruct, or a transfer this history method cannot see).\n\n")
		p("| holder | asset | at block | node balance | traced | unexplained | treatment |\n|---|---|---|---|---|---|---|\n")
		for _, r := range v.Reconciliation {
			p("| %s | %s | %s | %s | %s | %s | %s |\n", code(r.Address), md(r.Asset), r.Block, md(r.Node), md(r.Traced), md(r.Unexplained), md(r.Treatment))
		}
		p("\n")
	}
	markdownCandidates(bw, v)
	if len(v.Warnings) > 0 {
		p("## Warnings\n\n")
		for _, s := range v.Warnings {
			p("- %s\n", md(s))
		}
		p("\n")
	}
	p("## The graph\n\n%s\n", renderHintMD(opts))
	return bw.Flush()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func renderHintMD(opts Options) string {
	if opts.DOTFile == "" {
		return "Write the graph with `chaintrace trace … --format dot --out trace.dot` and render it with Graphviz: `dot -Tsvg trace.dot > trace.svg`."
	}
	f := strings.NewReplacer("`", "", "|", "").Replace(clean(opts.DOTFile))
	return "The graph is in `" + f + "`; render it with Graphviz: `dot -Tsvg " + f + " > trace.svg`."
}

// md escapes text for Markdown, tables included (escape.Markdown): control
// characters, emphasis, links, code, table pipes, and '<' where it could open
// an HTML tag.
func md(s string) string { return escape.Markdown(s) }

// code puts s in a code span (escape.MarkdownCode).
func code(s string) string { return escape.MarkdownCode(s) }

func codeOrDash(s string) string {
	if s == "" || s == "—" {
		return "—"
	}
	return code(s)
}
