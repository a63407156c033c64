package e2e

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus/misc/eip1559"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
)

// evmScenario is the Ethereum deposit scenario; block numbers are what the
// test's own Commit calls returned.
type evmScenario struct {
	n                                   *geth.Node
	hacker, e1, e2                      *geth.Account
	d1, d2, d3, d5, d6, d7, d8          *geth.Account
	tok, fwd                            common.Address
	toFwd                               common.Hash
	theftETH, theftTok                  common.Hash
	toD1, toD2, toD3, toE2, toD5        common.Hash
	toD6, toD7, toD8a, toD8b, sweep8    common.Hash
	sweep1, d3fwd, e2fwd, sweep6, d7fwd common.Hash
	clean5, sweep5, sweep2              common.Hash
	bIn, bSweep1, bSweep5, bSweep2      uint64
}

const (
	alphaLabel = "Alpha Exchange: Hot Wallet 1"
	betaLabel  = "Beta Exchange: Hot Wallet"
	tau        = 3 // blocks; small so a late sweep takes only a few empty blocks
)

// sweepAll sends from's whole balance minus the transfer's gas to to, as an
// exchange sweeps a deposit address. The node helper's fixed 50 gwei fee cap
// would make the pool refuse a whole-balance transfer (it checks value + gas ×
// fee cap), so this signs the transaction itself with the fee cap set to the
// gas price it will pay: the next block's base fee (EIP-1559, from the latest
// header) plus the helper's tip. The test checks afterwards that the receipt's
// fee is that and the address was left with exactly 0.
func sweepAll(t *testing.T, n *geth.Node, from *geth.Account, to common.Address) (common.Hash, *big.Int) {
	t.Helper()
	ctx := context.Background()
	c := n.Client()
	hdr, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	price := new(big.Int).Add(eip1559.CalcBaseFee(params.AllDevChainProtocolChanges, hdr), geth.GasTipCap)
	fee := new(big.Int).Mul(price, big.NewInt(geth.GasValue))
	bal, err := c.BalanceAt(ctx, from.Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := c.NonceAt(ctx, from.Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := types.MustSignNewTx(from.Key, types.LatestSignerForChainID(new(big.Int).SetUint64(n.ChainID())), &types.DynamicFeeTx{
		ChainID: new(big.Int).SetUint64(n.ChainID()), Nonce: nonce, GasTipCap: geth.GasTipCap, GasFeeCap: price,
		Gas: geth.GasValue, To: &to, Value: new(big.Int).Sub(bal, fee),
	})
	for try := 0; ; try++ {
		// The pool can lag a block behind a commit (../shared/TESTING.md).
		err = c.SendTransaction(ctx, tx)
		if err == nil || try == 50 || (!strings.Contains(err.Error(), "insufficient funds") && !strings.Contains(err.Error(), "nonce too")) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("sweep from %s: %v", from.Name, err)
	}
	for try := 0; ; try++ {
		if _, pending, err := c.TransactionByHash(ctx, tx.Hash()); err == nil && pending {
			break
		}
		if try == 500 {
			t.Fatalf("sweep %s from %s never reached the pool", tx.Hash().Hex(), from.Name)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return tx.Hash(), fee
}

func buildEVM(t *testing.T) *evmScenario {
	n := geth.Start(t)
	f := n.Faucet()
	acct := func(name string) *geth.Account { return geth.NewAccount("e2e/" + name) }
	s := &evmScenario{n: n, hacker: acct("hacker"), e1: acct("alpha-hot"), e2: acct("beta-hot"),
		d1: acct("d1"), d2: acct("d2"), d3: acct("d3"), d5: acct("d5"), d6: acct("d6"), d7: acct("d7"), d8: acct("d8")}
	victim, customer := acct("victim"), acct("customer")
	eth := geth.Eth

	// Funding. E2's hot wallet gets nothing: it pays its forward's gas out of the
	// stolen 10 ETH, so without its label it would look exactly like a deposit.
	// D6 and D7 get clean ETH for the gas of their token transfers; D8 holds 1
	// clean ETH before it is paid stolen funds twice and swept.
	var hs []common.Hash
	for _, p := range []struct {
		a *geth.Account
		v *big.Int
	}{{victim, eth(2000, 1)}, {customer, eth(100, 1)}, {s.e1, eth(5, 1)}, {s.d6, eth(1, 1)}, {s.d7, eth(1, 1)}, {s.d8, eth(1, 1)}} {
		hs = append(hs, n.SendValue(f, p.a.Address, p.v))
	}
	n.Commit()
	s.tok = n.DeployERC20(f, "TKN", 6, big.NewInt(1_000_000_000_000)) // 1,000,000 TKN
	hs = append(hs, n.TransferToken(f, s.tok, victim.Address, big.NewInt(100_000_000_000)))
	n.Commit()
	s.fwd = n.DeployForwarder(f)

	// The theft: 1000 ETH and 50,000 TKN to an address that held nothing, so
	// everything it later pays (its gas included) is stolen.
	s.theftETH = n.SendValue(victim, s.hacker.Address, eth(1000, 1))
	s.theftTok = n.TransferToken(victim, s.tok, s.hacker.Address, big.NewInt(50_000_000_000))
	n.Commit()

	// Hop 2: the hacker pays deposit candidates and a second exchange.
	s.toD1 = n.SendValue(s.hacker, s.d1.Address, eth(10, 1))
	s.toD2 = n.SendValue(s.hacker, s.d2.Address, eth(10, 1))
	s.toD3 = n.SendValue(s.hacker, s.d3.Address, eth(10, 1))
	s.toE2 = n.SendValue(s.hacker, s.e2.Address, eth(10, 1))
	s.toD5 = n.SendValue(s.hacker, s.d5.Address, eth(200, 1))
	s.toD6 = n.TransferToken(s.hacker, s.tok, s.d6.Address, big.NewInt(1_000_000_000)) // 1000 TKN
	s.toD7 = n.TransferToken(s.hacker, s.tok, s.d7.Address, big.NewInt(1_000_000_000))
	s.toD8a = n.SendValue(s.hacker, s.d8.Address, eth(5, 1))
	// A deposit contract that passes what it is paid straight on to Alpha's hot
	// wallet inside the same transaction (an internal CALL): aᵣ = a_f, Δt = 0.
	s.toFwd = n.Forward(s.hacker, s.fwd, eth(3, 1), geth.Payment{To: s.e1.Address, Amount: eth(3, 1)})
	s.bIn = n.Commit()

	// One block later: D1 sweeps everything to Alpha (a deposit); D3 forwards
	// 9.9 of its 10 ETH (0.1 ETH short: more than α); Beta's hot wallet forwards
	// to Alpha's; D6 forwards its 1000 TKN exactly, D7 one base unit less; a
	// customer credits D5 with 50 clean ETH.
	var fee1, fee5, fee2, feeE2 *big.Int
	s.sweep1, fee1 = sweepAll(t, n, s.d1, s.e1.Address)
	s.d3fwd = n.SendValue(s.d3, s.e1.Address, eth(99, 10))
	s.e2fwd, feeE2 = sweepAll(t, n, s.e2, s.e1.Address)
	s.sweep6 = n.TransferToken(s.d6, s.tok, s.e1.Address, big.NewInt(1_000_000_000))
	s.d7fwd = n.TransferToken(s.d7, s.tok, s.e1.Address, big.NewInt(999_999_999))
	s.clean5 = n.SendValue(customer, s.d5.Address, eth(50, 1))
	s.toD8b = n.SendValue(s.hacker, s.d8.Address, eth(5, 1))
	s.bSweep1 = n.Commit()
	// D8 sweeps its 1 + 5 + 5 ETH, one block after the second stolen credit.
	var fee8 *big.Int
	s.sweep8, fee8 = sweepAll(t, n, s.d8, s.e1.Address)
	n.Commit()
	n.Commit()
	// D5 sweeps 250 ETH minus gas 3 blocks after the customer's credit (within
	// τ) but 4 after the stolen one (beyond τ): only aᵣ taken as every credit
	// since the previous sweep, tᵣ the last of them, makes it a deposit.
	s.sweep5, fee5 = sweepAll(t, n, s.d5, s.e1.Address)
	s.bSweep5 = n.Commit()
	// D2 sweeps 5 blocks after its credit: too late for τ = 3.
	s.sweep2, fee2 = sweepAll(t, n, s.d2, s.e1.Address)
	s.bSweep2 = n.Commit()

	hs = append(hs, s.theftETH, s.theftTok, s.toD1, s.toD2, s.toD3, s.toE2, s.toD5, s.toD6, s.toD7, s.toD8a, s.toD8b, s.toFwd,
		s.sweep1, s.sweep8, s.d3fwd, s.e2fwd, s.sweep6, s.d7fwd, s.clean5, s.sweep5, s.sweep2)
	n.MustSucceed(hs...)
	for _, c := range []struct {
		a   *geth.Account
		h   common.Hash
		fee *big.Int
	}{{s.d1, s.sweep1, fee1}, {s.e2, s.e2fwd, feeE2}, {s.d5, s.sweep5, fee5}, {s.d2, s.sweep2, fee2}, {s.d8, s.sweep8, fee8}} {
		if got := n.Fee(c.h); got.Cmp(c.fee) != 0 {
			t.Fatalf("%s's sweep paid %s wei gas, the scenario expected %s", c.a.Name, got, c.fee)
		}
		if b := n.Balance(c.a.Address); b.Sign() != 0 {
			t.Fatalf("%s holds %s wei after sweeping its whole balance", c.a.Name, b)
		}
	}
	if s.bSweep1 != s.bIn+1 || s.bSweep5 != s.bSweep1+3 || s.bSweep2 != s.bIn+5 {
		t.Fatalf("unexpected blocks: in %d, sweeps %d %d %d", s.bIn, s.bSweep1, s.bSweep5, s.bSweep2)
	}
	return s
}

func (s *evmScenario) blockTime(t *testing.T, b uint64) int64 {
	t.Helper()
	h, err := s.n.Client().HeaderByNumber(context.Background(), new(big.Int).SetUint64(b))
	if err != nil {
		t.Fatal(err)
	}
	return int64(h.Time)
}

func (s *evmScenario) fees(hs ...common.Hash) *big.Int {
	sum := new(big.Int)
	for _, h := range hs {
		sum.Add(sum, s.n.Fee(h))
	}
	return sum
}

// TestEVMDeposits traces the theft over the real node with only the two
// exchanges' hot wallets labelled and checks every endpoint, the totals, the
// JSON output and the report's freeze-request tables against hand-worked values.
func TestEVMDeposits(t *testing.T) {
	s := buildEVM(t)
	n := s.n
	ctx := context.Background()
	// The node's HTTP server waits up to 5 s at shutdown for connections that
	// never carried a request (net/http counts them as new, not idle), and the
	// client's transport sometimes dials one more than it uses under concurrent
	// calls: closing the client's idle connections first keeps the test fast.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: n.URL(), History: evm.HistoryRPC,
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	lbs := loadLabels(t,
		"evm,"+s.e1.Hex()+","+alphaLabel+",exchange,e2e test,100",
		"evm,"+strings.ToLower(s.e2.Hex())+","+betaLabel+",exchange,e2e test,100",
	)
	opts := trace.Options{Policy: trace.Haircut, Labels: lbs, DepositRule: true, DepositTau: tau}
	seeds := []string{s.theftETH.Hex(), s.theftTok.Hex()}
	res, err := trace.Run(ctx, a, seeds, opts)
	if err != nil {
		t.Fatal(err)
	}

	var native, tok string
	for id, as := range res.Assets {
		switch {
		case as.Native():
			native = id
		case strings.EqualFold(as.Contract, s.tok.Hex()):
			tok = id
		}
	}
	if native == "" || tok == "" {
		t.Fatalf("assets %v: want the native coin and TKN", res.Assets)
	}

	eth := geth.Eth
	alpha := eth(1, 100) // the published default α = 0.01 ETH, as Options.Defaults sets it
	sub := func(a *big.Int, bs ...*big.Int) *big.Int {
		r := new(big.Int).Set(a)
		for _, b := range bs {
			r.Sub(r, b)
		}
		return r
	}
	add := func(a *big.Int, bs ...*big.Int) *big.Int {
		r := new(big.Int).Set(a)
		for _, b := range bs {
			r.Add(r, b)
		}
		return r
	}
	hackerFees := s.fees(s.toD1, s.toD2, s.toD3, s.toE2, s.toD5, s.toD6, s.toD7, s.toD8a, s.toD8b, s.toFwd)
	fee1, fee5, fee2, fee3, fee8 := n.Fee(s.sweep1), n.Fee(s.sweep5), n.Fee(s.sweep2), n.Fee(s.d3fwd), n.Fee(s.sweep8)

	// κ by hand. D1: aᵣ = 10 ETH (block bIn), a_f = 10 ETH − fee1 (block bIn+1):
	// aᵣ − a_f = fee1, Δt = 1. D5: aᵣ = 200 + 50 ETH, tᵣ = bIn+1 (the customer's
	// credit), a_f = 250 ETH − fee5 at bIn+4: aᵣ − a_f = fee5, Δt = 3 = τ. D6
	// (token, no amount term): Δt = 1 → 1000·(1 − 1/6) = 833.33 → 833.
	k1 := kappa(fee1, alpha, 1, tau)
	k5 := kappa(fee5, alpha, 3, tau)
	k6 := kappa(nil, nil, 1, tau)
	// D8: aᵣ = 1 ETH held before + 5 + 5 stolen (tᵣ = bIn+1), a_f = 11 ETH − fee8
	// at bIn+2: aᵣ − a_f = fee8, Δt = 1.
	k8 := kappa(fee8, alpha, 1, tau)
	// Gas is ~21,000 × 2 gwei ≈ 4·10¹³ wei, 0.4 % of α: the amount term costs
	// D1 at most a few permille below 1000 − 166.67 and D5 below 1000 − 500.
	if k1 < 820 || k1 > 833 || k5 < 490 || k5 > 500 || k6 != 833 || k8 < 820 || k8 > 833 {
		t.Fatalf("hand-computed κ out of the expected range: D1 %d, D5 %d, D6 %d", k1, k5, k6)
	}

	t.Logf("κ by hand: D1 %d‰ (gas %s wei), D5 %d‰ (gas %s wei), D6 %d‰", k1, fee1, k5, fee5, k6)
	deposits := []wantEP{
		{kind: graph.EndExchangeDeposit, addr: s.d1.Hex(), asset: native, amount: eth(10, 1), exchange: "Alpha Exchange", sweep: s.sweep1.Hex(), confidence: k1},
		// (e): 200 stolen + 50 clean, swept together; the endpoint is the 200 stolen.
		{kind: graph.EndExchangeDeposit, addr: s.d5.Hex(), asset: native, amount: eth(200, 1), exchange: "Alpha Exchange", sweep: s.sweep5.Hex(), confidence: k5},
		// Two stolen credits into one deposit: one endpoint of 10 ETH, two freeze rows.
		{kind: graph.EndExchangeDeposit, addr: s.d8.Hex(), asset: native, amount: eth(10, 1), exchange: "Alpha Exchange", sweep: s.sweep8.Hex(), confidence: k8},
		// A forwarding deposit contract: swept in the very transaction that paid it.
		{kind: graph.EndExchangeDeposit, addr: s.fwd.Hex(), asset: native, amount: eth(3, 1), exchange: "Alpha Exchange", sweep: s.toFwd.Hex(), confidence: 1000},
		// (f): the token deposit forwarded exactly what it received.
		{kind: graph.EndExchangeDeposit, addr: s.d6.Hex(), asset: tok, amount: big.NewInt(1_000_000_000), exchange: "Alpha Exchange", sweep: s.sweep6.Hex(), confidence: k6},
	}
	want := append([]wantEP{
		// (b) D2 swept too late: followed, its whole sweep reaches Alpha's hot
		// wallet; (c) D3 forwarded 0.1 ETH less than it got: followed, 9.9 ETH to Alpha.
		{kind: graph.EndExchange, addr: s.e1.Hex(), asset: native, amount: add(sub(eth(10, 1), fee2), eth(99, 10))},
		{kind: graph.EndUnspent, addr: s.d3.Hex(), asset: native, amount: sub(eth(1, 10), fee3)},
		// (d) Beta's labelled hot wallet is an exchange endpoint; its forward to
		// Alpha's is never looked at.
		{kind: graph.EndExchange, addr: s.e2.Hex(), asset: native, amount: eth(10, 1)},
		{kind: graph.EndUnspent, addr: s.hacker.Hex(), asset: native, amount: sub(eth(1000, 1), eth(253, 1), hackerFees)},
		// (f) D7 forwarded one base unit less than it received: not a deposit.
		{kind: graph.EndExchange, addr: s.e1.Hex(), asset: tok, amount: big.NewInt(999_999_999)},
		{kind: graph.EndUnspent, addr: s.d7.Hex(), asset: tok, amount: big.NewInt(1)},
		{kind: graph.EndUnspent, addr: s.hacker.Hex(), asset: tok, amount: big.NewInt(48_000_000_000)},
	}, deposits...)
	checkEndpoints(t, res, want)
	checkBalance(t, res, native, eth(1000, 1), add(hackerFees, fee2, fee3))
	checkBalance(t, res, tok, big.NewInt(50_000_000_000), new(big.Int))
	for _, e := range res.Endpoints {
		if e.Kind == graph.EndExchangeDeposit && (e.Address == s.e1.Hex() || e.Address == s.e2.Hex()) {
			t.Errorf("labelled exchange wallet %s reported as a deposit address", e.Address)
		}
	}

	checkJSON(t, res, deposits)
	sameJSON(t, res, func() (*graph.Result, error) {
		o := opts
		o.Concurrency = 4 // prefetching histories must not change what is concluded
		return trace.Run(ctx, a, seeds, o)
	})

	tables, md := freezeTables(t, res)
	tIn := s.blockTime(t, s.bIn)
	checkFreeze(t, tables, md, "Alpha Exchange", []freezeRow{
		depositRow(s.d1.Hex(), s.toD1.Hex(), "10 ETH", tIn, 2, s.sweep1.Hex(), k1),
		depositRow(s.d5.Hex(), s.toD5.Hex(), "200 ETH", tIn, 2, s.sweep5.Hex(), k5),
		depositRow(s.d6.Hex(), s.toD6.Hex(), "1000 TKN", tIn, 2, s.sweep6.Hex(), k6),
		depositRow(s.d8.Hex(), s.toD8a.Hex(), "5 ETH", tIn, 2, s.sweep8.Hex(), k8),
		depositRow(s.fwd.Hex(), s.toFwd.Hex(), "3 ETH", tIn, 2, s.toFwd.Hex(), 1000),
		depositRow(s.d8.Hex(), s.toD8b.Hex(), "5 ETH", s.blockTime(t, s.bSweep1), 2, s.sweep8.Hex(), k8),
	}, []string{s.e1.Hex()})
	checkFreeze(t, tables, md, "Beta Exchange", nil, []string{s.e2.Hex()})
	if len(tables) != 2 {
		t.Errorf("freeze tables for %v, want Alpha Exchange and Beta Exchange", keys(tables))
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("endpoints:\n%s\nreport:\n%s", dumpEndpoints(res), md)
	}

	// --through Beta's hot wallet: the tracer follows it, and even though its
	// forward of its whole balance minus gas to Alpha within τ matches the rule,
	// a labelled exchange is never a deposit address: the forward is an exchange
	// credit at Alpha.
	opts.Through = []string{s.e2.Hex()}
	res2, err := trace.Run(ctx, a, seeds, opts)
	if err != nil {
		t.Fatal(err)
	}
	feeE2 := n.Fee(s.e2fwd)
	var want2 []wantEP
	for _, w := range want {
		switch {
		case w.addr == s.e2.Hex():
			continue // followed, left with 0
		case w.addr == s.e1.Hex() && w.asset == native:
			w.amount = add(w.amount, sub(eth(10, 1), feeE2))
		}
		want2 = append(want2, w)
	}
	checkEndpoints(t, res2, want2)
	checkBalance(t, res2, native, eth(1000, 1), add(hackerFees, fee2, fee3, feeE2))
	found := false
	for _, e := range res2.Endpoints {
		if e.Address == s.e1.Hex() && e.Asset == native {
			for _, in := range e.Inflows {
				found = found || in.Tx == s.e2fwd.Hex()
			}
		}
	}
	if !found {
		t.Errorf("with --through Beta, Alpha's endpoint lists no inflow from Beta's forward %s", s.e2fwd.Hex())
	}
}
