package trace

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
)

// Engine at scale (issue 14): one command runs every family, policy and size,
//
//	go test ./trace -run '^$' -bench Engine -cpu 1 -benchmem -timeout 2h
//
// and with -args -engine.max 10000000 the 10⁷-transfer workloads too (not in the
// default run: each takes tens of seconds and gigabytes). Reported per run:
// transfers/s, B/transfer (everything allocated, the lazily generated source's
// answers included: see BenchmarkEngineSource for that share), and peak-RSS-MiB:
// the maximum resident set of a child process that builds the same workload and
// traces it once (source and tracer together; the workload's own arrays are
// small), so every size is measured in a process of its own.
var engineMax = flag.Int("engine.max", 1_000_000, "largest workload (transfers) for BenchmarkEngine")

var engineSizes = []int{10_000, 100_000, 1_000_000, 10_000_000}

// engineChildEnv names the workload a child process traces once (see TestEngineChild).
const engineChildEnv = "CHAINTRACE_ENGINE_CHILD"

func BenchmarkEngine(b *testing.B) {
	for _, fam := range []string{graph.FamilyAccount, graph.FamilyUTXO} {
		for _, p := range Policies {
			for _, n := range engineSizes {
				if n > *engineMax {
					continue
				}
				name := fmt.Sprintf("%s/%s/n=%d", fam, p, n)
				b.Run(name, func(b *testing.B) {
					wl := newEngineWorkload(fam, n)
					opts := wl.options(p)
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						r, err := Run(context.Background(), wl.src, []string{wl.seed}, opts)
						if err != nil || len(r.Endpoints) == 0 {
							b.Fatalf("trace: %v (%d endpoints)", err, len(r.Endpoints))
						}
					}
					cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
					wall := b.Elapsed().Seconds() / float64(b.N)
					src := sourcePass(wl)
					b.ReportMetric(float64(wl.transfers), "transfers")
					b.ReportMetric(float64(wl.transfers)/cpu, "transfers/s")
					b.ReportMetric(float64(wl.transfers)/wall, "wall-transfers/s")
					if cpu > src {
						b.ReportMetric(float64(wl.transfers)/(cpu-src), "engine-transfers/s")
					}
					if rss, err := engineChildRSS(fam, p, n); err != nil {
						b.Logf("peak RSS not measured: %v", err)
					} else {
						b.ReportMetric(float64(rss)/1024, "peak-RSS-MiB")
					}
				})
			}
		}
	}
}

// cpuTime is the CPU time this process has used. The machines these figures come
// from are shared, so throughput is computed from CPU time rather than wall time
// (with GOMAXPROCS=1 the two agree on an idle machine; wall-transfers/s is
// reported too).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sourcePass generates, once, every answer a complete trace of wl asks for and
// returns the CPU seconds it took: the fake source's share of a trace, which
// engine-transfers/s takes out.
func sourcePass(wl engineWorkload) float64 {
	runtime.GC()
	c0 := cpuTime()
	switch s := wl.src.(type) {
	case acctWorkloadSource:
		_, _ = s.TxTransfers(context.Background(), wl.seed)
		for i := 0; i < s.w.holders; i++ {
			_ = s.w.history(i, s.w.credBlk[i], 1<<40)
		}
	case utxoWorkloadSource:
		for i := 0; i < s.w.txs; i++ {
			_ = s.w.tx(i)
		}
	}
	runtime.GC()
	return (cpuTime() - c0).Seconds()
}

// BenchmarkEngineSource is the fake source's own share: every answer a full
// haircut trace asks for, generated and dropped.
func BenchmarkEngineSource(b *testing.B) {
	for _, fam := range []string{graph.FamilyAccount, graph.FamilyUTXO} {
		for _, n := range engineSizes {
			if n > *engineMax {
				continue
			}
			b.Run(fmt.Sprintf("%s/n=%d", fam, n), func(b *testing.B) {
				wl := newEngineWorkload(fam, n)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := 0.0
				for b.Loop() {
					cpu += sourcePass(wl)
				}
				b.ReportMetric(float64(wl.transfers)/(cpu/float64(b.N)), "transfers/s")
			})
		}
	}
}

// engineChildRSS traces one workload in a child process (this test binary running
// TestEngineChild) and returns its peak resident set in KiB.
func engineChildRSS(fam string, p Policy, n int) (int64, error) {
	if os.Getenv(engineChildEnv) != "" {
		return 0, fmt.Errorf("already a child")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEngineChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%d", engineChildEnv, fam, p, n), "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("child: %v: %s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "engine-child ok ") {
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok {
				return 0, fmt.Errorf("no rusage on this platform")
			}
			return ru.Maxrss, nil // KiB on Linux
		}
	}
	return 0, fmt.Errorf("child did not finish the trace: %s", out)
}

