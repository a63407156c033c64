package genfixtures

import (
	"context"
	"fmt"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/casecheck"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
)

func startBtcd(t *testing.T) *btcd.Node {
	t.Helper()
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	// mature coinbases, and segwit active (height 432) for P2WPKH spends
	if err := n.MineTo(440); err != nil {
		t.Fatal(err)
	}
	return n
}

func mine(t *testing.T, n *btcd.Node, txs ...*wire.MsgTx) {
	t.Helper()
	if _, err := n.Mine(txs...); err != nil {
		t.Fatal(err)
	}
}

func sat(v int64) *big.Int { return big.NewInt(v) }

// bitfinex models the 2016 Bitfinex theft's laundering: coins swept from many
// segregated wallets into one thief wallet, then a long peel chain paying small
// amounts to exchange deposit addresses, a mixer and fresh wallets.
func bitfinex(t *testing.T) fixture {
	n := startBtcd(t)
	p := n.Params
	key := func(l string) *btcd.Key { return btcd.NewKey("bitfinex/"+l, btcd.P2WPKH, p) }

	// five segregated customer wallets (BitGo multisig in reality) of 2.4 BTC each
	var seg []btcd.Output
	for i := 1; i <= 5; i++ {
		seg = append(seg, btcd.Output{Key: key(fmt.Sprintf("segregated%d", i)), Value: 240_000_000})
	}
	fund, segCoins, err := n.Fund(10_000, seg...)
	if err != nil {
		t.Fatal(err)
	}
	mine(t, n, fund)

	// the theft: all five swept into one wallet W; 1/10,000 of 119,756 BTC
	const stolen = 1_197_560_000
	theft, wc, err := n.Spend(segCoins, []btcd.Output{{Key: key("thief/W"), Value: stolen}})
	if err != nil {
		t.Fatal(err)
	}
	mine(t, n, theft)

	poloHot := key("exchange/poloniex-hot")
	bittrexHot := key("exchange/bittrex-hot")
	helix := key("mixer/helix")
	const pay, fee, sweepFee = 50_000_000, 5_000, 10_000
	change := wc[0]
	var deposits []btcd.Coin
	for hop := 1; hop <= 10; hop++ {
		var payee *btcd.Key
		switch {
		case hop <= 3:
			payee = key(fmt.Sprintf("deposit/poloniex-%d", hop))
		case hop == 4:
			payee = helix
		case hop <= 6:
			payee = key(fmt.Sprintf("deposit/bittrex-%d", hop))
		default:
			payee = key(fmt.Sprintf("wallet/cold-%d", hop))
		}
		next := key(fmt.Sprintf("thief/peel-%d", hop))
		tx, cs, err := n.Spend([]btcd.Coin{change}, []btcd.Output{
			{Key: payee, Value: pay}, {Key: next, Value: change.Value - pay - fee}})
		if err != nil {
			t.Fatal(err)
		}
		mine(t, n, tx)
		if hop <= 3 || hop == 5 || hop == 6 {
			deposits = append(deposits, cs[0])
		}
		change = cs[1]
	}
	// each exchange sweeps its deposit addresses into its hot wallet
	for i, d := range deposits {
		hot := poloHot
		if i >= 3 {
			hot = bittrexHot
		}
		tx, _, err := n.Spend([]btcd.Coin{d}, []btcd.Output{{Key: hot, Value: d.Value - sweepFee}})
		if err != nil {
			t.Fatal(err)
		}
		mine(t, n, tx)
	}
	if err := n.MineTo(n.Height() + 3); err != nil {
		t.Fatal(err)
	}

	// by hand: every hop spends only stolen coins, so every output is fully tainted
	finalChange := int64(stolen) - 10*pay - 10*fee
	return fixture{
		chain: "btc-regtest", rpc: n.URL(), seeds: []string{theft.TxHash().String()},
		labels: []label{
			{"btc-regtest", poloHot.Address, "Poloniex", "exchange", "", ""},
			{"btc-regtest", bittrexHot.Address, "Bittrex", "exchange", "", ""},
			{"btc-regtest", helix.Address, "Helix", "mixer", "", ""},
		},
		hops: 20, alphaH: "0.01",
		expect: casecheck.Expect{
			Endpoints: []casecheck.EndpointExpect{
				epCount(graph.EndExchangeDeposit, "BTC", sat(5*pay), 5),
				epLabel(graph.EndExchangeDeposit, "Poloniex", "BTC", sat(3*pay)),
				epLabel(graph.EndExchangeDeposit, "Bittrex", "BTC", sat(2*pay)),
				epLabel(graph.EndMixer, "Helix", "BTC", sat(pay)),
				epCount(graph.EndUnspent, "BTC", sat(4*pay+finalChange), 5),
			},
			Totals: map[string]casecheck.Total{"BTC": {
				Seed: fmt.Sprint(stolen), Fees: fmt.Sprint(10 * fee),
				ByKind: map[string]string{
					graph.EndExchangeDeposit: fmt.Sprint(5 * pay), graph.EndMixer: fmt.Sprint(pay),
					graph.EndUnspent: fmt.Sprint(4*pay + finalChange),
				},
			}},
			MaxUntracedShare: "0",
		},
		readme: bitfinexREADME,
	}
}

