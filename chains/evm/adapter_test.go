package evm

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

func openRPC(t testing.TB, url string, mod ...func(*Config)) *Adapter {
	t.Helper()
	cfg := Config{Chain: "evm", RPC: url, History: HistoryRPC}
	for _, m := range mod {
		m(&cfg)
	}
	a, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// scenario starts a node with the theft scenario and an rpc-history adapter.
func scenario(t testing.TB) (*geth.Theft, *Adapter) {
	t.Helper()
	n := geth.Start(t)
	s := geth.BuildTheft(t, n)
	a := openRPC(t, n.URL()) // no WETH configured, as from the CLI: found by symbol and matching value
	return s, a
}

// want is a transfer as the test expects it, written by hand.
type want struct {
	kind     graph.TransferKind
	pos      string
	from, to string
	asset    string
	src      string // SrcAsset.ID for wraps
	amount   *big.Int
	tx       common.Hash
}

func (w want) String() string {
	return fmt.Sprintf("%s %s %s→%s %s %s (src %s) tx %s", w.kind, w.pos, w.from, w.to, w.amount, w.asset, w.src, w.tx.Hex()[:10])
}

func got(t graph.Transfer) want {
	w := want{kind: t.Kind, pos: t.Position, from: t.From, to: t.To, asset: t.Asset.ID, amount: t.Amount, tx: common.HexToHash(t.TxHash)}
	if t.SrcAsset != nil {
		w.src = t.SrcAsset.ID
	}
	return w
}

func sameTransfers(t *testing.T, what string, ts []graph.Transfer, ws []want) {
	t.Helper()
	ok := len(ts) == len(ws)
	for i := 0; ok && i < len(ts); i++ {
		g := got(ts[i])
		if g.String() != ws[i].String() {
			ok = false
		}
	}
	if !ok {
		var b strings.Builder
		for _, x := range ts {
			fmt.Fprintf(&b, "  got  %s\n", got(x))
		}
		for _, x := range ws {
			fmt.Fprintf(&b, "  want %s\n", x)
		}
		t.Fatalf("%s: transfers differ:\n%s", what, b.String())
	}
}

func logPos(n *geth.Node, h common.Hash, i int) string {
	return fmt.Sprintf("log %d", n.Receipt(h).Logs[i].Index)
}

func TestTxTransfers(t *testing.T) {
	s, a := scenario(t)
	n := s.Node
	ctx := context.Background()
	fee := func(h common.Hash, from *geth.Account) want {
		return want{kind: graph.KindFee, pos: "fee", from: from.Hex(), asset: "ETH", amount: n.Fee(h), tx: h}
	}
	usdt, weth, fwd := s.USDT.Hex(), s.WETH.Hex(), s.Forwarder.Hex()
	cases := []struct {
		name string
		tx   common.Hash
		want []want
	}{
		{"theft ETH", s.TheftETH, []want{fee(s.TheftETH, s.Victim),
			{graph.KindValue, "value", s.Victim.Hex(), s.Hacker.Hex(), "ETH", "", geth.Eth(40, 1), s.TheftETH}}},
		{"theft USDT", s.TheftUSDT, []want{fee(s.TheftUSDT, s.Victim),
			{graph.KindToken, logPos(n, s.TheftUSDT, 0), s.Victim.Hex(), s.Hacker.Hex(), usdt, "", geth.USDT(500_000), s.TheftUSDT}}},
		{"forwarder", s.ForwardTx, []want{fee(s.ForwardTx, s.Hacker),
			{graph.KindValue, "value", s.Hacker.Hex(), fwd, "ETH", "", geth.Eth(10, 1), s.ForwardTx},
			{graph.KindInternal, "call 0", fwd, s.H4.Hex(), "ETH", "", geth.Eth(6, 1), s.ForwardTx},
			{graph.KindInternal, "call 1", fwd, s.Dep3.Hex(), "ETH", "", geth.Eth(4, 1), s.ForwardTx}}},
		{"wrap", s.WrapTx, []want{fee(s.WrapTx, s.H4),
			{graph.KindWrap, logPos(n, s.WrapTx, 0), s.H4.Hex(), s.H4.Hex(), weth, "ETH", geth.Eth(2, 1), s.WrapTx}}},
		{"unwrap", s.UnwrapTx, []want{fee(s.UnwrapTx, s.H4),
			{graph.KindWrap, logPos(n, s.UnwrapTx, 0), s.H4.Hex(), s.H4.Hex(), "ETH", weth, geth.Eth(1, 1), s.UnwrapTx}}},
	}
	for _, c := range cases {
		ts, err := a.TxTransfers(ctx, c.tx.Hex())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameTransfers(t, c.name, ts, c.want)
		r := n.Receipt(c.tx)
		blk, _ := n.Client().HeaderByNumber(ctx, r.BlockNumber)
		for i, x := range ts {
			if x.Seq != i || x.Chain != "evm" || x.Block != r.BlockNumber.Uint64() || x.TxIndex != int(r.TransactionIndex) ||
				x.BlockHash != strings.ToLower(r.BlockHash.Hex()) || x.Time != int64(blk.Time) || x.TxHash != strings.ToLower(c.tx.Hex()) {
				t.Errorf("%s: transfer %d metadata %+v", c.name, i, x)
			}
		}
		if c.name == "theft USDT" && (ts[1].Asset.Symbol != "USDT" || ts[1].Asset.Decimals != 6 || ts[1].Asset.Contract != usdt) {
			t.Errorf("token asset %+v", ts[1].Asset)
		}
		if c.name == "wrap" && (ts[1].Asset.Symbol != "WETH" || ts[1].Asset.Decimals != 18 || !ts[1].SrcAsset.Native()) {
			t.Errorf("wrap assets %+v %+v", ts[1].Asset, ts[1].SrcAsset)
		}
	}
	// A reverted transaction moved nothing.
	_, err := a.TxTransfers(ctx, s.RevertedTx.Hex())
	if !errors.Is(err, trace.ErrReverted) || !strings.Contains(err.Error(), "moved nothing") {
		t.Errorf("reverted: %v", err)
	}
	_, err = a.TxTransfers(ctx, "0x"+strings.Repeat("ab", 32))
	if !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("unknown tx: %v", err)
	}
	for _, bad := range []string{"0x1234", "hello", s.Hacker.Hex()} {
		if _, err := a.TxTransfers(ctx, bad); !errors.Is(err, trace.ErrBadInput) {
			t.Errorf("TxTransfers(%q): %v, want ErrBadInput", bad, err)
		}
	}
	if w := a.Warnings(); len(w) != 0 {
		t.Errorf("warnings on a full node: %q", w)
	}
}

