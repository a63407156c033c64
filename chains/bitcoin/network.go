package bitcoin

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Network is one Bitcoin network chaintrace can trace on.
type Network struct {
	Chain       string           // --chain name
	Description string           // for messages: "mainnet", "testnet3", …
	Params      *chaincfg.Params // address encoding
	Genesis     string           // genesis block hash, to check a backend serves this network
	Esplora     string           // default public Esplora base URL; "" when there is none
	// NodeChains are the names btcd and Bitcoin Core report for this network in
	// getblockchaininfo.chain (informational; the genesis hash is what is checked).
	NodeChains []string
}

// Networks lists every supported network in --chain name order, from package
// chainid (the one table of chain identity).
var Networks = fromIdentity(chainid.Bitcoin())

func fromIdentity(cs []chainid.Chain) []*Network {
	ns := make([]*Network, len(cs))
	for i, c := range cs {
		ns[i] = &Network{Chain: c.Name, Description: c.Network, Params: c.Params, Genesis: c.Genesis, Esplora: c.Esplora, NodeChains: c.NodeChains}
	}
	return ns
}

// Names lists the --chain names this package serves.
func Names() []string {
	ns := make([]string, len(Networks))
	for i, n := range Networks {
		ns[i] = n.Chain
	}
	return ns
}

// LookupNetwork returns the network for a --chain name (aliases such as
// "bitcoin" and "btc-mainnet" for "btc" come from chainid).
func LookupNetwork(chain string) (*Network, error) {
	if c, ok := chainid.Lookup(chain); ok && c.Adapter == chainid.AdapterBitcoin {
		for _, n := range Networks {
			if n.Chain == c.Name {
				return n, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: unknown Bitcoin chain %q (known: %s)", trace.ErrBadInput, chain, strings.Join(Names(), ", "))
}

// Native is the asset every Bitcoin network moves. Test networks keep the ID
// "BTC" so that results, labels and tests need no per-network asset names.
var Native = graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}

var evmAddrRE = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`)

// NormalizeAddress validates addr for the network and returns its canonical
// encoding (bech32 in lower case). A hex public key is accepted and shown as
// the P2PKH address of the key, which is how P2PK outputs are reported.
func (n *Network) NormalizeAddress(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	if evmAddrRE.MatchString(a) {
		return "", fmt.Errorf("%w: %q is an Ethereum-style address, not a Bitcoin %s address (use an EVM --chain for it)",
			trace.ErrBadInput, addr, n.Description)
	}
	if a == "" {
		return "", fmt.Errorf("%w: empty address; want a Bitcoin %s address", trace.ErrBadInput, n.Description)
	}
	dec, err := btcutil.DecodeAddress(a, n.Params)
	if err == nil && dec.IsForNet(n.Params) {
		if pk, ok := dec.(*btcutil.AddressPubKey); ok {
			return pk.AddressPubKeyHash().EncodeAddress(), nil
		}
		return dec.EncodeAddress(), nil
	}
	// Say which network the address belongs to, if any: that is the usual mistake.
	for _, o := range Networks {
		if o.Params == n.Params {
			continue
		}
		if d, err := btcutil.DecodeAddress(a, o.Params); err == nil && d.IsForNet(o.Params) {
			return "", fmt.Errorf("%w: address %q is a %s address, but --chain %s expects a %s address",
				trace.ErrBadInput, addr, netDescription(o.Params), n.Chain, n.Description)
		}
	}
	return "", fmt.Errorf("%w: %q is not a valid Bitcoin %s address (--chain %s)", trace.ErrBadInput, addr, n.Description, n.Chain)
}

// netDescription names networks that share an address encoding together.
func netDescription(p *chaincfg.Params) string {
	switch p.Name {
	case chaincfg.TestNet3Params.Name, chaincfg.SigNetParams.Name:
		return "testnet/signet"
	case chaincfg.MainNetParams.Name:
		return "mainnet"
	}
	return p.Name
}

// validTxID reports whether s is 64 hex digits; returns it in lower case.
func validTxID(s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if len(t) != 2*chainhash.HashSize {
		return "", fmt.Errorf("%w: txid %q must be 64 hex digits", trace.ErrBadInput, s)
	}
	if _, err := hex.DecodeString(t); err != nil {
		return "", fmt.Errorf("%w: txid %q is not hexadecimal", trace.ErrBadInput, s)
	}
	return t, nil
}

// Match reports whether this package serves the --chain name.
func Match(chain string) bool {
	_, err := LookupNetwork(chain)
	return err == nil
}
