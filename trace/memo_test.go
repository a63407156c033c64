package trace

import (
	"errors"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

func TestParseMemo(t *testing.T) {
	const h = "9F2C8B3AD1E0477C12AB34CD56EF7890A1B2C3D4E5F60718293A4B5C6D7E8F90"
	lower := strings.ToLower(h)
	cases := []struct {
		in   string
		want Memo
	}{
		{"SWAP:BTC.BTC:bc1qxyz:0", Memo{Op: MemoSwap, Chain: "BTC", Asset: "BTC.BTC", Dest: "bc1qxyz", Limit: "0"}},
		{"=:BTC.BTC:bc1qxyz::thor1abc:100", Memo{Op: MemoSwap, Chain: "BTC", Asset: "BTC.BTC", Dest: "bc1qxyz"}},
		{"s:ETH.ETH:0xAbC", Memo{Op: MemoSwap, Chain: "ETH", Asset: "ETH.ETH", Dest: "0xAbC"}},
		{"swap:eth.USDT-EC7:0xF474:0/1/0:tr:0", Memo{Op: MemoSwap, Chain: "ETH", Asset: "ETH.USDT-EC7", Dest: "0xF474", Limit: "0/1/0"}},
		{"=:b:bcrt1qdest/0xRefund:12345", Memo{Op: MemoSwap, Chain: "BTC", Asset: "BTC.BTC", Dest: "bcrt1qdest", Refund: "0xRefund", Limit: "12345"}},
		{"=:e:0xdead", Memo{Op: MemoSwap, Chain: "ETH", Asset: "ETH.ETH", Dest: "0xdead"}},
		{"=:BTC/BTC:thor1x", Memo{Op: MemoSwap, Chain: "THOR", Asset: "BTC/BTC", Dest: "thor1x"}},
		{"=:BTC~BTC:thor1x", Memo{Op: MemoSwap, Chain: "THOR", Asset: "BTC~BTC", Dest: "thor1x"}},
		{"=:BTC.BTC", Memo{Op: MemoSwap, Chain: "BTC", Asset: "BTC.BTC"}},
		{"OUT:" + h, Memo{Op: MemoOut, InHash: lower}},
		{"out:0x" + lower, Memo{Op: MemoOut, InHash: lower}},
		{"REFUND:" + lower, Memo{Op: MemoRefund, InHash: lower}},
		{"refund:0X" + h, Memo{Op: MemoRefund, InHash: lower}},
		{"  OUT:" + h + "\x00\x00", Memo{Op: MemoOut, InHash: lower}},
		{"ADD:BTC.BTC:thor1x", Memo{Op: MemoOther}},
		{"CONSOLIDATE", Memo{Op: MemoOther}},
		{"MIGRATE:123", Memo{Op: MemoOther}},
		{"hello world", Memo{Op: MemoOther}},
	}
	for _, c := range cases {
		got, err := ParseMemo(c.in)
		if err != nil {
			t.Errorf("ParseMemo(%q): %v", c.in, err)
			continue
		}
		c.want.Raw = c.in
		if got != c.want {
			t.Errorf("ParseMemo(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "   ", "SWAP:", "=:", "=:BTC:addr", "=:.BTC:addr", "=:BTC.:addr", "OUT:", "OUT:1234", "OUT:" + h + "00",
		"OUT:" + strings.Repeat("g", 64), "REFUND:" + h + ":x", "OUT"} {
		if _, err := ParseMemo(bad); !errors.Is(err, ErrBadInput) {
			t.Errorf("ParseMemo(%q): err %v, want ErrBadInput", bad, err)
		}
	}
}

func TestSameHash(t *testing.T) {
	a := "0x" + strings.Repeat("ab", 32)
	for _, b := range []string{a, strings.ToUpper(a[2:]), strings.Repeat("AB", 32), "0X" + strings.Repeat("aB", 32)} {
		if !SameHash(a, b) {
			t.Errorf("SameHash(%s, %s) = false", a, b)
		}
	}
	for _, b := range []string{"0x" + strings.Repeat("ab", 31) + "ac", "", "0x", strings.Repeat("ab", 33)} {
		if SameHash(a, b) {
			t.Errorf("SameHash(%s, %s) = true", a, b)
		}
	}
}

func TestMemoChain(t *testing.T) {
	eth := ChainInfo{Name: "eth", Family: graph.FamilyAccount, ChainID: 1, Native: graph.Asset{Symbol: "ETH"}}
	btc := ChainInfo{Name: "btc", Family: graph.FamilyUTXO}
	reg := ChainInfo{Name: "btc-regtest", Family: graph.FamilyUTXO}
	devA := ChainInfo{Name: "evm:1337", Family: graph.FamilyAccount, ChainID: 1337, Native: graph.Asset{Symbol: "ETH"}}
	devB := ChainInfo{Name: "evm:31338", Family: graph.FamilyAccount, ChainID: 31338, Native: graph.Asset{Symbol: "ETH"}}
	bsc := ChainInfo{Name: "bsc", Family: graph.FamilyAccount, ChainID: 56, Native: graph.Asset{Symbol: "BNB"}}
	cases := []struct {
		code   string
		traced []ChainInfo
		over   map[string]string
		want   string
		err    bool
	}{
		{"BTC", []ChainInfo{eth, btc}, nil, "btc", false},
		{"btc", []ChainInfo{eth}, nil, "btc", false}, // unlinked: the built-in name
		{"BTC", []ChainInfo{devA, reg}, nil, "btc-regtest", false},
		{"ETH", []ChainInfo{reg, devA}, nil, "evm:1337", false},
		{"ETH", []ChainInfo{reg, devA, devB}, nil, "", true},
		{"ETH", []ChainInfo{reg, devA, devB}, map[string]string{"ETH": "EVM:31338"}, "evm:31338", false},
		{"ETH", []ChainInfo{eth, devA}, nil, "eth", false}, // the named chain wins over a dev chain
		{"ETH", []ChainInfo{btc, bsc}, nil, "eth", false},  // BNB is not ETH
		{"BSC", []ChainInfo{btc, bsc}, nil, "bsc", false},
		{"LTC", []ChainInfo{btc}, nil, "litecoin", false},
		{"XYZ", []ChainInfo{btc}, nil, "xyz", false},
		{"BTC", []ChainInfo{btc, reg}, nil, "btc", false},
	}
	for _, c := range cases {
		got, err := MemoChain(c.code, c.traced, c.over)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("MemoChain(%s, %v, %v) = %q, %v; want %q (error %v)", c.code, c.traced, c.over, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrBadInput) {
			t.Errorf("MemoChain(%s): error %v does not wrap ErrBadInput", c.code, err)
		}
	}
}