func TestCacheNeverRefetches(t *testing.T) {
	s, a := scenario(t)
	ctx := context.Background()
	if _, err := a.TxTransfers(ctx, s.ForwardTx.Hex()); err != nil {
		t.Fatal(err)
	}
	q := trace.HistoryQuery{Address: s.H4.Hex(), FromBlock: 0, ToBlock: s.LastBlock}
	if _, err := a.History(ctx, q); err != nil {
		t.Fatal(err)
	}
	before := a.Stats().Calls
	if _, err := a.TxTransfers(ctx, s.ForwardTx.Hex()); err != nil {
		t.Fatal(err)
	}
	// The second History repeats only the nonce and log queries, never a block,
	// receipt or trace fetch: those are all cached.
	p := newProxy(t, s.Node.URL(), nil)
	b := openRPC(t, p.URL, func(c *Config) { c.WETH = []string{s.WETH.Hex()} })
	for i := 0; i < 2; i++ {
		if _, err := b.History(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if a.Stats().Calls != before {
		t.Errorf("cached TxTransfers made %d calls", a.Stats().Calls-before)
	}
	// Across two identical History calls, no block, receipt or trace was asked
	// for twice.
	if d := p.dupes("eth_getBlockByNumber", "eth_getTransactionReceipt", "eth_getTransactionByHash", "debug_traceTransaction", "debug_traceBlockByNumber", "eth_call"); len(d) > 0 {
		t.Errorf("fetched more than once: %q", d)
	}
	if r := p.count("eth_getTransactionReceipt"); r != 3 { // h4: ForwardTx, WrapTx, UnwrapTx
		t.Errorf("receipts fetched %d times, want 3 (once each)", r)
	}
	if r := p.count("debug_traceBlockByNumber"); r == 0 {
		t.Error("the scan traced no block")
	}
}

func TestHistoryRPC(t *testing.T) {
	s, a := scenario(t)
	n := s.Node
	ctx := context.Background()
	fee := func(h common.Hash, from *geth.Account) want {
		return want{kind: graph.KindFee, pos: "fee", from: from.Hex(), asset: "ETH", amount: n.Fee(h), tx: h}
	}
	val := func(h common.Hash, from, to common.Address, amt *big.Int) want {
		return want{graph.KindValue, "value", from.Hex(), to.Hex(), "ETH", "", amt, h}
	}
	usdt := s.USDT.Hex()
	hist := func(addr *geth.Account, from uint64, limit int) trace.History {
		t.Helper()
		h, err := a.History(ctx, trace.HistoryQuery{Address: strings.ToLower(addr.Hex()), FromBlock: from, ToBlock: s.LastBlock, Limit: limit})
		if err != nil {
			t.Fatalf("History(%s): %v", addr.Name, err)
		}
		return h
	}
	hackerAll := []want{
		val(s.TheftETH, s.Victim.Address, s.Hacker.Address, geth.Eth(40, 1)),
		{graph.KindToken, logPos(n, s.TheftUSDT, 0), s.Victim.Hex(), s.Hacker.Hex(), usdt, "", geth.USDT(500_000), s.TheftUSDT},
		fee(s.FanH1, s.Hacker), val(s.FanH1, s.Hacker.Address, s.H1.Address, geth.Eth(10, 1)),
		fee(s.FanH2, s.Hacker), val(s.FanH2, s.Hacker.Address, s.H2.Address, geth.Eth(10, 1)),
		fee(s.FanH3, s.Hacker), val(s.FanH3, s.Hacker.Address, s.H3.Address, geth.Eth(5, 1)),
		fee(s.ForwardTx, s.Hacker), val(s.ForwardTx, s.Hacker.Address, s.Forwarder, geth.Eth(10, 1)),
		fee(s.USDTToH3, s.Hacker),
		{graph.KindToken, logPos(n, s.USDTToH3, 0), s.Hacker.Hex(), s.H3.Hex(), usdt, "", geth.USDT(200_000), s.USDTToH3},
	}
	sameTransfers(t, "hacker", hist(s.Hacker, 0, 0).Transfers, hackerAll)
	sameTransfers(t, "hacker from fan-out block", hist(s.Hacker, s.FanBlock, 0).Transfers, hackerAll[2:])
	h := hist(s.Hacker, 0, 3)
	if !h.Truncated || len(h.Transfers) != 4 {
		t.Errorf("limit 3: truncated %v with %d transfers, want true with 4", h.Truncated, len(h.Transfers))
	}
	if h := hist(s.Hacker, 0, 100); h.Truncated {
		t.Errorf("limit 100 truncated")
	}
	// p1: both incoming payments (tainted and clean) are found by the block scan.
	sameTransfers(t, "p1", hist(s.P1, 0, 0).Transfers, []want{
		val(s.PeelP1, s.H1.Address, s.P1.Address, geth.Eth(8, 1)),
		val(s.CleanToP1, s.Clean.Address, s.P1.Address, geth.Eth(2, 1)),
		fee(s.P1Dep2, s.P1), val(s.P1Dep2, s.P1.Address, s.Dep2.Address, geth.Eth(1, 1)),
		fee(s.P1P2, s.P1), val(s.P1P2, s.P1.Address, s.P2.Address, geth.Eth(8, 1)),
	})
	// h4: an internal credit, a wrap and an unwrap.
	sameTransfers(t, "h4", hist(s.H4, 0, 0).Transfers, []want{
		{graph.KindInternal, "call 0", s.Forwarder.Hex(), s.H4.Hex(), "ETH", "", geth.Eth(6, 1), s.ForwardTx},
		fee(s.WrapTx, s.H4),
		{graph.KindWrap, logPos(n, s.WrapTx, 0), s.H4.Hex(), s.H4.Hex(), s.WETH.Hex(), "ETH", geth.Eth(2, 1), s.WrapTx},
		fee(s.UnwrapTx, s.H4),
		{graph.KindWrap, logPos(n, s.UnwrapTx, 0), s.H4.Hex(), s.H4.Hex(), "ETH", s.WETH.Hex(), geth.Eth(1, 1), s.UnwrapTx},
	})
	// h2: its reverted call still cost gas, and moved nothing else.
	sameTransfers(t, "h2", hist(s.H2, 0, 0).Transfers, []want{
		val(s.FanH2, s.Hacker.Address, s.H2.Address, geth.Eth(10, 1)),
		fee(s.RevertedTx, s.H2),
	})
	// The forwarder contract: value in, two internal calls out.
	sameTransfers(t, "forwarder", hist(&geth.Account{Name: "fwd", Address: s.Forwarder}, 0, 0).Transfers, []want{
		val(s.ForwardTx, s.Hacker.Address, s.Forwarder, geth.Eth(10, 1)),
		{graph.KindInternal, "call 0", s.Forwarder.Hex(), s.H4.Hex(), "ETH", "", geth.Eth(6, 1), s.ForwardTx},
		{graph.KindInternal, "call 1", s.Forwarder.Hex(), s.Dep3.Hex(), "ETH", "", geth.Eth(4, 1), s.ForwardTx},
	})
	// Bad input.
	if _, err := a.History(ctx, trace.HistoryQuery{Address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}); !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "Bitcoin") {
		t.Errorf("bitcoin address: %v", err)
	}
}

func TestHistoryScanBound(t *testing.T) {
	s, _ := scenario(t)
	a := openRPC(t, s.Node.URL(), func(c *Config) { c.ScanBlocks = 2 })
	h, err := a.History(context.Background(), trace.HistoryQuery{Address: s.P1.Hex(), FromBlock: 0, ToBlock: s.LastBlock})
	if err != nil {
		t.Fatal(err)
	}
	// Outgoing transfers are found by the nonce; the incoming ones lie beyond the
	// two scanned blocks, which a warning says.
	if len(h.Transfers) != 4 {
		t.Errorf("got %d transfers, want p1's 4 outgoing (2 fees, 2 values)", len(h.Transfers))
	}
	if w := a.Warnings(); len(w) != 1 || !strings.Contains(w[0], "scans at most 2 blocks") {
		t.Errorf("warnings %q", w)
	}
	// Outside the scan the hacker's five outgoing transactions come from nonce
	// bisection; with a limit of 3 it stops early and says so.
	b := openRPC(t, s.Node.URL(), func(c *Config) { c.ScanBlocks = 1 })
	h, err = b.History(context.Background(), trace.HistoryQuery{Address: s.Hacker.Hex(), FromBlock: 0, ToBlock: s.LastBlock, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Truncated || len(h.Transfers) != 4 {
		t.Errorf("limit 3 via nonce bisection: truncated %v, %d transfers", h.Truncated, len(h.Transfers))
	}
	h, err = b.History(context.Background(), trace.HistoryQuery{Address: s.Hacker.Hex(), FromBlock: 0, ToBlock: s.LastBlock})
	if err != nil {
		t.Fatal(err)
	}
	out := 0
	for _, x := range h.Transfers {
		if x.From == s.Hacker.Hex() && x.Kind != "fee" {
			out++
		}
	}
	if out != 5 { // h1, h2, h3, forwarder, 200k USDT to h3
		t.Errorf("outgoing via nonce bisection: %d, want 5", out)
	}
}

func TestBalanceAndContract(t *testing.T) {
	s, a := scenario(t)
	ctx := context.Background()
	native := a.Info().Native
	usdt := graph.Asset{ID: s.USDT.Hex(), Contract: s.USDT.Hex(), Symbol: "USDT", Decimals: 6}
	cases := []struct {
		who   *geth.Account
		asset graph.Asset
		block uint64
		want  *big.Int
	}{
		{s.P2, native, s.LastBlock, geth.Eth(8, 1)},
		{s.P2, native, s.LastBlock - 2, new(big.Int)},
		{s.Hacker, usdt, s.TheftBlock, geth.USDT(500_000)},
		{s.Hacker, usdt, s.FanBlock, geth.USDT(300_000)},
		{s.Hacker, native, s.TheftBlock, geth.Eth(40, 1)},
	}
	for _, c := range cases {
		got, err := a.Balance(ctx, c.who.Hex(), c.asset, c.block)
		if err != nil {
			t.Fatal(err)
		}
		if got.Cmp(c.want) != 0 {
			t.Errorf("balance of %s in %s at %d = %s, want %s", c.who.Name, c.asset.ID, c.block, got, c.want)
		}
	}
	for addr, want := range map[string]bool{s.Forwarder.Hex(): true, s.USDT.Hex(): true, s.Hacker.Hex(): false} {
		if got, err := a.IsContract(ctx, addr, s.LastBlock); err != nil || got != want {
			t.Errorf("IsContract(%s) = %v, %v", addr, got, err)
		}
	}
	// The forwarder did not exist at block 1.
	if got, _ := a.IsContract(ctx, s.Forwarder.Hex(), 1); got {
		t.Error("forwarder is a contract at block 1")
	}
	if _, err := a.Balance(ctx, "0xnothex", native, 1); !errors.Is(err, trace.ErrBadInput) {
		t.Errorf("bad address: %v", err)
	}
}

func TestNormalizeAddress(t *testing.T) {
	a := &Adapter{}
	ok := map[string]string{
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed":   "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED":   "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		" 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	}
	for in, want := range ok {
		if got, err := a.NormalizeAddress(in); err != nil || got != want {
			t.Errorf("NormalizeAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD": "checksum",
		"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea":   "38 characters",
		"0xZZaeb6053f3e94c9b9a09f33669435e7ef1beaed": "40 hex",
		"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2":         "Bitcoin",
		"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq": "Bitcoin",
		"0x" + strings.Repeat("ab", 32):              "transaction hash",
		"":                                           "40 hex",
	}
	for in, frag := range bad {
		_, err := a.NormalizeAddress(in)
		if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), frag) {
			t.Errorf("NormalizeAddress(%q) = %v; want ErrBadInput mentioning %q", in, err, frag)
		}
	}
}

// TestWrapRecognition: Deposit events count as wraps only on a configured WETH
// or on a wrapped-native symbol with the matching native payment.
func TestWrapRecognition(t *testing.T) {
	n := geth.Start(t)
	u := geth.NewAccount("wrapper-user")
	n.Fund(geth.Eth(10, 1), u)
	vault := n.DeployWrapper(n.Faucet(), "VAULT")
	h := n.WrapETH(u, vault, geth.Eth(3, 1))
	n.Commit()
	n.MustSucceed(h)
	ctx := context.Background()
	plain := openRPC(t, n.URL())
	ts, err := plain.TxTransfers(ctx, h.Hex())
	if err != nil {
		t.Fatal(err)
	}
	fee := want{graph.KindFee, "fee", u.Hex(), "", "ETH", "", n.Fee(h), h}
	sameTransfers(t, "unknown wrapper", ts, []want{fee, {graph.KindValue, "value", u.Hex(), vault.Hex(), "ETH", "", geth.Eth(3, 1), h}})
	conf := openRPC(t, n.URL(), func(c *Config) { c.WETH = []string{strings.ToLower(vault.Hex())} })
	ts, err = conf.TxTransfers(ctx, h.Hex())
	if err != nil {
		t.Fatal(err)
	}
	sameTransfers(t, "configured wrapper", ts, []want{fee, {graph.KindWrap, logPos(n, h, 0), u.Hex(), u.Hex(), vault.Hex(), "ETH", geth.Eth(3, 1), h}})
}
