package labels

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/chainid"
)

// Chain scopes a label entry can have besides a single --chain name.
const (
	ScopeAll = ""    // every chain
	ScopeEVM = "evm" // every EVM chain, including a local --chain evm / evm:<id> network
)

// A label file may name every chain package chainid knows (its names and
// aliases, written back in canonical form), "evm:<id>" for a local or unlisted
// network by chain id, or one of the two scopes above. A name chainid does not
// know is rejected rather than silently never matching.

// KnownChains lists the chain names a label file may use, sorted, for messages.
func KnownChains() []string { return chainid.Names("") }

// IsBitcoin reports whether a --chain name is a Bitcoin network.
func IsBitcoin(chain string) bool { return chainid.IsBitcoin(chain) }

// normChain validates the chain column of a label entry and returns it in
// canonical form ("bitcoin" → "btc"; "evm:<id>" stays as written).
func normChain(s string) (string, error) {
	c := chainid.Canonical(s)
	if c == ScopeAll || c == ScopeEVM {
		return c, nil
	}
	if ch, ok := chainid.Lookup(c); ok {
		return ch.Name, nil
	}
	return "", fmt.Errorf("unknown chain %q (want empty for every chain, or one of: %s)", s, strings.Join(KnownChains(), ", "))
}

// scopeKey is the chain scope a label is stored and looked up under: the same
// for every name of one chain, so "evm:1" and "eth" share their labels.
func scopeKey(chain string) string {
	if chain == ScopeAll || chain == ScopeEVM {
		return chain
	}
	return chainid.Key(chain)
}

var hexAddr = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`)

// normAddress validates addr for the entry's chain scope and returns its canonical
// form (EIP-55 checksum on EVM chains, the network's own encoding on Bitcoin) and
// the key it is stored under (lower-case on EVM chains, where case carries no
// meaning; exact on Bitcoin, where base58 is case-sensitive).
func normAddress(chain, addr string) (canon, key string, err error) {
	a := strings.TrimSpace(addr)
	if a == "" {
		return "", "", fmt.Errorf("address is empty")
	}
	evmOK := !IsBitcoin(chain)
	btcOK := chain == ScopeAll || IsBitcoin(chain)
	if hexAddr.MatchString(a) {
		if !evmOK {
			return "", "", fmt.Errorf("%q is an EVM address, but chain %q is Bitcoin", a, chain)
		}
		sum := common.HexToAddress(a).Hex()
		body := a[2:]
		if body != strings.ToLower(body) && body != strings.ToUpper(body) && "0x"+body != sum {
			// Mixed case is an EIP-55 checksum; a wrong one means a typo.
			return "", "", fmt.Errorf("address %q fails its EIP-55 checksum (expected %s); check for a typo or write it in lower case", a, sum)
		}
		return sum, strings.ToLower(sum), nil
	}
	if strings.HasPrefix(strings.ToLower(a), "0x") && evmOK {
		return "", "", fmt.Errorf("address %q is not 0x followed by 40 hex digits", a)
	}
	if !btcOK {
		return "", "", fmt.Errorf("address %q is not an EVM address (0x followed by 40 hex digits)", a)
	}
	nets := []string{chain}
	if chain == ScopeAll {
		nets = []string{"btc", "btc-testnet", "btc-signet", "btc-regtest"}
	}
	for _, n := range nets {
		net, ok := chainid.Lookup(n)
		if !ok || net.Params == nil {
			continue
		}
		d, err := net.DecodeBitcoin(a)
		if err != nil {
			continue
		}
		c := d.EncodeAddress()
		return c, c, nil
	}
	if chain == ScopeAll {
		return "", "", fmt.Errorf("address %q is neither an EVM nor a Bitcoin address", a)
	}
	return "", "", fmt.Errorf("address %q is not a valid %s address", a, chain)
}

// lookupKey is the form a looked-up address is compared in.
func lookupKey(chain, addr string) string {
	a := strings.TrimSpace(addr)
	if !IsBitcoin(chain) && chainid.IsHexAddress(a) {
		return strings.ToLower(a)
	}
	if IsBitcoin(chain) || chain == "" {
		// bech32 is case-insensitive and canonically lower-case; base58 is exact.
		if l := strings.ToLower(a); strings.HasPrefix(l, "bc1") || strings.HasPrefix(l, "tb1") || strings.HasPrefix(l, "bcrt1") {
			if a == strings.ToUpper(a) {
				return l
			}
		}
	}
	return a
}

// Applies reports whether an entry of scope applies on chain: its own chain
// (by any of its names, "evm:1" being "eth"), "evm" on any EVM chain, and the
// every-chain scope everywhere. Store.Lookup follows the same rule.
func Applies(scope, chain string) bool {
	switch scope = chainid.Canonical(scope); {
	case scope == ScopeAll:
		return true
	case scope == ScopeEVM:
		return !IsBitcoin(chain)
	}
	return scopeKey(scope) == scopeKey(chainid.Canonical(chain))
}
