package labels

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/trace"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCSVLookupScopes(t *testing.T) {
	const f = `chain,address,label,category,source,confidence
eth,0xa160cdab225685da1d56aa342ad8841c3b53f291,Pool on eth,mixer,https://a,100
evm,0xa160cdab225685da1d56aa342ad8841c3b53f291,Pool anywhere EVM,mixer,https://b,90
,0x28c6c06298d514db089934071355e5743bf21d60,Everywhere,exchange,https://c,80
btc,34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo,BTC wallet,exchange,https://d,90
bsc,0x4752ba5dbc23f44d87826276bf6fd6b1c372ad24,Router,dex,https://e,100,
`
	s := New()
	// The last row has a trailing empty field: the header has 6 columns, so it is an error.
	err := s.AddData("f.csv", []byte(f))
	var fe FileErrors
	if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Line != 6 {
		t.Fatalf("want one error on line 6, got %v", err)
	}
	if !errors.Is(err, trace.ErrBadInput) {
		t.Fatalf("FileErrors should wrap ErrBadInput")
	}
	if s.Len() != 0 {
		t.Fatalf("a file with errors must add nothing, store has %d", s.Len())
	}
	if err := s.AddData("f.csv", []byte(strings.TrimSuffix(f, ",\n")+"\n")); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		chain, addr, want, wantAddr string
		ok                          bool
	}{
		// Specific chain beats "evm"; case does not matter on EVM; label carries EIP-55.
		{"eth", "0xA160CDAB225685DA1D56AA342AD8841C3B53F291", "Pool on eth", "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", true},
		{"ETH", "0xa160cdab225685da1d56aa342ad8841c3b53f291", "Pool on eth", "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", true},
		{"polygon", "0xa160cdab225685da1d56aa342ad8841c3b53f291", "Pool anywhere EVM", "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", true},
		{"evm:1337", "0xa160cdab225685da1d56aa342ad8841c3b53f291", "Pool anywhere EVM", "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", true},
		{"evm", "0xa160cdab225685da1d56aa342ad8841c3b53f291", "Pool anywhere EVM", "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", true},
		// Empty chain column: every chain.
		{"bsc", "0x28C6C06298D514DB089934071355E5743BF21D60", "Everywhere", "0x28C6c06298d514Db089934071355E5743bf21d60", true},
		// Bitcoin: exact, and only on btc.
		{"btc", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", "BTC wallet", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", true},
		{"btc", "34XP4VROCGJYM3XR7YCVPFHOCNXV4TWSEO", "", "", false},
		{"btc-testnet", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", "", "", false},
		{"eth", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", "", "", false},
		{"bsc", "0x4752ba5dbc23f44d87826276bf6fd6b1c372ad24", "Router", "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24", true},
		{"eth", "0x4752ba5dbc23f44d87826276bf6fd6b1c372ad24", "", "", false},
	}
	for _, c := range cases {
		l, ok := s.Lookup(c.chain, c.addr)
		if ok != c.ok || l.Name != c.want || (ok && l.Address != c.wantAddr) {
			t.Errorf("Lookup(%q, %q) = %q %q %v; want %q %q %v", c.chain, c.addr, l.Name, l.Address, ok, c.want, c.wantAddr, c.ok)
		}
	}
	l, _ := s.Lookup("eth", "0xa160cdab225685da1d56aa342ad8841c3b53f291")
	if l.Category != "mixer" || l.Source != "https://a" || l.Confidence != 100 || l.Chain != "eth" {
		t.Errorf("label fields: %+v", l)
	}
}

func TestCSVErrorsEveryLineAndField(t *testing.T) {
	r, err := Validate("testdata/bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	type lf struct {
		line  int
		field string
	}
	want := []lf{
		{3, "chain"},
		{4, "address"},
		{5, "address"},
		{6, "address"},
		{7, "label"},
		{7, "category"},
		{7, "source"},
		{7, "confidence"},
		{8, ""},
	}
	got := map[lf]string{}
	for _, e := range r.Errors {
		got[lf{e.Line, e.Field}] = e.Msg
		if e.File != "testdata/bad.csv" {
			t.Errorf("error names file %q", e.File)
		}
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Errorf("missing error at line %d field %q; got %v", w.line, w.field, r.Errors)
		}
	}
	if len(r.Errors) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(r.Errors), len(want), r.Errors)
	}
	if r.OK() {
		t.Error("report says OK")
	}
	if m := got[lf{4, "address"}]; !strings.Contains(m, "0x12D66f87A04A9E220743712cE6d9bB1B5616B8Fc") {
		t.Errorf("checksum error should say the expected checksum: %s", m)
	}
	if m := got[lf{3, "chain"}]; !strings.Contains(m, "ethereum") || !strings.Contains(m, "eth") {
		t.Errorf("chain error should name the bad chain and the known ones: %s", m)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	r := ValidateData("h.csv", []byte("chain,address,label,kategory,source\n"))
	fields := map[string]bool{}
	for _, e := range r.Errors {
		if e.Line != 1 {
			t.Errorf("header error on line %d", e.Line)
		}
		fields[e.Field] = true
	}
	for _, f := range []string{"kategory", "category", "confidence"} {
		if !fields[f] {
			t.Errorf("no error for header field %q: %v", f, r.Errors)
		}
	}
	if r := ValidateData("e.csv", nil); r.OK() {
		t.Error("empty file accepted")
	}
}

