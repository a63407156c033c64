package labels

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/ethereum/go-ethereum/common"
)

// Chain scopes a label entry can have besides a single --chain name.
const (
	ScopeAll = ""    // every chain
	ScopeEVM = "evm" // every EVM chain, including a local --chain evm / evm:<id> network
)

// evmChains are the --chain names of EVM networks a label file may name. A name
// not listed here is rejected rather than silently never matching; "evm:<id>"
// names a local or unlisted network by chain id.
var evmChains = []string{
	"eth", "sepolia", "holesky", "bsc", "polygon", "arbitrum", "optimism", "base",
	"avalanche", "gnosis", "fantom", "linea", "scroll", "zksync",
}

// btcChains maps the Bitcoin --chain names to their network parameters.
var btcChains = map[string]*chaincfg.Params{
	"btc":         &chaincfg.MainNetParams,
	"btc-testnet": &chaincfg.TestNet3Params,
	"btc-signet":  &chaincfg.SigNetParams,
	"btc-regtest": &chaincfg.RegressionNetParams,
}

var evmIDChain = regexp.MustCompile(`^evm:[0-9]+$`)

// KnownChains lists the chain names a label file may use, sorted, for messages.
func KnownChains() []string {
	ns := append([]string{ScopeEVM, "evm:<chain id>"}, evmChains...)
	for n := range btcChains {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// IsBitcoin reports whether a --chain name is a Bitcoin network.
func IsBitcoin(chain string) bool {
	_, ok := btcChains[chain]
	return ok || strings.HasPrefix(chain, "btc-")
}

// normChain validates the chain column of a label entry and returns it lower-cased.
func normChain(s string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(s))
	if c == ScopeAll || c == ScopeEVM || evmIDChain.MatchString(c) {
		return c, nil
	}
	if _, ok := btcChains[c]; ok {
		return c, nil
	}
	for _, n := range evmChains {
		if c == n {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown chain %q (want empty for every chain, or one of: %s)", s, strings.Join(KnownChains(), ", "))
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
		p := btcChains[n]
		if p == nil {
			continue
		}
		d, err := btcutil.DecodeAddress(a, p)
		if err != nil || !d.IsForNet(p) {
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

// isHexAddr is hexAddr.MatchString without the regexp: Lookup runs once per
// holder the tracer meets.
func isHexAddr(a string) bool {
	if len(a) != 42 || a[0] != '0' || (a[1] != 'x' && a[1] != 'X') {
		return false
	}
	for i := 2; i < 42; i++ {
		c := a[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// lookupKey is the form a looked-up address is compared in.
func lookupKey(chain, addr string) string {
	a := strings.TrimSpace(addr)
	if !IsBitcoin(chain) && isHexAddr(a) {
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
