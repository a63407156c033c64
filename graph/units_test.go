package graph

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestFormatUnits(t *testing.T) {
	for _, c := range []struct {
		v    string
		dec  uint8
		want string
	}{
		{"0", 18, "0"},
		{"1", 18, "0.000000000000000001"},
		{"1234500000000000000", 18, "1.2345"},
		{"1000000000000000000", 18, "1"},
		{"10000000000000000000", 18, "10"},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639935", 18, "115792089237316195423570985008687907853269984665640564039457.584007913129639935"},
		{"100000000", 8, "1"},
		{"10000", 8, "0.0001"},
		{"123", 0, "123"},
		{"0", 0, "0"},
		{"1500000", 6, "1.5"},
		{"-1500000", 6, "-1.5"},
		{"-1", 2, "-0.01"},
	} {
		if got := FormatUnits(n(c.v), c.dec); got != c.want {
			t.Errorf("FormatUnits(%s, %d) = %q, want %q", c.v, c.dec, got, c.want)
		}
	}
	if got := FormatUnits(nil, 18); got != "0" {
		t.Errorf("nil = %q", got)
	}
	if got := FormatAmount(n("2500000000000000000"), ethAsset); got != "2.5 ETH" {
		t.Errorf("FormatAmount = %q", got)
	}
}

func TestParseUnits(t *testing.T) {
	for _, c := range []struct {
		s    string
		dec  uint8
		want string
	}{
		{"0", 18, "0"},
		{"0.5", 18, "500000000000000000"},
		{"1.2345", 18, "1234500000000000000"},
		{"0.000000000000000001", 18, "1"},
		{".5", 8, "50000000"},
		{"5.", 8, "500000000"},
		{"007", 0, "7"},
		{"12", 0, "12"},
		{"1.50", 1, "15"}, // trailing zeros name no smaller unit
		{"3.000", 0, "3"}, // same with no decimals at all
		{"0.", 0, "0"},    // nothing left after the point
		{"100000000000000000000000000000", 18, "100000000000000000000000000000" + strings.Repeat("0", 18)},
	} {
		got, err := ParseUnits(c.s, c.dec)
		if err != nil || got.String() != c.want {
			t.Errorf("ParseUnits(%q, %d) = %v, %v; want %s", c.s, c.dec, got, err, c.want)
		}
	}
	for _, c := range []struct {
		s, dec  string
		decimal uint8
		msg     string
	}{
		{s: "-1", decimal: 18, msg: "negative"},
		{s: "-0.5", decimal: 18, msg: "negative"},
		{s: "0.0000000000000000001", decimal: 18, msg: "has 19 decimal places but the asset has only 18"},
		{s: "1.5", decimal: 0, msg: "has 1 decimal places but the asset has only 0"},
		{s: "0.123456789", decimal: 8, msg: "9 decimal places"},
		{s: "", decimal: 8, msg: "empty amount"},
		{s: ".", decimal: 8, msg: "not a plain decimal number"},
		{s: "1e18", decimal: 18, msg: "not a plain decimal number"},
		{s: "+1", decimal: 18, msg: "not a plain decimal number"},
		{s: "1,000", decimal: 18, msg: "not a plain decimal number"},
		{s: " 1", decimal: 18, msg: "not a plain decimal number"},
		{s: "1.2.3", decimal: 18, msg: "not a plain decimal number"},
		{s: "0x10", decimal: 18, msg: "not a plain decimal number"},
		{s: "١", decimal: 18, msg: "not a plain decimal number"}, // Arabic-Indic digit one
	} {
		_, err := ParseUnits(c.s, c.decimal)
		if err == nil || !errors.Is(err, ErrBadAmount) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseUnits(%q, %d) error = %v; want ErrBadAmount mentioning %q", c.s, c.decimal, err, c.msg)
		}
	}
}

func TestParseFormatRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "0.000000000000000001", "1.2345", "98765.4321"} {
		v, err := ParseUnits(s, 18)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatUnits(v, 18); got != s {
			t.Errorf("round trip %q → %s → %q", s, v, got)
		}
	}
}

func TestRatToUnits(t *testing.T) {
	for _, c := range []struct {
		r     string
		dec   uint8
		want  string
		exact bool
	}{
		{"1/10", 18, "100000000000000000", true},
		{"1/3", 6, "333333", false},
		{"5", 0, "5", true},
		{"1/1000", 2, "0", false},
		{"-1/3", 0, "-1", false}, // floor
	} {
		r, _ := new(big.Rat).SetString(c.r)
		got, exact := RatToUnits(r, c.dec)
		if got.String() != c.want || exact != c.exact {
			t.Errorf("RatToUnits(%s, %d) = %s, %v; want %s, %v", c.r, c.dec, got, exact, c.want, c.exact)
		}
	}
	if v, ok := RatToUnits(nil, 18); v.Sign() != 0 || !ok {
		t.Error("nil should be exact zero")
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct{ part, whole, want string }{
		{"1", "3", "33.3%"},
		{"2", "3", "66.7%"},    // 666.67 permille rounds up
		{"1", "2000", "0.1%"},  // exactly 0.5 permille rounds half up
		{"1", "2001", "<0.1%"}, // 0.49975 permille: dust, but not nothing
		{"-1", "2001", ">-0.1%"},
		{"0", "5", "0.0%"},
		{"5", "5", "100.0%"},
		{"4", "1", "400.0%"},
		{"2995999999999999999", "10000000000000000000", "30.0%"},
		{"-1", "3", "-33.3%"},
	} {
		if got := Percent(n(c.part), n(c.whole)); got != c.want {
			t.Errorf("Percent(%s, %s) = %s, want %s", c.part, c.whole, got, c.want)
		}
	}
	if got := Percent(n("1"), n("0")); got != "-" {
		t.Errorf("zero whole = %s", got)
	}
	if got := Percent(nil, nil); got != "-" {
		t.Errorf("nil whole = %s", got)
	}
}
