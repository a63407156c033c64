package render

import (
	"math/big"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// displayDecimals is how many decimals a rounded amount keeps: enough to tell
// flows apart on a graph, few enough that an edge label stays readable.
const displayDecimals = 4

// RoundedAmount is an amount for a picture (DOT and GraphML labels): at most
// four decimals, rounded half up, with "≈" in front when rounding changed it;
// an amount below 0.0001 keeps two significant digits rather than becoming 0.
// Machine fields (JSON, CSV, GraphML data keys) keep the exact base units.
func RoundedAmount(v *big.Int, a graph.Asset) string {
	s := roundDisplay(v, a.Decimals)
	if sym := graph.DisplaySymbol(a); sym != "" {
		s += " " + sym
	}
	return s
}

func roundDisplay(v *big.Int, decimals uint8) string {
	exact := graph.FormatUnits(v, decimals)
	whole, frac, ok := strings.Cut(exact, ".")
	if !ok || len(frac) <= displayDecimals {
		return exact
	}
	keep := displayDecimals
	if strings.TrimLeft(whole, "-") == "0" && strings.Trim(frac[:displayDecimals], "0") == "" {
		keep = len(frac) - len(strings.TrimLeft(frac, "0")) + 2 // two significant digits
	}
	if keep >= len(frac) {
		return exact
	}
	// Round |v| half up at keep decimals, in base units.
	abs := new(big.Int).Abs(v)
	unit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(int(decimals)-keep)), nil)
	q := new(big.Int).Add(abs, new(big.Int).Rsh(unit, 1))
	q.Quo(q, unit)
	out := graph.FormatUnits(q, uint8(keep))
	if v.Sign() < 0 {
		out = "-" + out
	}
	return "≈" + out
}
