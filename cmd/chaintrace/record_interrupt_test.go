package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
)

// A --record trace that ends early (--timeout against a hanging node) leaves a
// case file that verifies; filling it from the node with --case FILE --rpc URL
// finishes it, and the finished case then replays offline to the JSON of an
// uninterrupted live trace (issue 9 item 7).
func TestInterruptedRecordIsConsistentAndRerunFinishesIt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	withFakeClock(t)
	s, labels := gethTheft(t, t.TempDir())
	chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
	common := []string{"--chain", chain, "--labels", labels, "--format", "json", "--hops", "6", "--no-cache",
		"--to-block", fmt.Sprint(s.LastBlock)}

	full := runCLI(t, nil, append(append([]string{"trace"}, common...), "--rpc", s.Node.URL(), s.TheftETH.Hex())...)
	if full.code != 0 {
		t.Fatalf("clean: exit %d: %s", full.code, full.errOut)
	}

	var hanging atomic.Bool
	hanging.Store(true)
	hang, err := faultproxy.New(s.Node.URL(), faultproxy.Config{Stall: 20e9, Plan: func(n int, _ *faultproxy.Request) faultproxy.Kind {
		if hanging.Load() && n >= 12 {
			return faultproxy.Stall
		}
		return faultproxy.None
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	rec := filepath.Join(t.TempDir(), "c.db")
	r := runCLI(t, nil, append(append([]string{"trace"}, common...), "--rpc", hang.URL(), "--record", rec,
		"--timeout", "1s", "--request-timeout", "10s", s.TheftETH.Hex())...)
	if r.code != exitBudget || !strings.Contains(r.out, `"kind": "budget"`) {
		t.Fatalf("interrupted record: exit %d (want %d), partial result %v: %s", r.code, exitBudget, strings.Contains(r.out, `"kind": "budget"`), r.errOut)
	}
	if v := runCLI(t, nil, "case", "verify", rec); v.code != 0 {
		t.Fatalf("the interrupted recording does not verify: exit %d: %s%s", v.code, v.out, v.errOut)
	}

	hanging.Store(false)
	fill := runCLI(t, nil, append(append([]string{"trace"}, common...), "--case", rec, "--rpc", hang.URL(), "--update-case", s.TheftETH.Hex())...)
	if fill.code != 0 || fill.out != full.out {
		t.Fatalf("filling the case from the node: exit %d, same JSON as the live trace %v: %s", fill.code, fill.out == full.out, fill.errOut)
	}
	replay := runCLI(t, nil, append(append([]string{"trace"}, common...), "--case", rec, s.TheftETH.Hex())...)
	if replay.code != 0 || replay.out != full.out {
		t.Fatalf("offline replay of the finished case: exit %d, same JSON as the live trace %v: %s", replay.code, replay.out == full.out, replay.errOut)
	}
	if v := runCLI(t, nil, "case", "verify", rec); v.code != 0 {
		t.Fatalf("the finished recording does not verify: exit %d: %s%s", v.code, v.out, v.errOut)
	}
}
