package render

import (
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/chaintrace/chaintrace/graph"
)

// This file fits the text report into a terminal: amounts rounded for display,
// long lines wrapped, endpoint kinds coloured. None of it applies to the
// machine formats, which keep every base unit.

// roundUnits formats v (base units of an asset with the given decimals) in
// human units rounded half away from zero to keep decimal places. keep < 0, or keep ≥ decimals, is the exact amount. A
// non-zero amount that would round to zero reads "<0.0001" (at keep = 4), so a
// dust endpoint never looks empty.
func roundUnits(v *big.Int, decimals uint8, keep int) string {
	if v == nil {
		v = new(big.Int)
	}
	if keep < 0 || keep >= int(decimals) {
		return graph.FormatUnits(v, decimals)
	}
	neg := v.Sign() < 0
	abs := new(big.Int).Abs(v)
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(int(decimals)-keep)), nil)
	q, r := new(big.Int).QuoRem(abs, div, new(big.Int))
	if r.Lsh(r, 1).Cmp(div) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.Sign() == 0 && abs.Sign() != 0 {
		s := "<0"
		if keep > 0 {
			s = "<0." + strings.Repeat("0", keep-1) + "1"
		} else {
			s = "<1"
		}
		if neg {
			s = "-" + s
		}
		return s
	}
	// Trailing zeros stay ("2.00"): a rounded amount says it is rounded.
	digits := q.String()
	if keep > 0 {
		if len(digits) <= keep {
			digits = strings.Repeat("0", keep-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-keep] + "." + digits[len(digits)-keep:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

// RoundAmount is an amount for people, rounded to keep decimal places, with
// the asset's symbol ("6.4866 ETH"); hints and notes use it, never evidence.
func RoundAmount(v *big.Int, a graph.Asset, keep int) string {
	s := roundUnits(v, a.Decimals, keep)
	if exactAt(v, a.Decimals, keep) {
		s = graph.FormatUnits(v, a.Decimals)
	}
	if sym := graph.DisplaySymbol(a); sym != "" {
		s += " " + sym
	}
	return s
}

// exactAt reports whether v (base units, decimals places) has no digits
// beyond keep decimal places, so rounding to keep loses nothing.
func exactAt(v *big.Int, decimals uint8, keep int) bool {
	if v == nil || keep < 0 || keep >= int(decimals) {
		return true
	}
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(int(decimals)-keep)), nil)
	return new(big.Int).Rem(v, div).Sign() == 0
}

// visibleLen counts the runes of s that take a column: SGR colour sequences
// (ESC [ … m, the only escapes this package writes) take none.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// wrapText wraps every line of text longer than width at spaces. A wrapped
// line continues under its own text: after the line's last run of two or more
// spaces that starts in the left half (the column a note or value starts in),
// else four columns right of its indentation. Words longer than the room left
// (a full transaction hash, an address) are never broken: they are evidence an
// investigator copies, so such a line may stay longer than width.
func wrapText(text string, width int) string {
	if width <= 0 {
		return text
	}
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if visibleLen(body) <= width {
			b.WriteString(l)
			continue
		}
		for i, w := range wrapLine(body, width) {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(w)
		}
		if strings.HasSuffix(l, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func wrapLine(line string, width int) []string {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	hang := indent + 4
	// The last gap of two or more spaces inside the text's left half.
	for i := indent; i+1 < len(line) && i < width/2; i++ {
		if line[i] == ' ' && line[i+1] == ' ' {
			j := i
			for j < len(line) && line[j] == ' ' {
				j++
			}
			if j <= width/2 {
				hang = j
			}
			i = j - 1
		}
	}
	if hang >= width-20 {
		hang = min(indent+4, width/2)
	}
	var out []string
	cur, curLen, started := line[:indent], indent, false
	rest := line[indent:]
	for rest != "" {
		trimmed := strings.TrimLeft(rest, " ")
		gap := rest[:len(rest)-len(trimmed)]
		end := strings.IndexByte(trimmed, ' ')
		if end < 0 {
			end = len(trimmed)
		}
		word := trimmed[:end]
		rest = trimmed[end:]
		if word == "" {
			break
		}
		switch {
		case !started:
			cur += word
			curLen += visibleLen(word)
			started = true
		case curLen+len(gap)+visibleLen(word) > width:
			out = append(out, cur)
			h := hang
			if h+visibleLen(word) > width {
				h = min(h, indent+2) // a long word gets the whole line it can
			}
			cur = strings.Repeat(" ", h) + word
			curLen = h + visibleLen(word)
		default:
			cur += gap + word
			curLen += len(gap) + visibleLen(word)
		}
	}
	return append(out, cur)
}

// SGR sequences for the kinds of endpoint. Exchanges (where funds can be
// frozen) stand out in green, mixers and bridges (where the trail needs more
// work) in magenta and cyan, untraced endpoints (the trace stopped there, not
// the money) in yellow, a failed source in red.
const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
)

var kindColour = map[string]string{
	graph.EndExchange:        "\x1b[1;32m",
	graph.EndExchangeDeposit: "\x1b[1;32m",
	graph.EndMixer:           "\x1b[35m",
	graph.EndBridge:          "\x1b[36m",
	graph.EndService:         "\x1b[34m",
	graph.EndContract:        "\x1b[34m",
	graph.EndUnspent:         "\x1b[1m",
	graph.EndHopLimit:        "\x1b[33m",
	graph.EndBelowThreshold:  "\x1b[33m",
	graph.EndHighActivity:    "\x1b[33m",
	graph.EndAddressLimit:    "\x1b[33m",
	graph.EndIncomplete:      "\x1b[31m",
}

// colourPrefix colours the first occurrence of word at the start of line
// (after its indentation), when a colour is known for it.
func colourPrefix(line, word string) string {
	c, ok := kindColour[word]
	if !ok {
		return line
	}
	trim := strings.TrimLeft(line, " ")
	if !strings.HasPrefix(trim, word) {
		return line
	}
	ind := line[:len(line)-len(trim)]
	return ind + c + word + sgrReset + trim[len(word):]
}