const bitfinexREADME = `# bitfinex-2016 — peel chain (reconstruction)

**The chain data in this case is a reconstruction**, mined on a local btcd regtest node
by ` + "`internal/genfixtures`" + ` and recorded by ` + "`chaintrace trace --record`" + `. Addresses,
transaction ids and amounts are synthetic (amounts scaled by 1/10,000); only the
laundering pattern follows the public record.

Public facts modelled:
- **Date**: August 2016 (Bitfinex announced the breach on 2 August 2016).
- **Amount**: 119,756 BTC (then about US$72 million), taken in about 2,000 transactions
  from customers' segregated (BitGo multisig) wallets into a single wallet.
- **Pattern**: per the DOJ's statement of facts (February 2022), about 25,000 BTC left the
  thief's wallet over five years "in a series of small amounts, totaling thousands of
  transactions", automated by software, through accounts at the darknet market AlphaBay
  and at exchanges, then more unhosted wallets and more exchanges — the chain of small
  payments with the change passed on that tracers call a peel chain. More than 94,000 BTC
  never moved and were seized in February 2022 (Lichtenstein and Morgan pleaded guilty
  to laundering in 2023).
- **Sources** (found with the search tool):
  https://www.moneylaunderingnews.com/2022/02/a-record-3-6-billion-seizure-and-the-twisting-paths-of-money-laundering-in-the-digital-world/ ;
  https://en.wikipedia.org/wiki/Heather_R._Morgan (2016 Bitfinex hack section) ;
  https://www.coinfirm.com/blog/bitfinex-stolen-btc-leo-doj/

Scenario: five segregated wallets (2.4 BTC each) are swept into thief wallet W in one
transaction (the seed, 11.9756 BTC). W peels ten times, 0.5 BTC per hop (fee 5,000 sat):
hops 1–3 to deposit addresses that Poloniex later sweeps into its labelled hot wallet,
hop 4 into the Helix mixer, hops 5–6 to deposit addresses that Bittrex sweeps, hops 7–10
to fresh cold wallets; the last change stays unspent.

Expected (haircut; every hop spends only stolen coins): 2.5 BTC at five exchange
deposits (1.5 Poloniex, 1.0 Bittrex), 0.5 BTC in the mixer, 8.9751 BTC unspent in five
outputs, 50,000 sat fees; nothing untraced.

A first version paid Bittrex's labelled hot wallet directly from the peel chain; the UTXO
deposit rule (an output spent in a transaction paying an exchange's address) then marked
the thief's own change as a Bittrex deposit — a known false positive of that rule on peel
chains, and a reason real launderers' exchange payments go to deposit addresses.
`

