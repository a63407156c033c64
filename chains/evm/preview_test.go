package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/internal/rtproxy"
	"github.com/chaintrace/chaintrace/trace"
)

// noPreview is the adapter without TxPreview: the seed is dated before hop 1
// leaves, as before issue 18's preview.
type noPreview struct{ *Adapter }

func (n noPreview) Capabilities() trace.Capabilities {
	c := trace.CapabilitiesOf(n.Adapter)
	c.Preview = nil
	return c
}

// Sending hop 1 before the seed is dated (TxPreview) changes when requests
// leave, never the result: the same JSON, byte for byte, from every seed set
// of the theft scenario (ETH; USDT, whose token is not known before the seed
// is read; both), at concurrency 1 and 4, fresh adapters each. A previewed
// seed costs a round trip less and no request more.
func TestPreviewedSeedsTraceTheSame(t *testing.T) {
	s, _ := scenario(t)
	p, err := rtproxy.New(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	run := func(seeds []string, conc int, preview bool) ([]byte, rtproxy.Stats) {
		a := openRPC(t, p.URL(""))
		var src trace.AccountSource = a
		if !preview {
			src = noPreview{a}
		}
		p.Reset()
		// At zero latency a request that arrives as the one before is written
		// back may count as overlapping it: round trips are exact with a latency.
		p.SetLatency(15 * time.Millisecond)
		defer p.SetLatency(0)
		res, err := trace.Run(ctx, src, seeds, trace.Options{Policy: trace.Haircut, Labels: exchangeLabels{s.Exchange.Hex()}, DepositRule: true, Concurrency: conc})
		st := p.Stats()
		if err != nil {
			t.Fatalf("%v (preview %v, concurrency %d): %v", seeds, preview, conc, err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return b, st
	}
	eth, usdt := s.TheftETH.Hex(), s.TheftUSDT.Hex()
	for _, seeds := range [][]string{{eth}, {usdt}, {eth, usdt}} {
		for _, conc := range []int{1, 4} {
			t.Run(fmt.Sprintf("%d seeds c%d %.10s", len(seeds), conc, seeds[0]), func(t *testing.T) {
				before, sb := run(seeds, conc, false)
				after, sa := run(seeds, conc, true)
				if string(before) != string(after) {
					t.Fatalf("the result changed with the preview:\nwithout %.600s\nwith    %.600s", before, after)
				}
				t.Logf("without preview %d requests, %d rtt; with %d, %d", sb.Requests, sb.RoundTrips, sa.Requests, sa.RoundTrips)
				if sa.Requests > sb.Requests || sa.RoundTrips > sb.RoundTrips {
					t.Errorf("the preview cost more: %d requests, %d rtt (without: %d, %d)", sa.Requests, sa.RoundTrips, sb.Requests, sb.RoundTrips)
				}
				if len(seeds) == 1 && seeds[0] == eth && conc > 1 && sa.RoundTrips != sb.RoundTrips-1 {
					t.Errorf("the ETH seed previewed: %d rtt, want one less than %d", sa.RoundTrips, sb.RoundTrips)
				}
			})
		}
	}
}
