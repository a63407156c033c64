package render

import (
	"math/big"
	"math/rand"

	"github.com/chaintrace/chaintrace/graph"
)

// Hand-built results for the exporter tests. Every amount is written out in base
// units and every total is summed by hand in the comments, so the golden files
// and the assertions check the exporters, not a tracer.

func n(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad number " + s)
	}
	return v
}

const (
	eth18 = "000000000000000000" // 18 zeros: 1 ETH = "1" + eth18
	t0    = 1704067200           // 2024-01-01T00:00:00Z, block 19000000
)

func blockTime(b uint64) int64 { return t0 + int64(b-19000000)*12 }

var (
	ethAsset  = graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}
	usdcAsset = graph.Asset{ID: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", Symbol: "USDC", Decimals: 6, Contract: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"}
)

// Account-chain addresses.
const (
	aVictim  = "0x1111111111111111111111111111111111111111"
	aThief   = "0x2222222222222222222222222222222222222222"
	aDeposit = "0x3333333333333333333333333333333333333333"
	aTornado = "0x910Cbd523D972eb0a6f4cAe4618aD62622b39DbF"
	aHop     = "0x4444444444444444444444444444444444444444"
	aKraken  = "0x2910543Af39abA0Cd09dBb2D50200b3E800A63D2"
	aDust    = "0x5555555555555555555555555555555555555555"
	aClean   = "0x6666666666666666666666666666666666666666"
	aRouter  = "0xE592427A0AEce92De3Edee1F18E0157C05861564"
	aBridge  = "0x5c7BCd6E7De5423a257D81B442095A1a6ced35C5"
	aFar     = "0x7777777777777777777777777777777777777777"
	aBinance = "0x28C6c06298d514Db089934071355E5743bf21d60"
)

func hash(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return "0x" + string(b)
}