func TestTagPackInheritanceAndMapping(t *testing.T) {
	data, err := os.ReadFile("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	es, notes, err := ParseTagPack("good.yaml", strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Entry{}
	for _, e := range es {
		byName[e.Name] = e
	}
	if len(es) != 7 {
		t.Fatalf("want 7 entries, got %d: %+v", len(es), es)
	}
	check := func(name, chain, cat, src string, conf int, line int) {
		t.Helper()
		e, ok := byName[name]
		if !ok {
			t.Fatalf("no entry %q", name)
		}
		if e.Chain != chain || e.Category != cat || e.Source != src || e.Confidence != conf || e.Line != line {
			t.Errorf("%s: got chain=%s cat=%s src=%s conf=%d line=%d", name, e.Chain, e.Category, e.Source, e.Confidence, e.Line)
		}
	}
	// Inherited: source, confidence service_data=50, category exchange, currency ETH.
	check("Example Exchange 1", "eth", "exchange", "https://example.org/pack", 50, 10)
	// Overridden source and confidence (ownership=100).
	check("Example Exchange 2", "eth", "exchange", "https://example.org/override", 100, 12)
	check("Example Exchange BSC", "bsc", "exchange", "https://example.org/pack", 50, 16)
	check("Example Exchange BTC", "btc", "exchange", "https://example.org/pack", 50, 19)
	check("Example Mixer", "eth", "mixer", "https://example.org/pack", 42, 22)
	// network wins over currency; an unmapped category falls to concepts.
	check("Example by concept", "eth", "bridge", "https://example.org/pack", 50, 26)
	// A tag without a label takes the header's.
	check("Header label", "eth", "exchange", "https://example.org/pack", 50, 37)
	if got := byName["Example Exchange 1"].Address; got != "0x28C6c06298d514Db089934071355E5743bf21d60" {
		t.Errorf("address not checksummed: %s", got)
	}
	if len(notes) != 2 {
		t.Fatalf("want 2 notes (TRX tag, tx tag), got %v", notes)
	}
	if notes[0].Line != 34 || !strings.Contains(notes[0].Msg, "TRX") || notes[1].Field != "tx_hash" {
		t.Errorf("notes: %v", notes)
	}
}

func TestTagPackErrors(t *testing.T) {
	r, err := Validate("testdata/bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type lf struct {
		line  int
		field string
	}
	want := []lf{
		{5, "source"},      // missing: reported at the tag
		{5, "confidence"},  // missing
		{10, "confidence"}, // very_sure is no confidence name
		{11, "address"},    // short address, at the address line
		{16, "lable"},      // unknown field
		{15, "label"},      // and so the label is missing
	}
	got := map[lf]bool{}
	for _, e := range r.Errors {
		got[lf{e.Line, e.Field}] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing error at line %d field %q; got %v", w.line, w.field, r.Errors)
		}
	}
	if len(r.Errors) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(r.Errors), len(want), r.Errors)
	}
	if r := ValidateData("x.yaml", []byte("title: [unclosed\n")); r.OK() || r.Errors[0].Line == 0 {
		t.Errorf("YAML syntax error should carry a line: %v", r.Errors)
	}
	if r := ValidateData("x.yaml", []byte("title: no tags\n")); r.OK() || r.Errors[0].Field != "tags" {
		t.Errorf("missing tags: %v", r.Errors)
	}
}

