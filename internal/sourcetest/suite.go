package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Options adapt the suite to a source that holds only part of a chain.
type Options struct {
	// Unanswered reports an error that means "this source never learnt the
	// answer" (a replayed case asked about something the recording did not
	// fetch: casestore.ErrNotRecorded). Such answers are allowed anywhere and
	// logged; every other error is held to the contract.
	Unanswered func(error) bool
	// Skip names contract tests (the subtest names: "History", "AddressTxs", …)
	// this source cannot run, each with the reason, which the test log shows.
	Skip map[string]string
	// FromBlock is where the History probes start (0: genesis): a source that
	// holds histories from one block on (answers synthesised for those queries)
	// can then be held to the History contract instead of answering nothing.
	FromBlock uint64
}

// opts is the running suite's options: RunWith is not for parallel use within one
// test binary (the suites of one package run one after the other).
var opts Options

// Run runs every contract test that applies to src (an AccountSource or a
// UTXOSource), knowing one transaction tx of its chain.
func Run(t *testing.T, src trace.Source, tx string) { RunWith(t, src, tx, Options{}) }

// RunWith is Run with options.
func RunWith(t *testing.T, src trace.Source, tx string, o Options) {
	t.Helper()
	opts = o
	ctx := context.Background()
	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			if why, ok := o.Skip[name]; ok {
				t.Skip(why)
			}
			f(t)
		})
	}
	run("Info", func(t *testing.T) { testInfo(t, src) })
	run("Tip", func(t *testing.T) { testTip(ctx, t, src) })
	run("NormalizeAddress", func(t *testing.T) { testNormalize(t, src) })
	if ts := trace.CapabilitiesOf(src).TipSeeds; ts != nil {
		run("TipWithTxs", func(t *testing.T) { testTipWithTxs(ctx, t, src, ts, tx) })
	}
	if p := trace.CapabilitiesOf(src).Preview; p != nil {
		run("TxPreview", func(t *testing.T) { testTxPreview(ctx, t, src, p, tx) })
	}
	switch s := src.(type) {
	case trace.AccountSource:
		run("TxTransfers", func(t *testing.T) { testTxTransfers(ctx, t, s, tx) })
		run("History", func(t *testing.T) { testHistory(ctx, t, s, tx) })
	case trace.UTXOSource:
		run("Tx", func(t *testing.T) { testTx(ctx, t, s, tx) })
		run("Spender", func(t *testing.T) { testSpender(ctx, t, s, tx) })
		run("AddressTxs", func(t *testing.T) { testAddressTxs(ctx, t, s, tx) })
	default:
		t.Fatalf("%T is neither an AccountSource nor a UTXOSource", src)
	}
	if caps := trace.CapabilitiesOf(src); caps.Histories != nil || caps.Balances != nil || caps.ContractBatch != nil || caps.Spenders != nil {
		run("Batches", func(t *testing.T) { testBatches(ctx, t, src, caps, tx) })
	}
}

func testInfo(t *testing.T, src trace.Source) {
	info := src.Info()
	c, ok := chainid.Lookup(info.Name)
	if !ok {
		t.Fatalf("Info().Name %q is not a chain package chainid knows", info.Name)
	}
	if info.Family != c.Family {
		t.Errorf("Info().Family = %q; chainid says %s is %q", info.Family, info.Name, c.Family)
	}
	if _, acct := src.(trace.AccountSource); acct != (info.Family == graph.FamilyAccount) {
		t.Errorf("family %q but AccountSource = %v", info.Family, acct)
	}
}

func testTip(ctx context.Context, t *testing.T, src trace.Source) {
	a, err := src.Tip(ctx)
	if err != nil || a == 0 {
		t.Fatalf("Tip = %d, %v", a, err)
	}
	if b, err := src.Tip(ctx); err != nil || b < a {
		t.Errorf("second Tip = %d, %v; the first was %d", b, err, a)
	}
}