// accountResult: 10 ETH and 5000 USDC stolen from aVictim by aThief.
//
// ETH (seed 10):
//
//	thief → deposit 4 (tx 2), thief → Tornado 1 (tx 3), thief → hop 4.997 (tx 4);
//	thief pays 3 × 0.001 gas. hop ← clean 1 (tx 5, untainted);
//	hop → Kraken 1 + 1 (tx 6, tx 7: parallel, aggregated in DOT), hop → dust 1 wei (tx 8);
//	hop pays 2 × 0.0005 gas for tx 6 and 7 (the fixture leaves tx 8's gas out).
//	fees = 0.003 + 0.001 = 0.004; unspent at hop = 4.997 − 2 − 0.001 − 1e-18 = 2.995999999999999999.
//	4 + 1 + 2 + 2.995999999999999999 + 0.000000000000000001 + 0.004 = 10 ✓
//
// USDC (seed 5000, 6 decimals):
//
//	thief → router 2000 of which 1500 tainted (tx 9), thief → bridge 3000 (tx a),
//	thief → far 500 (tx b, hop limit). 1500 + 3000 + 500 = 5000 ✓
func accountResult(shuffle int64) *graph.Result {
	f := graph.NewFlow()
	f.Node(aVictim, graph.RoleVictim, 0)
	f.Node(aThief, graph.RoleSeed, 0)
	f.Node(aDeposit, graph.EndExchangeDeposit, 1)
	tor := f.Node(aTornado, graph.EndMixer, 1)
	tor.Label, tor.Category = "Tornado Cash: 1 ETH", "mixer"
	f.Node(aHop, graph.EndUnspent, 1)
	kr := f.Node(aKraken, graph.EndExchange, 2)
	kr.Label, kr.Category = "Kraken 4", "exchange"
	f.Node(aDust, graph.EndBelowThreshold, 2)
	f.Node(aClean, graph.RoleUnknown, 2)
	ro := f.Node(aRouter, graph.EndService, 1)
	ro.Label, ro.Category = "Uniswap V3: Router", "dex"
	br := f.Node(aBridge, graph.EndBridge, 1)
	br.Label, br.Category = "Across Protocol: SpokePool", "bridge"
	f.Node(aFar, graph.EndHopLimit, 1)

	edge := func(tx byte, pos, from, to string, a graph.Asset, amount, taint string, block uint64, hop int, kind graph.TransferKind) *graph.Edge {
		return &graph.Edge{Tx: hash(tx), Position: pos, From: from, To: to, Asset: a.ID, Amount: n(amount), Taint: n(taint),
			Block: block, Time: blockTime(block), Hop: hop, Kind: string(kind)}
	}
	edges := []*graph.Edge{
		edge('1', "value", aVictim, aThief, ethAsset, "10"+eth18, "10"+eth18, 19000000, 0, graph.KindValue),
		edge('2', "value", aThief, aDeposit, ethAsset, "4"+eth18, "4"+eth18, 19000010, 1, graph.KindValue),
		edge('3', "value", aThief, aTornado, ethAsset, "1"+eth18, "1"+eth18, 19000011, 1, graph.KindValue),
		edge('4', "value", aThief, aHop, ethAsset, "4997000000000000000", "4997000000000000000", 19000012, 1, graph.KindValue),
		edge('5', "value", aClean, aHop, ethAsset, "1"+eth18, "0", 19000013, 2, graph.KindValue),
		edge('6', "value", aHop, aKraken, ethAsset, "1"+eth18, "1"+eth18, 19000020, 2, graph.KindValue),
		edge('7', "call 0", aHop, aKraken, ethAsset, "1"+eth18, "1"+eth18, 19000021, 2, graph.KindInternal),
		edge('8', "value", aHop, aDust, ethAsset, "1", "1", 19000022, 2, graph.KindValue),
		edge('0', "log 0", aVictim, aThief, usdcAsset, "5000000000", "5000000000", 19000001, 0, graph.KindToken),
		edge('9', "log 3", aThief, aRouter, usdcAsset, "2000000000", "1500000000", 19000030, 1, graph.KindToken),
		edge('a', "log 1", aThief, aBridge, usdcAsset, "3000000000", "3000000000", 19000031, 1, graph.KindToken),
		edge('b', "log 0", aThief, aFar, usdcAsset, "500000000", "500000000", 19000032, 1, graph.KindToken),
	}
	addShuffled(f, edges, shuffle)

	r := &graph.Result{
		Tool:   "chaintrace test",
		Chain:  "eth",
		Family: graph.FamilyAccount,
		Policy: "haircut",
		Seeds:  []string{hash('1'), hash('0')},
		Params: map[string]string{"hops": "5", "min-amount": "0.01", "to-block": "19000100"},
		Tip:    19000100,
		Assets: map[string]graph.Asset{ethAsset.ID: ethAsset, usdcAsset.ID: usdcAsset},
		Flow:   f,
		Totals: map[string]*graph.Totals{
			"ETH": {
				Seed: n("10" + eth18), Fees: n("4000000000000000"),
				ByKind: map[string]*big.Int{
					graph.EndExchangeDeposit: n("4" + eth18), graph.EndMixer: n("1" + eth18), graph.EndExchange: n("2" + eth18),
					graph.EndUnspent: n("2995999999999999999"), graph.EndBelowThreshold: n("1"),
				},
				Untraced: n("1"),
			},
			usdcAsset.ID: {
				Seed: n("5000000000"), Fees: n("0"),
				ByKind: map[string]*big.Int{
					graph.EndService: n("1500000000"), graph.EndBridge: n("3000000000"), graph.EndHopLimit: n("500000000"),
				},
				Untraced: n("500000000"),
			},
		},
		Warnings: []string{"z: second warning sorts last", "a: trace_filter unavailable; internal transfers from debug_traceTransaction"},
	}
	r.Endpoints = []*graph.Endpoint{
		{Kind: graph.EndUnspent, Address: aHop, Asset: "ETH", Amount: n("2995999999999999999"), Hops: 1,
			Path: []string{hash('1'), hash('4')}, Inflows: []graph.Inflow{{Tx: hash('4'), Block: 19000012, Time: blockTime(19000012), From: aThief, Amount: n("4997000000000000000")}}},
		{Kind: graph.EndExchangeDeposit, Address: aDeposit, Asset: "ETH", Amount: n("4" + eth18), Hops: 1,
			Path: []string{hash('1'), hash('2')}, Inflows: []graph.Inflow{{Tx: hash('2'), Block: 19000010, Time: blockTime(19000010), From: aThief, Amount: n("4" + eth18)}},
			Exchange: "Binance", SweepTx: hash('c'), Confidence: 950},
		{Kind: graph.EndMixer, Address: aTornado, Label: "Tornado Cash: 1 ETH", Category: "mixer", Asset: "ETH", Amount: n("1" + eth18), Hops: 1,
			Path: []string{hash('1'), hash('3')}, Inflows: []graph.Inflow{{Tx: hash('3'), Block: 19000011, Time: blockTime(19000011), From: aThief, Amount: n("1" + eth18)}}},
		{Kind: graph.EndExchange, Address: aKraken, Label: "Kraken 4", Category: "exchange", Asset: "ETH", Amount: n("2" + eth18), Hops: 2,
			Path: []string{hash('1'), hash('4'), hash('6')}, Inflows: []graph.Inflow{
				{Tx: hash('7'), Block: 19000021, Time: blockTime(19000021), From: aHop, Amount: n("1" + eth18)},
				{Tx: hash('6'), Block: 19000020, Time: blockTime(19000020), From: aHop, Amount: n("1" + eth18)},
			}},
		{Kind: graph.EndBelowThreshold, Address: aDust, Asset: "ETH", Amount: n("1"), Hops: 2,
			Path: []string{hash('1'), hash('4'), hash('8')}, Inflows: []graph.Inflow{{Tx: hash('8'), Block: 19000022, Time: blockTime(19000022), From: aHop, Amount: n("1")}}},
		{Kind: graph.EndService, Address: aRouter, Label: "Uniswap V3: Router", Category: "dex", Asset: usdcAsset.ID, Amount: n("1500000000"), Hops: 1,
			Path: []string{hash('0'), hash('9')}, Inflows: []graph.Inflow{{Tx: hash('9'), Block: 19000030, Time: blockTime(19000030), From: aThief, Amount: n("1500000000")}}},
		{Kind: graph.EndBridge, Address: aBridge, Label: "Across Protocol: SpokePool", Category: "bridge", Asset: usdcAsset.ID, Amount: n("3000000000"), Hops: 1,
			Path: []string{hash('0'), hash('a')}, Inflows: []graph.Inflow{{Tx: hash('a'), Block: 19000031, Time: blockTime(19000031), From: aThief, Amount: n("3000000000")}},
			DestChain: "arbitrum"},
		{Kind: graph.EndHopLimit, Address: aFar, Asset: usdcAsset.ID, Amount: n("500000000"), Hops: 1,
			Path: []string{hash('0'), hash('b')}, Inflows: []graph.Inflow{{Tx: hash('b'), Block: 19000032, Time: blockTime(19000032), From: aThief, Amount: n("500000000")}}},
	}
	shuffleEndpoints(r, shuffle)
	return r
}

