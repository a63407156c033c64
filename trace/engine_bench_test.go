package trace

import (
	"context"
	"flag"
	"fmt"
	"math/big"
	"os"
	"runtime"
	"runtime/debug"
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
// transfers/s and engine-transfers/s (from CPU time; the second without the fake
// source's share, see sourcePass), B/op (everything allocated, the lazily
// generated source's answers included), and peak-RSS-MiB: the kernel's peak
// resident set over the timed runs, reset before them (base-RSS-MiB is what the
// process held at that moment: runtime, test binary, the workload's arrays).
// TestEngineChild traces one workload in a process of its own, for a heap
// profile near the trace's end (CHAINTRACE_ENGINE_HEAPPROF).
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
					replayed, err := wl.replayed(p)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					base, peakOK := resetPeakRSS()
					b.ResetTimer() // B/op and allocs/op: the timed traces only
					cpu0 := cpuTime()
					for b.Loop() {
						r, err := Run(context.Background(), wl.src, []string{wl.seed}, opts)
						if err != nil || len(r.Endpoints) == 0 {
							b.Fatalf("trace: %v (%d endpoints)", err, len(r.Endpoints))
						}
					}
					cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
					wall := b.Elapsed().Seconds() / float64(b.N)
					// the source's share, in proportion to what this policy's trace asked for
					src := sourcePass(wl) * float64(replayed) / float64(wl.transfers)
					b.ReportMetric(float64(replayed), "transfers")
					b.ReportMetric(float64(replayed)/cpu, "transfers/s")
					b.ReportMetric(float64(replayed)/wall, "wall-transfers/s")
					if cpu > src {
						b.ReportMetric(float64(replayed)/(cpu-src), "engine-transfers/s")
					}
					b.ReportMetric(float64(wl.transfers), "workload-transfers")
					if peak := procStatusKiB("VmHWM"); peakOK && peak > 0 {
						b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
						b.ReportMetric(float64(base)/1024, "base-RSS-MiB")
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

// resetPeakRSS returns the process's memory to the OS and resets the kernel's
// peak-RSS mark (VmHWM) to the current resident set, which it returns in KiB, so
// the VmHWM read after the timed loop is this workload's peak (plus that small
// base). Linux only; ok is false where the reset is not possible.
func resetPeakRSS() (baseKiB int64, ok bool) {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, false
	}
	return procStatusKiB("VmRSS"), true
}

// procStatusKiB reads one "Name:   N kB" line of /proc/self/status.
func procStatusKiB(name string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// TestEngineChild traces the workload CHAINTRACE_ENGINE_CHILD names
// ("family,policy,transfers") once, in a process of its own, and with
// CHAINTRACE_ENGINE_HEAPPROF writes a live-heap profile near the trace's end;
// without the variable it does nothing.
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
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if path := os.Getenv("CHAINTRACE_ENGINE_RESULTPROF"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
	}
	runtime.KeepAlive(r)
	fmt.Printf("engine-child ok %d endpoints; result heap %d MiB\n", len(r.Endpoints), ms.HeapAlloc>>20)
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
			n, err := wl.replayed(p)
			switch {
			case err != nil:
				t.Errorf("%s %s: %v", fam, p, err)
			case p == Haircut && n != wl.transfers:
				t.Errorf("%s haircut replays %d transfers, the workload says %d", fam, n, wl.transfers)
			case n > wl.transfers || n < wl.transfers/100:
				t.Errorf("%s %s replays %d of %d transfers", fam, p, n, wl.transfers)
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
