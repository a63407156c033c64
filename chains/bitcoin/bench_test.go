package bitcoin

import (
	"fmt"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
)

// walkPeel follows the 30-hop peel chain through Spender with a cold cache
// and returns the HTTP requests it took.
func walkPeel(b *testing.B, a *Adapter, s *btcd.Theft) int64 {
	r0 := a.Requests()
	op := graph.Outpoint{TxID: id(s.Theft), Vout: 0}
	for hop := 1; hop <= btcd.PeelHops; hop++ {
		sp, err := a.Spender(ctx, op)
		if err != nil || sp == nil {
			b.Fatalf("hop %d: %v %v", hop, sp, err)
		}
		vout := uint32(1)
		if hop%2 == 0 {
			vout = 0
		}
		op = graph.Outpoint{TxID: sp.TxID, Vout: vout}
	}
	return a.Requests() - r0
}

// BenchmarkPeelChain: requests per hop following a peel chain output by output.
func BenchmarkPeelChain(b *testing.B) {
	_, s := scenario(b)
	b.Run("btcd", func(b *testing.B) {
		var req int64
		for i := 0; i < b.N; i++ {
			req += walkPeel(b, openBtcd(b, "btcd"), s)
		}
		b.ReportMetric(float64(req)/float64(b.N)/btcd.PeelHops, "req/hop")
	})
	b.Run("esplora-recorded", func(b *testing.B) {
		r := newReplay(b)
		var req int64
		for i := 0; i < b.N; i++ {
			a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
			if err != nil {
				b.Fatal(err)
			}
			req += walkPeel(b, a, s)
		}
		b.ReportMetric(float64(req)/float64(b.N)/btcd.PeelHops, "req/hop")
	})
	b.Run("bitcoind-scan-on-btcd", func(b *testing.B) {
		var req int64
		for i := 0; i < b.N; i++ {
			req += walkPeel(b, openBtcd(b, "bitcoind"), s)
		}
		b.ReportMetric(float64(req)/float64(b.N)/btcd.PeelHops, "req/hop")
	})
}

// BenchmarkTraceTheft: the whole theft trace (haircut: 34 spending
// transactions split, 48 endpoints) with a cold adapter; reports HTTP requests
// per run.
func BenchmarkTraceTheft(b *testing.B) {
	_, s := scenario(b)
	for _, backend := range []string{"btcd", "esplora-recorded"} {
		b.Run(backend, func(b *testing.B) {
			var r *replay
			if backend != "btcd" {
				r = newReplay(b)
			}
			var req int64
			for i := 0; i < b.N; i++ {
				var a *Adapter
				var err error
				if r == nil {
					a = openBtcd(b, "btcd")
				} else if a, err = Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()}); err != nil {
					b.Fatal(err)
				}
				r0 := a.Requests()
				if _, err := trace.Run(ctx, a, []string{id(s.Theft)}, trace.Options{Policy: trace.Haircut, MaxHops: 40,
					Labels: exchangeLabels(s), Concurrency: 4}); err != nil {
					b.Fatal(err)
				}
				req += a.Requests() - r0
			}
			b.ReportMetric(float64(req)/float64(b.N), "req/trace")
		})
	}
}

// BenchmarkTraceLatency: the theft trace over the synthesised Esplora answers that
// each take 10 ms, with the tracer's Concurrency 1 and 4: the adapter holds
// no lock across requests, so independent spender lookups overlap.
func BenchmarkTraceLatency(b *testing.B) {
	_, s := scenario(b)
	r := newReplay(b)
	r.delay = 10 * time.Millisecond
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("esplora-10ms/concurrency-%d", conc), func(b *testing.B) {
			var req int64
			for i := 0; i < b.N; i++ {
				a, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
				if err != nil {
					b.Fatal(err)
				}
				r0 := a.Requests()
				if _, err := trace.Run(ctx, a, []string{id(s.Theft)}, trace.Options{Policy: trace.Haircut, MaxHops: 40,
					Labels: exchangeLabels(s), Concurrency: conc}); err != nil {
					b.Fatal(err)
				}
				req += a.Requests() - r0
			}
			b.ReportMetric(float64(req)/float64(b.N), "req/trace")
		})
	}
}
