package evm

import (
	"fmt"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/chainid"
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

// Chains is the table of named chains, from package chainid (the one table of
// chain identity; adding a chain is an entry there).
var Chains = fromIdentity(chainid.EVM())

func fromIdentity(cs []chainid.Chain) []ChainParams {
	ps := make([]ChainParams, len(cs))
	for i, c := range cs {
		ps[i] = params(c)
	}
	return ps
}

func params(c chainid.Chain) ChainParams {
	return ChainParams{Name: c.Name, ChainID: c.ChainID, Symbol: c.Symbol, Decimals: c.Decimals, RPC: c.RPC, BlockTime: c.BlockTime, WETH: c.WETH}
}

// DefaultExplorer is Etherscan's v2 multichain API, used for --history explorer
// when no explorer URL is given.
const DefaultExplorer = "https://api.etherscan.io/v2/api"

// Names lists the chain names this adapter accepts, generic forms included.
func Names() []string { return chainid.Names(chainid.AdapterEVM) }

// Match reports whether name is an EVM chain name.
func Match(name string) bool {
	_, err := LookupChain(name)
	return err == nil
}

// LookupChain resolves a --chain name. "evm" leaves ChainID 0 (read from the
// node); "evm:<id>" names a chain by id, using the table's entry when it has one.
func LookupChain(name string) (ChainParams, error) {
	if c, ok := chainid.Lookup(name); ok && c.Adapter == chainid.AdapterEVM {
		return params(c), nil
	}
	if strings.HasPrefix(chainid.Canonical(name), "evm:") {
		return ChainParams{}, fmt.Errorf("%w: chain %q: want evm:<decimal chain id>, e.g. evm:1337", trace.ErrBadInput, name)
	}
	return ChainParams{}, fmt.Errorf("%w: unknown EVM chain %q (known: %s)", trace.ErrBadInput, name, strings.Join(Names(), ", "))
}
