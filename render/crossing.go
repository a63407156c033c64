package render

import (
	"fmt"
	"math/big"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
)

// CrossingLines is the human description of one crossing, shared by the text
// output and the report: the inbound, what it decoded to, the rule and its
// confidence, and the payout that matched (or why none was followed).
func CrossingLines(r *graph.Result, c *graph.Crossing) []string {
	d := func(s string) string { return escape.Display(s, escape.LineMax) }
	in := r.AssetOf(c.InAsset)
	head := fmt.Sprintf("%s → %s: %s (%s tainted) %s", d(c.FromChain), d(firstNonEmpty(c.ToChain, "?")), graph.FormatAmount(c.InAmount, in),
		graph.FormatUnits(c.InTaint, in.Decimals), d(c.Status))
	lines := []string{head}
	lines = append(lines, fmt.Sprintf("in  tx %s, block %d, %s, from %s to %s", d(c.InTx), c.InBlock, rfc3339(c.InTime), d(c.InFrom), d(c.InTo)))
	if c.Memo != "" {
		lines = append(lines, "memo "+d(fmt.Sprintf("%q", c.Memo)))
	}
	lines = append(lines, fmt.Sprintf("to  %s %s", d(firstNonEmpty(c.DestAddress, "?")), d(c.DestAsset)))
	if c.OutTx != "" {
		out := r.AssetOf(c.OutAsset)
		lines = append(lines, fmt.Sprintf("out tx %s, block %d, %s, from %s to %s: %s (%s tainted)", d(c.OutTx), c.OutBlock, rfc3339(c.OutTime), d(c.OutFrom), d(c.OutTo),
			graph.FormatAmount(c.OutAmount, out), graph.FormatUnits(c.OutTaint, out.Decimals)))
	}
	rule := "rule " + d(c.Rule)
	if c.Confidence > 0 {
		rule += fmt.Sprintf(", confidence %s", graph.Percent(big.NewInt(int64(c.Confidence)), big.NewInt(1000)))
	}
	if c.Note != "" {
		rule += "; " + d(c.Note)
	}
	return append(lines, rule)
}
