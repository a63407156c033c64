package main

import (
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
)

// Blocks whose parent hash does not fit the chain read so far (issue 19,
// item 2): a node behind the endpoint that is on another fork. Persistent:
// exit 1 with a message that says what disagreed, never a result built on
// it. Now and then: the retried answers give the clean run's JSON or exit 1,
// never another result.
func TestForkedBlocksNeverSilent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and btcd")
	}
	withFakeClock(t)
	for _, mk := range []func(*testing.T) *faultChain{gethChain, btcdChain} {
		c := mk(t)
		t.Run(c.name, func(t *testing.T) {
			r, p := c.run(t, faultproxy.Config{Plan: func(int, *faultproxy.Request) faultproxy.Kind { return faultproxy.Fork }})
			t.Logf("persistent fork: exit %d, %d requests, faults %s: %s", r.code, p.Requests(), p, r.errOut)
			if p.Faults() == 0 {
				t.Fatalf("the trace read no block or header through the proxy (%d requests): nothing was tested", p.Requests())
			}
			if o := c.classify(r); o != fail1 {
				t.Fatalf("every block from another fork: %s (exit %d), want exit 1\n%s", o, r.code, r.errOut)
			}
			if !strings.Contains(r.errOut, "names parent") {
				t.Errorf("message does not say which parent disagreed:\n%s", r.errOut)
			}
			counts := map[outcome]int{}
			for seed := uint64(1); seed <= uint64(runsEach(6)); seed++ {
				r, p := c.run(t, faultproxy.Config{Seed: seed, Rate: 0.3, Kinds: []faultproxy.Kind{faultproxy.Fork}, MaxInRow: 2})
				o := c.classify(r)
				counts[o]++
				t.Logf("seed %d: %d requests, faults %s: %s", seed, p.Requests(), p, o)
				if o != same && o != fail1 {
					t.Errorf("seed %d (%s): %s (exit %d)\n%s", seed, p, o, r.code, r.errOut)
				}
			}
			t.Logf("forked parents at 30%%: %v", counts)
		})
	}
}

// A transaction whose value was changed on the way, its hash kept (issue 19,
// item 2): the fields no longer hash to the hash, so the answer is a fault.
// Persistent: exit 1; now and then: the clean JSON or exit 1.
func TestTamperedTransactionsNeverSilent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	withFakeClock(t)
	c := gethChain(t)
	r, p := c.run(t, faultproxy.Config{Plan: func(int, *faultproxy.Request) faultproxy.Kind { return faultproxy.Tamper }})
	t.Logf("persistent: exit %d, %d requests, faults %s: %s", r.code, p.Requests(), p, r.errOut)
	if p.Faults() == 0 {
		t.Fatalf("no transaction went through the proxy (%d requests): nothing was tested", p.Requests())
	}
	if o := c.classify(r); o != fail1 {
		t.Fatalf("every transaction's value changed: %s (exit %d), want exit 1\n%s", o, r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "changed on the way") {
		t.Errorf("message does not say the answer was changed:\n%s", r.errOut)
	}
	counts := map[outcome]int{}
	for seed := uint64(1); seed <= uint64(runsEach(6)); seed++ {
		r, p := c.run(t, faultproxy.Config{Seed: seed, Rate: 0.3, Kinds: []faultproxy.Kind{faultproxy.Tamper}, MaxInRow: 2})
		o := c.classify(r)
		counts[o]++
		if o != same {
			t.Errorf("seed %d (%s): %s (exit %d), want the clean JSON: a changed answer is retried\n%s", seed, p, o, r.code, r.errOut)
		}
	}
	t.Logf("tampered values at 30%%: %v", counts)
}
