package escape

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s with nothing a terminal would interpret: see the package
// documentation. Printable text, including any script or emoji, is kept.
func Terminal(s string) string {
	if isPlain(s) {
		return s // the common case: ASCII letters, digits, punctuation
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == 0x1b: // ESC: drop the whole sequence it starts
			i = skipEscape(rs, i)
		case r == 0x9b: // C1 CSI: parameters and a final byte follow
			i = skipCSI(rs, i+1)
		case r == 0x9d || r == 0x90 || r == 0x9e || r == 0x9f || r == 0x98: // C1 OSC, DCS, PM, APC, SOS: a string up to ST or BEL
			i = skipString(rs, i+1)
		case bidi(r):
			// dropped
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func bidi(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// skipEscape returns the index of the last rune of the escape sequence that
// starts with ESC at rs[i] (ECMA-48: CSI "ESC [", string commands "ESC ] P ^ _ X",
// intermediate bytes 0x20-0x2f, then one final byte).
func skipEscape(rs []rune, i int) int {
	if i+1 >= len(rs) {
		return i
	}
	switch rs[i+1] {
	case '[':
		return skipCSI(rs, i+2)
	case ']', 'P', '^', '_', 'X':
		return skipString(rs, i+2)
	}
	j := i + 1
	for j < len(rs) && rs[j] >= 0x20 && rs[j] <= 0x2f {
		j++
	}
	if j < len(rs) && rs[j] >= 0x30 && rs[j] <= 0x7e {
		return j
	}
	return j - 1
}

// skipCSI skips parameter bytes (0x30-0x3f), intermediate bytes (0x20-0x2f) and
// the final byte (0x40-0x7e) from rs[j]; it returns the index of the final byte,
// or of the last byte that belonged to the sequence.
func skipCSI(rs []rune, j int) int {
	for j < len(rs) && rs[j] >= 0x20 && rs[j] <= 0x3f {
		j++
	}
	if j < len(rs) && rs[j] >= 0x40 && rs[j] <= 0x7e {
		return j
	}
	return j - 1
}

// skipString skips a control string up to and including its terminator (BEL,
// ST as ESC \ or U+009C); an unterminated string runs to the end of s, which is
// what a terminal would swallow too. A string is capped at 4096 runes so that an
// unterminated OSC does not erase a whole message.
func skipString(rs []rune, j int) int {
	limit := min(len(rs), j+4096)
	for ; j < limit; j++ {
		switch rs[j] {
		case 0x07, 0x9c:
			return j
		case 0x1b:
			if j+1 < len(rs) && rs[j+1] == '\\' {
				return j + 1
			}
			return j
		}
	}
	return limit - 1
}

// Truncate shortens s to at most n runes (n ≥ 1), ending in "…" when cut.
func Truncate(s string, n int) string {
	if n < 1 {
		n = 1
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	k := 0
	for _, r := range s {
		if k == n-1 {
			break
		}
		b.WriteRune(r)
		k++
	}
	b.WriteString("…")
	return b.String()
}

// Display is Terminal followed by Truncate: for a value shown in a table cell,
// a graph label or a summary line.
func Display(s string, n int) string { return Truncate(Terminal(s), n) }

// LineMax is the most runes Line keeps: enough for any message chaintrace
// writes itself with a quoted node answer in it.
const LineMax = 1000

// Line makes s one safe line of at most max runes (LineMax when max ≤ 0):
// Terminal, then every run of white space folded into one space. It is for text
// quoted from a node or API (an error body, an HTML error page) and for the
// error message chaintrace prints on stderr.
func Line(s string, max int) string {
	if max <= 0 {
		max = LineMax
	}
	return Truncate(strings.Join(strings.Fields(Terminal(s)), " "), max)
}

// DOTLabelMax is the longest HTML-like label Graphviz accepts (its lexer
// refuses longer ones and the whole graph is lost). Exporters cap each value
// they put into a label well below it (see Display) so that a label of a few
// lines cannot reach it.
const DOTLabelMax = 16384

// DOTHTML escapes text for a Graphviz HTML-like label (label=<…>). Graphviz
// decodes entities first and then expands backslash escapes (\N, \G, \E…) even
// in HTML-like labels, so a literal backslash is doubled.
func DOTHTML(s string) string {
	s = Terminal(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DOTQuoted renders s as a DOT double-quoted string (node ids, tooltips).
// Within quotes DOT itself treats only \" specially, but Graphviz expands
// backslash escapes in escString attributes such as tooltip and decodes
// &entities;, so backslashes are doubled and '&' is written as an entity.
func DOTQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range Terminal(s) {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// csvTrigger reports whether a spreadsheet (Excel, LibreOffice, Google Sheets)
// would treat a cell starting with c as a formula (OWASP "CSV injection").
func csvTrigger(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// CSVCell neutralises a cell a spreadsheet would evaluate by prefixing an
// apostrophe, which spreadsheets show as text and do not display; any other cell
// is returned unchanged. A cell that already starts with apostrophes before a
// formula character gets one more, so UnCSVCell restores every value exactly.
// Control characters are left to the caller (a CSV cell may legitimately hold a
// newline, which encoding/csv quotes).
func CSVCell(s string) string {
	if csvNeeds(s) {
		return "'" + s
	}
	return s
}

// UnCSVCell undoes CSVCell: a cell that is an apostrophe followed by what
// CSVCell protects loses that apostrophe, so a label file written by
// chaintrace reads back to the same values. Other cells are unchanged.
func UnCSVCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && csvNeeds(s[1:]) {
		return s[1:]
	}
	return s
}

// csvNeeds reports whether s, past any leading apostrophes, starts with a
// formula character.
func csvNeeds(s string) bool {
	t := strings.TrimLeft(s, "'")
	return t != "" && csvTrigger(t[0])
}

// Markdown escapes s as CommonMark/GitHub text, tables included: control
// characters go (Terminal), and a backslash guards every character that could
// start emphasis, a link, a code span, a table cell or an HTML tag (an entity
// such as &lt; only ever becomes a character, never markup).
// '<' is escaped only where it could open a tag (before a letter, '/', '!' or
// '?'), so "<0.1%" stays readable.
func Markdown(s string) string {
	rs := []rune(Terminal(s))
	var b strings.Builder
	for i, r := range rs {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|':
			b.WriteByte('\\')
		case '<':
			if i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || strings.ContainsRune("/!?", rs[i+1])) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MarkdownCode puts s in a code span. Backticks and pipes cannot occur in the
// hashes and addresses it is used for, so they are dropped rather than escaped
// (a pipe would end a table cell even inside a code span on GitHub).
func MarkdownCode(s string) string {
	s = strings.NewReplacer("`", "", "|", "").Replace(Terminal(s))
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}
