package chains

import (
	"fmt"
	"strings"

	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Precheck checks cfg and the seeds before any connection is made: the chain
// is known, the adapter options fit the chain's family (--backend is for
// Bitcoin, --history and --explorer for EVM chains), and every seed is a
// transaction hash, an outpoint or an address of this chain (EIP-55 checksums
// included). A node that is down must not hide a typo, and a typo must not cost
// a round trip: each error wraps trace.ErrBadInput (exit 2) and names the value
// and what is expected.
func Precheck(cfg Config, seeds []string) error {
	c := strings.ToLower(strings.TrimSpace(cfg.Chain))
	var info trace.ChainInfo
	var normalize func(string) (string, error)
	switch {
	case evm.Match(c):
		p, err := evm.LookupChain(c)
		if err != nil {
			return err
		}
		if cfg.Backend != "" {
			return fmt.Errorf("%w: --backend %s is for Bitcoin chains (esplora, btcd, bitcoind), but --chain %s is an EVM chain: drop --backend (EVM nodes are reached with --rpc and --history)",
				trace.ErrBadInput, cfg.Backend, c)
		}
		switch cfg.History {
		case "", evm.HistoryAuto, evm.HistoryTrace, evm.HistoryExplorer, evm.HistoryRPC:
		default:
			return fmt.Errorf("%w: --history %q: want auto, trace, explorer or rpc", trace.ErrBadInput, cfg.History)
		}
		if cfg.Explorer != "" && cfg.History != evm.HistoryExplorer && cfg.History != evm.HistoryAuto && cfg.History != "" {
			return fmt.Errorf("%w: --explorer is used only with --history explorer (or auto), not with --history %s: drop one of them",
				trace.ErrBadInput, cfg.History)
		}
		info = trace.ChainInfo{Name: p.Name, Family: graph.FamilyAccount}
		normalize = evm.NormalizeAddress
	case bitcoin.Match(c):
		nw, err := bitcoin.LookupNetwork(c)
		if err != nil {
			return err
		}
		switch strings.ToLower(strings.TrimSpace(cfg.Backend)) {
		case "", bitcoin.BackendEsplora, bitcoin.BackendBtcd, bitcoin.BackendBitcoind:
		default:
			return fmt.Errorf("%w: --backend %q: want esplora, btcd or bitcoind", trace.ErrBadInput, cfg.Backend)
		}
		if cfg.History != "" && cfg.History != evm.HistoryAuto {
			return fmt.Errorf("%w: --history %s is for EVM chains, but --chain %s is Bitcoin: drop --history (choose a Bitcoin data source with --backend esplora|btcd|bitcoind)",
				trace.ErrBadInput, cfg.History, nw.Chain)
		}
		if cfg.Explorer != "" {
			return fmt.Errorf("%w: --explorer is an EVM option (an Etherscan-compatible API), but --chain %s is Bitcoin: drop it (an Esplora API is given with --rpc)",
				trace.ErrBadInput, nw.Chain)
		}
		info = trace.ChainInfo{Name: nw.Chain, Family: graph.FamilyUTXO}
		normalize = nw.NormalizeAddress
	case strings.HasPrefix(c, "evm:"):
		_, err := evm.LookupChain(c) // says what an evm:<id> name must look like
		return err
	default:
		return fmt.Errorf("%w: unknown chain %q (known: %s)", trace.ErrBadInput, cfg.Chain, strings.Join(Names(), ", "))
	}
	for _, s := range seeds {
		if err := trace.CheckSeed(info, normalize, s); err != nil {
			return err
		}
	}
	return nil
}
