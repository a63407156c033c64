package graph

import (
	"errors"
	"fmt"
	"github.com/chaintrace/chaintrace/internal/escape"
	"math/big"
	"strings"
)

// ErrBadAmount is wrapped by ParseUnits for every malformed amount, so callers
// (the CLI) can map it to their own bad-input error and exit code.
var ErrBadAmount = errors.New("bad amount")

var bigTen = big.NewInt(10)

// pow10 returns 10^n.
func pow10(n uint8) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// FormatUnits renders v base units of an asset with the given decimals in human
// units, exactly: 1234500000000000000 with 18 decimals is "1.2345", 1 with 18 is
// "0.000000000000000001", 100000000 with 8 is "1". Trailing fractional zeros are
// dropped; a nil v is "0"; a negative v gets a leading "-".
func FormatUnits(v *big.Int, decimals uint8) string {
	if v == nil {
		return "0"
	}
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).String()
	if decimals > 0 {
		d := int(decimals)
		if len(digits) <= d {
			digits = strings.Repeat("0", d-len(digits)+1) + digits
		}
		whole, frac := digits[:len(digits)-d], strings.TrimRight(digits[len(digits)-d:], "0")
		digits = whole
		if frac != "" {
			digits += "." + frac
		}
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// FormatAmount is FormatUnits followed by the asset's symbol ("1.5 ETH").
//
// It is for people: the symbol, which a token contract chooses, is made safe for
// a terminal and cut to SymbolDisplayMax characters (machine outputs carry the
// asset id and the whole symbol in the JSON assets table instead).
func FormatAmount(v *big.Int, a Asset) string {
	s := FormatUnits(v, a.Decimals)
	if sym := DisplaySymbol(a); sym != "" {
		s += " " + sym
	}
	return s
}

// SymbolDisplayMax is the most characters of a token symbol shown to people.
// Real symbols are short; a contract can return 100 kB, which would make a
// table unreadable and a Graphviz label too long to render.
const SymbolDisplayMax = 32

// DisplaySymbol is a's symbol as shown to people: escaped for the terminal and
// truncated to SymbolDisplayMax characters.
func DisplaySymbol(a Asset) string { return escape.Display(a.Symbol, SymbolDisplayMax) }

// ParseUnits converts a human amount ("0.5", "12", "0.000001") into base units
// for an asset with the given decimals, exactly. It accepts only plain decimal
// notation: digits with an optional fractional part after one '.'. Signs,
// exponents, separators and spaces are rejected, and so is a fractional part
// longer than decimals (it would name a fraction of a base unit). Errors wrap
// ErrBadAmount and say what was expected.
func ParseUnits(s string, decimals uint8) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty amount; want a decimal number such as 0.5", ErrBadAmount)
	}
	if s[0] == '-' {
		return nil, fmt.Errorf("%w: %q is negative; amounts must be zero or positive", ErrBadAmount, s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if (whole == "" && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return nil, fmt.Errorf("%w: %q is not a plain decimal number (want digits with an optional '.' fraction, e.g. 0.5)", ErrBadAmount, s)
	}
	// Trailing zeros name no fraction of a base unit: "1.50" is fine with 1 decimal.
	frac = strings.TrimRight(frac, "0")
	if len(frac) > int(decimals) {
		return nil, fmt.Errorf("%w: %q has %d decimal places but the asset has only %d", ErrBadAmount, s, len(frac), decimals)
	}
	digits := whole + frac + strings.Repeat("0", int(decimals)-len(frac))
	if digits == "" {
		digits = "0" // "0." or ".0" with no decimals left after trimming
	}
	v, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a decimal number", ErrBadAmount, s)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// RatToUnits converts a human amount held as a *big.Rat (as Options.MinAmount is)
// into base units for the given decimals, rounding down; exact reports whether
// no fraction of a base unit was dropped. A nil r is zero.
func RatToUnits(r *big.Rat, decimals uint8) (v *big.Int, exact bool) {
	if r == nil {
		return new(big.Int), true
	}
	n := new(big.Int).Mul(r.Num(), pow10(decimals))
	q, m := new(big.Int).QuoRem(n, r.Denom(), new(big.Int))
	if n.Sign() < 0 && m.Sign() != 0 {
		q.Sub(q, big.NewInt(1)) // QuoRem truncates toward zero; floor instead
	}
	return q, m.Sign() == 0
}

// Permille returns part/whole in thousandths, rounded half up, with integer
// arithmetic only. ok is false when whole is zero or nil.
func Permille(part, whole *big.Int) (pm *big.Int, ok bool) {
	if whole == nil || whole.Sign() == 0 {
		return nil, false
	}
	if part == nil {
		part = new(big.Int)
	}
	// round(part*1000/whole) = floor((2*part*1000 + whole) / (2*whole)) for whole > 0.
	n := new(big.Int).Mul(part, big.NewInt(2000))
	d := new(big.Int).Mul(whole, big.NewInt(2))
	if d.Sign() < 0 {
		n.Neg(n)
		d.Neg(d)
	}
	n.Add(n, new(big.Int).Abs(whole))
	q, m := new(big.Int).QuoRem(n, d, new(big.Int))
	if n.Sign() < 0 && m.Sign() != 0 {
		q.Sub(q, big.NewInt(1))
	}
	return q, true
}

// Percent formats part/whole as a percentage with one decimal ("12.3%"), computed
// in integer permille. A zero whole gives "-"; a non-zero part that rounds to
// 0.0% gives "<0.1%", so that dust never reads as nothing.
func Percent(part, whole *big.Int) string {
	pm, ok := Permille(part, whole)
	if !ok {
		return "-"
	}
	if pm.Sign() == 0 && part != nil && part.Sign() != 0 {
		if part.Sign()*whole.Sign() < 0 {
			return ">-0.1%"
		}
		return "<0.1%"
	}
	neg := pm.Sign() < 0
	pm.Abs(pm)
	q, r := new(big.Int).QuoRem(pm, bigTen, new(big.Int))
	s := fmt.Sprintf("%s.%s%%", q, r)
	if neg {
		s = "-" + s
	}
	return s
}
