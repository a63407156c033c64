// Command gendemo writes the embedded demo cases (cases/demo/*.json): the
// transactions are generated so that every balance, remainder and fee is computed
// exactly instead of by hand. Run it through `go generate ./cases`.
//
// Everything it writes is a reconstruction: addresses, hashes and block numbers are
// fictitious (derived from SHA-256 of a name), except the Tornado Cash 100 ETH pool,
// whose address is public (OFAC SDN list, 8 August 2022).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/graph"
)

func main() {
	out := "demo"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	data, lab := ronin()
	write(filepath.Join(out, "ronin.json"), data)
	write(filepath.Join(out, "ronin-labels.csv"), lab)
	data, lab = bitfinex()
	write(filepath.Join(out, "bitfinex.json"), data)
	write(filepath.Join(out, "bitfinex-labels.csv"), lab)
}

func write(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		log.Fatal(err)
	}
}

func sum(parts ...string) []byte {
	h := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return h[:]
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// ---- account chain (Ronin bridge, Ethereum, March–April 2022) ----

type block struct {
	Number uint64 `json:"number"`
	Hash   string `json:"hash"`
	Time   int64  `json:"time"`
}

type transfer struct {
	Asset    string `json:"asset"`
	Kind     string `json:"kind"`
	Tx       string `json:"tx"`
	TxIndex  int    `json:"tx_index"`
	Seq      int    `json:"seq"`
	Position string `json:"position"`
	Block    uint64 `json:"block"`
	From     string `json:"from"`
	To       string `json:"to,omitempty"`
	Amount   string `json:"amount"`
}

type balance struct {
	Address string `json:"address"`
	Asset   string `json:"asset"`
	Block   uint64 `json:"block"`
	Amount  string `json:"amount"`
}

type acct struct {
	name      string
	t0        int64
	b0        uint64
	blocks    map[uint64]block
	txIndex   map[uint64]int
	transfers []transfer
	declared  []balance
	bal       map[string]*big.Int // address/asset → running balance
	ntx       int
}

type move struct {
	asset, kind, from, to string
	amount                *big.Int
}

func (g *acct) addr(name string) string {
	return common.BytesToAddress(sum(g.name, "address", name)[:20]).Hex()
}

func (g *acct) block(n uint64) {
	if _, ok := g.blocks[n]; !ok {
		g.blocks[n] = block{n, "0x" + hex.EncodeToString(sum(g.name, "block", fmt.Sprint(n))), g.t0 + int64(n-g.b0)*13}
	}
}

func (g *acct) key(addr, asset string) string { return addr + "/" + asset }

func (g *acct) get(addr, asset string) *big.Int {
	k := g.key(addr, asset)
	if g.bal[k] == nil {
		g.bal[k] = new(big.Int)
	}
	return g.bal[k]
}

func (g *acct) declare(addr, asset string, block uint64, amount *big.Int) {
	g.block(block)
	g.declared = append(g.declared, balance{addr, asset, block, amount.String()})
	g.get(addr, asset).Add(g.get(addr, asset), amount)
}

// tx records one transaction sent by sender at block n paying fee, with moves in
// execution order; it returns the hash.
func (g *acct) tx(n uint64, sender string, fee *big.Int, moves ...move) string {
	g.block(n)
	g.ntx++
	h := "0x" + hex.EncodeToString(sum(g.name, "tx", fmt.Sprint(g.ntx)))
	idx := g.txIndex[n]
	g.txIndex[n]++
	g.transfers = append(g.transfers, transfer{"ETH", "fee", h, idx, 0, "fee", n, sender, "", fee.String()})
	g.sub(sender, "ETH", fee)
	logs := 0
	for i, m := range moves {
		pos := m.kind
		switch m.kind {
		case "token":
			pos = fmt.Sprintf("log %d", logs)
			logs++
		case "internal":
			pos = fmt.Sprintf("call 0.%d", i)
		}
		g.transfers = append(g.transfers, transfer{m.asset, m.kind, h, idx, i + 1, pos, n, m.from, m.to, m.amount.String()})
		g.sub(m.from, m.asset, m.amount)
		g.get(m.to, m.asset).Add(g.get(m.to, m.asset), m.amount)
	}
	return h
}

func (g *acct) sub(addr, asset string, v *big.Int) {
	b := g.get(addr, asset)
	b.Sub(b, v)
	if b.Sign() < 0 {
		log.Fatalf("%s overdraws %s by %s", addr, asset, new(big.Int).Neg(b))
	}
}

// pay is a plain ETH payment.
func (g *acct) pay(n uint64, from, to string, amount, fee *big.Int) string {
	return g.tx(n, from, fee, move{"ETH", "value", from, to, amount})
}

// sweep sends from's whole ETH balance minus the fee, as exchanges sweep deposits.
func (g *acct) sweep(n uint64, from, to string, fee *big.Int) string {
	amt := new(big.Int).Sub(g.get(from, "ETH"), fee)
	return g.pay(n, from, to, amt, fee)
}

func eth(s string) *big.Int  { return must(graph.ParseUnits(s, 18)) }
func usdc(s string) *big.Int { return must(graph.ParseUnits(s, 6)) }
func gwei(n int64) *big.Int  { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e9)) }

