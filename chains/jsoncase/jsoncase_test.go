package jsoncase

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Addresses in lower case on purpose: the source must return them checksummed.
const (
	thief  = "0x1111111111111111111111111111111111111111"
	mule   = "0x2222222222222222222222222222222222222222"
	victim = "0x3333333333333333333333333333333333333333"
	pool   = "0xa160cdab225685da1d56aa342ad8841c3b53f291"
	usdc   = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
)

func h(n int) string { return fmt.Sprintf("0x%064x", n) }

// accountCase: victim held 10 ETH (declared at block 1); block 2 steals 6 ETH
// (fee 1 paid by victim); block 3 the thief pays 2 to the mule (fee 1) and sends
// 500 USDC units to the pool; block 4 the mule pays 1 to the pool.
func accountCase(extraTransfers string) string {
	return `{
  "format": "chaintrace-case/v1", "chain": "eth", "family": "account",
  "native": {"id":"ETH","symbol":"ETH","decimals":18},
  "assets": [{"id":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48","symbol":"USDC","decimals":6,"contract":"` + usdc + `"}],
  "tip": 5, "description": "test", "source": "hand-made",
  "seeds": ["` + h(2) + `"],
  "blocks": [
    {"number":1,"hash":"` + h(101) + `","time":1000},
    {"number":2,"hash":"` + h(102) + `","time":1012},
    {"number":3,"hash":"` + h(103) + `","time":1024},
    {"number":4,"hash":"` + h(104) + `","time":1036}],
  "transfers": [
    {"asset":"ETH","kind":"fee","tx":"` + h(2) + `","tx_index":0,"seq":0,"block":2,"from":"` + victim + `","amount":"1"},
    {"asset":"ETH","kind":"value","tx":"` + h(2) + `","tx_index":0,"seq":1,"block":2,"from":"` + victim + `","to":"` + thief + `","amount":"6"},
    {"asset":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48","kind":"token","tx":"` + h(2) + `","tx_index":0,"seq":2,"position":"log 0","block":2,"from":"` + victim + `","to":"` + thief + `","amount":"500"},
    {"asset":"ETH","kind":"value","tx":"` + h(3) + `","tx_index":1,"seq":1,"block":3,"from":"` + thief + `","to":"` + mule + `","amount":"2"},
    {"asset":"ETH","kind":"fee","tx":"` + h(3) + `","tx_index":1,"seq":0,"block":3,"from":"` + thief + `","amount":"1"},
    {"asset":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48","kind":"token","tx":"` + h(4) + `","tx_index":0,"seq":1,"position":"log 4","block":3,"from":"` + thief + `","to":"` + pool + `","amount":"500"},
    {"asset":"ETH","kind":"value","tx":"` + h(5) + `","tx_index":0,"seq":1,"block":4,"from":"` + mule + `","to":"` + pool + `","amount":"1"}` + extraTransfers + `],
  "balances": [
    {"address":"` + victim + `","asset":"ETH","block":1,"amount":"10"},
    {"address":"` + victim + `","asset":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48","block":1,"amount":"500"}],
  "contracts": ["` + pool + `"]
}`
}