// UTXO addresses and txids.
const (
	bThief   = "bc1qthief0000000000000000000000000000000"
	bClean   = "bc1qclean0000000000000000000000000000000"
	bDeposit = "bc1qdeposit00000000000000000000000000000"
	bChange  = "bc1qchange000000000000000000000000000000"
	bSeedTx  = "aaaa000000000000000000000000000000000000000000000000000000000001"
	bSpendTx = "bbbb000000000000000000000000000000000000000000000000000000000002"
	bCleanTx = "cccc000000000000000000000000000000000000000000000000000000000003"
)

// utxoResult: 1 BTC stolen in output bSeedTx:0 (bThief). Tx bSpendTx spends
// vin 0 = bCleanTx:0 (0.5 BTC, clean) and vin 1 = bSeedTx:0 (1 BTC, tainted), pays
// vout 0 = 0.7 BTC to bDeposit and vout 1 = 0.7999 BTC to bChange (change),
// fee 0.0001 BTC. FIFO: the inputs laid end to end are [0, 0.5) clean and
// [0.5, 1.5) tainted; vout 0 covers [0, 0.7) → 0.2 tainted; vout 1 covers
// [0.7, 1.4999) → 0.7999 tainted; the fee covers [1.4999, 1.5) → 0.0001 tainted.
// 0.2 + 0.7999 + 0.0001 = 1 ✓
func utxoResult() *graph.Result {
	f := graph.NewFlow()
	f.Node(bThief, graph.RoleSeed, 0)
	f.Node(bClean, graph.RoleUnknown, 1)
	tx := f.Node("tx:"+bSpendTx, graph.RoleTx, 1)
	tx.Address, tx.Tx = "", bSpendTx
	f.Node(bDeposit, graph.EndExchangeDeposit, 1)
	f.Node(bChange, graph.EndUnspent, 1)
	bt := int64(1700000000)
	e := func(txid, pos, from, to, amount, taint string, hop int, heur ...string) *graph.Edge {
		return &graph.Edge{Tx: txid, Position: pos, From: from, To: to, Asset: "BTC", Amount: n(amount), Taint: n(taint),
			Block: 820000, Time: bt, Hop: hop, Kind: string(graph.KindUTXO), Heuristics: heur}
	}
	f.AddEdge(e(bSpendTx, "vin 0", bClean, "tx:"+bSpendTx, "50000000", "0", 1))
	f.AddEdge(e(bSpendTx, "vin 1", bThief, "tx:"+bSpendTx, "100000000", "100000000", 1))
	f.AddEdge(e(bSpendTx, "vout 0", "tx:"+bSpendTx, bDeposit, "70000000", "20000000", 1))
	f.AddEdge(e(bSpendTx, "vout 1", "tx:"+bSpendTx, bChange, "79990000", "79990000", 1, "change"))
	btc := graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}
	return &graph.Result{
		Tool: "chaintrace test", Chain: "btc", Family: graph.FamilyUTXO, Policy: "fifo",
		Seeds:  []string{bSeedTx + ":0"},
		Params: map[string]string{"hops": "5"},
		Tip:    820100,
		Assets: map[string]graph.Asset{"BTC": btc},
		Flow:   f,
		Totals: map[string]*graph.Totals{"BTC": {
			Seed: n("100000000"), Fees: n("10000"),
			ByKind:   map[string]*big.Int{graph.EndExchangeDeposit: n("20000000"), graph.EndUnspent: n("79990000")},
			Untraced: n("0"),
		}},
		Endpoints: []*graph.Endpoint{
			{Kind: graph.EndExchangeDeposit, Address: bDeposit, Outpoint: bSpendTx + ":0", Asset: "BTC", Amount: n("20000000"), Hops: 1,
				Path:     []string{bSeedTx, bSpendTx},
				Inflows:  []graph.Inflow{{Tx: bSpendTx, Block: 820000, Time: bt, From: bThief, Amount: n("20000000")}},
				Exchange: "Kraken", SweepTx: "dddd000000000000000000000000000000000000000000000000000000000004", Confidence: 1000},
			{Kind: graph.EndUnspent, Address: bChange, Outpoint: bSpendTx + ":1", Asset: "BTC", Amount: n("79990000"), Hops: 1,
				Path:    []string{bSeedTx, bSpendTx},
				Inflows: []graph.Inflow{{Tx: bSpendTx, Block: 820000, Time: bt, From: bThief, Amount: n("79990000")}}},
		},
	}
}

