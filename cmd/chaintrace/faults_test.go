package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
)

// Whole traces through the fault proxy on the real geth and the real btcd.
// Retries run on a fake clock (no real backoff sleeps); only stalls cost real
// time (--request-timeout). Timings are never asserted.

// faultChain is one chain's trace as the fault tests run it.
type faultChain struct {
	name     string
	upstream string   // the node, with the credentials it wants
	args     []string // everything but --rpc
	clean    string   // the JSON of the trace without faults
	// rpc builds the --rpc URL for a proxy (credentials and keys of its own).
	rpc func(p *faultproxy.Proxy) string
}

// outcome classifies one faulty run against the clean one.
type outcome string

const (
	same  outcome = "same JSON"
	fail1 outcome = "exit 1"
	wrong outcome = "SILENT WRONG"
)

// withFakeClock makes every live source of the tests retry on a fake clock.
func withFakeClock(t *testing.T) {
	old := newPolicy
	newPolicy = func() *httpx.Policy { return &httpx.Policy{Clock: httpx.NewFakeClock()} }
	t.Cleanup(func() { newPolicy = old })
}

func (c *faultChain) run(t *testing.T, cfg faultproxy.Config, extra ...string) (result, *faultproxy.Proxy) {
	t.Helper()
	p, err := faultproxy.New(c.upstream, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	args := append([]string{"trace", "--rpc", c.rpc(p), "--request-timeout", "400ms"}, c.args...)
	return runCLI(t, nil, append(args, extra...)...), p
}

func (c *faultChain) classify(r result) outcome {
	switch {
	case r.code == 0 && r.out == c.clean:
		return same
	case r.code == exitRuntime && r.errOut != "":
		return fail1
	case r.code == 0:
		return wrong
	}
	return outcome(fmt.Sprintf("exit %d", r.code))
}

// gethChain builds the geth theft scenario.
func gethChain(t *testing.T) *faultChain {
	dir := t.TempDir()
	s, labels := gethTheft(t, dir)
	c := &faultChain{name: "geth", upstream: s.Node.URL(),
		args: []string{"--chain", fmt.Sprintf("evm:%d", s.Node.ChainID()), "--labels", labels, "--format", "json", "--hops", "6", "--no-cache", s.TheftETH.Hex()},
		rpc:  func(p *faultproxy.Proxy) string { return p.URL() }}
	r := runCLI(t, nil, append([]string{"trace", "--rpc", s.Node.URL()}, c.args...)...)
	if r.code != 0 {
		t.Fatalf("clean geth trace: exit %d: %s", r.code, r.errOut)
	}
	c.clean = r.out
	return c
}

// btcdChain builds the btcd theft scenario.
func btcdChain(t *testing.T) *faultChain {
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	s, err := btcd.BuildTheft(n)
	if err != nil {
		t.Fatal(err)
	}
	labels := filepath.Join(t.TempDir(), "labels.csv")
	os.WriteFile(labels, []byte("chain,address,label,category,source,confidence\nbtc-regtest,"+s.H.Address+",HotWallet,exchange,test,90\n"), 0o644)
	c := &faultChain{name: "btcd", upstream: n.URL(),
		args: []string{"--chain", "btc-regtest", "--backend", "btcd", "--labels", labels, "--format", "json", "--hops", "40", "--no-cache", s.Theft.TxHash().String()},
		rpc:  func(p *faultproxy.Proxy) string { return "http://u:p@" + p.Host() }}
	r := runCLI(t, nil, append([]string{"trace", "--rpc", n.URL()}, c.args...)...)
	if r.code != 0 {
		t.Fatalf("clean btcd trace: exit %d: %s", r.code, r.errOut)
	}
	c.clean = r.out
	return c
}

// transient is every fault kind a retrying client must get through.
var transient = []faultproxy.Kind{faultproxy.Delay, faultproxy.Stall, faultproxy.Reset, faultproxy.TooMany, faultproxy.TooManyBare,
	faultproxy.RPCLimit, faultproxy.Status500, faultproxy.Status502, faultproxy.Status503, faultproxy.HTML, faultproxy.Truncated,
	faultproxy.WrongID, faultproxy.Drop, faultproxy.Swap, faultproxy.Dup, faultproxy.TooLarge, faultproxy.GethRefusal, faultproxy.Stale}

// runsEach is how many seeded runs a randomised case gets (CHAINTRACE_FAULT_RUNS).
func runsEach(def int) int {
	if n, err := strconv.Atoi(os.Getenv("CHAINTRACE_FAULT_RUNS")); err == nil && n > 0 {
		return n
	}
	return def
}

func TestFaultsWholeTraces(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and btcd")
	}
	withFakeClock(t)
	for _, mk := range []func(*testing.T) *faultChain{gethChain, btcdChain} {
		c := mk(t)
		t.Run(c.name, func(t *testing.T) {
			// 20 % of requests faulted, at most 2 in a row per request: the
			// retries always get through, and the JSON is the clean run's.
			t.Run("20% transient", func(t *testing.T) {
				for seed := uint64(1); seed <= uint64(runsEach(4)); seed++ {
					r, p := c.run(t, faultproxy.Config{Seed: seed, Rate: 0.2, Kinds: transient, MaxInRow: 2, Delay: 5e6})
					if got := c.classify(r); got != same {
						t.Errorf("seed %d (%s): %s: exit %d\n%s", seed, p, got, r.code, r.errOut)
					}
					t.Logf("seed %d: %d requests, faults %s", seed, p.Requests(), p)
					if p.Faults() == 0 {
						t.Errorf("seed %d: no fault injected in %d requests", seed, p.Requests())
					}
				}
			})
			// Ids swapped, dropped, duplicated or foreign inside batches: the
			// clean JSON or exit 1, never a wrong answer.
			t.Run("batch ids", func(t *testing.T) {
				counts := map[outcome]int{}
				for seed := uint64(100); seed < 100+uint64(runsEach(6)); seed++ {
					r, p := c.run(t, faultproxy.Config{Seed: seed, Rate: 0.5,
						Kinds: []faultproxy.Kind{faultproxy.Swap, faultproxy.Drop, faultproxy.Dup, faultproxy.WrongID}})
					o := c.classify(r)
					t.Logf("seed %d: %d requests, faults %s: %s", seed, p.Requests(), p, o)
					counts[o]++
					if o == wrong || o != same && o != fail1 {
						t.Errorf("seed %d (%s): %s (exit %d)\n%s", seed, p, o, r.code, r.errOut)
					}
				}
				t.Logf("batch id faults at 50%%: %v", counts)
				// Asked again singly, nearly every run recovers the clean JSON.
				if n := runsEach(6); counts[same] < n*3/4 {
					t.Errorf("%d of %d runs recovered the clean JSON, want at least %d", counts[same], n, n*3/4)
				}
			})
			// A node that fails every request after the first few: exit 1, a
			// message naming the endpoint (redacted), the call, the tries and
			// what to do; the partial result is written.
			t.Run("persistent", func(t *testing.T) {
				r, p := c.run(t, faultproxy.Config{Plan: func(n int, _ *faultproxy.Request) faultproxy.Kind {
					if n > 6 {
						return faultproxy.Status503
					}
					return faultproxy.None
				}})
				if r.code != exitRuntime {
					t.Fatalf("exit %d (%s)\n%s", r.code, p, r.errOut)
				}
				msg := r.errOut
				t.Logf("persistent: %s; stdout %d bytes", msg, len(r.out))
				for _, want := range []string{p.Host(), "gave up after 5 tries", "HTTP 503", "--rps", "another --rpc"} {
					if !strings.Contains(msg, want) {
						t.Errorf("message lacks %q:\n%s", want, msg)
					}
				}
				if strings.Contains(msg, "u:p@") {
					t.Errorf("message shows the credentials:\n%s", msg)
				}
				if !strings.Contains(r.out, `"incomplete"`) && !strings.Contains(r.out, `"error"`) {
					t.Errorf("no partial result on stdout (%d bytes):\n%.600s", len(r.out), r.out)
				}
			})
		})
	}
}