func mustParse(t *testing.T, s string) *Case {
	t.Helper()
	c, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func cs(a string) string { // checksummed form, computed by a different route than the code under test
	switch a {
	case thief, mule, victim:
		return a
	case pool:
		return "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291"
	}
	panic(a)
}

func TestAccountSource(t *testing.T) {
	ctx := context.Background()
	c := mustParse(t, accountCase(""))
	src, ok := c.Source().(*Account)
	if !ok {
		t.Fatalf("Source() = %T, want *Account", c.Source())
	}
	if got := src.Info(); got.Name != "eth" || got.Family != graph.FamilyAccount || got.Native.ID != "ETH" {
		t.Errorf("Info = %+v", got)
	}
	if tip, _ := src.Tip(ctx); tip != 5 {
		t.Errorf("Tip = %d, want 5", tip)
	}
	if len(c.Seeds) != 1 || c.Seeds[0] != h(2) {
		t.Errorf("Seeds = %v", c.Seeds)
	}

	tr, err := src.TxTransfers(ctx, strings.ToUpper(h(3))[0:2]+h(3)[2:])
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 2 || tr[0].Kind != graph.KindFee || tr[1].Amount.Int64() != 2 || tr[1].To != cs(mule) ||
		tr[1].BlockHash != h(103) || tr[1].Time != 1024 || tr[1].Chain != "eth" || tr[0].Position != "fee" {
		t.Errorf("TxTransfers(3) = %+v", tr)
	}
	tr[1].Amount.SetInt64(99) // the source must hand out copies
	if again, _ := src.TxTransfers(ctx, h(3)); again[1].Amount.Int64() != 2 {
		t.Errorf("TxTransfers returned shared amounts")
	}
	if _, err := src.TxTransfers(ctx, h(77)); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("unknown tx: err = %v, want ErrNotFound", err)
	}
	if _, err := src.TxTransfers(ctx, "0x12"); !errors.Is(err, trace.ErrBadInput) {
		t.Errorf("short hash: err = %v, want ErrBadInput", err)
	}

	hist, err := src.History(ctx, trace.HistoryQuery{Address: thief})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range hist.Transfers {
		got = append(got, fmt.Sprintf("%d/%d/%d %s %s", x.Block, x.TxIndex, x.Seq, x.Kind, x.Amount))
	}
	want := []string{"2/0/1 value 6", "2/0/2 token 500", "3/0/1 token 500", "3/1/0 fee 1", "3/1/1 value 2"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") || hist.Truncated {
		t.Errorf("History(thief) = %v (truncated %v), want %v", got, hist.Truncated, want)
	}
	hist, _ = src.History(ctx, trace.HistoryQuery{Address: thief, FromBlock: 3, ToBlock: 3})
	if len(hist.Transfers) != 3 {
		t.Errorf("History(thief, 3..3) has %d transfers, want 3", len(hist.Transfers))
	}
	hist, _ = src.History(ctx, trace.HistoryQuery{Address: thief, Limit: 2})
	if len(hist.Transfers) != 3 || !hist.Truncated {
		t.Errorf("History(limit 2) = %d transfers truncated=%v, want 3 and true", len(hist.Transfers), hist.Truncated)
	}
	if _, err := src.History(ctx, trace.HistoryQuery{Address: "bc1qnotevm"}); !errors.Is(err, trace.ErrBadInput) {
		t.Errorf("bad address: err = %v, want ErrBadInput", err)
	}

	eth := c.Native
	tok := c.Assets["0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"]
	for _, tc := range []struct {
		addr  string
		asset graph.Asset
		block uint64
		want  int64
	}{
		{victim, eth, 1, 10}, {victim, eth, 2, 3}, {victim, eth, 0, 10}, // 10 − 6 − 1 fee; nothing moved before the declaration
		{victim, tok, 5, 0},
		{thief, eth, 1, 0}, {thief, eth, 2, 6}, {thief, eth, 3, 3}, {thief, eth, 5, 3}, // 6 − 2 − 1 fee
		{thief, tok, 2, 500}, {thief, tok, 3, 0},
		{mule, eth, 3, 2}, {mule, eth, 4, 1},
		{pool, eth, 4, 1}, {pool, tok, 4, 500},
	} {
		b, err := src.Balance(ctx, tc.addr, tc.asset, tc.block)
		if err != nil || b.Int64() != tc.want {
			t.Errorf("Balance(%s, %s, %d) = %v, %v; want %d", tc.addr[:6], tc.asset.Symbol, tc.block, b, err, tc.want)
		}
	}
	if _, err := src.Balance(ctx, thief, eth, 6); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("Balance above tip: err = %v", err)
	}
	if ok, _ := src.IsContract(ctx, strings.ToUpper(pool[2:])[:0]+pool, 3); !ok {
		t.Errorf("IsContract(pool) = false")
	}
	if ok, _ := src.IsContract(ctx, thief, 3); ok {
		t.Errorf("IsContract(thief) = true")
	}
	if a, err := src.NormalizeAddress(pool); err != nil || a != cs(pool) {
		t.Errorf("NormalizeAddress(pool) = %q, %v", a, err)
	}
}