func TestLaterFilesOverrideAndConflicts(t *testing.T) {
	a := writeFile(t, "a.csv", `chain,address,label,category,source,confidence
eth,0x28c6c06298d514db089934071355e5743bf21d60,Binance 14,exchange,https://a,80
eth,0x21a31ee1afc51d94c2efccaa2092ad1028285549,Binance 15,exchange,https://a,80
`)
	b := writeFile(t, "b.yaml", `title: b
creator: t
source: https://b
confidence: ownership
currency: ETH
category: exchange
tags:
- address: '0x28C6C06298D514DB089934071355E5743BF21D60'
  label: My Exchange
- address: '0x21a31ee1afc51d94c2efccaa2092ad1028285549'
  label: Binance 15
`)
	s, err := Load(true, a, b)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := s.Lookup("eth", "0x28c6c06298d514db089934071355e5743bf21d60")
	if l.Name != "My Exchange" || l.Source != "https://b" || l.Confidence != 100 {
		t.Errorf("later file did not override: %+v", l)
	}
	l, _ = s.Lookup("eth", "0x21a31ee1afc51d94c2efccaa2092ad1028285549")
	if l.Source != "https://b" {
		t.Errorf("same label from a later file should still replace (newer source): %+v", l)
	}
	cs := s.Conflicts()
	if len(cs) != 1 {
		t.Fatalf("want 1 conflict (same name is no conflict), got %v", cs)
	}
	c := cs[0]
	if c.Old.Name != "Binance 14" || c.New.Name != "My Exchange" || c.Old.At() != a+":2" || c.New.At() != b+":8" {
		t.Errorf("conflict: %+v", c)
	}
	if !strings.Contains(c.String(), "overrides") {
		t.Errorf("conflict text: %s", c)
	}
	if got := s.Sources(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("sources %v", got)
	}
}