// testTipWithTxs: the tip read with transactions is Tip's answer, and a
// transaction that does not exist is no error of the tip (the trace's own
// lookup reports it).
func testTipWithTxs(ctx context.Context, t *testing.T, src trace.Source, ts trace.TipSeeder, tx string) {
	a, err := src.Tip(ctx)
	if err != nil {
		t.Fatalf("Tip: %v", err)
	}
	missing := "00000000000000000000000000000000000000000000000000000000000000ab"
	if src.Info().Family == graph.FamilyAccount {
		missing = "0x" + missing
	}
	for _, txs := range [][]string{nil, {tx}, {tx, missing, "not a transaction"}} {
		b, err := ts.TipWithTxs(ctx, txs)
		if err != nil || b < a {
			t.Errorf("TipWithTxs(%v) = %d, %v; Tip was %d", txs, b, err, a)
		}
	}
}

// testTxPreview: a preview, when the source gives one (before or after
// TxTransfers), is what TxTransfers returns with Time 0 (or the same Time); a
// transaction never read, or not a transaction, has none.
func testTxPreview(ctx context.Context, t *testing.T, src trace.Source, p trace.TxPreviewer, tx string) {
	as, ok := src.(trace.AccountSource)
	if !ok {
		t.Fatalf("%T offers TxPreview but is not an AccountSource", src)
	}
	if trs, ok := p.TxPreview("0x" + strings.Repeat("ab", 32)); ok {
		t.Errorf("TxPreview of a transaction never read = %v, true", trs)
	}
	if trs, ok := p.TxPreview("not a transaction"); ok {
		t.Errorf("TxPreview(not a transaction) = %v, true", trs)
	}
	if ts := trace.CapabilitiesOf(src).TipSeeds; ts != nil {
		if _, err := ts.TipWithTxs(ctx, []string{tx}); err != nil {
			t.Fatalf("TipWithTxs: %v", err)
		}
	}
	pre, previewed := p.TxPreview(tx)
	want, err := as.TxTransfers(ctx, tx)
	if err != nil {
		t.Fatalf("TxTransfers: %v", err)
	}
	// false is always allowed (the tracer then dates the seed first); a
	// preview given must be TxTransfers' answer.
	var check [][]graph.Transfer
	if previewed {
		check = append(check, pre)
	}
	if after, ok := p.TxPreview(tx); ok {
		check = append(check, after)
	}
	for _, got := range check {
		if len(got) != len(want) {
			t.Fatalf("TxPreview: %d transfers, TxTransfers %d", len(got), len(want))
		}
		for i := range want {
			w := want[i]
			if got[i].Time != 0 && got[i].Time != w.Time {
				t.Errorf("TxPreview transfer %d time %d, TxTransfers %d", i, got[i].Time, w.Time)
			}
			g := got[i]
			g.Time, w.Time = 0, 0
			if !reflect.DeepEqual(g, w) {
				t.Errorf("TxPreview transfer %d:\n %+v\nTxTransfers:\n %+v", i, g, w)
			}
		}
	}
	t.Logf("previewed after TipWithTxs: %v", previewed)
}

func testNormalize(t *testing.T, src trace.Source) {
	other := "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4" // a Bitcoin address on an account chain
	if src.Info().Family == graph.FamilyUTXO {
		other = "0x28C6c06298d514Db089934071355E5743bf21d60"
	}
	for _, bad := range []string{"", "   ", "not-an-address", "0x12", other} {
		got, err := src.NormalizeAddress(bad)
		if !errors.Is(err, trace.ErrBadInput) {
			t.Errorf("NormalizeAddress(%q) = %q, %v; want an error wrapping ErrBadInput", bad, got, err)
		}
	}
}

// canonical checks that addr is what NormalizeAddress makes of it (and of its
// case-changed form on EVM chains).
func canonical(t *testing.T, src trace.Source, addr string) {
	t.Helper()
	got, err := src.NormalizeAddress(addr)
	if err != nil || got != addr {
		t.Errorf("NormalizeAddress(%q) = %q, %v: the source returned a non-canonical address", addr, got, err)
	}
	if src.Info().Family == graph.FamilyAccount {
		if got, err := src.NormalizeAddress(strings.ToLower(addr)); err != nil || got != addr {
			t.Errorf("NormalizeAddress(lower case %q) = %q, %v", addr, got, err)
		}
	}
}

