package rtbench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/rtproxy"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
)

var (
	latency = flag.Duration("rt.latency", 100*time.Millisecond, "latency per request in the latency benchmarks")
	// The unbatched sequential client at 100 ms costs minutes per trace; off by default.
	slowBaseline = flag.Bool("rt.slow", false, "also time the unbatched sequential client under latency")
	verbose      = flag.Bool("rt.v", false, "log every request with its round-trip depth")
	timeline     = flag.Bool("rt.timeline", false, "log every request's times (arrived, sent upstream, answered, done) and size")
)

func logTo(b *testing.B, p *rtproxy.Proxy) {
	if *timeline {
		p.SetTimeline(func(t rtproxy.Timing) {
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			fmt.Fprintf(os.Stderr, "depth %d calls %4d: arrived %7.1f sent %7.1f headers %7.1f (node %5.1f) done %7.1f ms, %d bytes %s\n",
				t.Depth, t.Calls, ms(t.Arrived), ms(t.Sent), ms(t.Headers), ms(t.Headers-t.Sent), ms(t.Done), t.Bytes, t.Encoding)
		})
	}
	if !*verbose {
		return
	}
	p.SetLog(func(d int64, calls []string) {
		m := map[string]int{}
		for _, c := range calls {
			m[c]++
		}
		fmt.Fprintf(os.Stderr, "depth %d: %v\n", d, m)
	})
}

// Scenario sizes: > 1,000 addresses over 6 hops.
const (
	gethBranch, btcBranch = 4, 3
	depth                 = 6
)

// mode is one client configuration.
type mode struct {
	name    string
	batch   int // JSON-RPC batch size (1: no batching; 0: the adapter's default)
	conc    int // tracer Concurrency
	latency bool
}

func modes() []mode {
	ms := []mode{
		// the adapters' defaults on these local nodes: batch 1000 on btcd
		// (bitcoin.DefaultBtcdBatch) and on a private geth (evm.DefaultPrivateBatch)
		{"counts/default-c4", 0, 4, false},
		// a public endpoint's default (evm.DefaultBatch)
		{"counts/batched-c4", 100, 4, false},
		{"counts/unbatched-sequential", 1, 1, false},
	}
	for _, c := range []int{1, 4, 16} {
		ms = append(ms, mode{fmt.Sprintf("latency/default-c%d", c), 0, c, true})
	}
	if *slowBaseline {
		ms = append(ms, mode{"latency/unbatched-sequential", 1, 1, true})
	}
	return ms
}

// minimum is the round trips the data needs: one per hop level the trace looked
// up (the deepest endpoint's hop) plus one for the seed and the tip.
func minimum(res *graph.Result) int64 {
	deepest := 0
	for _, e := range res.Endpoints {
		deepest = max(deepest, e.Hops)
	}
	return int64(deepest) + 1
}

func report(b *testing.B, st rtproxy.Stats, res *graph.Result, wall time.Duration, m mode) {
	min := minimum(res)
	b.ReportMetric(float64(st.Requests), "req/trace")
	b.ReportMetric(float64(st.Calls), "calls/trace")
	b.ReportMetric(float64(st.RoundTrips), "rtt/trace")
	b.ReportMetric(float64(min), "min/trace")
	b.ReportMetric(float64(st.Requests)/float64(min), "req/min")
	b.ReportMetric(float64(len(res.Endpoints)), "endpoints")
	if m.latency {
		floor := time.Duration(min) * *latency
		b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
		b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
		b.ReportMetric(float64(wall)/float64(floor), "wall/floor")
	}
	b.Logf("%s: %v", m.name, st)
}

// BenchmarkGethFanOut traces the theft of a 4-way, 6-level fan-out (1,365
// addresses) on the in-process geth, rpc history, haircut, deposit rule on.
func BenchmarkGethFanOut(b *testing.B) {
	n := geth.Start(b)
	f := geth.BuildFanOut(b, n, gethBranch, depth)
	b.Logf("geth fan-out: %d addresses, blocks %d–%d", f.Addresses, f.TheftBlock, f.LastBlock)
	p, err := rtproxy.New(n.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	logTo(b, p)
	ctx := context.Background()
	for _, m := range modes() {
		b.Run(m.name, func(b *testing.B) {
			var st rtproxy.Stats
			var res *graph.Result
			var wall time.Duration
			for i := 0; i < b.N; i++ {
				a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: p.URL(""), History: evm.HistoryRPC, BatchSize: m.batch})
				if err != nil {
					b.Fatal(err)
				}
				p.Reset()
				if m.latency {
					p.SetLatency(*latency)
				}
				start := time.Now()
				res, err = trace.Run(ctx, a, []string{f.Theft.Hex()}, trace.Options{MaxHops: depth, DepositRule: true, Concurrency: m.conc})
				wall = time.Since(start)
				p.SetLatency(0)
				st = p.Stats()
				a.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			report(b, st, res, wall, m)
		})
	}
}

// BenchmarkBtcdFanOut traces the theft of a 3-way, 6-level fan-out (1,092
// outputs) on btcd regtest, haircut, deposit rule on.
func BenchmarkBtcdFanOut(b *testing.B) {
	ctx := context.Background()
	n, err := btcd.Start(ctx, btcd.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	f, err := btcd.BuildFanOut(n, btcBranch, depth)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("btcd fan-out: %d outputs, blocks %d–%d", f.Addresses, f.TheftBlock, f.Tip)
	p, err := rtproxy.New(n.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	logTo(b, p)
	for _, m := range modes() {
		b.Run(m.name, func(b *testing.B) {
			var st rtproxy.Stats
			var res *graph.Result
			var wall time.Duration
			for i := 0; i < b.N; i++ {
				a, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendBtcd, URL: p.URL(n.URL()), MaxBatch: m.batch})
				if err != nil {
					b.Fatal(err)
				}
				p.Reset()
				if m.latency {
					p.SetLatency(*latency)
				}
				start := time.Now()
				res, err = trace.Run(ctx, a, []string{f.Theft.TxHash().String()}, trace.Options{MaxHops: depth, DepositRule: true, Concurrency: m.conc})
				wall = time.Since(start)
				p.SetLatency(0)
				st = p.Stats()
				if err != nil {
					b.Fatal(err)
				}
			}
			report(b, st, res, wall, m)
		})
	}
}
