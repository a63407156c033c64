package chainid

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/ethereum/go-ethereum/common"
)

// Families: the tracer splits taint per transaction on UTXO chains and per
// address ledger on account chains (graph.FamilyAccount/FamilyUTXO are these).
const (
	FamilyAccount = "account"
	FamilyUTXO    = "utxo"
)

// Adapter families, as chains/all.go registers them.
const (
	AdapterEVM     = "evm"
	AdapterBitcoin = "bitcoin"
)

// Chain is one chain's identity.
type Chain struct {
	Name     string   // canonical --chain name
	Aliases  []string // other names --chain and label files accept for it
	Family   string   // FamilyAccount or FamilyUTXO
	Adapter  string   // AdapterEVM or AdapterBitcoin
	ChainID  uint64   // EVM chain id; 0 on Bitcoin and for a bare "evm" (read from the node)
	Symbol   string   // native coin
	Decimals uint8
	Dev      bool   // a local chain whose data a restart replaces (never cached unasked)
	Explorer string // public block explorer; tx/<hash> and address/<addr> pages hang under it; "" none

	// EVM chains.
	RPC       string        // default public endpoint, used only when no --rpc is given
	BlockTime time.Duration // typical
	WETH      string        // canonical wrapped-native contract, "" when none is known

	// Bitcoin networks.
	Network    string           // for messages: "mainnet", "testnet3", …
	Params     *chaincfg.Params // address encoding
	Genesis    string           // genesis block hash, to check a backend serves this network
	Esplora    string           // default public Esplora base URL; "" when there is none
	NodeChains []string         // getblockchaininfo.chain names (informational)
}

// testnet4Genesis is BIP 94's genesis block. btcd v0.24.2 has no testnet4
// parameters; testnet4 addresses are encoded exactly like testnet3 ones (base58
// prefixes 0x6f/0xc4, bech32 "tb"), so testnet3's parameters serve for
// addresses, and the genesis hash tells the two networks' servers apart.
const testnet4Genesis = "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"

