package fuzz

import (
	"errors"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/trace"
)

// FuzzPrecheckSeed: any seed on any chain is accepted or refused as bad input
// (exit 2) with a message that names it, and never panics. An accepted EVM
// address is 0x and 40 hex digits; an accepted seed stays accepted when
// repeated (the check is a pure function).
func FuzzPrecheckSeed(f *testing.F) {
	for _, s := range []string{
		"0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0F7030069857D2E4169EE7",
		"0x" + strings.Repeat("ab", 32), strings.Repeat("cd", 32) + ":1", "abcd:0", ":", "0x",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
		"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "\x1b[2J", "0x\u00e9", strings.Repeat("1", 200),
	} {
		for _, c := range []string{"eth", "btc", "btc-regtest", "evm:1337", "bsc", "dogecoin", "evm:x"} {
			f.Add(c, s)
		}
	}
	f.Fuzz(func(t *testing.T, chain, seed string) {
		err := chains.Precheck(chains.Config{Chain: chain}, []string{seed})
		if err == nil {
			if err2 := chains.Precheck(chains.Config{Chain: chain}, []string{seed}); err2 != nil {
				t.Fatalf("seed %q on %q accepted once, then refused: %v", seed, chain, err2)
			}
			s := strings.TrimSpace(seed)
			if strings.HasPrefix(strings.ToLower(s), "0x") && len(s) != 42 && len(s) != 66 {
				t.Fatalf("seed %q on %q accepted: neither an address nor a hash", seed, chain)
			}
			return
		}
		if !errors.Is(err, trace.ErrBadInput) {
			t.Fatalf("seed %q on %q: error %v does not mean bad input (exit 2)", seed, chain, err)
		}
	})
}
