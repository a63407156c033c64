package render

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// Rate is a conversion's rate in human units, "1 USDC = 0.000335 ETH", rounded
// to 18 decimals for display only: the exact figures are the amounts.
func Rate(r *graph.Result, c *graph.Conversion) string {
	from, to := r.AssetOf(c.FromAsset), r.AssetOf(c.ToAsset)
	return "1 " + symbolOr(from) + " = " + RateValue(c.FromAmount, from.Decimals, c.ToAmount, to.Decimals) + " " + symbolOr(to)
}

// RateValue is toAmt/fromAmt in human units as a decimal string (18 decimals at
// most, trailing zeros dropped); "" when fromAmt is zero.
func RateValue(fromAmt *big.Int, fromDec uint8, toAmt *big.Int, toDec uint8) string {
	if fromAmt == nil || fromAmt.Sign() == 0 || toAmt == nil {
		return ""
	}
	num := new(big.Int).Mul(toAmt, pow10(fromDec))
	den := new(big.Int).Mul(fromAmt, pow10(toDec))
	s := new(big.Rat).SetFrac(num, den).FloatString(18)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func symbolOr(a graph.Asset) string {
	if a.Symbol != "" && a.Symbol != "?" {
		return a.Symbol
	}
	return a.ID
}

// venueNames lists a conversion's venues with their labels when the graph has them.
func venueNames(r *graph.Result, c *graph.Conversion) []string {
	out := make([]string, len(c.Venues))
	for i, v := range c.Venues {
		out[i] = v
		if r.Flow != nil {
			if n, ok := r.Flow.Lookup(v); ok && n.Label != "" {
				out[i] = fmt.Sprintf("%s (%s)", v, n.Label)
			}
		}
	}
	return out
}

// ConversionLines is the human description of one conversion, shared by the
// text output and the report: what went in, what came out, the rate, where.
func ConversionLines(r *graph.Result, c *graph.Conversion) (head string, detail []string) {
	from, to := r.AssetOf(c.FromAsset), r.AssetOf(c.ToAsset)
	head = fmt.Sprintf("%s (%s tainted) → %s (%s tainted)", graph.FormatAmount(c.FromAmount, from), graph.FormatUnits(c.FromTaint, from.Decimals),
		graph.FormatAmount(c.ToAmount, to), graph.FormatUnits(c.ToTaint, to.Decimals))
	detail = append(detail, fmt.Sprintf("tx %s, block %d, by %s; rate %s", c.Tx, c.Block, c.Holder, Rate(r, c)))
	detail = append(detail, "through "+strings.Join(venueNames(r, c), ", "))
	if c.Refunded != nil && c.Refunded.Sign() > 0 {
		detail = append(detail, fmt.Sprintf("%s came back to %s and stays %s", graph.FormatAmount(c.Refunded, from), c.Holder, symbolOr(from)))
	}
	for _, o := range c.Outputs {
		detail = append(detail, fmt.Sprintf("→ %s: %s (%s tainted) from %s", o.To, graph.FormatAmount(o.Amount, to), graph.FormatUnits(o.Taint, to.Decimals), o.From))
	}
	return head, detail
}

func pow10(d uint8) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil) }
