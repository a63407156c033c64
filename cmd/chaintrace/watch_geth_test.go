package main

import (
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
)

// TestWatchCLIGeth runs `chaintrace watch` against a real geth, one process run
// per step: the thief's address is watched from a trace of the theft tx; a
// block where it does not move sends nothing; its payment to a labelled
// exchange sends moved + reached-exchange with exact haircut amounts and ends
// `--until exchange` with exit code 4; a restart sends nothing again.
func TestWatchCLIGeth(t *testing.T) {
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("cli-victim"), geth.NewAccount("cli-thief"), geth.NewAccount("cli-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief) // gas money, not stolen
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	state := filepath.Join(dir, "watch.db")
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	watchCmd := func(extra ...string) result {
		args := append([]string{"watch", "--chain", chain, "--rpc", n.URL(), "--state", state, "--labels", labels,
			"--format", "jsonl", "--interval", "1h"}, extra...)
		return runCLI(t, nil, append(args, theft.Hex())...)
	}
	r := watchCmd("--until-block", fmt.Sprint(start))
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, fmt.Sprintf("watch: 1 holdings of %s at block %d", chain, start)) {
		t.Fatalf("first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	quiet := n.Fund(geth.Eth(1, 1), geth.NewAccount("cli-bystander"))
	if r = watchCmd("--until-block", fmt.Sprint(quiet)); r.code != 0 || r.out != "" {
		t.Fatalf("a block where nothing watched moves: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	r = watchCmd("--until", "exchange")
	moved, toEx := haircutShares(geth.Eth(101, 10), geth.Eth(10, 1), geth.Eth(4, 1), n.Fee(pay))
	var evs []string
	for _, e := range eventsOf(t, r.out) {
		evs = append(evs, fmt.Sprintf("%d:%s@%d:%s:%s:%s:%s:%s", e.Seq, e.Kind, e.Block, e.Tx, e.Endpoint, e.At, e.Exchange, e.Amount))
	}
	want := fmt.Sprintf("1:moved@%d:%s::::%s 2:reached-exchange@%d:%s:exchange:%s:TestExchange:%s",
		b, pay.Hex(), moved, b, pay.Hex(), exch.Hex(), toEx)
	if r.code != exitReached || strings.Join(evs, " ") != want {
		t.Fatalf("--until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, strings.Join(evs, " "), want, r.errOut)
	}
	if r = watchCmd("--until-block", fmt.Sprint(b)); r.code != 0 || r.out != "" {
		t.Fatalf("restart with nothing new: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
}

// TestWatchCLIGethMixer: a watched holding on a real geth deposits into a
// labelled Tornado Cash-style pool (a contract call with value, as the real
// pool's deposit(bytes32)): exactly moved + reached-mixer, with the haircut
// share of the deposit; a restart sends nothing again; then a payment to a
// labelled bridge: moved + reached-bridge.
func TestWatchCLIGethMixer(t *testing.T) {
	n := geth.Start(t)
	victim, thief, bridge := geth.NewAccount("mx-cli-victim"), geth.NewAccount("mx-cli-thief"), geth.NewAccount("mx-cli-bridge")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief) // gas money, not stolen
	pool := n.DeployTornado(n.Faucet(), geth.Eth(1, 1))
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,Tornado.Cash 1 ETH,mixer,test,95\nevm,%s,TestBridge,bridge,test,95\n", pool.Hex(), bridge.Hex())), 0o644)
	state := filepath.Join(dir, "watch.db")
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	watchCmd := func(until uint64) result {
		return runCLI(t, nil, "watch", "--chain", chain, "--rpc", n.URL(), "--state", state, "--labels", labels,
			"--format", "jsonl", "--interval", "1h", "--until-block", fmt.Sprint(until), theft.Hex())
	}
	if r := watchCmd(start); r.code != 0 || r.out != "" {
		t.Fatalf("first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	dep := n.TornadoDeposit(thief, pool, geth.Eth(1, 1), common.HexToHash("0x01"), geth.Fees{})
	b := n.Commit()
	n.MustSucceed(dep)
	r := watchCmd(b)
	was := geth.Eth(101, 10)
	now := new(big.Int).Sub(new(big.Int).Sub(was, geth.Eth(1, 1)), n.Fee(dep))
	remain := new(big.Int).Quo(new(big.Int).Mul(now, geth.Eth(10, 1)), was)
	moved := new(big.Int).Sub(geth.Eth(10, 1), remain)
	toMixer := new(big.Int).Quo(new(big.Int).Mul(geth.Eth(1, 1), geth.Eth(10, 1)), was)
	var evs []string
	for _, e := range eventsOf(t, r.out) {
		evs = append(evs, fmt.Sprintf("%d:%s@%d:%s:%s:%s:%s:%s:%s", e.Seq, e.Kind, e.Block, e.Tx, e.Endpoint, e.At, e.Label, e.Category, e.Amount))
	}
	want := fmt.Sprintf("1:moved@%d:%s:::::%s 2:reached-mixer@%d:%s:mixer:%s:Tornado.Cash 1 ETH:mixer:%s",
		b, dep.Hex(), moved, b, dep.Hex(), pool.Hex(), toMixer)
	if r.code != 0 || strings.Join(evs, " ") != want {
		t.Fatalf("after the deposit: code %d, events\n%s\nwant\n%s\nstderr %s", r.code, strings.Join(evs, " "), want, r.errOut)
	}
	if !strings.Contains(r.errOut, "MIXER      block "+fmt.Sprint(b)) {
		t.Fatalf("no MIXER line on stderr:\n%s", r.errOut)
	}
	if r = watchCmd(b); r.code != 0 || r.out != "" {
		t.Fatalf("restart with nothing new: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	// then 1 ETH to a labelled bridge: moved + reached-bridge, measured against
	// the balance after the deposit
	cross := n.SendValue(thief, bridge.Address, geth.Eth(1, 1))
	b2 := n.Commit()
	n.MustSucceed(cross)
	r = watchCmd(b2)
	now2 := new(big.Int).Sub(new(big.Int).Sub(now, geth.Eth(1, 1)), n.Fee(cross))
	remain2 := new(big.Int).Quo(new(big.Int).Mul(now2, remain), now)
	toBridge := new(big.Int).Quo(new(big.Int).Mul(geth.Eth(1, 1), remain), now)
	evs = nil
	for _, e := range eventsOf(t, r.out) {
		evs = append(evs, fmt.Sprintf("%d:%s@%d:%s:%s:%s:%s:%s:%s", e.Seq, e.Kind, e.Block, e.Tx, e.Endpoint, e.At, e.Label, e.Category, e.Amount))
	}
	want = fmt.Sprintf("3:moved@%d:%s:::::%s 4:reached-bridge@%d:%s:bridge:%s:TestBridge:bridge:%s",
		b2, cross.Hex(), new(big.Int).Sub(remain, remain2), b2, cross.Hex(), bridge.Hex(), toBridge)
	if r.code != 0 || strings.Join(evs, " ") != want {
		t.Fatalf("after the bridge payment: code %d, events\n%s\nwant\n%s\nstderr %s", r.code, strings.Join(evs, " "), want, r.errOut)
	}
	if !strings.Contains(r.errOut, "BRIDGE     block "+fmt.Sprint(b2)) {
		t.Fatalf("no BRIDGE line on stderr:\n%s", r.errOut)
	}
}

// TestWatchCLIGethHeads: with --rpc ws://… on a real geth serving WebSocket,
// the watch subscribes to newHeads and a mined block wakes it: --interval is an
// hour, so the events can only come from the subscription. A --heads URL that
// cannot be reached falls back to polling with a notice; a --heads that is not
// a WebSocket URL is bad input.
func TestWatchCLIGethHeads(t *testing.T) {
	n := geth.Start(t, geth.WithWebSocket())
	victim, thief, exch := geth.NewAccount("hd-victim"), geth.NewAccount("hd-thief"), geth.NewAccount("hd-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	state := filepath.Join(dir, "watch.db")

	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"watch", "--chain", chain, "--rpc", n.WSURL(), "--state", state, "--labels", labels,
			"--format", "jsonl", "--interval", "1h", "--until", "exchange", theft.Hex()}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	}()
	// wait until the watch has processed the tip and follows new heads
	waiting := fmt.Sprintf("watch: block %d processed; following new heads at %s (and polling every 1h0m0s)", start, n.WSURL())
	for !strings.Contains(errOut.String(), waiting) {
		select {
		case code := <-done:
			t.Fatalf("the watch ended (code %d) before following new heads:\n%s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if out.String() != "" {
		t.Fatalf("events before anything moved: %s", out.String())
	}
	// --status reads the state while the watch runs
	if st := runCLI(t, nil, "watch", "--state", state, "--status"); st.code != 0 || !strings.Contains(st.out, fmt.Sprintf("last block processed %d", start)) {
		t.Fatalf("--status beside a running watch: code %d\n%s%s", st.code, st.out, st.errOut)
	}
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute): // a failure guard, not a measurement: an hour of --interval would pass first
		t.Fatalf("no event after block %d was mined: the new head did not wake the watch\nstderr %s", b, errOut.String())
	}
	var evs []string
	for _, e := range eventsOf(t, out.String()) {
		evs = append(evs, fmt.Sprintf("%d:%s@%d:%s:%s", e.Seq, e.Kind, e.Block, e.Tx, e.Endpoint))
	}
	want := fmt.Sprintf("1:moved@%d:%s: 2:reached-exchange@%d:%s:exchange", b, pay.Hex(), b, pay.Hex())
	if code != exitReached || strings.Join(evs, " ") != want {
		t.Fatalf("after the new head: code %d (want %d), events %s, want %s\nstderr %s", code, exitReached, strings.Join(evs, " "), want, errOut.String())
	}

	// a node that cannot be reached over WebSocket: polling, with a notice
	r := runCLI(t, nil, "watch", "--chain", chain, "--rpc", n.URL(), "--heads", "ws://127.0.0.1:1", "--state", filepath.Join(dir, "w2.db"),
		"--interval", "1h", "--until-block", fmt.Sprint(b), theft.Hex())
	if r.code != 0 || !strings.Contains(r.errOut, "watch: no new heads from ws://127.0.0.1:1 (connecting to ws://127.0.0.1:1") || !strings.Contains(r.errOut, "polling every 1h0m0s") {
		t.Fatalf("unreachable --heads: code %d\n%s", r.code, r.errOut)
	}
	r = runCLI(t, nil, "watch", "--chain", chain, "--rpc", n.URL(), "--heads", n.URL(), "--state", filepath.Join(dir, "w3.db"), theft.Hex())
	if r.code != exitInput || !strings.Contains(r.errOut, "--heads "+n.URL()+": want a ws:// or wss:// WebSocket URL") {
		t.Fatalf("--heads http://: code %d\n%s", r.code, r.errOut)
	}
}

// TestWatchCLIGethCase is issue 12's "done when" on geth: a case recorded by
// trace --record (with its labels and options), then `watch --case CASE --rpc
// URL` as the README shows it: the case replays offline as the start (its
// recorded labels name the exchange: no --labels given), the node is the live
// one, the state goes into the case file; a quiet block sends nothing, the
// payment to the exchange exactly moved + reached-exchange and exit 4, a
// restart nothing; the case still verifies.
func TestWatchCLIGethCase(t *testing.T) {
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("cs-victim"), geth.NewAccount("cs-thief"), geth.NewAccount("cs-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	c := filepath.Join(dir, "theft.db")
	if r := runCLI(t, nil, "trace", "--chain", chain, "--rpc", n.URL(), "--labels", labels, "--hops", "3", "--record", c, theft.Hex()); r.code != 0 {
		t.Fatalf("trace --record: code %d\n%s", r.code, r.errOut)
	}
	watchCmd := func(extra ...string) result {
		return runCLI(t, nil, append([]string{"watch", "--case", c, "--rpc", n.URL(), "--format", "jsonl", "--interval", "1h"}, extra...)...)
	}
	r := watchCmd("--until-block", fmt.Sprint(start))
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, fmt.Sprintf("watch: 1 holdings of %s at block %d, state in %s", chain, start, c)) {
		t.Fatalf("first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	quiet := n.Fund(geth.Eth(1, 1), geth.NewAccount("cs-bystander"))
	if r = watchCmd("--until-block", fmt.Sprint(quiet)); r.code != 0 || r.out != "" {
		t.Fatalf("quiet block: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	r = watchCmd("--until", "exchange")
	moved, toEx := haircutShares(geth.Eth(101, 10), geth.Eth(10, 1), geth.Eth(4, 1), n.Fee(pay))
	want := fmt.Sprintf("1:moved@%d:%s::::%s 2:reached-exchange@%d:%s:exchange:%s:TestExchange:%s",
		b, pay.Hex(), moved, b, pay.Hex(), exch.Hex(), toEx)
	if got := briefEvents(t, r.out); r.code != exitReached || got != want {
		t.Fatalf("--until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, got, want, r.errOut)
	}
	if r = watchCmd("--until-block", fmt.Sprint(b)); r.code != 0 || r.out != "" {
		t.Fatalf("restart: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	st := runCLI(t, nil, "watch", "--case", c, "--status")
	for _, s := range []string{"chain " + chain + ", seeds " + theft.Hex(), "last block processed " + fmt.Sprint(b), "events: 2, moved 1, reached-exchange 1; not yet delivered 0", "holdings watched: 1"} {
		if st.code != 0 || !strings.Contains(st.out, s) {
			t.Fatalf("--status: code %d, missing %q in\n%s%s", st.code, s, st.out, st.errOut)
		}
	}
	if v := runCLI(t, nil, "case", "verify", c); v.code != 0 {
		t.Fatalf("case verify after the watch: code %d\n%s%s", v.code, v.out, v.errOut)
	}
	if r = watchCmd("--link", "btc=http://127.0.0.1:1"); r.code != exitInput || !strings.Contains(r.errOut, "--link: a watch follows one chain") {
		t.Fatalf("--link: code %d\n%s", r.code, r.errOut)
	}
}

// TestWatchCLIGethToken: stolen ERC-20 tokens watched on a real geth (the
// per-block check is balanceOf at the new block): the thief moving part of
// them to a labelled exchange sends moved + reached-exchange with exact token
// base units; the ETH it pays gas with is not watched.
func TestWatchCLIGethToken(t *testing.T) {
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("tk-victim"), geth.NewAccount("tk-thief"), geth.NewAccount("tk-exchange")
	n.Fund(geth.Eth(1, 1), victim, thief)
	usd := n.DeployERC20(victim, "TUSD", 6, big.NewInt(5_000_000_000)) // 5,000 TUSD
	theft := n.TransferToken(victim, usd, thief.Address, big.NewInt(3_000_000_000))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	state := filepath.Join(dir, "watch.db")
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	watchCmd := func(extra ...string) result {
		return runCLI(t, nil, append([]string{"watch", "--chain", chain, "--rpc", n.URL(), "--state", state, "--labels", labels,
			"--format", "jsonl", "--interval", "1h"}, append(extra, theft.Hex())...)...)
	}
	if r := watchCmd("--until-block", fmt.Sprint(start)); r.code != 0 || r.out != "" {
		t.Fatalf("first run: code %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	st := runCLI(t, nil, "watch", "--state", state, "--status")
	if !strings.Contains(st.out, "holdings watched: 1\n  3,000 TUSD  "+thief.Hex()) && !strings.Contains(st.out, "holdings watched: 1\n  3000 TUSD  "+thief.Hex()) {
		t.Fatalf("--status: want the thief's 3,000 TUSD only:\n%s", st.out)
	}
	gas := n.SendValue(thief, geth.NewAccount("tk-bystander").Address, geth.Eth(1, 2)) // ETH moves: not watched
	quiet := n.Commit()
	n.MustSucceed(gas)
	if r := watchCmd("--until-block", fmt.Sprint(quiet)); r.code != 0 || r.out != "" {
		t.Fatalf("the thief's ETH moved, its tokens did not: code %d stdout %q stderr %s", r.code, r.out, r.errOut)
	}
	pay := n.TransferToken(thief, usd, exch.Address, big.NewInt(1_250_000_000))
	b := n.Commit()
	n.MustSucceed(pay)
	r := watchCmd("--until", "exchange")
	var evs []string
	for _, e := range eventsOf(t, r.out) {
		evs = append(evs, fmt.Sprintf("%d:%s@%d:%s:%s:%s:%s:%s:%d", e.Seq, e.Kind, e.Block, e.Tx, e.Endpoint, e.At, e.Amount, e.Symbol, e.Decimals))
	}
	want := fmt.Sprintf("1:moved@%d:%s:::1250000000:TUSD:6 2:reached-exchange@%d:%s:exchange:%s:1250000000:TUSD:6", b, pay.Hex(), b, pay.Hex(), exch.Hex())
	if r.code != exitReached || strings.Join(evs, " ") != want {
		t.Fatalf("--until exchange: code %d (want %d), events\n%s\nwant\n%s\nstderr %s", r.code, exitReached, strings.Join(evs, " "), want, r.errOut)
	}
	st = runCLI(t, nil, "watch", "--state", state, "--status")
	if !strings.Contains(st.out, "TUSD  "+thief.Hex()) || !strings.Contains(st.out, "1,750") && !strings.Contains(st.out, "1750") {
		t.Fatalf("--status after the payment: want 1,750 TUSD left at the thief:\n%s", st.out)
	}
}

// TestWatchCLIGethRedeliver: a watch stopped between deciding events and
// delivering them (here --exec fails on the second event) delivers the rest
// on restart, once each: --exec ends up with every event exactly once,
// --status says how many wait, and a further restart sends nothing.
func TestWatchCLIGethRedeliver(t *testing.T) {
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("rd-victim"), geth.NewAccount("rd-thief"), geth.NewAccount("rd-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	state := filepath.Join(dir, "watch.db")
	got := filepath.Join(dir, "got.jsonl")
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	// the pager: refuses reached-exchange events while $dir/down exists
	pager := fmt.Sprintf(`read l; if [ -e %s/down ]; then case "$l" in *reached-exchange*) exit 3;; esac; fi; echo "$l" >> %s`, dir, got)
	watchCmd := func(until uint64) result {
		return runCLI(t, nil, "watch", "--chain", chain, "--rpc", n.URL(), "--state", state, "--labels", labels,
			"--interval", "1h", "--exec", pager, "--until-block", fmt.Sprint(until), theft.Hex())
	}
	if r := watchCmd(start); r.code != 0 {
		t.Fatalf("first run: code %d\n%s", r.code, r.errOut)
	}
	os.WriteFile(filepath.Join(dir, "down"), nil, 0o644)
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	r := watchCmd(b)
	if r.code == 0 || !strings.Contains(r.errOut, "for event 2: exit status 3 (the event is sent again when the watch restarts)") {
		t.Fatalf("a failing --exec: code %d\n%s", r.code, r.errOut)
	}
	st := runCLI(t, nil, "watch", "--state", state, "--status")
	if !strings.Contains(st.out, "events: 2, moved 1, reached-exchange 1; not yet delivered 1") {
		t.Fatalf("--status after the failed delivery:\n%s", st.out)
	}
	os.Remove(filepath.Join(dir, "down"))
	if r = watchCmd(b); r.code != 0 || !strings.Contains(r.errOut, "EXCHANGE") || strings.Contains(r.errOut, "MOVED") {
		t.Fatalf("restart: code %d, want only the undelivered reached-exchange again\n%s", r.code, r.errOut)
	}
	if r = watchCmd(b); r.code != 0 || strings.Contains(r.errOut, "EXCHANGE") || strings.Contains(r.errOut, "MOVED") {
		t.Fatalf("second restart sent again: code %d\n%s", r.code, r.errOut)
	}
	delivered, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	evs := eventsOf(t, string(delivered))
	var seqs []string
	for _, e := range evs {
		seqs = append(seqs, fmt.Sprintf("%d:%s", e.Seq, e.Kind))
	}
	if strings.Join(seqs, " ") != "1:moved 2:reached-exchange" {
		t.Fatalf("--exec got %v, want each event once", seqs)
	}
	if st = runCLI(t, nil, "watch", "--state", state, "--status"); !strings.Contains(st.out, "not yet delivered 0") {
		t.Fatalf("--status after the restart:\n%s", st.out)
	}
}

// TestWatchCLIGethConfirmationsReport: on geth with --confirmations 3 the
// payment's events wait until its block has two more on top and then come
// with the block they happened in; --format html keeps --out a report of the
// trace refreshed with the new hop.
func TestWatchCLIGethConfirmationsReport(t *testing.T) {
	n := geth.Start(t)
	victim, thief, exch := geth.NewAccount("cf-victim"), geth.NewAccount("cf-thief"), geth.NewAccount("cf-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	state, html := filepath.Join(dir, "watch.db"), filepath.Join(dir, "case.html")
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	var events []string
	watchCmd := func(until uint64) {
		t.Helper()
		r := runCLI(t, nil, "watch", "--chain", chain, "--rpc", n.URL(), "--state", state, "--labels", labels, "--confirmations", "3",
			"--format", "html", "--out", html, "--interval", "1h", "--until-block", fmt.Sprint(until), theft.Hex())
		if r.code != 0 {
			t.Fatalf("watch --until-block %d: code %d\n%s", until, r.code, r.errOut)
		}
		for _, l := range strings.Split(r.errOut, "\n") {
			if strings.HasPrefix(l, "MOVED") || strings.HasPrefix(l, "EXCHANGE") {
				events = append(events, strings.Fields(l)[0]+"@"+strings.Fields(l)[2])
			}
		}
	}
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	watchCmd(b - 2) // the tip b gives 3 confirmations to b-2
	rep, _ := os.ReadFile(html)
	if len(events) != 0 || !strings.Contains(string(rep), thief.Hex()) || strings.Contains(string(rep), pay.Hex()) {
		t.Fatalf("before the payment has 3 confirmations: events %v; report has the thief: %v, the payment: %v",
			events, strings.Contains(string(rep), thief.Hex()), strings.Contains(string(rep), pay.Hex()))
	}
	n.Fund(geth.Eth(1, 1), geth.NewAccount("cf-bystander-1"))
	watchCmd(b - 1)
	if len(events) != 0 {
		t.Fatalf("2 confirmations: events %v", events)
	}
	n.Fund(geth.Eth(1, 1), geth.NewAccount("cf-bystander-2"))
	watchCmd(b)
	if want := fmt.Sprintf("MOVED@%d EXCHANGE@%d", b, b); strings.Join(events, " ") != want {
		t.Fatalf("3 confirmations: events %v, want %s", events, want)
	}
	rep, _ = os.ReadFile(html)
	for _, s := range []string{pay.Hex(), exch.Hex(), "TestExchange"} {
		if !strings.Contains(string(rep), s) {
			t.Fatalf("the refreshed report lacks %s", s)
		}
	}
}

// TestWatchCLIGethHeadsDropped: the new-heads subscription ends mid-watch (the
// WebSocket connection is cut; HTTP stays): the watch says so and goes on
// polling every --interval, and the payment after the cut still sends its
// events.
func TestWatchCLIGethHeadsDropped(t *testing.T) {
	n := geth.Start(t, geth.WithWebSocket())
	victim, thief, exch := geth.NewAccount("hx-victim"), geth.NewAccount("hx-thief"), geth.NewAccount("hx-exchange")
	n.Fund(geth.Eth(20, 1), victim)
	n.Fund(geth.Eth(1, 10), thief)
	theft := n.SendValue(victim, thief.Address, geth.Eth(10, 1))
	start := n.Commit()
	n.MustSucceed(theft)
	dir := t.TempDir()
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,TestExchange,exchange,test,90\n", exch.Hex())), 0o644)
	chain := fmt.Sprintf("evm:%d", n.ChainID())
	// a TCP relay to the node's WebSocket endpoint that the test can cut
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", strings.TrimPrefix(n.WSURL(), "ws://"))
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	cut := func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	defer cut()
	heads := "ws://" + ln.Addr().String()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"watch", "--chain", chain, "--rpc", n.URL(), "--heads", heads, "--state", filepath.Join(dir, "w.db"), "--labels", labels,
			"--format", "jsonl", "--interval", "200ms", "--until", "exchange", theft.Hex()}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	}()
	waitFor := func(s string) {
		t.Helper()
		for !strings.Contains(errOut.String(), s) {
			select {
			case code := <-done:
				t.Fatalf("the watch ended (code %d) before %q:\n%s", code, s, errOut.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	waitFor(fmt.Sprintf("watch: block %d processed; following new heads at %s", start, heads))
	cut()
	waitFor("polling every 200ms from now on")
	pay := n.SendValue(thief, exch.Address, geth.Eth(4, 1))
	b := n.Commit()
	n.MustSucceed(pay)
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute): // a failure guard only
		t.Fatalf("no event after block %d: polling did not take over\n%s", b, errOut.String())
	}
	var evs []string
	for _, e := range eventsOf(t, out.String()) {
		evs = append(evs, fmt.Sprintf("%s@%d:%s", e.Kind, e.Block, e.Tx))
	}
	if want := fmt.Sprintf("moved@%d:%s reached-exchange@%d:%s", b, pay.Hex(), b, pay.Hex()); code != exitReached || strings.Join(evs, " ") != want {
		t.Fatalf("after the cut: code %d, events %v, want %s\n%s", code, evs, want, errOut.String())
	}
}

// haircutShares is the haircut policy's answer, worked out here apart from the
// tracer, for a holding of was wei (tainted of it) that pays paid plus fee: the
// taint that left the holding, and the part of it the payee received.
func haircutShares(was, tainted, paid, fee *big.Int) (moved, toPayee *big.Int) {
	now := new(big.Int).Sub(new(big.Int).Sub(was, paid), fee)
	remain := new(big.Int).Quo(new(big.Int).Mul(now, tainted), was)
	moved = new(big.Int).Sub(tainted, remain)
	toPayee = new(big.Int).Quo(new(big.Int).Mul(paid, tainted), was)
	return moved, toPayee
}