func testTxTransfers(ctx context.Context, t *testing.T, src trace.AccountSource, tx string) {
	if _, err := src.TxTransfers(ctx, "0x"+strings.Repeat("0", 63)+"1"); !errors.Is(err, trace.ErrNotFound) && !unanswered(t, "TxTransfers(unknown)", err) {
		t.Errorf("TxTransfers(unknown hash): err = %v, want ErrNotFound", err)
	}
	ts, err := src.TxTransfers(ctx, tx)
	if err != nil || len(ts) == 0 {
		t.Fatalf("TxTransfers(%s) = %d transfers, %v", tx, len(ts), err)
	}
	for i, tr := range ts {
		if !strings.EqualFold(tr.TxHash, tx) {
			t.Errorf("transfer %d: tx %s, asked for %s", i, tr.TxHash, tx)
		}
		if tr.Block != ts[0].Block || tr.TxIndex != ts[0].TxIndex {
			t.Errorf("transfer %d: block %d index %d, transfer 0: %d %d", i, tr.Block, tr.TxIndex, ts[0].Block, ts[0].TxIndex)
		}
		if i > 0 && tr.Seq <= ts[i-1].Seq {
			t.Errorf("transfers not ordered by Seq: %d after %d", tr.Seq, ts[i-1].Seq)
		}
		if tr.Amount == nil || tr.Amount.Sign() < 0 {
			t.Errorf("transfer %d: amount %v", i, tr.Amount)
		}
		if tr.Asset.ID == "" {
			t.Errorf("transfer %d: no asset id", i)
		}
		for _, a := range []string{tr.From, tr.To} {
			if a != "" {
				canonical(t, src, a)
			}
		}
	}
	// Asked again (from a cache or not), the answer is the same, and what the
	// caller did with the first answer does not leak into it.
	want := cloneTransfers(ts)
	ts[0].Amount.Add(ts[0].Amount, big.NewInt(1))
	ts[0].From = "mutated by the caller"
	again, err := src.TxTransfers(ctx, tx)
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("second TxTransfers differs from the first (or shares its memory with the caller): %v", err)
	}
}