// poisonResult: 1 BTC tainted input plus 3 BTC clean into one tx paying 2 and
// 1.9999 BTC, fee 0.0001. Poison taints every output and the fee: 4 BTC of taint
// from a 1 BTC seed, growth 3 BTC. 2 + 1.9999 + 0.0001 − 3 = 1 ✓
func poisonResult() *graph.Result {
	f := graph.NewFlow()
	f.Node(bThief, graph.RoleSeed, 0)
	f.Node(bClean, graph.RoleUnknown, 1)
	tx := f.Node("tx:"+bSpendTx, graph.RoleTx, 1)
	tx.Address, tx.Tx = "", bSpendTx
	f.Node(bDeposit, graph.EndUnspent, 1)
	f.Node(bChange, graph.EndUnspent, 1)
	e := func(pos, from, to, amount, taint string) *graph.Edge {
		return &graph.Edge{Tx: bSpendTx, Position: pos, From: from, To: to, Asset: "BTC", Amount: n(amount), Taint: n(taint),
			Block: 820000, Time: 1700000000, Hop: 1, Kind: string(graph.KindUTXO)}
	}
	f.AddEdge(e("vin 0", bThief, "tx:"+bSpendTx, "100000000", "100000000"))
	f.AddEdge(e("vin 1", bClean, "tx:"+bSpendTx, "300000000", "0"))
	f.AddEdge(e("vout 0", "tx:"+bSpendTx, bDeposit, "200000000", "200000000"))
	f.AddEdge(e("vout 1", "tx:"+bSpendTx, bChange, "199990000", "199990000"))
	btc := graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}
	return &graph.Result{
		Tool: "chaintrace test", Chain: "btc", Family: graph.FamilyUTXO, Policy: "poison",
		Seeds: []string{bSeedTx + ":0"}, Params: map[string]string{"hops": "5"}, Tip: 820100,
		Assets: map[string]graph.Asset{"BTC": btc}, Flow: f,
		Totals: map[string]*graph.Totals{"BTC": {
			Seed: n("100000000"), Fees: n("10000"),
			ByKind:   map[string]*big.Int{graph.EndUnspent: n("399990000")},
			Untraced: n("0"), Growth: n("300000000"),
		}},
		Endpoints: []*graph.Endpoint{
			{Kind: graph.EndUnspent, Address: bDeposit, Outpoint: bSpendTx + ":0", Asset: "BTC", Amount: n("200000000"), Hops: 1, Path: []string{bSeedTx, bSpendTx}},
			{Kind: graph.EndUnspent, Address: bChange, Outpoint: bSpendTx + ":1", Asset: "BTC", Amount: n("199990000"), Hops: 1, Path: []string{bSeedTx, bSpendTx}},
		},
	}
}

