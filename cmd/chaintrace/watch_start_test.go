package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
)

// briefEvents is the events of a watch --format jsonl run, one string each.
func briefEvents(t *testing.T, out string) string {
	t.Helper()
	var evs []string
	for _, e := range eventsOf(t, out) {
		evs = append(evs, fmt.Sprintf("%d:%s@%d:%s:%s:%s:%s:%s", e.Seq, e.Kind, e.Block, e.Tx, e.Endpoint, e.At, e.Exchange, e.Amount))
	}
	return strings.Join(evs, " ")
}

// TestWatchCLIGethStart starts watches on a real geth from a JSON result
// (trace --format json, then watch --result) and from addresses given by
// hand (--address), and checks the exact events when the watched funds pay a
// labelled exchange; then the ways to start one wrongly, each a clear error
// with exit code 2.
func TestWatchCLIGethStart(t *testing.T) {
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("st-victim"), geth.NewAccount("st-thief"), geth.NewAccount("st-exchange")
	mule := geth.NewAccount("st-mule")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief) // gas money, not stolen
	n.Fund(geth.Eth(3, 1), mule)   // watched by hand: all of it
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	resultFile := filepath.Join(dir, "theft.json")
	if r := runCLI(t, nil, "trace", "--chain", chain, "--rpc", n.URL(), "--labels", labels, "--no-cache", "--format", "json", "-o", resultFile, theft.Hex()); r.code != 0 {
		t.Fatalf("trace: code %d\n%s", r.code, r.errOut)
	}
	fromResult := filepath.Join(dir, "result.db")
	byHand := filepath.Join(dir, "hand.db")
	watchResult := func(extra ...string) result {
		// no --chain: the result's
		return runCLI(t, nil, append([]string{"watch", "--result", resultFile, "--rpc", n.URL(), "--state", fromResult, "--labels", labels,
			"--format", "jsonl", "--interval", "1h"}, extra...)...)
	}
	watchHand := func(extra ...string) result {
		return runCLI(t, nil, append([]string{"watch", "--chain", chain, "--rpc", n.URL(), "--state", byHand, "--labels", labels,
			"--format", "jsonl", "--interval", "1h", "--address", strings.ToLower(mule.Hex())}, extra...)...)
	}
	r := watchResult("--until-block", fmt.Sprint(start))
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, fmt.Sprintf("watch: 1 holdings of %s at block %d", chain, start)) {
		t.Fatalf("--result first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	r = watchHand("--until-block", fmt.Sprint(start))
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, fmt.Sprintf("watch: 1 holdings of %s at block %d", chain, start)) {
		t.Fatalf("--address first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	st := runCLI(t, nil, "watch", "--state", byHand, "--status")
	for _, want := range []string{"seeds none\n", "addresses watched by hand (--address): " + mule.Hex() + "\n",
		fmt.Sprintf("  3 ETH  %s (manual)  since block %d", mule.Hex(), start)} {
		if st.code != 0 || !strings.Contains(st.out, want) {
			t.Fatalf("--status of the watch by hand: code %d, want %q in\n%s%s", st.code, want, st.out, st.errOut)
		}
	}

	// both pay the exchange in one block
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	payMule := n.SendValue(mule, exch.Address, geth.Eth(2, 1))
	b := n.Commit()
	n.MustSucceed(pay, payMule)

	// the result's holding: the same events as a watch that traced the seed itself
	r = watchResult("--until", "exchange")
	moved, toEx := haircutShares(geth.Eth(101, 10), geth.Eth(10, 1), geth.Eth(4, 1), n.Fee(pay))
	want := fmt.Sprintf("1:moved@%d:%s::::%s 2:reached-exchange@%d:%s:exchange:%s:TestExchange:%s",
		b, pay.Hex(), moved, b, pay.Hex(), exch.Hex(), toEx)
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--result --until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}

	// by hand: the whole balance is watched, so the 2 ETH paid arrive whole;
	// what left is the payment and its fee
	r = watchHand("--until", "exchange")
	left := new(big.Int).Add(geth.Eth(2, 1), n.Fee(payMule))
	want = fmt.Sprintf("1:moved@%d:%s::::%s 2:reached-exchange@%d:%s:exchange:%s:TestExchange:%s",
		b, payMule.Hex(), left, b, payMule.Hex(), exch.Hex(), geth.Eth(2, 1))
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--address --until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}
	if evs := eventsOf(t, r.out); evs[1].Holding != mule.Hex()+"/"+evs[1].Asset || len(evs[1].Path) != 1 || evs[1].Path[0] != payMule.Hex() {
		t.Fatalf("reached-exchange by hand: holding %s path %v", evs[1].Holding, evs[1].Path)
	}
	// restarts send nothing again
	if r = watchResult("--until-block", fmt.Sprint(b)); r.code != 0 || r.out != "" {
		t.Fatalf("--result restart: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	if r = watchHand("--until-block", fmt.Sprint(b)); r.code != 0 || r.out != "" {
		t.Fatalf("--address restart: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}

	// wrong starts: exit 2, a message naming the problem
	empty := geth.NewAccount("st-empty")
	notJSON := filepath.Join(dir, "labels.csv")
	fresh := func() string { return filepath.Join(t.TempDir(), "w.db") }
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"bitcoin address on evm", []string{"--chain", chain, "--address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}, []string{"--address bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 is not an address of " + chain}},
		{"malformed address", []string{"--chain", chain, "--address", "0x12"}, []string{"--address 0x12 is not an address of " + chain}},
		{"empty address", []string{"--chain", chain, "--address", empty.Hex()}, []string{"--address " + empty.Hex() + " holds no ETH at block", "nothing to watch"}},
		{"result and seeds", []string{"--result", resultFile, theft.Hex()}, []string{"--result " + resultFile + " and seeds exclude each other"}},
		{"result of another chain", []string{"--result", resultFile, "--chain", "btc-regtest"}, []string{"--chain btc-regtest does not match the chain of --result", chain}},
		{"result not json", []string{"--result", notJSON}, []string{"--result " + notJSON + ": not a chaintrace JSON result"}},
		{"result missing", []string{"--result", filepath.Join(dir, "nope.json")}, []string{"--result: open", "nope.json"}},
		{"result as case", []string{"--case", resultFile}, []string{"is a chaintrace result", "--result " + resultFile}},
		{"report of addresses only", []string{"--chain", chain, "--address", mule.Hex(), "--format", "report", "--out", filepath.Join(dir, "r.md")}, []string{"--format report refreshes a trace's report", "add the theft's seeds"}},
	} {
		args := append([]string{"watch", "--rpc", n.URL(), "--state", fresh(), "--interval", "1h", "--until-block", fmt.Sprint(b)}, tc.args...)
		if tc.name == "result as case" {
			args = append([]string{"watch", "--state", fresh()}, tc.args...)
		}
		r := runCLI(t, nil, args...)
		for _, w := range tc.want {
			if r.code != exitInput || !strings.Contains(r.errOut, w) {
				t.Errorf("%s: code %d (want %d), stderr lacks %q:\n%s", tc.name, r.code, exitInput, w, r.errOut)
			}
		}
		if strings.Contains(r.errOut, "panic") {
			t.Errorf("%s: %s", tc.name, r.errOut)
		}
	}
	// a resumed watch keeps its holdings: a new --address is refused, not ignored
	r = watchHand("--until-block", fmt.Sprint(b), "--address", victim.Hex())
	if r.code != exitInput || !strings.Contains(r.errOut, "--address "+victim.Hex()+": the watch in its --state file was started without it") {
		t.Fatalf("resume with a new --address: code %d\n%s", r.code, r.errOut)
	}
}

// TestWatchCLIBitcoinAddress watches a Bitcoin address by hand on a real btcd:
// its unspent outputs are the holdings (one already spent is not), and
// sweeping one of them into a labelled exchange sends the exact events, dated
// by the sweep (not by the deposit's own, older, funding); the other paying a
// labelled mixer sends moved, reached-mixer and new-holding for the change.
func TestWatchCLIBitcoinAddress(t *testing.T) {
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.MineTo(101); err != nil {
		t.Fatal(err)
	}
	k := func(l string) *btcd.Key { return btcd.NewKey(l, btcd.P2PKH, &chaincfg.RegressionNetParams) }
	mule, hot, other, mixer := k("ad-mule"), k("ad-hot"), k("ad-other"), k("ad-mixer")
	fund, coins, err := n.Fund(btcd.TxFee, btcd.Output{Key: mule, Value: 1_0000_0000}, btcd.Output{Key: mule, Value: 2000_0000}, btcd.Output{Key: mule, Value: 3000_0000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(fund); err != nil {
		t.Fatal(err)
	}
	gone, _, err := n.Spend([]btcd.Coin{coins[2]}, []btcd.Output{{Key: other, Value: 2999_0000}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(gone); err != nil {
		t.Fatal(err)
	}
	start := n.Height()
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte("chain,address,label,category,source,confidence\nbtc-regtest,"+hot.Address+",HotWallet,exchange,test,90\n"+
		"btc-regtest,"+mixer.Address+",Wasabi,mixer,test,90\n"), 0o644)
	state := filepath.Join(dir, "watch.db")
	watchCmd := func(extra ...string) result {
		return runCLI(t, nil, append([]string{"watch", "--chain", "btc-regtest", "--rpc", n.URL(), "--state", state, "--labels", labels,
			"--format", "jsonl", "--interval", "1h", "--address", mule.Address}, extra...)...)
	}
	r := watchCmd("--until-block", fmt.Sprint(start))
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, fmt.Sprintf("watch: 2 holdings of btc-regtest at block %d", start)) {
		t.Fatalf("first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	st := runCLI(t, nil, "watch", "--state", state, "--status")
	for _, op := range []string{coins[0].OutPoint.String(), coins[1].OutPoint.String()} {
		if !strings.Contains(st.out, op+" (manual)") || strings.Contains(st.out, coins[2].OutPoint.String()) {
			t.Fatalf("--status lacks %s (manual), or lists the spent output:\n%s", op, st.out)
		}
	}
	pay, _, err := n.Spend([]btcd.Coin{coins[0]}, []btcd.Output{{Key: hot, Value: 9999_0000}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(pay); err != nil {
		t.Fatal(err)
	}
	r = watchCmd("--until", "exchange")
	b := start + 1
	// the whole output swept into the exchange's wallet: the deposit rule makes
	// the watched address the exchange's deposit, dated by the sweep
	want := fmt.Sprintf("1:moved@%d:%s::::100000000 2:reached-exchange@%d:%s:exchange-deposit:%s:HotWallet:100000000", b, pay.TxHash(), b, pay.TxHash(), mule.Address)
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}
	if e := eventsOf(t, r.out)[1]; e.From != mule.Address || e.Holding != coins[0].OutPoint.String() {
		t.Fatalf("reached-exchange: from %s holding %s", e.From, e.Holding)
	}
	// the other watched output pays a labelled mixer, the change stays watched
	mix, _, err := n.Spend([]btcd.Coin{coins[1]}, []btcd.Output{{Key: mixer, Value: 1000_0000}, {Key: k("ad-change"), Value: 999_0000}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(mix); err != nil {
		t.Fatal(err)
	}
	r = watchCmd("--until-block", fmt.Sprint(b+1))
	want = fmt.Sprintf("3:moved@%d:%s::::20000000 4:reached-mixer@%d:%s:mixer:%s::10000000 5:new-holding@%d:%s:unspent:%s:1::9990000",
		b+1, mix.TxHash(), b+1, mix.TxHash(), mixer.Address, b+1, mix.TxHash(), mix.TxHash())
	if got := briefEvents(t, r.out); r.code != 0 || got != want {
		t.Fatalf("mixer deposit: code %d, events\n%s\nwant\n%s\nstderr %s", r.code, got, want, r.errOut)
	}
	if e := eventsOf(t, r.out)[1]; e.Label != "Wasabi" || e.Category != "mixer" {
		t.Fatalf("reached-mixer label %q category %q", e.Label, e.Category)
	}
	r = runCLI(t, nil, "watch", "--chain", "btc-regtest", "--rpc", n.URL(), "--state", filepath.Join(dir, "w2.db"), "--address", other.Address+"x")
	if r.code != exitInput || !strings.Contains(r.errOut, "--address "+other.Address+"x is not an address of btc-regtest") {
		t.Fatalf("bad address: code %d\n%s", r.code, r.errOut)
	}
	r = runCLI(t, nil, "watch", "--chain", "btc-regtest", "--rpc", n.URL(), "--state", filepath.Join(dir, "w3.db"), "--address", k("ad-never").Address)
	if r.code != exitInput || !strings.Contains(r.errOut, "has no unspent output at block") {
		t.Fatalf("address without outputs: code %d\n%s", r.code, r.errOut)
	}
}

// TestWatchCLIBitcoinCase runs README's recorded-case excerpt on btcd: trace
// --record, then watch --case CASE --rpc URL --until exchange (no --labels:
// the case's); a payment of part of the stolen output to a labelled exchange
// ends it with exit code 4, after every event of that block (the change's
// new-holding too); the events name the thief's address as the payer. The
// trace's JSON result, watched only after the payment (--result), sends the
// same events: a watch starts after the result's tip.
func TestWatchCLIBitcoinCase(t *testing.T) {
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.MineTo(101); err != nil {
		t.Fatal(err)
	}
	k := func(l string) *btcd.Key { return btcd.NewKey(l, btcd.P2PKH, &chaincfg.RegressionNetParams) }
	thief, hot := k("bc-thief"), k("bc-hot")
	theft, coins, err := n.Fund(btcd.TxFee, btcd.Output{Key: thief, Value: 2_0000_0000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(theft); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	labels := filepath.Join(dir, "my-labels.csv")
	os.WriteFile(labels, []byte("chain,address,label,category,source,confidence\nbtc-regtest,"+hot.Address+",HotWallet,exchange,test,90\n"), 0o644)
	c := filepath.Join(dir, "theft.db")
	seed := theft.TxHash().String() + ":0"
	resultFile := filepath.Join(dir, "theft.json")
	if r := runCLI(t, nil, "trace", "--chain", "btc-regtest", "--rpc", n.URL(), "--labels", labels, "--record", c, "--format", "json", "-o", resultFile, seed); r.code != 0 {
		t.Fatalf("trace --record: code %d\n%s", r.code, r.errOut)
	}
	start := uint64(n.Height())
	r := runCLI(t, nil, "watch", "--case", c, "--rpc", n.URL(), "--until-block", fmt.Sprint(start))
	if r.code != 0 || !strings.Contains(r.errOut, fmt.Sprintf("watch: 1 holdings of btc-regtest at block %d, state in %s", start, c)) {
		t.Fatalf("first run: code %d\n%s", r.code, r.errOut)
	}
	pay, _, err := n.Spend([]btcd.Coin{coins[0]}, []btcd.Output{{Key: hot, Value: 1_5000_0000}, {Key: k("bc-change"), Value: 4999_0000}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(pay); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "watch", "--case", c, "--rpc", n.URL(), "--format", "jsonl", "--until", "exchange")
	p := pay.TxHash().String()
	want := fmt.Sprintf("1:moved@%d:%s::::200000000 2:reached-exchange@%d:%s:exchange:%s:HotWallet:150000000 3:new-holding@%d:%s:unspent:%s:1::49990000",
		start+1, p, start+1, p, hot.Address, start+1, p, p)
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}
	for _, e := range eventsOf(t, r.out) {
		if e.From != thief.Address {
			t.Errorf("%s event from %q, want the thief %s", e.Kind, e.From, thief.Address)
		}
	}
	if v := runCLI(t, nil, "case", "verify", c); v.code != 0 {
		t.Fatalf("case verify after the watch: code %d\n%s%s", v.code, v.out, v.errOut)
	}
	// the JSON result of the same trace, watched only now: the watch starts
	// after the result's tip, so the payment since is still caught
	r = runCLI(t, nil, "watch", "--result", resultFile, "--rpc", n.URL(), "--labels", labels, "--state", filepath.Join(dir, "result.db"), "--format", "jsonl", "--until", "exchange")
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--result --until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}
}

// TestWatchCLIEsplora runs the whole watch over Esplora (btcd served as
// Esplora live): the trace it starts from, the per-block checks and the onward
// trace; a spend waiting in the mempool sends nothing, mined it sends exactly
// moved, reached-exchange and new-holding, and exit 4.
func TestWatchCLIEsplora(t *testing.T) {
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.MineTo(101); err != nil {
		t.Fatal(err)
	}
	es := btcd.NewEsploraLive(n)
	defer es.Close()
	k := func(l string) *btcd.Key { return btcd.NewKey(l, btcd.P2PKH, &chaincfg.RegressionNetParams) }
	thief, hot := k("es-thief"), k("es-hot")
	theft, coins, err := n.Fund(btcd.TxFee, btcd.Output{Key: thief, Value: 2_0000_0000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(theft); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte("chain,address,label,category,source,confidence\nbtc-regtest,"+hot.Address+",HotWallet,exchange,test,90\n"), 0o644)
	state := filepath.Join(dir, "watch.db")
	watchCmd := func(extra ...string) result {
		return runCLI(t, nil, append([]string{"watch", "--chain", "btc-regtest", "--backend", "esplora", "--rpc", es.URL, "--state", state,
			"--labels", labels, "--format", "jsonl", "--interval", "1h"}, append(extra, theft.TxHash().String()+":0")...)...)
	}
	start := uint64(n.Height())
	if r := watchCmd("--until-block", fmt.Sprint(start)); r.code != 0 || !strings.Contains(r.errOut, fmt.Sprintf("watch: 1 holdings of btc-regtest at block %d", start)) {
		t.Fatalf("first run: code %d\n%s", r.code, r.errOut)
	}
	pay, _, err := n.Spend([]btcd.Coin{coins[0]}, []btcd.Output{{Key: hot, Value: 1_5000_0000}, {Key: k("es-change"), Value: 4999_0000}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Send(pay); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(); err != nil { // a block without it
		t.Fatal(err)
	}
	if r := watchCmd("--until-block", fmt.Sprint(start+1)); r.code != 0 || r.out != "" {
		t.Fatalf("a spend in the mempool: code %d stdout %q\n%s", r.code, r.out, r.errOut)
	}
	if _, err := n.Mine(pay); err != nil {
		t.Fatal(err)
	}
	p, b := pay.TxHash().String(), start+2
	r := watchCmd("--until", "exchange", "--until-block", fmt.Sprint(b))
	want := fmt.Sprintf("1:moved@%d:%s::::200000000 2:reached-exchange@%d:%s:exchange:%s:HotWallet:150000000 3:new-holding@%d:%s:unspent:%s:1::49990000",
		b, p, b, p, hot.Address, b, p, p)
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}
}
