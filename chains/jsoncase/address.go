package jsoncase

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
)

// network validates addresses and hashes the way the live adapter for the same
// chain would, so a case file cannot hold an address the real chain could not.
type network struct {
	family string
	btc    *chaincfg.Params // UTXO chains
}

// utxoChain returns the Bitcoin network named chain (chainid's names and aliases).
func utxoChain(chain string) (*chaincfg.Params, bool) {
	c, ok := chainid.Lookup(chain)
	if !ok || c.Family != chainid.FamilyUTXO {
		return nil, false
	}
	return c.Params, true
}

func networkFor(chain, family string) (network, error) {
	switch family {
	case graph.FamilyAccount:
		if _, btc := utxoChain(chain); btc {
			return network{}, fmt.Errorf("family: %s is a utxo chain, not %q", chain, family)
		}
		return network{family: family}, nil
	case graph.FamilyUTXO:
		p, ok := utxoChain(chain)
		if !ok {
			return network{}, fmt.Errorf("chain: %q is not a UTXO chain this format knows (want one of %s)", chain, strings.Join(chainid.Names(chainid.AdapterBitcoin), ", "))
		}
		return network{family: family, btc: p}, nil
	}
	return network{}, fmt.Errorf("family: got %q, want \"account\" or \"utxo\"", family)
}

// normalize returns the canonical form of addr: EIP-55 on account chains, the
// standard encoding for the right Bitcoin network.
func (n network) normalize(addr string) (string, error) {
	s := strings.TrimSpace(addr)
	if s == "" {
		return "", fmt.Errorf("missing address")
	}
	if n.family == graph.FamilyAccount {
		if !common.IsHexAddress(s) || !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
			return "", fmt.Errorf("%q is not an EVM address (want 0x followed by 40 hex digits)", addr)
		}
		return common.HexToAddress(s).Hex(), nil
	}
	a, err := btcutil.DecodeAddress(s, n.btc)
	if err != nil {
		return "", fmt.Errorf("%q is not a Bitcoin address: %w", addr, err)
	}
	if !a.IsForNet(n.btc) {
		return "", fmt.Errorf("%q is not an address of Bitcoin network %s", addr, n.btc.Name)
	}
	if _, pk := a.(*btcutil.AddressPubKey); pk {
		return "", fmt.Errorf("%q is a raw public key, not an address", addr)
	}
	return a.EncodeAddress(), nil
}

// hash validates a transaction or block hash: 0x + 64 hex digits on account
// chains, 64 hex digits on UTXO chains; returned in lower case.
func (n network) hash(h string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(h))
	if n.family == graph.FamilyAccount {
		if !strings.HasPrefix(s, "0x") {
			return "", fmt.Errorf("%q: want 0x followed by 64 hex digits", h)
		}
		if b, err := hex.DecodeString(s[2:]); err != nil || len(b) != 32 {
			return "", fmt.Errorf("%q: want 0x followed by 64 hex digits", h)
		}
		return s, nil
	}
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
		return "", fmt.Errorf("%q: want 64 hex digits", h)
	}
	return s, nil
}