// fee is gasUsed × gasPrice in gwei, as a receipt would give it.
func fee(gas, priceGwei int64) *big.Int { return new(big.Int).Mul(big.NewInt(gas), gwei(priceGwei)) }

const (
	usdcID     = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" // the real USDC contract: an asset id, not an actor
	tornado100 = "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291" // Tornado Cash 100 ETH pool (public, OFAC SDN 2022-08-08)
)

func ronin() (caseJSON, labelsCSV []byte) {
	g := &acct{name: "ronin-demo", t0: 1648043000, b0: 14442000, blocks: map[uint64]block{}, txIndex: map[uint64]int{}, bal: map[string]*big.Int{}}
	bridge := g.addr("ronin-bridge")
	thief := g.addr("exploiter")
	swapper := g.addr("usdc-swapper")
	dex := g.addr("dex-usdc-weth-pool")
	x8 := g.addr("exploiter-8")
	hotA, hotB, hotC := g.addr("exchange-a-hot"), g.addr("exchange-b-hot"), g.addr("exchange-c-hot")
	customer := g.addr("unrelated-customer")
	tester := g.addr("test-recipient")
	w := make([]string, 5)
	for i := range w {
		w[i] = g.addr(fmt.Sprintf("layer-%d", i+1))
	}
	d2, d3a, d3b, d3c, d4 := g.addr("deposit-a-2"), g.addr("deposit-b-3a"), g.addr("deposit-c-3b"), g.addr("deposit-b-3c"), g.addr("deposit-b-4")
	p1, p2, p3, p4 := g.addr("peel-1"), g.addr("peel-2"), g.addr("peel-3"), g.addr("peel-4")

	// Clean balances before the window.
	g.declare(bridge, "ETH", 14441999, eth("2000"))
	g.declare(bridge, usdcID, 14441999, usdc("300000"))
	g.declare(thief, "ETH", 14441999, eth("2.5")) // the thief's own, clean gas money
	g.declare(dex, "ETH", 14441999, eth("5000"))
	g.declare(customer, "ETH", 14441999, eth("10"))
	for _, hw := range []string{hotA, hotB, hotC} {
		g.declare(hw, "ETH", 14441999, eth("25000"))
	}

	// 23 March 2022: two withdrawals signed with five stolen validator keys.
	theftETH := g.tx(14442835, thief, fee(112000, 40), move{"ETH", "internal", bridge, thief, eth("1736")})
	theftUSDC := g.tx(14442836, thief, fee(98000, 40), move{usdcID, "token", bridge, thief, usdc("255000")})

	// A tiny test transfer (the real exploiter sent 0.00001 ETH transfers too).
	g.pay(14443010, thief, tester, eth("0.00001"), fee(21000, 35))

	// 28 March: the USDC goes to a helper that swaps it for ETH on a DEX and sends
	// the ETH back. The swap rule converts the USDC's taint into the ETH the pool
	// paid (85.6286 ETH for 255,000 USDC), which joins the thief's stolen ETH.
	g.tx(14475010, thief, fee(65000, 30), move{usdcID, "token", thief, swapper, usdc("255000")})
	g.declare(swapper, "ETH", 14441999, eth("0.2"))
	g.tx(14475030, swapper, fee(180000, 30),
		move{usdcID, "token", swapper, dex, usdc("255000")},
		move{"ETH", "internal", dex, swapper, eth("85.6286")})
	g.pay(14475060, swapper, thief, eth("85.6286"), fee(21000, 30))

	// 28–29 March: fan-out to five fresh layering wallets, 12.5 ETH each.
	n := uint64(14476000)
	for i := range w {
		g.pay(n+uint64(i), thief, w[i], eth("12.5"), fee(21000, 32))
	}
	f := fee(21000, 30)
	// Layer 1 pays exchange A's hot wallet directly and keeps the rest (keeping
	// more than α also keeps the deposit rule from calling layer 1 a deposit).
	g.pay(14476100, w[0], hotA, eth("12"), f)
	// Layer 2 pays a deposit address that exchange A sweeps 20 blocks later.
	g.pay(14476110, w[1], d2, eth("12.49"), f)
	g.sweep(14476130, d2, hotA, fee(21000, 28))
	// Layer 3 is a peel chain: each hop peels 2 ETH into an exchange deposit
	// address and passes the rest on; the deposit addresses are swept.
	g.tx(14476200, w[2], f, move{"ETH", "value", w[2], d3a, eth("2")})
	g.pay(14476201, w[2], p1, new(big.Int).Sub(g.get(w[2], "ETH"), f), f)
	g.pay(14476210, p1, d3b, eth("2"), f)
	g.pay(14476211, p1, p2, new(big.Int).Sub(g.get(p1, "ETH"), f), f)
	g.pay(14476220, p2, d3c, eth("2"), f)
	g.pay(14476221, p2, p3, new(big.Int).Sub(g.get(p2, "ETH"), f), f)
	g.pay(14476230, p3, p4, new(big.Int).Sub(g.get(p3, "ETH"), f), f) // beyond the default 5 hops
	g.sweep(14476400, d3a, hotB, fee(21000, 28))
	g.sweep(14476410, d3b, hotC, fee(21000, 28))
	g.sweep(14476420, d3c, hotB, fee(21000, 28))
	// Layer 4 pays a deposit address that an unrelated customer also pays 3 clean
	// ETH into before exchange B sweeps both: the endpoint reports only the taint.
	g.pay(14476300, w[3], d4, eth("12.49"), f)
	g.pay(14476305, customer, d4, eth("3"), fee(21000, 30))
	g.sweep(14476320, d4, hotB, fee(21000, 28))
	// Layer 5 pays 5 ETH to exchange C and keeps the rest.
	g.pay(14476500, w[4], hotC, eth("5"), f)

	// 4 April: two batches to a new address ("Exploiter 8" in public reports),
	// which deposits 100 ETH at a time into Tornado Cash and keeps the change.
	g.pay(14518000, thief, x8, eth("200"), fee(21000, 45))
	g.pay(14518001, thief, x8, eth("101"), fee(21000, 45))
	for i := range 3 {
		g.tx(14518100+uint64(i)*3, x8, fee(1050000, 45), move{"ETH", "value", x8, tornado100, eth("100")})
	}

	tip := uint64(14520000)
	g.block(tip)
	doc := map[string]any{
		"format": "chaintrace-case/v1",
		"chain":  "eth",
		"family": "account",
		"native": graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18},
		"assets": []graph.Asset{{ID: usdcID, Symbol: "USDC", Decimals: 6, Contract: usdcID}},
		"tip":    tip,
		"description": "Reconstruction of the laundering pattern of the Ronin bridge theft (Ethereum, 23 March 2022), scaled down about 1:100 " +
			"and simplified. Seeds: the two theft transactions (1,736 ETH and 255,000 USDC here). Shown: a DEX swap of the stolen USDC for ETH " +
			"that returns to the thief (the swap rule carries the USDC's taint into that ETH at the swap's own rate, so it reaches the exchanges and Tornado Cash " +
			"with the rest; with --no-swaps the USDC ends in the pool and the ETH counts as clean), a fan-out to five layering wallets, a direct exchange " +
			"payment, exchange deposit addresses swept into hot wallets (one also holding a clean customer deposit), a peel chain that runs past " +
			"the default hop limit, 100 ETH deposits into the Tornado Cash 100 ETH pool, a dust test transfer, gas fees on every transaction, and the bulk left unspent. " +
			"All addresses, hashes and block numbers are fictitious except the Tornado Cash 100 ETH pool (0xA160cdAB225685dA1d56aa342Ad8841c3b53f291) " +
			"and the USDC contract used as the asset id; exchange names are placeholders.",
		"source": "Public facts the pattern follows: Ronin/Sky Mavis post-mortem and reports (173,600 ETH and 25.5M USDC drained from the Ronin bridge " +
			"in two transactions on 23 March 2022, discovered 29 March); Blockchain Intelligence Group, \"Ronin Hack, The Aftermath\" (USDC sent to " +
			"two addresses and converted to 8,562.86 ETH; about 6,250 ETH sent to 5 new addresses and on to three exchanges); Coinfirm (USDC swapped " +
			"to ETH and sent back to the main address; layering addresses before Tornado Cash); news reports of 4 April 2022 (a new address, " +
			"\"Ronin Bridge Exploiter 8\", received 2,000 ETH in two batches and made 100 ETH deposits into Tornado Cash; 0.00001 ETH test " +
			"transfers); US Treasury/OFAC, 14 April 2022 (exploiter address added to the SDN list, attribution to the Lazarus Group); OFAC, " +
			"8 August 2022 (Tornado Cash addresses sanctioned).",
		"seeds":     []string{theftETH, theftUSDC},
		"contracts": []string{bridge, dex, tornado100},
	}
	const demo = "chaintrace demo case (fictitious address)"
	lab := labelCSV([][]string{
		{"eth", hotA, "Exchange A hot wallet (demo)", "exchange", demo, "100"},
		{"eth", hotB, "Exchange B hot wallet (demo)", "exchange", demo, "100"},
		{"eth", hotC, "Exchange C hot wallet (demo)", "exchange", demo, "100"},
		{"eth", dex, "DEX USDC/WETH pool (demo)", "dex", demo, "100"},
		{"eth", tornado100, "Tornado Cash: 100 ETH", "mixer", "US Treasury OFAC SDN list, 8 August 2022", "100"},
		{"eth", bridge, "Ronin bridge (demo stand-in)", "bridge", demo, "100"},
	})
	return render(doc, g.sortedBlocks(), g.transfers, g.declared, nil), lab
}

