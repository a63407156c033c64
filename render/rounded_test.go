package render

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

func TestRoundedAmount(t *testing.T) {
	eth := graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}
	btc := graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}
	for _, c := range []struct {
		v    string
		a    graph.Asset
		want string
	}{
		{"12471583440242007145", eth, "≈12.4716 ETH"},
		{"12500000000000000000", eth, "12.5 ETH"},   // exact: no ≈
		{"1736000000000000000000", eth, "1736 ETH"}, // whole
		{"9985645519523", eth, "≈0.00001 ETH"},      // 0.000009985645519523: two significant digits, rounded up
		{"1", eth, "0.000000000000000001 ETH"},      // one wei: exact, nothing to round
		{"8512345678901", eth, "≈0.0000085 ETH"},
		{"99995000000000000", eth, "≈0.1 ETH"},          // 0.099995 rounds up across the decimal
		{"42000000", btc, "0.42 BTC"},                   // four decimals or fewer stay exact
		{"861440001", btc, "≈8.6144 BTC"},               // 8.61440001
		{"-12471583440242007145", eth, "≈-12.4716 ETH"}, // signed (reconciliation)
		{"0", eth, "0 ETH"},
	} {
		v, _ := new(big.Int).SetString(c.v, 10)
		if got := RoundedAmount(v, c.a); got != c.want {
			t.Errorf("RoundedAmount(%s, %s) = %q, want %q", c.v, c.a.Symbol, got, c.want)
		}
	}
}

// DOT draws what the JSON says (issue 15 item 5): a change output is marked as
// such, a deposit's sweep into its exchange is an edge, amounts are rounded for
// the eye while the JSON keeps base units.
func TestDOTDrawsChangeAndSweeps(t *testing.T) {
	var dot bytes.Buffer
	if err := WriteDOT(&dot, utxoResult()); err != nil {
		t.Fatal(err)
	}
	s := dot.String()
	for _, want := range []string{
		`-> "bc1qchange000000000000000000000000000000" [label=<amount 0.7999 BTC<BR/>taint 0.7999 BTC<BR/><I>change (heuristic)</I>>, arrowhead=onormal`,
		`"bc1qdeposit00000000000000000000000000000" -> "exchange:Kraken" [label=<sweep tx dddd0000…000004>, style=dotted`,
		`"exchange:Kraken" [label=<<B>Kraken</B>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("DOT lacks %s", want)
		}
	}
	dot.Reset()
	if err := WriteDOT(&dot, accountResult(0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dot.String(), "<B>≈2.996 ETH</B>") || strings.Contains(dot.String(), "2.995999999999999999") {
		t.Error("DOT node amounts are not rounded for display")
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, accountResult(0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"2995999999999999999"`) {
		t.Error("JSON lost the exact amount")
	}
}