func TestBuiltin(t *testing.T) {
	s, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() < 50 {
		t.Fatalf("built-in set has only %d entries", s.Len())
	}
	if cs := s.Conflicts(); len(cs) != 0 {
		t.Errorf("built-in set contradicts itself: %v", cs)
	}
	for _, e := range s.All() {
		if e.Source == "" || e.Confidence <= 0 || !validCategory(e.Category) {
			t.Errorf("built-in entry without source/confidence/category: %+v", e)
		}
	}
	// Spot checks against the sources cited in the files (addresses typed here by hand).
	spot := []struct{ chain, addr, name, cat string }{
		{"eth", "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", "Tornado Cash: 100 ETH", "mixer"},
		{"eth", "0xd90e2f925DA726b50C4Ed8D0Fb90Ad053324F31b", "Tornado Cash: Router", "mixer"},
		{"bsc", "0xd47438C816c9E7f2E2888E060936a499Af9582b3", "Tornado Cash: 1 BNB", "mixer"},
		{"eth", "0x28C6c06298d514Db089934071355E5743bf21d60", "Binance 14", "exchange"},
		{"bsc", "0x8894E0a0c962CB723c1976a4421c95949bE2D4E3", "Binance: Hot Wallet 6", "exchange"},
		{"btc", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", "Binance: Reserve 1", "exchange"},
		{"btc", "bc1qgdjqv0av3q56jvd82tkdjpy7gdp9ut8tlqmgrpmv24sq90ecnvqqjwvw97", "Bitfinex: Cold Wallet 2", "exchange"},
		{"eth", "0x99C9fc46f92E8a1c0deC1b1747d010903E884bE1", "Optimism: Gateway (L1 Standard Bridge)", "bridge"},
		{"eth", "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D", "Uniswap: V2 Router02", "dex"},
	}
	for _, c := range spot {
		l, ok := s.Lookup(c.chain, c.addr)
		if !ok || l.Name != c.name || l.Category != c.cat {
			t.Errorf("built-in %s %s: got %q %q %v", c.chain, c.addr, l.Name, l.Category, ok)
		}
	}
	if l, _ := s.Lookup("eth", "0x8484Ef722627bf18ca5Ae6BcF031c23E6e922B30"); l.DestChain != "polygon" {
		t.Errorf("Polygon ether bridge dest chain: %q", l.DestChain)
	}
	// The same pool address is a 1 ETH pool on Arbitrum and a 1 BNB pool on BSC.
	if l, _ := s.Lookup("arbitrum", "0xd47438C816c9E7f2E2888E060936a499Af9582b3"); l.Name != "Tornado Cash: 1 ETH" {
		t.Errorf("arbitrum pool: %q", l.Name)
	}
	if _, ok := s.Lookup("eth", "0xd47438C816c9E7f2E2888E060936a499Af9582b3"); ok {
		t.Error("an Arbitrum/BSC pool address must not be labelled on Ethereum")
	}
}

func TestEntity(t *testing.T) {
	for in, want := range map[string]string{
		"Binance 14":              "Binance",
		"Binance: Hot Wallet 6":   "Binance",
		"Kraken: Hot Wallet":      "Kraken",
		"Crypto.com 3":            "Crypto.com",
		"Gate.io":                 "Gate.io",
		"Polygon (Matic): Bridge": "Polygon (Matic)",
		"Web3 Wallet":             "Web3 Wallet",
	} {
		if got := Entity(in); got != want {
			t.Errorf("Entity(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	s, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCSV(&b, s.All()); err != nil {
		t.Fatal(err)
	}
	s2 := New()
	if err := s2.AddData("round.csv", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	if s2.Len() != s.Len() {
		t.Fatalf("round trip: %d entries, want %d", s2.Len(), s.Len())
	}
	for _, e := range s.All() {
		l, ok := s2.Lookup(e.Chain, e.Address)
		want := e.Label
		want.Entity = Entity(want.Name) // Lookup names the entity behind the label
		if !ok || l != want {
			t.Errorf("round trip lost %+v (got %+v)", e.Label, l)
		}
	}
}

func TestCSVWindowsFile(t *testing.T) {
	// A spreadsheet's export: byte-order mark, CRLF line ends, quoted fields, comments.
	data := "\ufeffchain,address,label,category,source,confidence\r\n" +
		"# a comment line\r\n" +
		"eth,0x28c6c06298d514db089934071355e5743bf21d60,\"Binance, hot\",exchange,\"https://x, y\",80\r\n"
	es, err := ParseCSV("win.csv", strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Name != "Binance, hot" || es[0].Source != "https://x, y" || es[0].Line != 3 {
		t.Errorf("got %+v", es)
	}
}

func BenchmarkLookup(b *testing.B) {
	s, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	hit, miss := "0xa160cdab225685da1d56aa342ad8841c3b53f291", "0x0000000000000000000000000000000000000001"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := s.Lookup("eth", hit); !ok {
			b.Fatal("miss")
		}
		if _, ok := s.Lookup("eth", miss); ok {
			b.Fatal("hit")
		}
	}
}
