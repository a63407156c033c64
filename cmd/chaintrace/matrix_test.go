package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
)

// TestFaultMatrix measures docs/reliability.md's fault matrix: every fault
// kind at several rates on the geth and btcd theft traces, each cell a few
// seeded runs, classified as the clean run's JSON, exit 1, or a silent wrong
// answer (which fails the test). It runs only when asked, since it takes
// minutes:
//
//	CHAINTRACE_FAULT_MATRIX=/tmp/matrix.md go test ./cmd/chaintrace -run TestFaultMatrix -timeout 30m
func TestFaultMatrix(t *testing.T) {
	out := os.Getenv("CHAINTRACE_FAULT_MATRIX")
	if out == "" {
		t.Skip("set CHAINTRACE_FAULT_MATRIX=FILE to measure the fault matrix")
	}
	withFakeClock(t)
	runs := runsEach(3)
	type rate struct {
		name     string
		rate     float64
		maxInRow int
	}
	rates := []rate{{"5 %", 0.05, 2}, {"20 %", 0.2, 2}, {"50 %", 0.5, 2}, {"every request, no limit", 1, 0}}
	var b strings.Builder
	fmt.Fprintf(&b, "Runs per cell: %d (seeds 1..%d). ≤2 in a row: a request is faulted at most twice in a row, so retries get through; \"every request\": no bound.\n", runs, runs)
	for _, mk := range []func(*testing.T) *faultChain{gethChain, btcdChain} {
		c := mk(t)
		fmt.Fprintf(&b, "\n### %s\n\n| fault | %s |\n|---|", c.name, strings.Join(func() []string {
			var ns []string
			for _, r := range rates {
				n := r.name
				if r.maxInRow > 0 {
					n += ", ≤2 in a row"
				}
				ns = append(ns, n)
			}
			return ns
		}(), " | "))
		for range rates {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, k := range transient {
			fmt.Fprintf(&b, "| %s |", k)
			for _, r := range rates {
				counts := map[outcome]int{}
				applied := 0
				for seed := 1; seed <= runs; seed++ {
					res, p := c.run(t, faultproxy.Config{Seed: uint64(seed), Rate: r.rate, MaxInRow: r.maxInRow, Kinds: []faultproxy.Kind{k}, Delay: 5e6})
					o := c.classify(res)
					counts[o]++
					applied += p.Faults()
					if o == wrong {
						t.Errorf("%s %s at %s seed %d: SILENT WRONG ANSWER", c.name, k, r.name, seed)
					}
				}
				var cell []string
				for o, n := range counts {
					cell = append(cell, fmt.Sprintf("%d %s", n, o))
				}
				sort.Strings(cell)
				if applied == 0 {
					cell = append(cell, "(not applicable: 0 injected)")
				} else {
					cell = append(cell, fmt.Sprintf("(%d injected)", applied))
				}
				fmt.Fprintf(&b, " %s |", strings.Join(cell, ", "))
			}
			b.WriteString("\n")
			t.Logf("%s %s done", c.name, k)
		}
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
}
