package evm

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/trace"
)

// ChainParams describes one EVM chain.
type ChainParams struct {
	Name      string
	ChainID   uint64 // 0: read from the node ("evm")
	Symbol    string
	Decimals  uint8
	RPC       string        // default public endpoint, used only when no RPC URL is given
	BlockTime time.Duration // typical
	WETH      string        // canonical wrapped-native contract, "" when none is known
}

// Chains is the table of named chains. Defaults for public endpoints live here
// only; tests never use them.
var Chains = []ChainParams{
	{Name: "eth", ChainID: 1, Symbol: "ETH", Decimals: 18, RPC: "https://ethereum-rpc.publicnode.com", BlockTime: 12 * time.Second, WETH: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"},
	{Name: "bsc", ChainID: 56, Symbol: "BNB", Decimals: 18, RPC: "https://bsc-dataseed.bnbchain.org", BlockTime: 3 * time.Second, WETH: "0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c"},
	{Name: "polygon", ChainID: 137, Symbol: "POL", Decimals: 18, RPC: "https://polygon-rpc.com", BlockTime: 2 * time.Second, WETH: "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270"},
	{Name: "arbitrum", ChainID: 42161, Symbol: "ETH", Decimals: 18, RPC: "https://arb1.arbitrum.io/rpc", BlockTime: 250 * time.Millisecond, WETH: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"},
	{Name: "optimism", ChainID: 10, Symbol: "ETH", Decimals: 18, RPC: "https://mainnet.optimism.io", BlockTime: 2 * time.Second, WETH: "0x4200000000000000000000000000000000000006"},
	{Name: "base", ChainID: 8453, Symbol: "ETH", Decimals: 18, RPC: "https://mainnet.base.org", BlockTime: 2 * time.Second, WETH: "0x4200000000000000000000000000000000000006"},
	{Name: "sepolia", ChainID: 11155111, Symbol: "ETH", Decimals: 18, RPC: "https://ethereum-sepolia-rpc.publicnode.com", BlockTime: 12 * time.Second, WETH: "0x7b79995e5f793A07Bc00c21412e50Ecae098E7f9"},
}

// DefaultExplorer is Etherscan's v2 multichain API, used for --history explorer
// when no explorer URL is given.
const DefaultExplorer = "https://api.etherscan.io/v2/api"

// Names lists the chain names this adapter accepts, generic forms included.
func Names() []string {
	ns := []string{"evm", "evm:<chain id>"}
	for _, c := range Chains {
		ns = append(ns, c.Name)
	}
	sort.Strings(ns)
	return ns
}

// Match reports whether name is an EVM chain name.
func Match(name string) bool {
	_, err := LookupChain(name)
	return err == nil
}

// LookupChain resolves a --chain name. "evm" leaves ChainID 0 (read from the
// node); "evm:<id>" names a chain by id, using the table's entry when it has one.
func LookupChain(name string) (ChainParams, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, c := range Chains {
		if c.Name == n {
			return c, nil
		}
	}
	if n == "evm" {
		return ChainParams{Name: "evm", Symbol: "ETH", Decimals: 18}, nil
	}
	if rest, ok := strings.CutPrefix(n, "evm:"); ok {
		id, err := strconv.ParseUint(rest, 10, 64)
		if err != nil || id == 0 {
			return ChainParams{}, fmt.Errorf("%w: chain %q: want evm:<decimal chain id>, e.g. evm:1337", trace.ErrBadInput, name)
		}
		p := ChainParams{Name: n, ChainID: id, Symbol: "ETH", Decimals: 18}
		for _, c := range Chains {
			if c.ChainID == id {
				p.Symbol, p.Decimals, p.BlockTime, p.WETH = c.Symbol, c.Decimals, c.BlockTime, c.WETH
			}
		}
		return p, nil
	}
	return ChainParams{}, fmt.Errorf("%w: unknown EVM chain %q (known: %s)", trace.ErrBadInput, name, strings.Join(Names(), ", "))
}