// --timeout ends a trace whose node hangs: exit 4 (a budget), a message that says so,
// the partial result written, and what was fetched stays in the cache, so a
// rerun asks the node only for the rest.
func TestTimeoutKeepsPartialAndRerunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	withFakeClock(t)
	s, labels := gethTheft(t, t.TempDir())
	last := s.LastBlock
	for i := 0; i < 3; i++ { // blocks after the scenario, so its blocks count as final
		s.Node.Commit()
	}
	chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
	cache := t.TempDir()
	args := func(p *faultproxy.Proxy, cache string, extra ...string) []string {
		return append([]string{"trace", "--chain", chain, "--rpc", p.URL(), "--labels", labels, "--format", "json", "--hops", "6",
			"--cache", cache, "--cache-confirmations", "2", "--to-block", fmt.Sprint(last), s.TheftETH.Hex()}, extra...)
	}
	fresh, err := faultproxy.New(s.Node.URL(), faultproxy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	full := runCLI(t, nil, args(fresh, t.TempDir())...)
	if full.code != 0 {
		t.Fatalf("clean: exit %d: %s", full.code, full.errOut)
	}
	all := fresh.Requests()

	// From the 12th request on the node hangs; each request would wait 10 s,
	// but the whole trace may take 1 s. (A local chain's cache is kept per
	// --rpc URL, so the rerun goes through the same proxy, healed.)
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
	r := runCLI(t, nil, args(hang, cache, "--timeout", "1s", "--request-timeout", "10s")...)
	if r.code != exitBudget || !strings.Contains(r.errOut, "--timeout 1s reached") || !strings.Contains(r.errOut, "rerun") {
		t.Fatalf("timeout: exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, `"kind": "budget"`) || !strings.Contains(r.out, `"budget": {`) {
		t.Errorf("no partial result after --timeout (%d bytes):\n%.800s", len(r.out), r.out)
	}
	interrupted := hang.Requests()
	hanging.Store(false)
	rerun := runCLI(t, nil, args(hang, cache)...)
	if rerun.code != 0 || rerun.out != full.out {
		t.Fatalf("rerun: exit %d, same JSON %v: %s", rerun.code, rerun.out == full.out, rerun.errOut)
	}
	again := hang.Requests() - interrupted
	t.Logf("requests: whole trace %d, interrupted after %d, rerun %d", all, interrupted, again)
	if again >= all {
		t.Errorf("the rerun made %d requests, as many as a fresh trace (%d): nothing was resumed from the cache", again, all)
	}
}