// ransomware models a ransom payment (Colonial Pipeline to DarkSide, May 2021)
// consolidated with other victims' payments into an exchange deposit address.
func ransomware(t *testing.T) fixture {
	n := startBtcd(t)
	p := n.Params
	key := func(l string) *btcd.Key { return btcd.NewKey("ransom/"+l, btcd.P2WPKH, p) }
	victim, R, dep, hot := key("victim"), key("darkside/ransom-address"), key("deposit/1"), key("exchange/hot")

	fund, vc, err := n.Fund(10_000, btcd.Output{Key: victim, Value: 760_000_000})
	if err != nil {
		t.Fatal(err)
	}
	// other victims' earlier payments to the same ransom address (clean for this case)
	others, oc, err := n.Fund(10_000, btcd.Output{Key: R, Value: 150_000_000}, btcd.Output{Key: R, Value: 100_000_000})
	if err != nil {
		t.Fatal(err)
	}
	mine(t, n, fund, others)

	// the ransom: 75 BTC scaled by 1/10 → 7.5 BTC, change back to the victim
	const ransom = 750_000_000
	payTx, pc, err := n.Spend(vc, []btcd.Output{{Key: R, Value: ransom}, {Key: victim, Value: 760_000_000 - ransom - 10_000}})
	if err != nil {
		t.Fatal(err)
	}
	mine(t, n, payTx)

	// consolidation of all three payments into the exchange deposit address
	ins := []btcd.Coin{pc[0], oc[0], oc[1]}
	const total = ransom + 150_000_000 + 100_000_000 // 1,000,000,000
	const fee = 10_000
	cons, dc, err := n.Spend(ins, []btcd.Output{{Key: dep, Value: total - fee}})
	if err != nil {
		t.Fatal(err)
	}
	mine(t, n, cons)
	sweep, _, err := n.Spend(dc, []btcd.Output{{Key: hot, Value: total - fee - 10_000}})
	if err != nil {
		t.Fatal(err)
	}
	mine(t, n, sweep)
	if err := n.MineTo(n.Height() + 3); err != nil {
		t.Fatal(err)
	}

	// haircut by hand: T = 750,000,000 of Σw+f = 1,000,000,000; the deposit output
	// w = 999,990,000 gets T·w/(Σw+f) = 749,992,500; the fee the rest, 7,500.
	toDeposit := new(big.Int).Div(new(big.Int).Mul(sat(ransom), sat(total-fee)), sat(total))
	feeTaint := sub(sat(ransom), toDeposit)
	return fixture{
		chain: "btc-regtest", rpc: n.URL(), seeds: []string{fmt.Sprintf("%s:0", payTx.TxHash())},
		labels: []label{{"btc-regtest", hot.Address, "ExampleExchange", "exchange", "", ""}},
		hops:   10, alphaH: "0.01",
		expect: casecheck.Expect{
			Endpoints: []casecheck.EndpointExpect{
				{Kind: graph.EndExchangeDeposit, Address: dep.Address, Asset: "BTC", Amount: toDeposit.String()},
			},
			Totals: map[string]casecheck.Total{"BTC": {
				Seed: fmt.Sprint(ransom), Fees: feeTaint.String(),
				ByKind: map[string]string{graph.EndExchangeDeposit: toDeposit.String()},
			}},
			MaxUntracedShare: "0",
		},
		readme: ransomREADME,
	}
}

const ransomREADME = `# ransomware-2021 — ransom consolidated into an exchange deposit (reconstruction)

**The chain data in this case is a reconstruction**, mined on a local btcd regtest node
by ` + "`internal/genfixtures`" + ` and recorded by ` + "`chaintrace trace --record`" + `. Addresses,
transaction ids and amounts are synthetic (the ransom is scaled by 1/10); only the
pattern follows the public record.

Public facts modelled:
- **Date**: 7–8 May 2021: Colonial Pipeline was hit by DarkSide ransomware on 7 May and
  paid 75 BTC (about US$4.4 million) on 8 May 2021.
- **Pattern**: the ransom moved through a chain of DarkSide-controlled addresses and was
  consolidated with other funds; on 7 June 2021 the DOJ announced it had seized 63.7 BTC
  from one wallet. Ransomware proceeds are commonly consolidated with other victims'
  payments before reaching an exchange deposit address.
- **Sources** (found with the search tool):
  https://nationalpost.com/pmn/news-pmn/crime-pmn/u-s-seizes-2-3-mln-in-bitcoin-paid-to-colonial-pipeline-hackers ;
  https://www.coinfox.info/news/12612-ministry-of-justice-manages-to-return-btc-ransomware-to-colonial-pipeline
  (court documents: 75 BTC paid on 8 May, moved on within days, 63.7 BTC recovered).

Scenario: the victim pays 7.5 BTC to the ransom address (the seed is that output); the
address also holds two earlier payments from other victims (1.5 and 1.0 BTC). One
transaction consolidates all three (10 BTC, fee 10,000 sat) into a deposit address,
which the exchange then sweeps into its labelled hot wallet.

Expected (haircut, BlockSci rule): the deposit output carries
750,000,000 × 999,990,000 / 1,000,000,000 = 749,992,500 sat of taint; the fee takes
7,500 sat; the deposit address is an exchange deposit of ExampleExchange.
`
