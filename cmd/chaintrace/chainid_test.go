package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The chain drift of issue #17, at the command line: a label file may name
// every chain the adapters serve, and an EVM chain named by id sees the labels
// of the chain with that id.
func TestLabelChainsMatchAdapters(t *testing.T) {
	dir := t.TempDir()
	t4 := filepath.Join(dir, "t4.csv")
	os.WriteFile(t4, []byte("chain,address,label,category,source,confidence\n"+
		"btc-testnet4,tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx,Faucet,service,https://x,50\n"), 0o644)
	if r := runCLI(t, nil, "labels", "validate", t4); r.code != exitOK {
		t.Errorf("btc-testnet4 labels: exit %d\n%s%s", r.code, r.out, r.errOut)
	}

	const binance1 = "0x3f5ce5fbfe3e9af3971dd833d26ba9b5c936f0be" // built-in eth label "Binance 1"
	for _, tc := range []struct {
		args []string
		want string // "" : must not list Binance 1
	}{
		{[]string{"labels", "show", "--chain", "evm:1", binance1}, "Binance 1"},
		{[]string{"labels", "show", "--chain", "eth", binance1}, "Binance 1"},
		{[]string{"labels", "show", "--chain", "evm:56", binance1}, ""},
		{[]string{"labels", "list", "--chain", "evm:1", "--category", "exchange"}, "Binance 1"},
		{[]string{"labels", "list", "--chain", "evm:1337", "--category", "exchange"}, ""},
	} {
		r := runCLI(t, nil, tc.args...)
		if r.code != exitOK && tc.want != "" {
			t.Errorf("%v: exit %d: %s", tc.args, r.code, r.errOut)
			continue
		}
		if got := strings.Contains(r.out, "Binance 1,") || strings.Contains(r.out, "Binance 1 ") || strings.Contains(r.out, "Binance 1\n"); got != (tc.want != "") {
			t.Errorf("%v: lists Binance 1 = %v, want %v\n%s", tc.args, got, tc.want != "", r.out)
		}
	}
}
