package labels

import (
	"testing"

	"github.com/chaintrace/chaintrace/chainid"
)

// Labels and the adapters read one chain table (package chainid). These used to
// drift: btc-testnet4 (served by the Bitcoin adapter) was rejected in label
// files, and --chain evm:1 saw none of the built-in eth labels because labels
// matched by name only.

const tb1 = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx" // BIP 173 test vector (P2WPKH, testnet)

func TestEveryAdapterChainIsALabelChain(t *testing.T) {
	for _, c := range chainid.All() {
		if got, err := normChain(c.Name); err != nil || got != c.Name {
			t.Errorf("normChain(%q) = %q, %v", c.Name, got, err)
		}
		for _, a := range c.Aliases {
			if got, err := normChain(a); err != nil || got != c.Name {
				t.Errorf("normChain(alias %q) = %q, %v; want %q", a, got, err, c.Name)
			}
		}
	}
	for _, bad := range []string{"dogecoin", "evm:", "evm:0", "evm:x", "btc-mars"} {
		if got, err := normChain(bad); err == nil {
			t.Errorf("normChain(%q) = %q, want an error", bad, got)
		}
	}
}

func TestTestnet4Labels(t *testing.T) {
	rep := ValidateData("t4.csv", []byte("chain,address,label,category,source,confidence\nbtc-testnet4,"+tb1+",Faucet,service,https://x,50\n"))
	if !rep.OK() {
		t.Fatalf("btc-testnet4 label rejected: %+v", rep.Errors)
	}
	s := New()
	if err := s.AddData("t4.csv", []byte("chain,address,label,category,source,confidence\nbtc-testnet4,"+tb1+",Faucet,service,https://x,50\n")); err != nil {
		t.Fatal(err)
	}
	if l, ok := s.Lookup("btc-testnet4", tb1); !ok || l.Name != "Faucet" {
		t.Errorf("Lookup(btc-testnet4) = %+v %v", l, ok)
	}
	// testnet3 shares the address encoding but not the chain: no match there.
	if l, ok := s.Lookup("btc-testnet", tb1); ok {
		t.Errorf("a testnet4 label matched on testnet3: %+v", l)
	}
}

func TestEVMLabelsMatchByChainID(t *testing.T) {
	s, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const binance1 = "0x3f5ce5fbfe3e9af3971dd833d26ba9b5c936f0be" // 10-exchanges-eth.csv: eth, Binance 1
	const bscHot = "0x8894e0a0c962cb723c1976a4421c95949be2d4e3"   // 20-exchanges-bsc.csv: bsc only
	for _, c := range []struct {
		chain, addr, want string
		ok                bool
	}{
		{"eth", binance1, "Binance 1", true},
		{"evm:1", binance1, "Binance 1", true},
		{"EVM:1", binance1, "Binance 1", true},
		{"evm:56", binance1, "", false}, // an eth label is not a BNB Chain label
		{"evm:56", bscHot, "Binance: Hot Wallet 6", true},
		{"bsc", bscHot, "Binance: Hot Wallet 6", true},
		{"evm:1", bscHot, "", false},
		{"evm:1337", binance1, "", false}, // a local chain is not mainnet
	} {
		l, ok := s.Lookup(c.chain, c.addr)
		if ok != c.ok || l.Name != c.want {
			t.Errorf("Lookup(%q, %s) = %q %v; want %q %v", c.chain, c.addr, l.Name, ok, c.want, c.ok)
		}
	}
	n := 0
	for _, e := range s.All() {
		if e.Chain == "eth" {
			n++
			if _, ok := s.Lookup("evm:1", e.Address); !ok {
				t.Errorf("--chain evm:1 does not see eth label %s (%s)", e.Name, e.Address)
			}
		}
	}
	if n < 90 {
		t.Errorf("%d built-in eth labels, expected about 97", n)
	}

	// The other way round: a label written for evm:1 is an eth label.
	s2 := New()
	if err := s2.AddData("id.csv", []byte("chain,address,label,category,source,confidence\nevm:1,0x1111111111111111111111111111111111111111,By id,exchange,https://x,90\n")); err != nil {
		t.Fatal(err)
	}
	for _, chain := range []string{"eth", "evm:1"} {
		if l, ok := s2.Lookup(chain, "0x1111111111111111111111111111111111111111"); !ok || l.Name != "By id" {
			t.Errorf("evm:1 label on --chain %s: %+v %v", chain, l, ok)
		}
	}
	if _, ok := s2.Lookup("bsc", "0x1111111111111111111111111111111111111111"); ok {
		t.Errorf("evm:1 label matched on bsc")
	}
}
