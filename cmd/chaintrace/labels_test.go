package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabelsValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("chain,address,label,category,source,confidence\n"+
		"eth,0x28c6c06298d514db089934071355e5743bf21d60,Fine,exchange,https://x,90\n"+
		"eth,0x28c6,Short,exchange,https://x,90\n"+
		"eth,0x21a31ee1afc51d94c2efccaa2092ad1028285549,Bad conf,exchange,https://x,high\n"), 0o644)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("title: t\ncreator: c\nsource: https://s\nconfidence: forensic\ncurrency: BTC\ncategory: mixing_service\ntags:\n- address: 34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo\n  label: L\n"), 0o644)

	r := runCLI(t, nil, "labels", "validate", good, bad)
	if r.code != exitInput {
		t.Fatalf("exit %d, want 2; out:\n%s\nerr:\n%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{
		good + ": OK (tagpack, 1 label",
		bad + ":3: address: ",
		bad + ":4: confidence: \"high\" is not an integer from 0 to 100",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.errOut, "2 errors in 1 of 2 label files") {
		t.Errorf("stderr: %s", r.errOut)
	}
	if r := runCLI(t, nil, "labels", "validate", good); r.code != exitOK {
		t.Errorf("valid file: exit %d: %s%s", r.code, r.out, r.errOut)
	}
	if r := runCLI(t, nil, "labels", "validate", filepath.Join(dir, "missing.csv")); r.code != exitInput || !strings.Contains(r.out, "missing.csv: cannot read") {
		t.Errorf("missing file: exit %d: %s", r.code, r.out)
	}
	if r := runCLI(t, nil, "labels", "validate"); r.code != exitInput {
		t.Errorf("no file: exit %d", r.code)
	}
}

func TestLabelsListAndShow(t *testing.T) {
	r := runCLI(t, nil, "labels", "list", "--chain", "btc", "--category", "exchange")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo") || strings.Contains(r.out, "0x") {
		t.Errorf("btc exchange list wrong:\n%s", r.out)
	}

	// Case-insensitive EVM lookup, answered with the checksummed address.
	r = runCLI(t, nil, "labels", "show", "--chain", "eth", "--format", "json", "0xA160CDAB225685DA1D56AA342AD8841C3B53F291")
	if r.code != exitOK {
		t.Fatalf("show: exit %d: %s", r.code, r.errOut)
	}
	var es []struct {
		Chain, Address, Label, Category, Source string
		Confidence                              int
	}
	if err := json.Unmarshal([]byte(r.out), &es); err != nil {
		t.Fatalf("show json: %v\n%s", err, r.out)
	}
	if len(es) != 1 || es[0].Label != "Tornado Cash: 100 ETH" || es[0].Address != "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291" || es[0].Category != "mixer" || es[0].Source == "" {
		t.Errorf("show: %+v", es)
	}
	if r := runCLI(t, nil, "labels", "show", "0x0000000000000000000000000000000000000001"); r.code != exitRuntime || !strings.Contains(r.errOut, "no label for") {
		t.Errorf("unknown address: exit %d %s", r.code, r.errOut)
	}
	if r := runCLI(t, nil, "labels", "list", "--format", "xml"); r.code != exitInput {
		t.Errorf("bad format: exit %d", r.code)
	}
	if r := runCLI(t, nil, "labels", "list", "--category", "casino"); r.code != exitInput {
		t.Errorf("bad category: exit %d", r.code)
	}
}

func TestLabelsOverrideConflictAndCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.csv")
	os.WriteFile(mine, []byte("chain,address,label,category,source,confidence\n"+
		"eth,0x28C6C06298D514DB089934071355E5743BF21D60,Not Binance,service,https://mine,40\n"), 0o644)
	r := runCLI(t, nil, "labels", "show", "--labels", mine, "--chain", "eth", "0x28c6c06298d514db089934071355e5743bf21d60")
	if r.code != exitOK || !strings.Contains(r.out, "Not Binance") || strings.Contains(r.out, "Binance 14") {
		t.Errorf("later file should win: exit %d\n%s", r.code, r.out)
	}
	if !strings.Contains(r.errOut, "label conflict") || !strings.Contains(r.errOut, "Binance 14") || !strings.Contains(r.errOut, mine+":2") {
		t.Errorf("conflict not reported: %s", r.errOut)
	}
	// A bad --labels file is bad input, with the file's line in the message.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("chain,address,label,category,source,confidence\neth,0x12,x,exchange,me,200\n"), 0o644)
	if r := runCLI(t, nil, "labels", "list", "--labels", bad); r.code != exitInput || !strings.Contains(r.errOut, bad+":2") {
		t.Errorf("bad --labels: exit %d %s", r.code, r.errOut)
	}

	// `list --format csv` writes a label file that validates and holds every label.
	r = runCLI(t, nil, "labels", "list", "--format", "csv")
	out := filepath.Join(dir, "all.csv")
	os.WriteFile(out, []byte(r.out), 0o644)
	v := runCLI(t, nil, "labels", "validate", out)
	if v.code != exitOK {
		t.Fatalf("exported CSV does not validate: %s", v.out)
	}
	text := runCLI(t, nil, "labels", "list")
	lines := strings.Split(strings.TrimSpace(text.out), "\n")
	total := lines[len(lines)-1]
	if !strings.Contains(v.out, "("+"csv, "+strings.TrimSuffix(total, "s")) {
		t.Errorf("count mismatch: list says %q, validate says %q", total, v.out)
	}
}