func testHistory(ctx context.Context, t *testing.T, src trace.AccountSource, tx string) {
	tip, err := src.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := src.TxTransfers(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tr := range ts {
		for _, a := range []string{tr.From, tr.To} {
			if a == "" || seen[a] {
				continue
			}
			seen[a] = true
			h, err := src.History(ctx, trace.HistoryQuery{Address: a, FromBlock: opts.FromBlock, ToBlock: tip})
			if unanswered(t, "History("+a+")", err) {
				continue
			}
			if err != nil {
				// Not every source can list every holder (a contract with too many
				// logs, no history API): then it must say so, not answer wrongly.
				t.Logf("History(%s): %v", a, err)
				continue
			}
			checkHistory(t, a, h, ts)
			if len(h.Transfers) < 2 {
				continue
			}
			hl, err := src.History(ctx, trace.HistoryQuery{Address: a, FromBlock: opts.FromBlock, ToBlock: tip, Limit: 1})
			switch {
			case unanswered(t, "History(Limit 1)", err):
			case err != nil:
				t.Errorf("History(%s, Limit 1): %v (without a limit it answered)", a, err)
			case hl.Truncated && len(hl.Transfers) < 2:
				t.Errorf("History(%s, Limit 1): truncated with %d transfers; the contract is at least Limit+1", a, len(hl.Transfers))
			case !hl.Truncated && len(hl.Transfers) != len(h.Transfers):
				t.Errorf("History(%s, Limit 1): %d transfers, not truncated; without a limit %d", a, len(hl.Transfers), len(h.Transfers))
			}
		}
	}
}

// checkHistory: transfers in TransferKey order, each touching addr, among them
// every transfer of the known transaction that touches addr; a Limit query
// that reports truncation returns more than Limit transfers.
func checkHistory(t *testing.T, addr string, h trace.History, known []graph.Transfer) {
	t.Helper()
	for i, tr := range h.Transfers {
		if i > 0 && tr.Key().Less(h.Transfers[i-1].Key()) {
			t.Errorf("History(%s): transfer %d (%v) before %d (%v): not in chain order", addr, i, tr.Key(), i-1, h.Transfers[i-1].Key())
		}
		if !strings.EqualFold(tr.From, addr) && !strings.EqualFold(tr.To, addr) {
			t.Errorf("History(%s): transfer %v neither from nor to it", addr, tr.Key())
		}
	}
	if h.Truncated {
		return // a truncated history need not reach the known transaction
	}
	for _, k := range known {
		if !strings.EqualFold(k.From, addr) && !strings.EqualFold(k.To, addr) {
			continue
		}
		found := false
		for _, tr := range h.Transfers {
			if tr.Key() == k.Key() {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("History(%s) lacks transfer %v of the known transaction", addr, k.Key())
		}
	}
}

func cloneTransfers(ts []graph.Transfer) []graph.Transfer {
	out := make([]graph.Transfer, len(ts))
	for i, tr := range ts {
		out[i] = tr
		if tr.Amount != nil {
			out[i].Amount = new(big.Int).Set(tr.Amount)
		}
		if tr.SrcAsset != nil {
			a := *tr.SrcAsset
			out[i].SrcAsset = &a
		}
	}
	return out
}

func testTx(ctx context.Context, t *testing.T, src trace.UTXOSource, txid string) {
	if _, err := src.Tx(ctx, strings.Repeat("0", 63)+"1"); !errors.Is(err, trace.ErrNotFound) && !unanswered(t, "Tx(unknown)", err) {
		t.Errorf("Tx(unknown txid): err = %v, want ErrNotFound", err)
	}
	tx, err := src.Tx(ctx, txid)
	if err != nil {
		t.Fatalf("Tx(%s): %v", txid, err)
	}
	if tx.TxID != strings.ToLower(txid) {
		t.Errorf("Tx(%s).TxID = %s", txid, tx.TxID)
	}
	for i, o := range tx.Outputs {
		if o.Index != uint32(i) || o.Value == nil || o.Value.Sign() < 0 {
			t.Errorf("output %d: index %d value %v", i, o.Index, o.Value)
		}
		if o.Address != "" {
			canonical(t, src, o.Address)
		}
	}
	if !tx.Coinbase {
		for i, in := range tx.Inputs {
			if in.Value == nil || in.Value.Sign() <= 0 {
				t.Errorf("input %d (%s): spent value %v not filled in", i, in.Prev, in.Value)
			}
		}
		if tx.Fee().Sign() < 0 {
			t.Errorf("fee %v < 0: inputs do not cover outputs", tx.Fee())
		}
	}
	want := cloneTx(tx)
	if len(tx.Outputs) > 0 {
		tx.Outputs[0].Value.Add(tx.Outputs[0].Value, big.NewInt(1))
	}
	tx.TxID = "mutated by the caller"
	again, err := src.Tx(ctx, txid)
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("second Tx differs from the first (or shares its memory with the caller): %v", err)
	}
}

func cloneTx(tx *graph.UTXOTx) *graph.UTXOTx {
	c := *tx
	c.Inputs = append([]graph.TxIn(nil), tx.Inputs...)
	for i := range c.Inputs {
		if c.Inputs[i].Value != nil {
			c.Inputs[i].Value = new(big.Int).Set(c.Inputs[i].Value)
		}
	}
	c.Outputs = append([]graph.TxOut(nil), tx.Outputs...)
	for i := range c.Outputs {
		if c.Outputs[i].Value != nil {
			c.Outputs[i].Value = new(big.Int).Set(c.Outputs[i].Value)
		}
	}
	return &c
}

func testSpender(ctx context.Context, t *testing.T, src trace.UTXOSource, txid string) {
	tx, err := src.Tx(ctx, txid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Spender(ctx, graph.Outpoint{TxID: strings.Repeat("0", 63) + "1", Vout: 0}); !errors.Is(err, trace.ErrNotFound) && !unanswered(t, "Spender(unknown)", err) {
		t.Errorf("Spender(unknown outpoint): err = %v, want ErrNotFound", err)
	}
	if !tx.Coinbase {
		for _, in := range tx.Inputs {
			sp, err := src.Spender(ctx, in.Prev)
			if unanswered(t, "Spender(input)", err) {
				continue
			}
			if err != nil || sp == nil || sp.TxID != tx.TxID {
				t.Errorf("Spender(%s) = %v, %v; want the known transaction %s, which spends it", in.Prev, txidOf(sp), err, tx.TxID)
			}
		}
	}
	for _, o := range tx.Outputs {
		if o.OpReturn() {
			continue
		}
		op := graph.Outpoint{TxID: tx.TxID, Vout: o.Index}
		sp, err := src.Spender(ctx, op)
		if unanswered(t, "Spender(output)", err) {
			continue
		}
		if err != nil {
			t.Errorf("Spender(%s): %v", op, err)
			continue
		}
		if sp == nil {
			continue // unspent at the tip
		}
		spends := false
		for _, in := range sp.Inputs {
			spends = spends || in.Prev == op
		}
		if !spends {
			t.Errorf("Spender(%s) = %s, which has no such input", op, sp.TxID)
		}
	}
}

func txidOf(tx *graph.UTXOTx) string {
	if tx == nil {
		return "<nil>"
	}
	return tx.TxID
}

func testAddressTxs(ctx context.Context, t *testing.T, src trace.UTXOSource, txid string) {
	tip, err := src.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := src.Tx(ctx, txid)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range tx.Outputs {
		if o.Address == "" {
			continue
		}
		txs, err := src.AddressTxs(ctx, o.Address, tip)
		if unanswered(t, "AddressTxs", err) {
			continue
		}
		if err != nil {
			if errors.Is(err, trace.ErrUnsupported) {
				t.Skipf("AddressTxs: %v", err)
			}
			t.Errorf("AddressTxs(%s): %v", o.Address, err)
			continue
		}
		found := false
		for i, x := range txs {
			if !x.Confirmed() || x.Block > tip {
				t.Errorf("AddressTxs(%s): %s unconfirmed or beyond the tip (block %d)", o.Address, x.TxID, x.Block)
			}
			if i > 0 && x.Block < txs[i-1].Block {
				t.Errorf("AddressTxs(%s): not oldest first (%d after %d)", o.Address, x.Block, txs[i-1].Block)
			}
			found = found || x.TxID == tx.TxID
		}
		if tx.Confirmed() && !found {
			t.Errorf("AddressTxs(%s) lacks %s, which pays it", o.Address, tx.TxID)
		}
		return // one address is enough: every output's would be the same contract
	}
}

// unanswered logs and reports an error the source may give for what it never learnt.
func unanswered(t *testing.T, what string, err error) bool {
	t.Helper()
	if err != nil && opts.Unanswered != nil && opts.Unanswered(err) {
		t.Logf("%s: not answerable by this source: %v", what, err)
		return true
	}
	return false
}

// Offered names the capabilities src offers (the non-nil fields of
// trace.CapabilitiesOf(src)), so a test can check that a wrapper (a cache, a
// recording) offers what the source it wraps offers.
func Offered(src trace.Source) []string {
	caps := reflect.ValueOf(trace.CapabilitiesOf(src))
	var names []string
	for i := 0; i < caps.NumField(); i++ {
		if !caps.Field(i).IsNil() {
			names = append(names, caps.Type().Field(i).Name)
		}
	}
	return names
}

// testBatches: every frontier batch a source offers answers each item as the
// single call does (the tracer uses a batch answer in place of the single one),
// one result per item and in order, an unknown item included.
func testBatches(ctx context.Context, t *testing.T, src trace.Source, caps trace.Capabilities, tx string) {
	tip, err := src.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := src.(trace.AccountSource); ok {
		ts, err := a.TxTransfers(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		var addrs []string
		seen := map[string]bool{}
		for _, tr := range ts {
			for _, ad := range []string{tr.From, tr.To} {
				if ad != "" && !seen[ad] {
					seen[ad] = true
					addrs = append(addrs, ad)
				}
			}
		}
		if caps.Histories != nil {
			var qs []trace.HistoryQuery
			for _, ad := range addrs {
				qs = append(qs, trace.HistoryQuery{Address: ad, FromBlock: opts.FromBlock, ToBlock: tip}, trace.HistoryQuery{Address: ad, FromBlock: ts[0].Block, ToBlock: tip, Limit: 1})
			}
			rs := caps.Histories.Histories(ctx, qs)
			if len(rs) != len(qs) {
				t.Fatalf("Histories: %d results for %d queries", len(rs), len(qs))
			}
			for i, q := range qs {
				h, err := a.History(ctx, q)
				sameAnswer(t, fmt.Sprintf("Histories[%d] (%+v)", i, q), rs[i].History, rs[i].Err, h, err)
			}
		}
		if caps.Balances != nil {
			native := src.Info().Native
			var qs []trace.BalanceQuery
			for _, ad := range addrs {
				qs = append(qs, trace.BalanceQuery{Address: ad, Asset: native, Block: tip}, trace.BalanceQuery{Address: ad, Asset: ts[0].Asset, Block: ts[0].Block})
			}
			rs := caps.Balances.Balances(ctx, qs)
			if len(rs) != len(qs) {
				t.Fatalf("Balances: %d results for %d queries", len(rs), len(qs))
			}
			for i, q := range qs {
				b, err := a.Balance(ctx, q.Address, q.Asset, q.Block)
				sameAnswer(t, fmt.Sprintf("Balances[%d] (%+v)", i, q), rs[i].Balance, rs[i].Err, b, err)
			}
		}
		if caps.ContractBatch != nil && caps.Contracts != nil {
			rs := caps.ContractBatch.AreContracts(ctx, addrs, tip)
			if len(rs) != len(addrs) {
				t.Fatalf("AreContracts: %d results for %d addresses", len(rs), len(addrs))
			}
			for i, ad := range addrs {
				c, err := caps.Contracts.IsContract(ctx, ad, tip)
				sameAnswer(t, "AreContracts["+ad+"]", rs[i].IsContract, rs[i].Err, c, err)
			}
		}
	}
	if u, ok := src.(trace.UTXOSource); ok && caps.Spenders != nil {
		utx, err := u.Tx(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		var ops []graph.Outpoint
		for _, in := range utx.Inputs {
			if !utx.Coinbase {
				ops = append(ops, in.Prev)
			}
		}
		for _, o := range utx.Outputs {
			ops = append(ops, graph.Outpoint{TxID: utx.TxID, Vout: o.Index})
		}
		ops = append(ops, graph.Outpoint{TxID: strings.Repeat("0", 63) + "1", Vout: 0})
		rs := caps.Spenders.Spenders(ctx, ops)
		if len(rs) != len(ops) {
			t.Fatalf("Spenders: %d results for %d outpoints", len(rs), len(ops))
		}
		for i, op := range ops {
			sp, err := u.Spender(ctx, op)
			sameAnswer(t, "Spenders["+op.String()+"]", rs[i].Tx, rs[i].Err, sp, err)
		}
	}
}

// sameAnswer compares a batch item with the single call's answer: equal values,
// or errors of the same class (the sentinels the tracer tells apart).
func sameAnswer(t *testing.T, what string, bv any, berr error, sv any, serr error) {
	t.Helper()
	if unanswered(t, what, serr) {
		return
	}
	if (berr != nil) != (serr != nil) {
		t.Errorf("%s: batch error %v, single call error %v", what, berr, serr)
		return
	}
	if berr != nil {
		for _, s := range []error{trace.ErrNotFound, trace.ErrReverted, trace.ErrUnsupported, trace.ErrBadInput} {
			if errors.Is(berr, s) != errors.Is(serr, s) {
				t.Errorf("%s: batch error %v, single call error %v: not the same kind", what, berr, serr)
			}
		}
		return
	}
	if !reflect.DeepEqual(bv, sv) {
		t.Errorf("%s: batch answer %+v, single call %+v", what, bv, sv)
	}
}