func labelCSV(rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString("# Labels for the embedded demo case; generated by cases/internal/gendemo.\n")
	b.WriteString("chain,address,label,category,source,confidence\n")
	for _, r := range rows {
		for i, f := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func (g *acct) sortedBlocks() []block {
	bs := make([]block, 0, len(g.blocks))
	for _, b := range g.blocks {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Number < bs[j].Number })
	return bs
}

// render writes the top-level fields in the documented order and every array
// element on its own line, so the file reads well and diffs well.
func render(head map[string]any, blocks any, transfers any, balances any, txs any) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	keys := []string{"format", "chain", "family", "native", "assets", "tip", "description", "source", "seeds"}
	first := true
	field := func(k string, v any) {
		if !first {
			b.WriteString(",\n")
		}
		first = false
		fmt.Fprintf(&b, "  %q: %s", k, must(json.Marshal(v)))
	}
	array := func(k string, v any) {
		data := must(json.Marshal(v))
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil || len(items) == 0 {
			return
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		fmt.Fprintf(&b, "  %q: [\n", k)
		for i, it := range items {
			b.WriteString("    ")
			b.Write(it)
			if i < len(items)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("  ]")
	}
	for _, k := range keys {
		if v, ok := head[k]; ok {
			field(k, v)
		}
	}
	array("blocks", blocks)
	array("transfers", transfers)
	array("balances", balances)
	if v, ok := head["contracts"]; ok {
		array("contracts", v)
	}
	array("txs", txs)
	b.WriteString("\n}\n")
	return b.Bytes()
}

// ---- UTXO chain (Bitfinex, Bitcoin, August 2016 onwards) ----

type txin struct {
	Prev    graph.Outpoint `json:"prev"`
	Address string         `json:"address,omitempty"`
	Value   string         `json:"value,omitempty"`
}

type txout struct {
	Address    string `json:"address,omitempty"`
	Value      string `json:"value"`
	ScriptType string `json:"script_type"`
}

type utxoTx struct {
	TxID    string  `json:"txid"`
	Block   uint64  `json:"block"`
	Inputs  []txin  `json:"inputs"`
	Outputs []txout `json:"outputs"`
}

type utxo struct {
	name   string
	t0     int64
	b0     uint64
	blocks map[uint64]block
	txs    []utxoTx
	values map[graph.Outpoint]*big.Int
	ntx    int
}

func (g *utxo) addr(name string) string {
	return must(btcutil.NewAddressPubKeyHash(sum(g.name, "address", name)[:20], &chaincfg.MainNetParams)).EncodeAddress()
}

func (g *utxo) block(n uint64) {
	if _, ok := g.blocks[n]; !ok {
		g.blocks[n] = block{n, hex.EncodeToString(sum(g.name, "block", fmt.Sprint(n))), g.t0 + int64(n-g.b0)*600}
	}
}

type pay struct {
	addr  string
	value *big.Int
}

// spend builds a transaction spending ins and paying outs; change (all that is
// left after fee) goes to changeAddr when it is not empty. External inputs carry
// their address and value.
func (g *utxo) spend(n uint64, ins []txin, fee *big.Int, changeAddr string, outs ...pay) (string, []graph.Outpoint) {
	g.block(n)
	g.ntx++
	id := hex.EncodeToString(sum(g.name, "tx", fmt.Sprint(g.ntx)))
	total := new(big.Int)
	for i, in := range ins {
		if v, ok := g.values[in.Prev]; ok {
			total.Add(total, v)
			delete(g.values, in.Prev)
			ins[i].Address, ins[i].Value = "", ""
		} else {
			v, _ := new(big.Int).SetString(in.Value, 10)
			total.Add(total, v)
		}
	}
	tx := utxoTx{TxID: id, Block: n, Inputs: ins}
	left := new(big.Int).Sub(total, fee)
	for _, o := range outs {
		left.Sub(left, o.value)
	}
	if left.Sign() < 0 {
		log.Fatalf("tx %d overspends by %s", g.ntx, new(big.Int).Neg(left))
	}
	if changeAddr != "" {
		outs = append(outs, pay{changeAddr, left})
	}
	var ops []graph.Outpoint
	for i, o := range outs {
		tx.Outputs = append(tx.Outputs, txout{o.addr, o.value.String(), "p2pkh"})
		op := graph.Outpoint{TxID: id, Vout: uint32(i)}
		g.values[op] = o.value
		ops = append(ops, op)
	}
	g.txs = append(g.txs, tx)
	return id, ops
}

func in(op graph.Outpoint) txin { return txin{Prev: op} }

func btc(s string) *big.Int { return must(graph.ParseUnits(s, 8)) }

func bitfinex() (caseJSON, labelsCSV []byte) {
	g := &utxo{name: "bitfinex-demo", t0: 1470163000, b0: 423000, blocks: map[uint64]block{}, values: map[graph.Outpoint]*big.Int{}}
	hacker := g.addr("hacker-wallet")
	exHot := g.addr("exchange-hot")
	darknet := g.addr("darknet-market")

	// 2 August 2016: withdrawals from the victim's multisig wallets into one
	// wallet; the case holds three of them (the real theft had about 2,000).
	var theft []string
	var loot []graph.Outpoint
	for i, v := range []string{"5.9754", "4", "2"} {
		victim := txin{Prev: graph.Outpoint{TxID: hex.EncodeToString(sum(g.name, "victim-utxo", fmt.Sprint(i))), Vout: 1},
			Address: g.addr(fmt.Sprintf("victim-multisig-%d", i)), Value: btc(v).String()}
		id, ops := g.spend(423010+uint64(i), []txin{victim}, btc("0.0001"), "", pay{hacker, new(big.Int).Sub(btc(v), btc("0.0001"))})
		theft = append(theft, id)
		loot = append(loot, ops[0])
	}
	// Early 2017: a peel chain. The first hop consolidates two theft outputs; each
	// hop then peels a small payment off and passes the change to a fresh address.
	cur := []txin{in(loot[0]), in(loot[1])}
	for i, p := range []struct {
		to      string
		value   string
		deposit bool
	}{
		{darknet, "0.35", false},
		{g.addr("deposit-1"), "0.42", true},
		{g.addr("deposit-2"), "0.28", true},
		{exHot, "0.31", false},
	} {
		_, ops := g.spend(451000+uint64(i)*6, cur, btc("0.0002"), g.addr(fmt.Sprintf("peel-%d", i+1)), pay{p.to, btc(p.value)})
		cur = []txin{in(ops[1])}
		if p.deposit {
			// The exchange sweeps the deposit together with one of its own coins:
			// the multi-input heuristic puts the deposit in the exchange's cluster.
			exCoin := txin{Prev: graph.Outpoint{TxID: hex.EncodeToString(sum(g.name, "exchange-utxo", fmt.Sprint(i))), Vout: 0},
				Address: exHot, Value: btc("3").String()}
			g.spend(451002+uint64(i)*6, []txin{in(ops[0]), exCoin}, btc("0.0003"), exHot)
		}
	}
	// The last peel's change and the third theft output stay where they are (the
	// bulk of the real loot sat untouched until its seizure in 2022).
	tip := uint64(460000)
	g.block(tip)
	doc := map[string]any{
		"format": "chaintrace-case/v1",
		"chain":  "btc",
		"family": "utxo",
		"native": graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8},
		"tip":    tip,
		"description": "Reconstruction of the laundering pattern of the Bitfinex theft (Bitcoin, 2 August 2016), scaled down 1:10,000 and " +
			"simplified: three theft withdrawals into one wallet (the seeds), then a peel chain that pays a darknet market, two exchange deposit addresses that the " +
			"exchange sweeps together with its own coins and the exchange's hot wallet, while most of the loot stays " +
			"unspent. Every address, txid and block number is fictitious; names are placeholders.",
		"source": "Public facts the pattern follows: 119,754 BTC stolen from Bitfinex in August 2016 through about 2,000 unauthorised " +
			"withdrawals to one wallet (Bitfinex statements; Wikipedia, \"2016 Bitfinex hack\"); from early 2017 small amounts moved out, " +
			"first through the AlphaBay darknet market, then in peel chains to exchange accounts (US DOJ press release and IRS-CI statement " +
			"of facts, 8 February 2022); 94,636 BTC still held in the theft wallet were seized in 2022 (US DOJ, 8 February 2022).",
		"seeds": theft,
	}
	const demo = "chaintrace demo case (fictitious address)"
	lab := labelCSV([][]string{
		{"btc", exHot, "Exchange D hot wallet (demo)", "exchange", demo, "100"},
		{"btc", darknet, "Darknet market (demo)", "service", demo, "100"},
	})
	return render(doc, g.sortedBlocks(), nil, nil, g.txs), lab
}

func (g *utxo) sortedBlocks() []block {
	bs := make([]block, 0, len(g.blocks))
	for _, b := range g.blocks {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Number < bs[j].Number })
	return bs
}