// labels list fits the terminal: --width, $COLUMNS or the terminal's width,
// the same rules as trace's table. Expected rows worked out by hand from the
// layout stages in labels.go (see the comments).
func TestLabelsListFitsTheWidth(t *testing.T) {
	f := filepath.Join(t.TempDir(), "two.csv")
	src := "https://example.org/labels/exchange-z/hot-wallet-number-fourteen"
	os.WriteFile(f, []byte("chain,address,label,category,source,confidence\n"+
		"eth,0x28C6c06298d514Db089934071355E5743bf21d60,Exchange Z hot wallet number fourteen (demo),exchange,"+src+",90\n"+
		"btc,bc1qgdjqv0av3q56jvd82tkdjpy7gdp9ut8tlqmgrpmv24sq90ecnvqqjwvw97,Bitfinex: Cold Wallet 2,exchange,https://example.org/b,90\n"), 0o644)
	// At 80 columns: CHAIN 5, CATEGORY 8 and CONF 4 wide with two spaces
	// between columns. The source does not fit (dropped), the 62-character
	// Bitcoin address cut to 42 still leaves the label less than 24, so every
	// address keeps 10 + 8 runes (19 wide) and the label gets the rest:
	// 80 - (5+2 + 19+2 + 8+2 + 4+2) = 36 runes, 35 of them kept and "…".
	want := strings.Join([]string{
		"CHAIN  ADDRESS              CATEGORY  CONF  LABEL",
		"btc    bc1qgdjqv0…qqjwvw97  exchange    90  Bitfinex: Cold Wallet 2",
		"eth    0x28C6c062…3bf21d60  exchange    90  Exchange Z hot wallet number fourte…",
		"addresses, labels shortened with … to fit 80 columns (whole with --width 0 or",
		"--format csv)",
		"SOURCE left out to fit 80 columns (labels show ADDRESS or --format csv has it)",
		"2 labels",
		"",
	}, "\n")
	args := []string{"labels", "list", "--no-builtin", "--labels", f}
	for _, c := range []struct {
		name string
		term tty
		env  map[string]string
		args []string
	}{
		{"--width 80 in a pipe", tty{}, nil, []string{"--width", "80"}},
		{"COLUMNS=80 on a wider terminal", tty{out: true, width: 200}, map[string]string{"COLUMNS": "80"}, nil},
		{"an 80-column terminal", tty{out: true, width: 80}, nil, nil},
	} {
		r := runTerm(t, c.term, c.env, append(args, c.args...)...)
		if r.code != 0 || r.out != want {
			t.Errorf("%s: exit %d, got\n%s\nwant\n%s", c.name, r.code, r.out, want)
		}
	}

	// A pipe or --width 0 gets every cell whole.
	for _, extra := range [][]string{nil, {"--width", "0"}} {
		r := runTerm(t, tty{}, nil, append(args, extra...)...)
		if r.code != 0 || strings.Contains(r.out, "…") || !strings.Contains(r.out, src) ||
			!strings.Contains(r.out, "bc1qgdjqv0av3q56jvd82tkdjpy7gdp9ut8tlqmgrpmv24sq90ecnvqqjwvw97") {
			t.Errorf("%v: exit %d, cells cut without a width:\n%s", extra, r.code, r.out)
		}
	}

	// Machine formats ignore the width.
	for _, format := range []string{"csv", "json"} {
		pipe := runTerm(t, tty{}, nil, append(args, "--format", format)...)
		narrow := runTerm(t, tty{out: true, width: 40}, map[string]string{"COLUMNS": "40"}, append(args, "--format", format)...)
		if pipe.code != 0 || narrow.out != pipe.out || !strings.Contains(pipe.out, src) {
			t.Errorf("--format %s changed with the width:\n%s\nvs\n%s", format, narrow.out, pipe.out)
		}
	}

	// The whole built-in set at 80 columns: every line fits, no row is lost.
	all := runTerm(t, tty{out: true, width: 80}, nil, "labels", "list")
	csv := runCLI(t, nil, "labels", "list", "--format", "csv")
	if over := overWidth(all.out, 80); all.code != 0 || len(over) > 0 {
		t.Errorf("built-in list at 80 columns: exit %d, %d lines wider: %q", all.code, len(over), over)
	}
	n := strings.Count(strings.TrimSpace(csv.out), "\n") // rows below the header
	if !strings.Contains(all.out, "\n"+itoa(n)+" labels\n") || strings.Count(all.out, "\n") != n+1+3+1 {
		t.Errorf("built-in list at 80 columns: %d lines for %d labels:\n%s", strings.Count(all.out, "\n"), n, all.out)
	}
}
