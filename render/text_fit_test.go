package render

import (
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRoundUnits(t *testing.T) {
	n := func(s string) *big.Int { v, _ := new(big.Int).SetString(s, 10); return v }
	for _, c := range []struct {
		v    string
		dec  uint8
		keep int
		want string
	}{
		{"1458458575826464035395", 18, -1, "1458.458575826464035395"},
		{"1458458575826464035395", 18, 2, "1458.46"},
		{"1458458575826464035395", 18, 4, "1458.4586"},
		{"1997050991231706509", 18, 2, "2.00"}, // rounded up, zeros kept: it reads as rounded
		{"1995000000000000000", 18, 2, "2.00"}, // half away from zero
		{"1994999999999999999", 18, 2, "1.99"},
		{"9985645519523", 18, 4, "<0.0001"}, // dust never reads as nothing
		{"0", 18, 4, "0.0000"},
		{"-1997050991231706509", 18, 2, "-2.00"},
		{"150000000", 8, 8, "1.5"}, // keep ≥ decimals: exact
		{"7", 0, 2, "7"},
	} {
		if got := roundUnits(n(c.v), c.dec, c.keep); got != c.want {
			t.Errorf("roundUnits(%s, %d, %d) = %q, want %q", c.v, c.dec, c.keep, got, c.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	hash := "0x" + strings.Repeat("ab", 32)
	in := "  params  a=1 b=22 c=333 d=4444 e=55555 f=666666 g=7777777\n" +
		"  swapped in   85.6 ETH   4.9%  taint that arrived from another asset in a swap (see swaps)\n" +
		"      tx " + hash + ", block 1\n" +
		"short\n"
	got := wrapText(in, 40)
	want := "  params  a=1 b=22 c=333 d=4444 e=55555\n" +
		"          f=666666 g=7777777\n" +
		"  swapped in   85.6 ETH   4.9%  taint\n" +
		"               that arrived from another\n" +
		"               asset in a swap (see\n" +
		"               swaps)\n" +
		"      tx\n" +
		"        " + hash + ",\n" +
		"          block 1\n" +
		"short\n"
	if got != want {
		t.Errorf("wrapText:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if utf8.RuneCountInString(l) > 40 && !strings.Contains(l, hash) {
			t.Errorf("line wider than 40: %q", l)
		}
	}
	if wrapText(in, 0) != in {
		t.Error("width 0 changed the text")
	}
}