// evmChains is the table of named EVM chains. Defaults for public endpoints
// live here only; tests never use them. Adding a chain is one entry here.
var evmChains = fill([]Chain{
	{Name: "eth", ChainID: 1, Symbol: "ETH", RPC: "https://ethereum-rpc.publicnode.com", BlockTime: 12 * time.Second, WETH: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", Explorer: "https://etherscan.io/"},
	{Name: "bsc", ChainID: 56, Symbol: "BNB", RPC: "https://bsc-dataseed.bnbchain.org", BlockTime: 3 * time.Second, WETH: "0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c", Explorer: "https://bscscan.com/"},
	{Name: "polygon", ChainID: 137, Symbol: "POL", RPC: "https://polygon-rpc.com", BlockTime: 2 * time.Second, WETH: "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270", Explorer: "https://polygonscan.com/"},
	{Name: "arbitrum", ChainID: 42161, Symbol: "ETH", RPC: "https://arb1.arbitrum.io/rpc", BlockTime: 250 * time.Millisecond, WETH: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", Explorer: "https://arbiscan.io/"},
	{Name: "optimism", ChainID: 10, Symbol: "ETH", RPC: "https://mainnet.optimism.io", BlockTime: 2 * time.Second, WETH: "0x4200000000000000000000000000000000000006", Explorer: "https://optimistic.etherscan.io/"},
	{Name: "base", ChainID: 8453, Symbol: "ETH", RPC: "https://mainnet.base.org", BlockTime: 2 * time.Second, WETH: "0x4200000000000000000000000000000000000006", Explorer: "https://basescan.org/"},
	{Name: "sepolia", ChainID: 11155111, Symbol: "ETH", RPC: "https://ethereum-sepolia-rpc.publicnode.com", BlockTime: 12 * time.Second, WETH: "0x7b79995e5f793A07Bc00c21412e50Ecae098E7f9"},
	// Chains label files have always been allowed to name; WETH is left unknown
	// (wraps are then ordinary transfers to a contract) rather than guessed.
	{Name: "holesky", ChainID: 17000, Symbol: "ETH", RPC: "https://ethereum-holesky-rpc.publicnode.com", BlockTime: 12 * time.Second},
	{Name: "avalanche", ChainID: 43114, Symbol: "AVAX", RPC: "https://api.avax.network/ext/bc/C/rpc", BlockTime: 2 * time.Second},
	{Name: "gnosis", ChainID: 100, Symbol: "XDAI", RPC: "https://rpc.gnosischain.com", BlockTime: 5 * time.Second},
	{Name: "fantom", ChainID: 250, Symbol: "FTM", RPC: "https://rpcapi.fantom.network", BlockTime: time.Second},
	{Name: "linea", ChainID: 59144, Symbol: "ETH", RPC: "https://rpc.linea.build", BlockTime: 2 * time.Second},
	{Name: "scroll", ChainID: 534352, Symbol: "ETH", RPC: "https://rpc.scroll.io", BlockTime: 3 * time.Second},
	{Name: "zksync", ChainID: 324, Symbol: "ETH", RPC: "https://mainnet.era.zksync.io", BlockTime: time.Second},
}, FamilyAccount)

// btcNetworks lists every Bitcoin network in --chain name order.
var btcNetworks = fill([]Chain{
	{Name: "btc", Aliases: []string{"bitcoin", "btc-mainnet"}, Network: "mainnet", Params: &chaincfg.MainNetParams,
		Genesis: chaincfg.MainNetParams.GenesisHash.String(), Esplora: "https://blockstream.info/api",
		NodeChains: []string{"main", "mainnet"}, Explorer: "https://mempool.space/"},
	{Name: "btc-regtest", Network: "regtest", Params: &chaincfg.RegressionNetParams, Dev: true,
		Genesis: chaincfg.RegressionNetParams.GenesisHash.String(), NodeChains: []string{"regtest"}},
	{Name: "btc-signet", Network: "signet", Params: &chaincfg.SigNetParams,
		Genesis: chaincfg.SigNetParams.GenesisHash.String(), Esplora: "https://mempool.space/signet/api",
		NodeChains: []string{"signet"}, Explorer: "https://mempool.space/signet/"},
	{Name: "btc-simnet", Network: "simnet", Params: &chaincfg.SimNetParams, Dev: true,
		Genesis: chaincfg.SimNetParams.GenesisHash.String(), NodeChains: []string{"simnet"}},
	{Name: "btc-testnet", Aliases: []string{"btc-testnet3"}, Network: "testnet3", Params: &chaincfg.TestNet3Params,
		Genesis: chaincfg.TestNet3Params.GenesisHash.String(), Esplora: "https://blockstream.info/testnet/api",
		NodeChains: []string{"test", "testnet3"}, Explorer: "https://mempool.space/testnet/"},
	{Name: "btc-testnet4", Network: "testnet4", Params: &chaincfg.TestNet3Params,
		Genesis: testnet4Genesis, Esplora: "https://mempool.space/testnet4/api",
		NodeChains: []string{"testnet4"}},
}, FamilyUTXO)

// fill sets what every chain of a family shares, so the tables stay short.
func fill(cs []Chain, family string) []Chain {
	for i := range cs {
		c := &cs[i]
		c.Family = family
		switch family {
		case FamilyAccount:
			c.Adapter, c.Decimals = AdapterEVM, 18
			c.Dev = c.Dev || devChainID(c.ChainID)
		case FamilyUTXO:
			c.Adapter, c.Symbol, c.Decimals = AdapterBitcoin, "BTC", 8
		}
	}
	return cs
}

// devChainID: chain ids of local development chains (geth --dev, Hardhat,
// Anvil, Ganache).
func devChainID(id uint64) bool { return id == 1337 || id == 31337 }

// EVM returns the named EVM chains in table order.
func EVM() []Chain { return append([]Chain(nil), evmChains...) }

// Bitcoin returns the Bitcoin networks in --chain name order.
func Bitcoin() []Chain { return append([]Chain(nil), btcNetworks...) }

// All returns every named chain: EVM chains, then Bitcoin networks.
func All() []Chain { return append(EVM(), btcNetworks...) }

// ByChainID returns the named EVM chain with id.
func ByChainID(id uint64) (Chain, bool) {
	for _, c := range evmChains {
		if c.ChainID == id {
			return c, true
		}
	}
	return Chain{}, false
}

// Canonical lower-cases and trims a chain name.
func Canonical(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Lookup resolves a chain name: a table name or alias; "evm" (any EVM chain,
// id read from the node: ChainID 0, Dev); or "evm:<decimal id>" (Name stays
// "evm:<id>", the rest comes from the table's entry for that id when it has
// one, without its default RPC; always Dev: a node named by id may be a local
// fork, e.g. anvil --fork reports chain id 1). ok is
// false for anything else, including "evm:0" and "evm:x".
func Lookup(name string) (Chain, bool) {
	n := Canonical(name)
	for _, t := range [2][]Chain{evmChains, btcNetworks} {
		for _, c := range t {
			if c.Name == n {
				return c, true
			}
			for _, a := range c.Aliases {
				if a == n {
					return c, true
				}
			}
		}
	}
	if n == "evm" {
		return Chain{Name: "evm", Family: FamilyAccount, Adapter: AdapterEVM, Symbol: "ETH", Decimals: 18, Dev: true}, true
	}
	if rest, ok := strings.CutPrefix(n, "evm:"); ok {
		id, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || id == 0 {
			return Chain{}, false
		}
		c := Chain{Name: n, Family: FamilyAccount, Adapter: AdapterEVM, ChainID: id, Symbol: "ETH", Decimals: 18, Dev: true}
		if t, ok := ByChainID(id); ok {
			c.Symbol, c.Decimals, c.BlockTime, c.WETH = t.Symbol, t.Decimals, t.BlockTime, t.WETH
		}
		return c, true
	}
	return Chain{}, false
}

// Validator returns the identity that checks addresses of a chain a source
// reports by name and family, with no adapter to ask (a replayed case meeting
// an address it never recorded): any chain of the account family checks EVM
// addresses; a Bitcoin network must be one of the table's. ok is false when
// neither holds.
func Validator(name, family string) (Chain, bool) {
	if family == FamilyAccount {
		if c, ok := Lookup(name); ok && c.Family == FamilyAccount {
			return c, true
		}
		return Chain{Name: name, Family: FamilyAccount}, true
	}
	if c, ok := Lookup(name); ok && family == FamilyUTXO && c.Family == FamilyUTXO && c.Params != nil {
		return c, true
	}
	return Chain{}, false
}

// Names lists the canonical names of every named chain of adapter ("" for
// all), sorted; EVM lists add the generic "evm" and "evm:<chain id>" forms.
func Names(adapter string) []string {
	var ns []string
	if adapter == "" || adapter == AdapterEVM {
		ns = append(ns, "evm", "evm:<chain id>")
	}
	for _, c := range All() {
		if adapter == "" || c.Adapter == adapter {
			ns = append(ns, c.Name)
		}
	}
	sort.Strings(ns)
	return ns
}

// IsBitcoin reports whether name is a Bitcoin network (any "btc-" name counts,
// so that a label for a network chaintrace does not know is not taken for EVM).
func IsBitcoin(name string) bool {
	if c, ok := Lookup(name); ok {
		return c.Family == FamilyUTXO
	}
	return strings.HasPrefix(Canonical(name), "btc-")
}

// Key is the form two names of the same chain compare equal in: "eth",
// "ETH" and "evm:1" all give "eth"; an EVM chain id not in the table gives
// "evm:<id>"; a bare "evm" gives "evm"; an unknown name is returned
// lower-cased.
func Key(name string) string {
	c, ok := Lookup(name)
	if !ok {
		return Canonical(name)
	}
	if c.ChainID != 0 {
		if t, ok := ByChainID(c.ChainID); ok {
			return t.Name
		}
	}
	return c.Name
}

// DevChain reports whether a chain (by name and chain id, as a source reports
// them) is a local chain whose data a restart replaces.
func DevChain(name string, chainID uint64) bool {
	if devChainID(chainID) {
		return true
	}
	n := Canonical(name)
	if n == "evm" || strings.HasPrefix(n, "evm:") {
		return true
	}
	if c, ok := Lookup(n); ok {
		return c.Dev
	}
	return strings.Contains(n, "regtest")
}

// TxURL and AddressURL link a transaction or an address on the chain's public
// explorer; "" when the chain has none.
func (c Chain) TxURL(hash string) string {
	if c.Explorer == "" {
		return ""
	}
	return c.Explorer + "tx/" + hash
}

// AddressURL: see TxURL.
func (c Chain) AddressURL(addr string) string {
	if c.Explorer == "" {
		return ""
	}
	return c.Explorer + "address/" + addr
}

// IsHexAddress reports whether s is an EVM address: 0x (or 0X) and 40 hex
// digits. No regexp: label lookups call it once per holder the tracer meets.
func IsHexAddress(s string) bool {
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return false
	}
	for i := 2; i < 42; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Checksum returns the EIP-55 form of an EVM address (IsHexAddress must hold).
func Checksum(addr string) string { return common.HexToAddress(addr).Hex() }

// DecodeBitcoin decodes addr as an address of the network c; a nil Params (an
// EVM chain) or an address of another network is an error.
func (c Chain) DecodeBitcoin(addr string) (btcutil.Address, error) {
	if c.Params == nil {
		return nil, fmt.Errorf("%s is not a Bitcoin network", c.Name)
	}
	d, err := btcutil.DecodeAddress(addr, c.Params)
	if err != nil {
		return nil, err
	}
	if !d.IsForNet(c.Params) {
		return nil, fmt.Errorf("%q is not an address of Bitcoin %s", addr, c.Network)
	}
	return d, nil
}

// NormalizeAddress returns addr's canonical form on c: EIP-55 on EVM chains;
// the network's standard encoding on Bitcoin (bech32 lower case). Callers that
// accept more (a raw public key) or word their errors for their users check
// before calling.
func (c Chain) NormalizeAddress(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	if c.Family == FamilyAccount {
		if !IsHexAddress(a) {
			return "", fmt.Errorf("%q is not an EVM address (want 0x followed by 40 hex digits)", addr)
		}
		return Checksum(a), nil
	}
	d, err := c.DecodeBitcoin(a)
	if err != nil {
		return "", err
	}
	return d.EncodeAddress(), nil
}
