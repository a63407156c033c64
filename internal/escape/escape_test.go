package escape

import (
	"encoding/csv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostile are payloads a token contract or a label file can carry.
var hostile = []string{
	"\x1b[2J\x1b[H",                     // clear screen, cursor home
	"\x1b]0;pwned\x07title",             // set the window title (OSC ... BEL)
	"\x1b]8;;http://evil\x1b\\link",     // OSC 8 hyperlink terminated by ST
	"\u009b31mred",                      // C1 CSI
	"a\u0085b",                          // C1 NEL
	"\u009d0;title\u009c",               // C1 OSC ... C1 ST
	"=HYPERLINK(\"http://evil\",\"x\")", // spreadsheet formula
	"</script><script>alert(1)</script>",
	"\xff\xfe invalid",
	"\u202eevil\u202c", // right-to-left override
	"line1\nline2\r\nline3\u2028",
	"back\\slash \\N \\G",
	"\x1b", "\x1b[", "\x1b]", "\u009b", // truncated sequences
	strings.Repeat("A", 100_000),
}

func noControls(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8 in %q", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || bidi(r) || r == '\u2028' || r == '\u2029' {
			t.Errorf("%s: control or bidi character %U in %q", what, r, s)
		}
	}
}

func TestTerminal(t *testing.T) {
	cases := map[string]string{
		"plain 0x1234 ETH":            "plain 0x1234 ETH",
		"\x1b[2J\x1b[Hafter":          "after",
		"\x1b]0;pwned\x07title":       "title",
		"\x1b]8;;http://evil\x1b\\ok": "ok",
		"\u009b31mred":                "red",
		"a\u0085b":                    "a b",
		"\u009d0;title\u009cafter":    "after",
		"\xff\xfe x":                  "\uFFFD x", // a run of bad bytes is one U+FFFD
		"\u202eevil\u202c":            "evil",
		"a\tb\nc":                     "a b c",
		"Tornado Cash: 100 ETH":       "Tornado Cash: 100 ETH",
		"交易所 🐳":                       "交易所 🐳",
		"x\x1b":                       "x",
		"\x1b(Bascii":                 "ascii", // designate G0 charset: ESC ( B
		"\x1b7saved\x1b8":             "saved",
	}
	for in, want := range cases {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
	for _, h := range hostile {
		noControls(t, "Terminal", Terminal(h))
	}
}

func TestLine(t *testing.T) {
	page := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\x1b]0;owned\x07\n</body>\n</html>\n"
	got := Line(page, 0)
	if strings.ContainsAny(got, "\n\r\x1b") || got != "<html> <head><title>502 Bad Gateway</title></head> <body> </body> </html>" {
		t.Errorf("Line(page) = %q", got)
	}
	long := Line(strings.Repeat("x ", 5000), 0)
	if n := utf8.RuneCountInString(long); n != LineMax || !strings.HasSuffix(long, "…") {
		t.Errorf("Line(long): %d runes, suffix %q; want %d ending in …", n, long[len(long)-5:], LineMax)
	}
	if got := Line("short", 3); got != "sh…" {
		t.Errorf("Line(short, 3) = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"äöüß", 3, "äö…"}, {"", 5, ""}, {"ab", 0, "…"},
	} {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := Display(strings.Repeat("\u009b", 10)+strings.Repeat("S", 100), 8); got != "SSSSSSS…" {
		t.Errorf("Display = %q", got)
	}
}

func TestDOT(t *testing.T) {
	if got, want := DOTHTML(`<B>&"'\N`+"\x1b[1m"), `&lt;B&gt;&amp;&quot;&#39;\\N`; got != want {
		t.Errorf("DOTHTML = %q, want %q", got, want)
	}
	if got, want := DOTQuoted(`a"b\c&d`+"\n"), `"a\"b\\c&amp;d "`; got != want {
		t.Errorf("DOTQuoted = %q, want %q", got, want)
	}
	for _, h := range hostile {
		s := DOTHTML(h)
		noControls(t, "DOTHTML", s)
		if strings.ContainsAny(s, `<>"`) {
			t.Errorf("DOTHTML(%.40q) keeps markup: %.80q", h, s)
		}
		q := DOTQuoted(h)
		noControls(t, "DOTQuoted", q)
		if inner := q[1 : len(q)-1]; strings.Contains(strings.ReplaceAll(inner, `\\`, ""), `"`) && !strings.Contains(strings.ReplaceAll(inner, `\\`, ""), `\"`) {
			t.Errorf("DOTQuoted(%.40q) has an unescaped quote: %.80q", h, q)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"Binance 14", "Binance 14"},
		{"1.5 ETH", "1.5 ETH"},
		{"", ""},
		{"'already", "'already"},
		{"'+0", "''+0"}, // an apostrophe of its own survives the round trip
		{"''=x", "'''=x"},
	} {
		got := CSVCell(c.in)
		if got != c.want {
			t.Errorf("CSVCell(%q) = %q, want %q", c.in, got, c.want)
		}
		if back := UnCSVCell(got); back != c.in {
			t.Errorf("UnCSVCell(CSVCell(%q)) = %q", c.in, back)
		}
	}
	// Through encoding/csv and back (RFC 4180 quoting of quotes, commas, newlines).
	var b strings.Builder
	w := csv.NewWriter(&b)
	row := []string{CSVCell(`=1+1,"x"`), CSVCell("a\nb"), CSVCell("-")}
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got, want := b.String(), "\"'=1+1,\"\"x\"\"\",\"a\nb\",'-\n"; got != want {
		t.Errorf("csv row = %q, want %q", got, want)
	}
	rec, err := csv.NewReader(strings.NewReader(b.String())).Read()
	if err != nil || UnCSVCell(rec[0]) != `=1+1,"x"` {
		t.Errorf("read back %q, %v", rec, err)
	}
}

func TestMarkdown(t *testing.T) {
	cases := map[string]string{
		"</script><script>alert(1)</script>": `\</script>\<script>alert(1)\</script>`,
		"[click](javascript:alert(1))":       `\[click\](javascript:alert(1))`,
		"a|b*c*_d_`e`":                       `a\|b\*c\*\_d\_\` + "`e\\`",
		"<0.1%":                              "<0.1%",
		"<!-- x -->":                         `\<!-- x -->`,
		"sym\u009b2Jbol\u0085x":              "sym" + "bol x",
	}
	for in, want := range cases {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MarkdownCode("0xab`|\x1b[2Jcd"); got != "`0xabcd`" {
		t.Errorf("MarkdownCode = %q", got)
	}
	for _, h := range hostile {
		noControls(t, "Markdown", Markdown(h))
	}
}