func TestDeclaredBalanceAfterTransfers(t *testing.T) {
	// A declaration after some transfers: earlier balances are worked backwards.
	s := strings.Replace(accountCase(""), `{"address":"`+victim+`","asset":"ETH","block":1,"amount":"10"}`,
		`{"address":"`+victim+`","asset":"ETH","block":2,"amount":"3"}`, 1)
	c := mustParse(t, s)
	src := c.Source().(*Account)
	for blk, want := range map[uint64]int64{1: 10, 2: 3, 4: 3} {
		if b, err := src.Balance(context.Background(), victim, c.Native, blk); err != nil || b.Int64() != want {
			t.Errorf("Balance(victim, %d) = %v, %v; want %d", blk, b, err, want)
		}
	}
}

func TestReverted(t *testing.T) {
	extra := `,
    {"asset":"ETH","kind":"fee","tx":"` + h(9) + `","tx_index":1,"seq":0,"block":4,"from":"` + mule + `","amount":"1"}`
	s := strings.Replace(accountCase(extra), `"contracts"`, `"reverted": ["`+h(9)+`"], "contracts"`, 1)
	src := mustParse(t, s).Source().(*Account)
	if _, err := src.TxTransfers(context.Background(), h(9)); !errors.Is(err, trace.ErrReverted) {
		t.Errorf("reverted tx: err = %v, want ErrReverted", err)
	}
	if b, _ := src.Balance(context.Background(), mule, graph.Asset{ID: "ETH"}, 4); b.Int64() != 0 {
		t.Errorf("reverted tx's fee not charged: balance %v, want 0", b)
	}
}

