package escape

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEscapers checks each escaper's promise on any input: Terminal output is
// valid UTF-8 without controls or bidi overrides and is a fixed point; DOT and
// Markdown output cannot open markup; CSVCell never starts a formula and
// UnCSVCell undoes it; Line is one line within its cap.
func FuzzEscapers(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term := Terminal(s)
		noControls(t, "Terminal", term)
		if Terminal(term) != term {
			t.Fatalf("Terminal is not idempotent on %q: %q → %q", s, term, Terminal(term))
		}
		if l := Line(s, 50); strings.ContainsAny(l, "\n\r") || utf8.RuneCountInString(l) > 50 {
			t.Fatalf("Line(%q) = %q", s, l)
		}
		if d := DOTHTML(s); strings.ContainsAny(d, `<>"`) {
			t.Fatalf("DOTHTML(%q) = %q keeps markup", s, d)
		}
		md := []rune(Markdown(s))
		for i, r := range md {
			if r == '<' && i+1 < len(md) && (i == 0 || md[i-1] != '\\') && (md[i+1] == '/' || md[i+1] == '!' || md[i+1] == '?' || (md[i+1] >= 'a' && md[i+1] <= 'z') || (md[i+1] >= 'A' && md[i+1] <= 'Z')) {
				t.Fatalf("Markdown(%q) = %q opens a tag", s, string(md))
			}
		}
		c := CSVCell(s)
		if c != "" && csvTrigger(c[0]) {
			t.Fatalf("CSVCell(%q) = %q starts a formula", s, c)
		}
		if UnCSVCell(c) != s {
			t.Fatalf("UnCSVCell(CSVCell(%q)) = %q", s, UnCSVCell(c))
		}
	})
}