// Labels an attacker could put in a label file or a token contract's symbol.
var nastyLabels = []string{
	`Evil "quoted" \ back\slash`,
	"line1\nline2\ttab\r",
	`<script>alert('x')</script> & co <B>bold</B>`,
	"Ünïcødé 交易所 😀",
	"\u202eRTL override gnp.exe",
	`trailing backslash \`,
	"bad utf8 \xff\xfe end",
	"&amp; &lt; &#65; entities",
	`\N \G \l \n escapes`,
	"]]> --> } ; [label=x]",
}

// nastyResult: one seed address paying 1 unit of a token with a hostile symbol
// to each of ten labelled addresses; 10 units seed, all at services.
func nastyResult() *graph.Result {
	tok := graph.Asset{ID: "0x8888888888888888888888888888888888888888", Symbol: `U$"D<T>\`, Decimals: 0, Contract: "0x8888888888888888888888888888888888888888"}
	f := graph.NewFlow()
	f.Node(aThief, graph.RoleSeed, 0)
	r := &graph.Result{
		Tool: "chaintrace test", Chain: "eth", Family: graph.FamilyAccount, Policy: "haircut",
		Seeds: []string{aThief}, Params: map[string]string{"from-block": "1", `we"ird\key`: "<v&l>"},
		Tip: 100, Assets: map[string]graph.Asset{tok.ID: tok}, Flow: f,
		Totals: map[string]*graph.Totals{tok.ID: {Seed: n("10"), Fees: n("0"),
			ByKind: map[string]*big.Int{graph.EndService: n("10")}, Untraced: n("0")}},
		Warnings: []string{"label file row 3: \"bad\tline\"\n<ignored>"},
		Error:    "node at 127.0.0.1:8545 timed out\nafter 30s; retry with --rpc pointing at a faster node & \"--hops 3\"",
	}
	for i, l := range nastyLabels {
		addr := "0x9999999999999999999999999999999999999" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "0"
		nd := f.Node(addr, graph.EndService, 1)
		nd.Label, nd.Category = l, "other "+l
		f.AddEdge(&graph.Edge{Tx: hash(byte('0' + i)), Position: "log 0", From: aThief, To: addr, Asset: tok.ID,
			Amount: n("1"), Taint: n("1"), Block: 50, Time: 1600000000, Hop: 1, Kind: string(graph.KindToken)})
		r.Endpoints = append(r.Endpoints, &graph.Endpoint{Kind: graph.EndService, Address: addr, Label: l, Category: "other", Asset: tok.ID,
			Amount: n("1"), Hops: 1, Path: []string{hash(byte('0' + i))}, Note: l})
	}
	return r
}

func addShuffled(f *graph.Flow, es []*graph.Edge, seed int64) {
	if seed != 0 {
		rand.New(rand.NewSource(seed)).Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	}
	for _, e := range es {
		f.AddEdge(e)
	}
}

func shuffleEndpoints(r *graph.Result, seed int64) {
	if seed != 0 {
		rand.New(rand.NewSource(seed)).Shuffle(len(r.Endpoints), func(i, j int) {
			r.Endpoints[i], r.Endpoints[j] = r.Endpoints[j], r.Endpoints[i]
		})
	}
}
