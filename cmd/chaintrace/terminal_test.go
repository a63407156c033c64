package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// tty describes the terminal a test pretends to run on.
type tty struct {
	out, err bool // standard output / standard error are terminals
	width    int  // standard output's width
}

// runTerm runs a command line the way main does, with buffers that claim to
// be the terminal t describes (GitHub CLI style: the IO streams are options).
func runTerm(t *testing.T, term tty, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return env[k] },
		OutTTY: term.out, ErrTTY: term.err, OutWidth: term.width}
	code := runIO(context.Background(), args, ios)
	return result{code, out.String(), errOut.String()}
}

// overWidth lists the lines of s wider than w columns.
func overWidth(s string, w int) []string {
	var over []string
	for _, l := range strings.Split(s, "\n") {
		if utf8.RuneCountInString(l) > w {
			over = append(over, l)
		}
	}
	return over
}

// wholeTokens are the lines allowed past the width: one unbreakable word (a
// full hash, which is never cut) after the indentation or after "tx ".
func wholeToken(l string) bool {
	f := strings.Fields(l)
	return len(f) == 1 || len(f) == 2 && f[0] == "tx"
}

func TestWidthIsHonoured(t *testing.T) {
	for _, demo := range []string{"demo", "demo-btc"} {
		full := runCLI(t, nil, "trace", "--case", demo)
		if full.code != 0 {
			t.Fatalf("%s: exit %d: %s", demo, full.code, full.errOut)
		}
		if len(overWidth(full.out, 150)) == 0 {
			t.Fatalf("%s: the unlimited output has no line over 150 columns; the test proves nothing", demo)
		}
		for _, w := range []int{200, 120, 100, 80} {
			r := runCLI(t, nil, "trace", "--case", demo, "--width", itoa(w))
			if over := overWidth(r.out, w); len(over) > 0 {
				t.Errorf("%s --width %d: %d lines are wider, e.g.\n%s", demo, w, len(over), over[0])
			}
		}
		// Narrower than a hash: only lines holding one whole hash may be wider.
		r := runCLI(t, nil, "trace", "--case", demo, "--width", "60")
		for _, l := range overWidth(r.out, 60) {
			if !wholeToken(l) {
				t.Errorf("%s --width 60: line wider than 60 that is not a whole hash:\n%s", demo, l)
			}
		}
	}
}

func TestWidthFromTerminalAndCOLUMNS(t *testing.T) {
	// A terminal 90 wide: the output fits it.
	r := runTerm(t, tty{out: true, width: 90}, map[string]string{"NO_COLOR": "1"}, "trace", "--case", "demo")
	if over := overWidth(r.out, 90); len(over) > 0 || r.code != 0 {
		t.Errorf("terminal of 90 columns: exit %d, %d lines wider, e.g. %q", r.code, len(over), append(over, "")[0])
	}
	// COLUMNS wins over the terminal's size, --width over both.
	r = runTerm(t, tty{out: true, width: 200}, map[string]string{"COLUMNS": "80", "NO_COLOR": "1"}, "trace", "--case", "demo")
	if over := overWidth(r.out, 80); len(over) > 0 {
		t.Errorf("COLUMNS=80: %d lines wider, e.g. %q", len(over), over[0])
	}
	r = runTerm(t, tty{out: true, width: 80}, map[string]string{"COLUMNS": "80", "NO_COLOR": "1"}, "trace", "--case", "demo", "--width", "0")
	if len(overWidth(r.out, 150)) == 0 {
		t.Error("--width 0 on an 80-column terminal still fitted the output")
	}
	// A pipe (no terminal, no COLUMNS) gets everything whole, like the goldens.
	piped := runTerm(t, tty{}, nil, "trace", "--case", "demo", "--paths")
	golden, err := os.ReadFile(filepath.Join("testdata", "demo.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if piped.out != string(golden) {
		t.Error("trace --case demo into a pipe differs from testdata/demo.txt")
	}
	// --out FILE is not the terminal: whole amounts and hashes.
	out := filepath.Join(t.TempDir(), "demo.txt")
	r = runTerm(t, tty{out: true, width: 80}, map[string]string{"NO_COLOR": "1"}, "trace", "--case", "demo", "--paths", "--out", out)
	// (The next section names --out in its commands, so it differs by design.)
	before := func(s string) string { b, _, _ := strings.Cut(s, "\nnext\n"); return b }
	if b, _ := os.ReadFile(out); r.code != 0 || before(string(b)) != before(string(golden)) {
		t.Errorf("--out FILE from an 80-column terminal: exit %d, file differs from testdata/demo.txt (%s)", r.code, r.errOut)
	}
}

func TestNarrowTableShrinksAmountsBeforeLabels(t *testing.T) {
	r := runCLI(t, nil, "trace", "--case", "demo", "--width", "120")
	// At 120 columns the hashes are shortened and the amounts rounded, and the
	// legend says so; the long labels still read whole at 100+.
	for _, want := range []string{
		"1458.46 ETH", // 1458.458575826464035395 rounded
		"amounts rounded to 2 decimals to fit 120 columns (exact in --format json)",
		"0xfec087…b83531 +1",
		"+N: N more transactions brought taint to that endpoint",
		"Exchange A hot wallet (demo)",
		"params  address_budget=1000 deposit_alpha=0.01 ETH",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("--width 120: output lacks %q", want)
		}
	}
	// The summary keeps every digit when it fits.
	if !strings.Contains(r.out, "47.909253279648639136 ETH") {
		t.Error("--width 120: the summary's exact amounts were rounded")
	}
	// Full precision stays in the machine formats whatever the width.
	j := runCLI(t, nil, "trace", "--case", "demo", "--format", "json", "--width", "60")
	if !strings.Contains(j.out, `"1458458575826464035395"`) {
		t.Error("--format json with --width 60 lost base units")
	}
}

