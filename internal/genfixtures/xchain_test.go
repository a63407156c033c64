package genfixtures

import (
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/casecheck"
	"github.com/chaintrace/chaintrace/internal/testnode/xworld"
)

// bybitXChain models where the Bybit ETH went after the fan-out (21 Feb – early
// March 2025): through THORChain into native Bitcoin, peel chains there, some
// swapped back, some bridged to other EVM chains. It plays the xworld scenario
// on three local nodes (btcd regtest, geth 1337 and geth 31337) and records one
// multi-chain trace; the expectations are xworld's hand-worked ones.
func bybitXChain(t *testing.T) fixture {
	s := xworld.New(t)
	w := s.W
	e := s.Expect()
	f := fixture{
		chain:      xworld.ChainA,
		rpc:        w.A.URL(),
		links:      []string{xworld.ChainBTC + "=" + w.BTC.URL(), xworld.ChainB + "=" + w.B.URL()},
		memoChains: map[string]string{"ETH": xworld.ChainA},
		seeds:      []string{s.TheftTx.Hex()},
		hops:       12,
		alphaH:     "0.01",
		readme:     strings.ReplaceAll(bybitXChainREADME, "¦", "`"),
	}
	for _, l := range w.Labels(s) {
		f.labels = append(f.labels, label{l.Chain, l.Address, l.Name, l.Category, l.DestChain, l.BridgeKind})
	}
	one := 1
	byKind := map[string]map[string]*big.Int{} // chain → kind → sum
	for _, ep := range e.Endpoints {
		addr := ep.Address
		if ep.Outpoint != "" {
			addr = ep.Outpoint
		}
		f.expect.Endpoints = append(f.expect.Endpoints, casecheck.EndpointExpect{
			Chain: ep.Chain, Kind: ep.Kind, Address: addr, Asset: ep.Chain + "/" + ep.Asset, Amount: ep.Amount.String(), Count: &one})
		if byKind[ep.Chain] == nil {
			byKind[ep.Chain] = map[string]*big.Int{}
		}
		if byKind[ep.Chain][ep.Kind] == nil {
			byKind[ep.Chain][ep.Kind] = new(big.Int)
		}
		byKind[ep.Chain][ep.Kind].Add(byKind[ep.Chain][ep.Kind], ep.Amount)
	}
	f.expect.Totals = map[string]casecheck.Total{}
	for chain, tot := range e.Totals {
		ct := casecheck.Total{Seed: tot.Seed.String(), Fees: tot.Fees.String(), Untraced: "0",
			CrossedIn: nonZero(tot.CrossedIn), CrossedOut: nonZero(tot.CrossedOut), ByKind: map[string]string{}}
		for k, v := range byKind[chain] {
			ct.ByKind[k] = v.String()
		}
		f.expect.Totals[chain+"/"+tot.Asset] = ct
	}
	for _, c := range e.Crossings {
		ce := casecheck.CrossingExpect{Rule: c.Rule, Status: c.Status, FromChain: c.FromChain, ToChain: c.ToChain,
			InTx: c.InTx, OutTx: c.OutTx, Count: &one}
		if c.OutAmount != nil {
			ce.OutAmount, ce.OutTaint = c.OutAmount.String(), c.OutAmount.String() // all tainted
		}
		f.expect.Crossings = append(f.expect.Crossings, ce)
	}
	sort.SliceStable(f.expect.Endpoints, func(i, j int) bool {
		a, b := f.expect.Endpoints[i], f.expect.Endpoints[j]
		if a.Chain != b.Chain {
			return a.Chain < b.Chain
		}
		return a.Kind < b.Kind
	})
	f.expect.MaxUntracedShare = "0"
	return f
}

func nonZero(v *big.Int) string {
	if v == nil || v.Sign() == 0 {
		return ""
	}
	return v.String()
}