func TestAccountValidation(t *testing.T) {
	ok := accountCase("")
	for _, tc := range []struct{ name, in, want string }{
		{"format", strings.Replace(ok, "chaintrace-case/v1", "v0", 1), `format: got "v0"`},
		{"unknown top field", strings.Replace(ok, `"tip"`, `"tipp": 1, "tip"`, 1), `unknown field "tipp"`},
		{"unknown transfer field", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","block":4,"from":"` + mule + `","to":"` + pool + `","amount":"1","memo":"x"}`), `transfers[7]: unknown field "memo"`},
		{"decimal amount", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","block":4,"from":"` + mule + `","to":"` + pool + `","amount":"0.5"}`), `transfers[7].amount: "0.5" is not`},
		{"negative amount", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","block":4,"from":"` + mule + `","to":"` + pool + `","amount":"-1"}`), `transfers[7].amount`},
		{"numeric amount", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","block":4,"from":"` + mule + `","to":"` + pool + `","amount":1}`), `transfers[7]: amount: got a JSON number, want string`},
		{"unknown asset", accountCase(`, {"asset":"DAI","kind":"token","tx":"` + h(6) + `","block":4,"from":"` + mule + `","to":"` + pool + `","amount":"1"}`), `transfers[7].asset: unknown asset "DAI"`},
		{"bad address", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","block":4,"from":"0x12","to":"` + pool + `","amount":"1"}`), `transfers[7].from: "0x12" is not an EVM address`},
		{"unlisted block", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","block":5,"from":"` + mule + `","to":"` + pool + `","amount":"1"}`), `transfers[7].block: block 5 is not listed`},
		{"overdraft", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(6) + `","tx_index":3,"block":4,"from":"` + mule + `","to":"` + pool + `","amount":"2"}`), `overdraws ETH`},
		{"duplicate seq", accountCase(`, {"asset":"ETH","kind":"value","tx":"` + h(5) + `","tx_index":0,"seq":1,"block":4,"from":"` + mule + `","to":"` + pool + `","amount":"0"}`), `same block, tx_index and seq as transfers[6]`},
		{"fee with recipient", accountCase(`, {"asset":"ETH","kind":"fee","tx":"` + h(6) + `","tx_index":3,"block":4,"from":"` + mule + `","to":"` + pool + `","amount":"0"}`), `transfers[7].to: a fee transfer has no recipient`},
		{"token kind on ETH", accountCase(`, {"asset":"ETH","kind":"token","tx":"` + h(6) + `","tx_index":3,"block":4,"from":"` + mule + `","to":"` + pool + `","amount":"0"}`), `kind token does not fit asset ETH`},
		{"family", strings.Replace(ok, `"family": "account"`, `"family": "ledger"`, 1), `family: got "ledger"`},
		{"block above tip", strings.Replace(ok, `"tip": 5`, `"tip": 3`, 1), `blocks[3].number: 4 is above tip 3`},
		{"utxo in account", strings.Replace(ok, `"contracts"`, `"txs": [{}], "contracts"`, 1), `txs: UTXO transactions in an account-family case`},
		{"trailing", ok + "{}", "trailing data"},
		{"syntax", ok[:len(ok)-3], "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse accepted it; want an error containing %q", tc.want)
			}
			if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant ErrBadInput containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "nope.json") || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("err = %v", err)
	}
	p := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(p, []byte(`{"format":"chaintrace-case/v1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("err = %v", err)
	}
}

func regtestAddr(t *testing.T, seed string) string {
	t.Helper()
	a, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160([]byte(seed)), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return a.EncodeAddress()
}

func txid(n int) string { return fmt.Sprintf("%064x", n) }

// utxoCase: an external 100-unit output funds tx 1 (pays 60 to A, 39 to B, fee 1);
// tx 2 spends A's 60 into 50 to C, 9 to A2 and an OP_RETURN (fee 1).
func utxoCase(t *testing.T, tx2 string) (string, map[string]string) {
	ad := map[string]string{}
	for _, n := range []string{"victim", "A", "B", "C", "A2"} {
		ad[n] = regtestAddr(t, n)
	}
	if tx2 == "" {
		tx2 = `{"txid":"` + txid(2) + `","block":3,
      "inputs":[{"prev":{"txid":"` + txid(1) + `","vout":0}}],
      "outputs":[{"address":"` + ad["C"] + `","value":"50","script_type":"p2wpkh"},
                 {"address":"` + strings.ToUpper(ad["A2"]) + `","value":"9","script_type":"p2wpkh"},
                 {"value":"0","script_type":"op_return"}]}`
	}
	return `{"format":"chaintrace-case/v1","chain":"btc-regtest","family":"utxo",
  "native":{"id":"BTC","symbol":"BTC","decimals":8},"tip":4,
  "blocks":[{"number":2,"hash":"` + txid(202) + `","time":2000},{"number":3,"hash":"` + txid(203) + `","time":2600}],
  "txs":[
    {"txid":"` + txid(1) + `","block":2,
      "inputs":[{"prev":{"txid":"` + txid(99) + `","vout":3},"address":"` + ad["victim"] + `","value":"100"}],
      "outputs":[{"index":0,"address":"` + ad["A"] + `","value":"60","script_type":"p2wpkh"},
                 {"index":1,"address":"` + ad["B"] + `","value":"39","script_type":"p2wpkh"}]},
    ` + tx2 + `]}`, ad
}

func TestUTXOSource(t *testing.T) {
	ctx := context.Background()
	s, ad := utxoCase(t, "")
	c := mustParse(t, s)
	src, ok := c.Source().(*UTXO)
	if !ok {
		t.Fatalf("Source() = %T, want *UTXO", c.Source())
	}
	tx, err := src.Tx(ctx, strings.ToUpper(txid(2)))
	if err != nil {
		t.Fatal(err)
	}
	if tx.Inputs[0].Address != ad["A"] || tx.Inputs[0].Value.Int64() != 60 || tx.Fee().Int64() != 1 ||
		tx.Outputs[1].Address != ad["A2"] || !tx.Outputs[2].OpReturn() || tx.Block != 3 || tx.BlockHash != txid(203) || tx.Time != 2600 {
		t.Errorf("Tx(2) = %+v", tx)
	}
	sp, err := src.Spender(ctx, graph.Outpoint{TxID: txid(1), Vout: 0})
	if err != nil || sp == nil || sp.TxID != txid(2) {
		t.Errorf("Spender(1:0) = %v, %v; want tx 2", sp, err)
	}
	if sp, err := src.Spender(ctx, graph.Outpoint{TxID: txid(1), Vout: 1}); err != nil || sp != nil {
		t.Errorf("Spender(1:1) = %v, %v; want unspent", sp, err)
	}
	if _, err := src.Spender(ctx, graph.Outpoint{TxID: txid(1), Vout: 2}); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("Spender(1:2): err = %v, want ErrNotFound", err)
	}
	if _, err := src.Tx(ctx, txid(5)); !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("Tx(5): err = %v", err)
	}
	txs, err := src.AddressTxs(ctx, ad["A"], 0)
	if err != nil || len(txs) != 2 || txs[0].TxID != txid(1) || txs[1].TxID != txid(2) {
		t.Errorf("AddressTxs(A) = %v, %v", txs, err)
	}
	if txs, _ := src.AddressTxs(ctx, ad["A"], 2); len(txs) != 1 {
		t.Errorf("AddressTxs(A, ≤2) has %d txs, want 1", len(txs))
	}
	mainnet, _ := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160([]byte("x")), &chaincfg.MainNetParams)
	if _, err := src.NormalizeAddress(mainnet.EncodeAddress()); !errors.Is(err, trace.ErrBadInput) {
		t.Errorf("mainnet address on regtest: err = %v", err)
	}
}

func TestUTXOValidation(t *testing.T) {
	ad := map[string]string{"C": regtestAddr(t, "C")}
	spend := func(vout int, outs string) string {
		return `{"txid":"` + txid(2) + `","block":3,"inputs":[{"prev":{"txid":"` + txid(1) + fmt.Sprintf(`","vout":%d}}],"outputs":[`, vout) + outs + `]}`
	}
	out := func(v string) string {
		return `{"address":"` + ad["C"] + `","value":"` + v + `","script_type":"p2wpkh"}`
	}
	for _, tc := range []struct{ name, tx2, want string }{
		{"unbalanced", spend(0, out("61")), "txs[1]: outputs exceed inputs by 1 base units"},
		{"no such output", spend(5, out("1")), "txs[1].inputs[0].prev: " + txid(1) + " has no output 5"},
		{"bad value", spend(0, out("1e3")), `txs[1].outputs[0].value: "1e3" is not`},
		{"bad script", spend(0, `{"address":"`+ad["C"]+`","value":"1","script_type":"p2xx"}`), `txs[1].outputs[0].script_type: "p2xx"`},
		{"mainnet address", spend(0, `{"address":"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4","value":"1","script_type":"p2wpkh"}`), `txs[1].outputs[0].address`},
		{"unknown field", strings.Replace(spend(0, out("1")), `"block"`, `"fee":"1","block"`, 1), `txs[1]: unknown field "fee"`},
		{"external input without value", `{"txid":"` + txid(2) + `","block":3,"inputs":[{"prev":{"txid":"` + txid(50) + `","vout":0}}],"outputs":[` + out("1") + `]}`, "needs its address and value"},
		{"double spend", spend(0, out("1")) + `,` + strings.Replace(spend(0, out("1")), txid(2), txid(3), 1), "is already spent by " + txid(2)},
		{"spends itself", `{"txid":"` + txid(2) + `","block":3,"inputs":[{"prev":{"txid":"` + txid(2) + `","vout":0}}],"outputs":[` + out("1") + `]}`, "comes later in txs"},
		{"wrong index", spend(0, `{"index":1,"address":"`+ad["C"]+`","value":"1","script_type":"p2wpkh"}`), "txs[1].outputs[0].index: 1, want 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := utxoCase(t, tc.tx2)
			_, err := Parse([]byte(s))
			if err == nil || !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant ErrBadInput containing %q", err, tc.want)
			}
		})
	}
}

func TestBalanceUsesBigInts(t *testing.T) {
	big1 := "123456789012345678901234567890"
	s := strings.Replace(accountCase(""), `"block":1,"amount":"10"}`, `"block":1,"amount":"`+big1+`"}`, 1)
	src := mustParse(t, s).Source().(*Account)
	b, err := src.Balance(context.Background(), victim, graph.Asset{ID: "ETH"}, 2)
	want, _ := new(big.Int).SetString("123456789012345678901234567883", 10) // − 6 − 1
	if err != nil || b.Cmp(want) != 0 {
		t.Errorf("Balance = %v, %v; want %v", b, err, want)
	}
}