// A 60-column terminal (a split pane): the endpoint table leaves out the HOPS
// column after the inflow column rather than wrap its header or cut its rows,
// and says so; at 80 columns HOPS stays.
func TestSixtyColumnTable(t *testing.T) {
	for _, demo := range []string{"demo", "demo-btc"} {
		r := runCLI(t, nil, "trace", "--case", demo, "--width", "60")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", demo, r.code, r.errOut)
		}
		lines := strings.Split(r.out, "\n")
		head := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  KIND ") })
		if head < 0 {
			t.Fatalf("%s: no table:\n%s", demo, r.out)
		}
		if got := strings.Fields(lines[head]); !slices.Equal(got, []string{"KIND", "ADDRESS", "LABEL", "AMOUNT", "SHARE"}) {
			t.Errorf("%s: header %q", demo, lines[head])
		}
		for _, l := range lines[head:] {
			if l == "" {
				break
			}
			if n := utf8.RuneCountInString(l); n > 60 || strings.HasSuffix(l, "…") {
				t.Errorf("%s: table line of %d columns, or cut: %q", demo, n, l)
			}
		}
		if !strings.Contains(r.out, "HOPS left out to fit 60 columns") {
			t.Errorf("%s: the legend does not say HOPS was left out", demo)
		}
		if w := runCLI(t, nil, "trace", "--case", demo, "--width", "80"); strings.Contains(w.out, "HOPS left out") || !strings.Contains(w.out, "SHARE  HOPS") {
			t.Errorf("%s: --width 80 lost the HOPS column", demo)
		}
	}
}

