package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/watch"
)

// TestWatchCLIBitcoin runs `chaintrace watch` against a real btcd as a user
// would, one process run per step (each a restart from the state file): a peel
// step, then a payment to a deposit address that sweeps into a labelled
// exchange, which ends `--until exchange` with exit code 4; --exec gets every
// event once; --status summarises the state.
func TestWatchCLIBitcoin(t *testing.T) {
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.MineTo(101); err != nil {
		t.Fatal(err)
	}
	k := func(l string) *btcd.Key { return btcd.NewKey(l, btcd.P2PKH, &chaincfg.RegressionNetParams) }
	thief, hot, dep := k("cli-thief"), k("cli-hot"), k("cli-deposit")
	theft, _, err := n.Fund(btcd.TxFee, btcd.Output{Key: thief, Value: 3_0000_0000})
	if err != nil {
		t.Fatal(err)
	}
	mine := func(txs ...*wire.MsgTx) {
		t.Helper()
		if _, err := n.Mine(txs...); err != nil {
			t.Fatal(err)
		}
	}
	spend := func(in btcd.Coin, outs ...btcd.Output) (*wire.MsgTx, []btcd.Coin) {
		t.Helper()
		tx, coins, err := n.Spend([]btcd.Coin{in}, outs)
		if err != nil {
			t.Fatal(err)
		}
		return tx, coins
	}
	mine(theft)
	start := n.Height()
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte("chain,address,label,category,source,confidence\nbtc-regtest,"+hot.Address+",HotWallet,exchange,test,90\n"), 0o644)
	state := filepath.Join(dir, "watch.db")
	execOut := filepath.Join(dir, "exec.jsonl")
	seed := theft.TxHash().String() + ":0"
	watchCmd := func(extra ...string) result {
		args := append([]string{"watch", "--chain", "btc-regtest", "--rpc", n.URL(), "--state", state, "--labels", labels,
			"--format", "jsonl", "--exec", "cat >> " + execOut, "--interval", "1h"}, extra...)
		return runCLI(t, nil, append(args, seed)...)
	}
	events := func(r result) []watch.Event { t.Helper(); return eventsOf(t, r.out) }
	kinds := func(evs []watch.Event) string {
		var s []string
		for _, e := range evs {
			s = append(s, fmt.Sprintf("%d:%s@%d:%s:%s", e.Seq, e.Kind, e.Block, e.Endpoint, e.Amount))
		}
		return strings.Join(s, " ")
	}

	r := watchCmd("--until-block", fmt.Sprint(start))
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, "watch: 1 holdings of btc-regtest at block "+fmt.Sprint(start)) {
		t.Fatalf("first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}

	// a peel step: 0.05 BTC off, the rest (minus a 10,000 sat fee) on
	thiefCoin := btcd.Coin{OutPoint: wire.OutPoint{Hash: theft.TxHash(), Index: 0}, Value: 3_0000_0000, Key: thief}
	peel, pc := spend(thiefCoin, btcd.Output{Key: k("cli-payee"), Value: 500_0000}, btcd.Output{Key: k("cli-change"), Value: 2_9499_0000})
	mine(peel)
	r = watchCmd("--until-block", fmt.Sprint(start+1))
	evs := events(r)
	if want := fmt.Sprintf("1:moved@%d::300000000 2:new-holding@%d:unspent:294990000 3:new-holding@%d:unspent:5000000", start+1, start+1, start+1); r.code != 0 || kinds(evs) != want {
		t.Fatalf("after the peel: code %d, events %s, want %s\nstderr %s", r.code, kinds(evs), want, r.errOut)
	}
	if evs[0].Tx != peel.TxHash().String() || evs[0].Holding != seed || !strings.Contains(r.errOut, "MOVED") {
		t.Fatalf("moved event %+v\nstderr %s", evs[0], r.errOut)
	}

	// the change pays a deposit address, which sweeps into the exchange's hot wallet
	pay, payCoins := spend(pc[1], btcd.Output{Key: dep, Value: 2_0000_0000}, btcd.Output{Key: k("cli-change-2"), Value: 9498_0000})
	mine(pay)
	sweep, _ := spend(payCoins[0], btcd.Output{Key: hot, Value: 1_9999_0000})
	mine(sweep)
	r = watchCmd("--until", "exchange")
	evs = events(r)
	want := fmt.Sprintf("4:moved@%d::294990000 5:reached-exchange@%d:exchange-deposit:200000000 6:new-holding@%d:unspent:94980000", start+2, start+2, start+2)
	if r.code != exitReached || kinds(evs) != want {
		t.Fatalf("--until exchange: code %d (want %d), events %s, want %s\nstderr %s", r.code, exitReached, kinds(evs), want, r.errOut)
	}
	if e := evs[1]; e.At != dep.Address || e.Exchange != "HotWallet" || e.Tx != pay.TxHash().String() || len(e.Path) < 2 {
		t.Fatalf("reached-exchange event %+v", e)
	}

	// nothing new: a restart sends nothing again
	r = watchCmd("--until-block", fmt.Sprint(start+3))
	if r.code != 0 || r.out != "" {
		t.Fatalf("restart with nothing new: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	b, _ := os.ReadFile(execOut)
	if got := strings.Count(string(b), "\n"); got != 6 {
		t.Fatalf("--exec ran %d times, want 6 (once per event):\n%s", got, b)
	}
	// the report refreshed with the new hops
	md := filepath.Join(dir, "case.md")
	r = runCLI(t, nil, "watch", "--chain", "btc-regtest", "--rpc", n.URL(), "--state", state, "--labels", labels,
		"--format", "report", "--out", md, "--until-block", fmt.Sprint(start+3), seed)
	rep, _ := os.ReadFile(md)
	for _, s := range []string{dep.Address, "HotWallet", pay.TxHash().String()} {
		if r.code != 0 || !strings.Contains(string(rep), s) {
			t.Fatalf("refreshed report (code %d, stderr %s) lacks %q:\n%s", r.code, r.errOut, s, rep)
		}
	}
	r = runCLI(t, nil, "watch", "--state", state, "--status")
	for _, s := range []string{"last block processed " + fmt.Sprint(start+3), "events: 6", "moved 2", "new-holding 3", "reached-exchange 1", "not yet delivered 0", "holdings watched: 2"} {
		if r.code != 0 || !strings.Contains(r.out, s) {
			t.Fatalf("--status: code %d, missing %q in\n%s%s", r.code, s, r.out, r.errOut)
		}
	}
}

// eventsOf parses watch --format jsonl output.
func eventsOf(t *testing.T, out string) []watch.Event {
	t.Helper()
	var evs []watch.Event
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e watch.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// watch --status reads the state without changing the file: a recorded case
// that was never watched says so and stays byte-identical; a file that is not
// a watch state is bad input, for --status and for a watch alike.
func TestWatchStatusReadOnly(t *testing.T) {
	dir := t.TempDir()
	c := filepath.Join(dir, "demo.db")
	if r := runCLI(t, nil, "trace", "--case", "demo", "--record", c, "--format", "json", "-o", filepath.Join(dir, "r.json")); r.code != 0 {
		t.Fatalf("record: code %d\n%s", r.code, r.errOut)
	}
	before, _ := os.ReadFile(c)
	r := runCLI(t, nil, "watch", "--state", c, "--status")
	if r.code != exitInput || !strings.Contains(r.errOut, c+" holds no watch yet") {
		t.Fatalf("--status of a case never watched: code %d\n%s", r.code, r.errOut)
	}
	if after, _ := os.ReadFile(c); string(after) != string(before) {
		t.Fatal("--status changed the recorded case")
	}
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("not a database, and long enough to be read as one by SQLite if it were\n"), 0o644)
	for _, args := range [][]string{{"--status"}, {"--case", "demo", "--until-block", "1"}} {
		r := runCLI(t, nil, append([]string{"watch", "--state", notes}, args...)...)
		if r.code != exitInput || !strings.Contains(r.errOut, "is it an SQLite file chaintrace wrote?") {
			t.Errorf("watch --state notes.txt %v: code %d\n%s", args, r.code, r.errOut)
		}
	}
}