// TestEngineChild is the child side of engineChildRSS; without the variable it
// does nothing.
func TestEngineChild(t *testing.T) {
	spec := os.Getenv(engineChildEnv)
	if spec == "" {
		t.Skip("only run as the benchmark's child process")
	}
	parts := strings.Split(spec, ",")
	if len(parts) != 3 {
		t.Fatalf("bad %s=%q", engineChildEnv, spec)
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	wl := newEngineWorkload(parts[0], n)
	opts := wl.options(p)
	if path := os.Getenv("CHAINTRACE_ENGINE_HEAPPROF"); path != "" {
		// Live heap near the end of the trace (where it peaks): what the memory is.
		done := false
		opts.Progress = func(pr Progress) {
			if done || (pr.Transfers < wl.transfers*9/10 && pr.Addresses < wl.outputs*9/10) {
				return
			}
			done = true
			runtime.GC()
			f, err := os.Create(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			if err := pprof.WriteHeapProfile(f); err != nil {
				t.Error(err)
			}
		}
	}
	r, err := Run(context.Background(), wl.src, []string{wl.seed}, opts)
	if err != nil || len(r.Endpoints) == 0 {
		t.Fatalf("trace: %v", err)
	}
	runtime.KeepAlive(r)
	fmt.Printf("engine-child ok %d endpoints\n", len(r.Endpoints))
}

// TestEngineWorkloads checks that the synthetic workloads are what the benchmark
// says: every holder followed and ended, the taint conserved to the unit, and
// haircut's split computed independently here for the account tree.
func TestEngineWorkloads(t *testing.T) {
	for _, fam := range []string{graph.FamilyAccount, graph.FamilyUTXO} {
		wl := newEngineWorkload(fam, 2000)
		for _, p := range Policies {
			r, err := Run(context.Background(), wl.src, []string{wl.seed}, wl.options(p))
			if err != nil {
				t.Fatalf("%s %s: %v", fam, p, err)
			}
			for _, w := range r.Warnings {
				t.Errorf("%s %s: warning %s", fam, p, w)
			}
			asset := "ETH"
			if fam == graph.FamilyUTXO {
				asset = "BTC"
			}
			tot := r.Totals[asset]
			sum := new(big.Int).Set(tot.Fees)
			for _, e := range r.Endpoints {
				if e.Kind != graph.EndUnspent {
					t.Errorf("%s %s: endpoint %s at %s%s", fam, p, e.Kind, e.Address, e.Outpoint)
				}
				sum.Add(sum, e.Amount)
			}
			if p != Poison && sum.Cmp(tot.Seed) != 0 {
				t.Errorf("%s %s: endpoints+fees = %s, seed %s", fam, p, sum, tot.Seed)
			}
			if p == Haircut && len(r.Endpoints) != wl.holders {
				t.Errorf("%s haircut: %d endpoints, want one per holder (%d)", fam, len(r.Endpoints), wl.holders)
			}
		}
	}
	// Haircut on the account tree, by hand: each holder passes on (credit·w/1000
	// of spendable) · credit/balance of taint, rounded down at each step.
	w := newAcctWorkload(2000)
	r, err := Run(context.Background(), acctWorkloadSource{w}, []string{w.seedHash()}, Options{Policy: Haircut, MaxHops: 64, MaxAddresses: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	taint := make([]*big.Int, w.holders)
	taint[0] = w.seedAmt.ToBig()
	left := map[string]*big.Int{}
	for i := 0; i < w.holders; i++ {
		bal := w.balance(i)
		b, tnt := bal.ToBig(), new(big.Int).Set(taint[i])
		if i < w.internal {
			f := w.fee(i)
			outs := []*big.Int{f.ToBig()}
			for k := 0; k < wlFanOut; k++ {
				outs = append(outs, w.credit[wlFanOut*i+1+k].ToBig())
			}
			for k, amt := range outs {
				x := new(big.Int).Mul(tnt, amt)
				x.Quo(x, b)
				b.Sub(b, amt)
				tnt.Sub(tnt, x)
				if k > 0 {
					taint[wlFanOut*i+k] = x
				}
			}
		}
		left[w.addr(i)] = tnt
	}
	for _, e := range r.Endpoints {
		if want := left[e.Address]; want == nil || e.Amount.Cmp(want) != 0 {
			t.Errorf("haircut endpoint %s = %s, want %v", e.Address, e.Amount, want)
		}
	}
}
