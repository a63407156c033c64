package evm

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
)

// countingSource counts the holders the tracer follows (History calls).
type countingSource struct {
	*Adapter
	histories atomic.Int64
}

func (c *countingSource) History(ctx context.Context, q trace.HistoryQuery) (trace.History, error) {
	c.histories.Add(1)
	return c.Adapter.History(ctx, q)
}

// Modes: batched or not, and with the block scan covering the whole range or
// only the first block (then outgoing transactions come from nonce bisection).
var benchModes = []struct {
	name  string
	batch int
	scan  uint64
}{{"batched", 100, 0}, {"unbatched", 1, 0}, {"batched-bisect", 100, 1}, {"unbatched-bisect", 1, 1}}

// BenchmarkHop follows one tainted holder (the hacker, hop 1): its history from
// the theft block, then every transaction in it. Cold cache each iteration.
func BenchmarkHop(b *testing.B) {
	n := geth.Start(b)
	s := geth.BuildTheft(b, n)
	ctx := context.Background()
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			var st Stats
			for i := 0; i < b.N; i++ {
				a := openRPC(b, n.URL(), func(c *Config) { c.BatchSize, c.ScanBlocks = m.batch, m.scan; c.WETH = []string{s.WETH.Hex()} })
				base := a.Stats() // eth_chainId on Open
				h, err := a.History(ctx, trace.HistoryQuery{Address: s.Hacker.Hex(), FromBlock: s.TheftBlock, ToBlock: s.LastBlock})
				if err != nil || len(h.Transfers) != 12 {
					b.Fatalf("history: %d transfers, %v", len(h.Transfers), err)
				}
				for _, t := range h.Transfers {
					if _, err := a.TxTransfers(ctx, t.TxHash); err != nil {
						b.Fatal(err)
					}
				}
				st = a.Stats()
				st.HTTPRequests -= base.HTTPRequests
				st.Calls -= base.Calls
				a.Close()
			}
			b.ReportMetric(float64(st.HTTPRequests), "http-req/hop")
			b.ReportMetric(float64(st.Calls), "rpc-calls/hop")
		})
	}
}

// BenchmarkTraceTheft runs the whole haircut trace of both theft transactions
// (as TestTraceRunTheft) and reports requests per followed holder.
func BenchmarkTraceTheft(b *testing.B) {
	n := geth.Start(b)
	s := geth.BuildTheft(b, n)
	ctx := context.Background()
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			var st Stats
			var holders int64
			for i := 0; i < b.N; i++ {
				a := openRPC(b, n.URL(), func(c *Config) { c.BatchSize, c.ScanBlocks = m.batch, m.scan; c.WETH = []string{s.WETH.Hex()} })
				src := &countingSource{Adapter: a}
				_, err := trace.Run(ctx, src, []string{s.TheftETH.Hex(), s.TheftUSDT.Hex()}, trace.Options{
					Labels: exchangeLabels{s.Exchange.Hex()}, DepositRule: true,
				})
				if err != nil {
					b.Fatal(err)
				}
				st, holders = a.Stats(), src.histories.Load()
				a.Close()
			}
			b.ReportMetric(float64(st.HTTPRequests), "http-req/trace")
			b.ReportMetric(float64(st.Calls), "rpc-calls/trace")
			b.ReportMetric(float64(holders), "histories/trace")
			b.ReportMetric(float64(st.HTTPRequests)/float64(holders), "http-req/holder")
		})
	}
}
