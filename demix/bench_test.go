package demix_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

// BenchmarkCandidateSearch measures what the candidate search costs a node: HTTP
// requests and JSON-RPC calls per mixer endpoint, on the Mixing scenario (2
// pools, 8 tainted deposits, 41 pool events) and with extra decoy traffic in the
// 1 ETH pool. Each iteration opens a fresh adapter, so nothing is cached.
func BenchmarkCandidateSearch(b *testing.B) {
	for _, extra := range []int{0, 200} {
		b.Run(map[int]string{0: "events=41", 200: "events=441"}[extra], func(b *testing.B) {
			n := geth.Start(b)
			s := geth.BuildMixing(b, n)
			if extra > 0 {
				busyPool(b, n, s.Pool1, extra)
			}
			labels := poolLabels{strings.ToLower(s.Pool1.Hex()): "Test pool: 1 ETH", strings.ToLower(s.Pool10.Hex()): "Test pool: 10 ETH"}
			ctx := context.Background()
			a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: n.URL()})
			if err != nil {
				b.Fatal(err)
			}
			res, err := trace.Run(ctx, a, []string{s.Theft.Hex()}, trace.Options{Labels: labels})
			a.Close()
			if err != nil {
				b.Fatal(err)
			}
			ends := 0
			for _, e := range res.Endpoints {
				if e.Kind == graph.EndMixer {
					ends++
				}
			}
			var reqs, calls, logReqs int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				a, err := evm.Open(ctx, evm.Config{Chain: "evm", RPC: n.URL()})
				if err != nil {
					b.Fatal(err)
				}
				st := a.Stats()
				b.StartTimer()
				cl := &countingLogs{Adapter: a}
				if _, err := demix.Find(ctx, cl, res, demix.Options{Labels: labels}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				end := a.Stats()
				reqs += end.HTTPRequests - st.HTTPRequests
				calls += end.Calls - st.Calls
				logReqs += cl.requests
				a.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(reqs)/float64(b.N)/float64(ends), "requests/endpoint")
			b.ReportMetric(float64(calls)/float64(b.N)/float64(ends), "calls/endpoint")
			b.ReportMetric(float64(logReqs)/float64(b.N)/float64(ends), "event-requests/endpoint")
		})
	}
}

// busyPool adds k decoy deposits and k decoy withdrawals to pool (1 ETH), 50 per block.
func busyPool(b *testing.B, n *geth.Node, pool common.Address, k int) {
	u := geth.NewAccount("mx-busy")
	n.Fund(geth.Eth(int64(k+10), 1), u)
	var hs []common.Hash
	for i := 0; i < k; i++ {
		hs = append(hs, n.TornadoDeposit(u, pool, geth.Eth(1, 1), common.BigToHash(big.NewInt(int64(0xd0000+i))), geth.Fees{}))
		if len(hs) == 50 {
			n.Commit()
			n.MustSucceed(hs...)
			hs = nil
		}
	}
	n.Commit()
	n.MustSucceed(hs...)
	hs = nil
	for i := 0; i < k; i++ {
		hs = append(hs, n.TornadoWithdraw(u, pool, u.Address, common.BigToHash(big.NewInt(int64(0xb0000+i))), common.Address{}, nil, geth.Fees{}))
		if len(hs) == 50 {
			n.Commit()
			n.MustSucceed(hs...)
			hs = nil
		}
	}
	n.Commit()
	n.MustSucceed(hs...)
}

// countingLogs counts the HTTP requests of the event and transaction fetches
// (the rest is depositor histories and deposit transactions).
type countingLogs struct {
	*evm.Adapter
	requests int64
}

func (c *countingLogs) Logs(ctx context.Context, qs []demix.LogQuery) ([][]demix.Log, error) {
	st := c.Stats().HTTPRequests
	defer func() { c.requests += c.Stats().HTTPRequests - st }()
	return c.Adapter.Logs(ctx, qs)
}

func (c *countingLogs) TxMetas(ctx context.Context, hs []string) (map[string]demix.TxMeta, error) {
	st := c.Stats().HTTPRequests
	defer func() { c.requests += c.Stats().HTTPRequests - st }()
	return c.Adapter.TxMetas(ctx, hs)
}
