package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// assertNoControls fails when s holds anything a terminal would interpret.
func assertNoControls(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e')) {
			t.Errorf("%s holds control character %U: %q", what, r, s)
			return
		}
	}
}

// A label file written by an attacker: formula cells, terminal escapes, C1
// controls. labels list must not pass any of it through, in any format, and
// its CSV must read back to the same labels.
func TestLabelsHostileFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "hostile.csv")
	names := []string{
		`=HYPERLINK("http://evil.example/","click")`,
		"\x1b]0;owned\x07\x1b[2JExchange \u009b31mX\u0085Y",
		"+cmd|' /C calc'!A0",
		"@SUM(A1)",
		"-1+2",
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"chain", "address", "label", "category", "source", "confidence"})
	for i, n := range names {
		cw.Write([]string{"eth", fmt.Sprintf("0x%040x", i+1), n, "exchange", "=WEBSERVICE(\"http://evil\")", "50"})
	}
	cw.Flush()
	os.WriteFile(f, b.Bytes(), 0o644)

	r := runCLI(t, nil, "labels", "list", "--no-builtin", "--labels", f, "--format", "csv")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil {
		t.Fatalf("labels list csv is not RFC 4180: %v\n%s", err, r.out)
	}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	// Read back: the same names and sources.
	back := filepath.Join(dir, "back.csv")
	os.WriteFile(back, []byte(r.out), 0o644)
	j := runCLI(t, nil, "labels", "list", "--no-builtin", "--labels", back, "--format", "json")
	var es []struct {
		Name   string `json:"label"`
		Source string
	}
	if err := json.Unmarshal([]byte(j.out), &es); err != nil || len(es) != len(names) {
		t.Fatalf("read back: %v, %d entries\n%s%s", err, len(es), j.out, j.errOut)
	}
	got := map[string]bool{}
	for _, e := range es {
		got[e.Name] = true
		if e.Source != `=WEBSERVICE("http://evil")` {
			t.Errorf("source read back as %q", e.Source)
		}
	}
	for _, n := range names {
		if !got[n] {
			t.Errorf("label %q did not survive the CSV round trip", n)
		}
	}

	text := runCLI(t, nil, "labels", "list", "--no-builtin", "--labels", f)
	assertNoControls(t, "labels list (text)", text.out)
	show := runCLI(t, nil, "labels", "show", "--labels", f, "0x0000000000000000000000000000000000000002")
	assertNoControls(t, "labels show (text)", show.out)
	if !strings.Contains(show.out, "Exchange X Y") {
		t.Errorf("labels show lost the printable text: %q", show.out)
	}
}

// A node's error text reaches stderr as one escaped line, however long and
// whatever it contains; a bad-input message keeps its lines, each escaped.
func TestReportErrorEscapes(t *testing.T) {
	page := "<html>\n<head><title>502</title></head>\n<body>\x1b]0;owned\x07\x1b[2J" + strings.Repeat("x", 10000) + "\n</body></html>\n"
	var buf bytes.Buffer
	reportError(&buf, fmt.Errorf("trace stopped early: eth_getBlockByNumber: HTTP 502: %s", page))
	out := buf.String()
	assertNoControls(t, "stderr", strings.TrimSuffix(out, "\n"))
	if strings.Count(out, "\n") != 1 || len([]rune(out)) > errMaxLine+20 {
		t.Errorf("runtime error not one capped line (%d lines, %d runes)", strings.Count(out, "\n"), len([]rune(out)))
	}
	buf.Reset()
	reportError(&buf, badInput("2 errors in f.csv:\n  f.csv:2: label \x1b[31mred\n  f.csv:3: source \u009b2J"))
	if got, want := buf.String(), "chaintrace: bad input: 2 errors in f.csv:\n  f.csv:2: label red\n  f.csv:3: source\n"; got != want {
		t.Errorf("bad-input error printed as %q, want %q", got, want)
	}
	buf.Reset()
	reportError(&buf, errors.New(strings.Repeat("line\n", 500)))
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("%d lines", n)
	}
}

// A case file's name and contents are someone else's text too: case verify
// must not print them raw.
func TestCaseVerifyEscapes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "evil\x1b]0;owned\x07\x1b[2J.case")
	os.WriteFile(p, []byte("SQLite format 3\x00\x1b[2J"+strings.Repeat("x", 100)), 0o644)
	r := runCLI(t, nil, "case", "verify", p)
	if r.code != exitInput {
		t.Fatalf("exit %d", r.code)
	}
	assertNoControls(t, "case verify stdout", r.out)
	assertNoControls(t, "case verify stderr", r.errOut)
	if !strings.Contains(r.out, "FAIL ") || !strings.Contains(r.out, "evil") {
		t.Errorf("case verify output: %q", r.out)
	}
}
