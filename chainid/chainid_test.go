package chainid

import (
	"strings"
	"testing"
)

func TestTableIsConsistent(t *testing.T) {
	names, ids := map[string]bool{}, map[uint64]string{}
	for _, c := range All() {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if names[n] || n != Canonical(n) || strings.HasPrefix(n, "evm") {
				t.Errorf("name %q: duplicate, not canonical, or shadows the evm forms", n)
			}
			names[n] = true
		}
		if c.Symbol == "" || c.Decimals == 0 {
			t.Errorf("%s: no native coin", c.Name)
		}
		if c.Explorer != "" && !strings.HasSuffix(c.Explorer, "/") {
			t.Errorf("%s: explorer %q must end in /", c.Name, c.Explorer)
		}
		switch c.Family {
		case FamilyAccount:
			if c.Adapter != AdapterEVM || c.ChainID == 0 || c.RPC == "" || c.Params != nil {
				t.Errorf("%s: EVM entry incomplete: %+v", c.Name, c)
			}
			if other, dup := ids[c.ChainID]; dup {
				t.Errorf("chain id %d is both %s and %s", c.ChainID, other, c.Name)
			}
			ids[c.ChainID] = c.Name
			if c.WETH != "" && Checksum(c.WETH) != c.WETH {
				t.Errorf("%s: WETH %s is not EIP-55", c.Name, c.WETH)
			}
		case FamilyUTXO:
			if c.Adapter != AdapterBitcoin || c.ChainID != 0 || c.Params == nil || len(c.Genesis) != 64 || c.Network == "" {
				t.Errorf("%s: Bitcoin entry incomplete: %+v", c.Name, c)
			}
		default:
			t.Errorf("%s: family %q", c.Name, c.Family)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		in, name, key string
		id            uint64
		dev, ok       bool
	}{
		{"eth", "eth", "eth", 1, false, true},
		{" ETH ", "eth", "eth", 1, false, true},
		{"evm:1", "evm:1", "eth", 1, true, true}, // by id: may be a local fork of mainnet
		{"evm:56", "evm:56", "bsc", 56, true, true},
		{"evm:1337", "evm:1337", "evm:1337", 1337, true, true},
		{"evm", "evm", "evm", 0, true, true},
		{"bitcoin", "btc", "btc", 0, false, true},
		{"btc-mainnet", "btc", "btc", 0, false, true},
		{"btc-testnet3", "btc-testnet", "btc-testnet", 0, false, true},
		{"btc-testnet4", "btc-testnet4", "btc-testnet4", 0, false, true},
		{"btc-regtest", "btc-regtest", "btc-regtest", 0, true, true},
		{"btc-simnet", "btc-simnet", "btc-simnet", 0, true, true},
		{"evm:0", "", "evm:0", 0, false, false},
		{"evm:abc", "", "evm:abc", 0, false, false},
		{"dogecoin", "", "dogecoin", 0, false, false},
	} {
		got, ok := Lookup(c.in)
		if ok != c.ok || got.Name != c.name || got.ChainID != c.id || got.Dev != c.dev {
			t.Errorf("Lookup(%q) = %q id %d dev %v ok %v; want %q %d %v %v", c.in, got.Name, got.ChainID, got.Dev, ok, c.name, c.id, c.dev, c.ok)
		}
		if k := Key(c.in); k != c.key {
			t.Errorf("Key(%q) = %q, want %q", c.in, k, c.key)
		}
	}
	// evm:<id> takes the coin and WETH of the table's chain, not its default RPC
	// (that would send a local fork's questions to a public node).
	bsc, _ := Lookup("evm:56")
	if bsc.Symbol != "BNB" || bsc.WETH == "" || bsc.RPC != "" || bsc.Explorer != "" {
		t.Errorf("evm:56 = %+v", bsc)
	}
}

func TestDevChain(t *testing.T) {
	for _, c := range []struct {
		name string
		id   uint64
		want bool
	}{
		{"eth", 1, false}, {"btc", 0, false}, {"evm:1", 1, true}, {"evm", 1337, true},
		{"btc-regtest", 0, true}, {"btc-simnet", 0, true}, {"sepolia", 11155111, false},
		{"mychain", 31337, true}, {"my-regtest", 0, true},
	} {
		if got := DevChain(c.name, c.id); got != c.want {
			t.Errorf("DevChain(%q, %d) = %v", c.name, c.id, got)
		}
	}
}

func TestNormalizeAddress(t *testing.T) {
	eth, _ := Lookup("eth")
	if got, err := eth.NormalizeAddress(" 0x28c6c06298d514db089934071355e5743bf21d60 "); err != nil || got != "0x28C6c06298d514Db089934071355E5743bf21d60" {
		t.Errorf("eth: %q %v", got, err)
	}
	if _, err := eth.NormalizeAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"); err == nil {
		t.Error("a Bitcoin address passed as EVM")
	}
	btc, _ := Lookup("btc")
	if got, err := btc.NormalizeAddress("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"); err != nil || got != "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4" {
		t.Errorf("btc bech32: %q %v", got, err)
	}
	t4, _ := Lookup("btc-testnet4")
	if _, err := t4.NormalizeAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"); err == nil {
		t.Error("a mainnet address passed as testnet4")
	}
	if got, err := t4.NormalizeAddress("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"); err != nil || got != "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx" {
		t.Errorf("testnet4: %q %v", got, err)
	}
	if got := eth.TxURL("0xab"); got != "https://etherscan.io/tx/0xab" {
		t.Errorf("TxURL = %q", got)
	}
	if reg, _ := Lookup("btc-regtest"); reg.AddressURL("x") != "" {
		t.Error("a local chain has no explorer")
	}
}

func TestValidator(t *testing.T) {
	// Any account-family name checks EVM addresses, named or not.
	for _, name := range []string{"eth", "evm:1337", "some-geth"} {
		c, ok := Validator(name, FamilyAccount)
		if !ok || c.Family != FamilyAccount {
			t.Fatalf("Validator(%q, account) = %+v, %v", name, c, ok)
		}
		if got, err := c.NormalizeAddress("0x28c6c06298d514db089934071355e5743bf21d60"); err != nil || got != "0x28C6c06298d514Db089934071355E5743bf21d60" {
			t.Errorf("%s: NormalizeAddress = %q, %v", name, got, err)
		}
		if _, err := c.NormalizeAddress("0xnothex"); err == nil {
			t.Errorf("%s: 0xnothex accepted", name)
		}
	}
	// A Bitcoin network checks its own addresses and refuses another network's.
	c, ok := Validator("btc-testnet4", FamilyUTXO)
	if !ok {
		t.Fatal("Validator(btc-testnet4, utxo) not ok")
	}
	if _, err := c.NormalizeAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"); err == nil {
		t.Error("testnet4 accepted a mainnet address")
	}
	// Unknown Bitcoin names and family mismatches cannot be judged offline.
	for _, q := range [][2]string{{"btc-nowhere", FamilyUTXO}, {"eth", FamilyUTXO}, {"btc", "other"}} {
		if _, ok := Validator(q[0], q[1]); ok {
			t.Errorf("Validator(%q, %q) ok, want not judged", q[0], q[1])
		}
	}
}