// bybitXChainREADME is the fixture's .md; ¦ stands for a backquote.
const bybitXChainREADME = `# bybit-2025-xchain — ETH through THORChain into Bitcoin, and over bridges (reconstruction)

**The chain data in this case is a reconstruction**, played by ¦internal/testnode/xworld¦ on three
local nodes — geth A (¦evm:1337¦, standing in for Ethereum), btcd regtest (standing in for
Bitcoin) and geth B (¦evm:31337¦, standing in for another EVM chain) — and recorded by one
¦chaintrace trace --link … --record¦. The THORChain router and vaults, the Multichain-style
router and the same-address bridge are our own contracts and keys with the real event shapes and
memo forms. Addresses, hashes and amounts are synthetic (scaled down); only the pattern follows the
public record.

## Public facts modelled (sources found with the search tool; read them there)
- **21 February 2025**: about 401,000 ETH (about 499,000–500,000 ETH-equivalent with staked ETH
  tokens; about US$1.4–1.5 billion) left Bybit's Ethereum cold wallet after the Safe{Wallet} signing
  front end was tampered with. On 26 February the FBI attributed the theft to North Korea
  ("TraderTraitor", also tracked as Lazarus) and said the actors were converting the assets to
  bitcoin and other assets "dispersed across thousands of addresses on multiple blockchains"
  (FBI IC3 public service announcement of 26 Feb 2025, as reported by
  https://protos.com/fbi-confirms-north-korean-tradertraitor-to-blame-for-1-5-billion-bybit-hack).
- **THORChain was the main route to Bitcoin**: Arkham reported on 5 March 2025 that the ETH was
  bridged to native BTC, about 72 % through THORChain, the rest through other venues including the
  exchange eXch (https://info.arkm.com/research/lazarus-bridged-1-3b-of-bybit-eth-to-bitcoin).
  Bybit's CEO summarised on 4 March that about 417,348 ETH (83 %) had been converted into BTC and
  spread over 6,954 wallets, with about 3 % frozen
  (https://securityonline.info/bybit-hack-lazarus-group-launders-1-4-billion-in-ethereum-through-thorchain).
  Lookonchain counted 270,000 ETH through THORChain within a week
  (https://crypto2community.com/crypto-news/bybit-hacker-launders-over-54-of-stolen-funds-via-thorchain).
- **After the swaps**: by April 2025 Bybit reported 432,748 ETH (84.45 %) swapped to BTC via
  THORChain, now spread over tens of thousands of wallets averaging a fraction of a BTC each, and
  funds moved onward through mixers, bridges and swap services (Thorchain, eXch, LiFi, Stargate,
  SunSwap among those named) to OTC and P2P venues
  (https://cointrackdaily.com/lazarus-group-launders-stolen-bybit-funds-through-mixers-and-p2p-platforms).

## What THORChain leaves on chain (what chaintrace matches)
An inbound is a deposit to a THORChain vault carrying a memo: on Ethereum the router's
¦deposit(vault, asset, amount, memo)¦ emitting ¦Deposit(to, asset, amount, memo)¦, on Bitcoin an
OP_RETURN output (¦=:BTC.BTC:<address>¦ swaps to Bitcoin). The outbound on the other chain names the
inbound: a Bitcoin vault payment with OP_RETURN ¦OUT:<inbound hash>¦, or the router's
¦TransferOut(vault, to, asset, amount, memo)¦ with memo ¦OUT:<hash>¦ / ¦REFUND:<hash>¦. A
lock-and-mint bridge (Multichain-style) emits ¦LogAnySwapOut(token, from, to, amount, fromChainID,
toChainID)¦ and, on the destination, ¦LogAnySwapIn(txhash, token, to, amount, fromChainID,
toChainID)¦ naming the source transaction. A same-address bridge pays the sender's own address on
the destination chain.

## Scenario (amounts in ETH / BTC; every figure exact in base units in the spec)
The victim (the cold wallet) sends 400 ETH to the hacker (the seed); the hacker fans out 100, 100,
100, 50 and 30 ETH. h1 swaps 99 ETH to BTC through the router (¦=:BTC.BTC:¦); THORChain's BTC
vault pays 3.3 BTC with ¦OUT:<inbound>¦; a peel chain follows (0.3 BTC left unspent; 1 BTC swapped
back to ETH with an OP_RETURN ¦=:ETH.ETH:¦ memo, paid out on geth A as 29.9 ETH by
¦TransferOut¦ with ¦OUT:<txid>¦ and sent to an exchange deposit address; 0.5 BTC to an exchange
deposit address swept to its hot wallet; 0.4 BTC and 1.09996 BTC unspent). h2 locks 60 ETH in the
Multichain-style router for geth B (paid 59.94 ETH there, 50 ETH of it to an exchange deposit
address); h3 sends 40 ETH to the same-address bridge (its own address on B receives 39.96 ETH);
h4 swaps 49 ETH with ¦=:BSC.BNB:¦ — a chain not linked in this case, so the trace ends at a bridge
endpoint naming BSC and h4's address; h5's 29 ETH swap has an unreachable limit and is refunded
(28.99 ETH, ¦REFUND:<inbound>¦). Beside each followed crossing an innocent user makes a
crossing of the same amount in the same block and is paid at the same time (the decoys): none of
them may be matched.

## Expected (haircut, every tainted holder holds only stolen coin)
Per chain (see the spec for the exact base units, worked out from the scenario and the nodes'
receipts, never from chaintrace's output): on geth A seven unspent holders, the exchange deposit
address (29 ETH), the unlinked BSC crossing (49 ETH), 228 ETH crossed out and 58.89 ETH crossed back
in; on Bitcoin 3.3 BTC in, three unspent outputs, one exchange deposit (0.5 BTC), 4,000 sat of fees
and 1 BTC crossed back; on geth B 99.9 ETH in, one exchange deposit (50 ETH) and two unspent
holders. Six crossings with both transactions: the two THORChain swaps (memo rule), the refund,
the lock-and-mint (tx-hash rule), the same-address crossing and the unlinked one.
`