func TestColourOnlyOnTerminals(t *testing.T) {
	const esc = "\x1b["
	cases := []struct {
		name string
		term tty
		env  map[string]string
		args []string
		want bool
	}{
		{"terminal", tty{out: true, width: 200}, nil, nil, true},
		{"NO_COLOR", tty{out: true, width: 200}, map[string]string{"NO_COLOR": "1"}, nil, false},
		{"TERM=dumb", tty{out: true, width: 200}, map[string]string{"TERM": "dumb"}, nil, false},
		{"pipe", tty{}, nil, nil, false},
		{"--color never", tty{out: true, width: 200}, nil, []string{"--color", "never"}, false},
		{"--color always in a pipe", tty{}, nil, []string{"--color", "always"}, true},
		{"json on a terminal", tty{out: true, width: 200}, nil, []string{"--format", "json"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runTerm(t, c.term, c.env, append([]string{"trace", "--case", "demo"}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			if got := strings.Contains(r.out, esc); got != c.want {
				t.Errorf("colour = %v, want %v", got, c.want)
			}
			if c.want && !strings.Contains(r.out, "\x1b[1;32mexchange-deposit\x1b[0m") {
				t.Error("exchange deposits are not coloured green")
			}
		})
	}
	// The scheme README.md states, per kind, on the demos' endpoint rows.
	for _, c := range []struct{ demo, kind, sgr string }{
		{"demo", "exchange", "1;32"}, {"demo", "exchange-deposit", "1;32"}, {"demo", "mixer", "35"},
		{"demo", "unspent", "1"}, {"demo", "hop-limit", "33"}, {"demo-btc", "service", "34"},
	} {
		r := runTerm(t, tty{out: true, width: 200}, nil, "trace", "--case", c.demo)
		row := "\n  \x1b[" + c.sgr + "m" + c.kind + "\x1b[0m "
		if !strings.Contains(r.out, row) {
			t.Errorf("%s: %s rows are not coloured \\x1b[%sm", c.demo, c.kind, c.sgr)
		}
	}
	// Colour does not change the layout: stripped of its escapes, the output is
	// the uncoloured one.
	col := runTerm(t, tty{out: true, width: 100}, nil, "trace", "--case", "demo")
	plain := runTerm(t, tty{out: true, width: 100}, map[string]string{"NO_COLOR": "1"}, "trace", "--case", "demo")
	if stripSGR(col.out) != plain.out {
		t.Error("the coloured output is laid out differently from the plain one")
	}
}

func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseErrorsInPlainWords(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "result.json")
	if r := runCLI(t, nil, "trace", "--case", "demo", "--format", "json", "--out", res); r.code != 0 {
		t.Fatal(r.errOut)
	}
	spec := filepath.Join(dir, "spec.yaml")
	os.WriteFile(spec, []byte("# a check spec\nname: x\ncase: x.case\nexpect:\n  endpoints: []\n"), 0o644)
	const outpoint = "f58d541351fd052402c1c0b458839c0c94a1c9dcd74c13db992a722bf9070831:1"
	for _, c := range []struct {
		name   string
		env    map[string]string
		args   []string
		want   []string
		reject []string
	}{
		{"typo in a command, flags after it", nil, []string{"trce", "--case", "demo"},
			[]string{`unknown command "trce"`, `did you mean "trace"?`}, []string{"--case"}},
		{"typo in a subcommand", nil, []string{"labels", "lst"}, []string{`unknown labels command "lst"`, `did you mean "list"?`}, nil},
		{"typo in a flag", nil, []string{"trace", "--case", "demo", "--hosp", "3"}, []string{"unknown flag: --hosp", "did you mean --hops?"}, []string{"--help or"}},
		{"prefix of a flag", nil, []string{"trace", "--cas", "demo"}, []string{"did you mean --case"}, []string{"--rps"}},
		{"flag of another command", nil, []string{"labels", "list", "--case", "demo"}, []string{"--case is a flag of chaintrace trace"}, nil},
		{"not a number", nil, []string{"trace", "--case", "demo", "--hops", "abc"}, []string{`--hops "abc": want a whole number such as 5`}, []string{"strconv", "ParseInt"}},
		{"not a duration", nil, []string{"trace", "--case", "demo", "--timeout", "5"}, []string{`--timeout "5": want a duration such as 30s`}, []string{"time:"}},
		{"not a rate", nil, []string{"trace", "--case", "demo", "--rps", "fast"}, []string{`--rps "fast": want a number`}, []string{"strconv"}},
		{"not a width", nil, []string{"trace", "--case", "demo", "--width", "wide"}, []string{`--width "wide": want a number of columns`}, nil},
		{"no value", nil, []string{"trace", "--case", "demo", "--hops"}, []string{"--hops needs a value"}, nil},
		{"bad number from the environment", map[string]string{"CHAINTRACE_HOPS": "abc"}, []string{"trace", "--case", "demo"},
			[]string{`environment variable CHAINTRACE_HOPS="abc" (for --hops): want a whole number`}, []string{"strconv"}},
		{"bad policy from the environment", map[string]string{"CHAINTRACE_POLICY": "bogus"}, []string{"trace", "--case", "demo"},
			[]string{`"bogus"`, `--policy was set by the environment variable CHAINTRACE_POLICY="bogus"`}, nil},
		{"bad hops from the environment", map[string]string{"CHAINTRACE_HOPS": "0"}, []string{"trace", "--case", "demo"},
			[]string{"--hops 0", `--hops was set by the environment variable CHAINTRACE_HOPS="0"`}, nil},
		{"bad policy on the command line", map[string]string{"CHAINTRACE_HOPS": "3"}, []string{"trace", "--case", "demo", "--policy", "bogus"},
			[]string{`chaintrace: bad input: --policy "bogus": unknown policy, want one of poison, haircut`}, []string{"environment", "--policy: bad input"}},
		{"no seed, no node contacted", nil, []string{"trace", "--rpc", "http://127.0.0.1:1"}, []string{"no seed given"}, []string{"127.0.0.1"}},
		{"no seed on the public default", nil, []string{"trace"}, []string{"no seed given"}, []string{"publicnode", "connecting"}},
		{"outpoint on an EVM chain", nil, []string{"trace", "--chain", "evm", "--rpc", "http://127.0.0.1:1", outpoint}, []string{"is a Bitcoin output (txid:vout): use --chain btc"}, nil},
		{"a result as a case", nil, []string{"trace", "--case", res}, []string{"is a chaintrace result (the output of --format json), not a case file", "--record"}, []string{`unknown field "schema"`}},
		{"a check spec as a case", nil, []string{"trace", "--case", spec}, []string{"is a check spec", "chaintrace check " + spec, filepath.Join(dir, "x.case")}, []string{"invalid JSON"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.env, c.args...)
			if r.code != exitInput {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, exitInput, r.errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
			for _, w := range c.reject {
				if strings.Contains(r.errOut, w) {
					t.Errorf("stderr has %q:\n%s", w, r.errOut)
				}
			}
		})
	}
}
