package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/internal/faultproxy"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/trace"
)

// The deposit scenario (two thefts, token leg, eight deposits) through the
// fault proxy: its batches mix receipts, blocks, logs and traces whose
// answers differ, so answers swapped between calls would change the result.
// Every run must give the clean JSON or fail loudly; retried singly, nearly
// all runs recover.
func TestEVMDepositsUnderBatchFaults(t *testing.T) {
	s := buildEVM(t)
	lbs := loadLabels(t,
		"evm,"+s.e1.Hex()+","+alphaLabel+",exchange,e2e test,100",
		"evm,"+strings.ToLower(s.e2.Hex())+","+betaLabel+",exchange,e2e test,100",
	)
	opts := trace.Options{Policy: trace.Haircut, Labels: lbs, DepositRule: true, DepositTau: tau, Concurrency: 4}
	seeds := []string{s.theftETH.Hex(), s.theftTok.Hex()}
	// A request's time limit: generous for the clean run (a loaded CI machine
	// under -race can take seconds for a big eth_getLogs), short enough under
	// faults that a stalled request costs little.
	traceJSON := func(url string, timeout time.Duration) ([]byte, error) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		a, err := evm.Open(context.Background(), evm.Config{Chain: "evm", RPC: url, History: evm.HistoryRPC,
			HTTPClient: &http.Client{Transport: tr}, RequestTimeout: timeout,
			Policy: &httpx.Policy{Clock: httpx.NewFakeClock()}})
		if err != nil {
			return nil, err
		}
		defer a.Close()
		res, err := trace.Run(context.Background(), a, seeds, opts)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		err = render.WriteJSON(&b, res)
		return b.Bytes(), err
	}
	clean, err := traceJSON(s.n.URL(), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	runs := 8
	if n, err := strconv.Atoi(os.Getenv("CHAINTRACE_FAULT_RUNS")); err == nil && n > 0 {
		runs = n
	}
	for _, c := range []struct {
		name     string
		cfg      faultproxy.Config
		minSame  int // runs that must recover (of runs)
		maxInRow int
	}{
		// Every batch of three calls or more answered with two ids swapped:
		// the receipts, blocks and block traces that make up the result.
		{name: "swapped ids in every big batch", cfg: faultproxy.Config{Rate: 1, Kinds: []faultproxy.Kind{faultproxy.Swap},
			Only: func(r *faultproxy.Request) bool { return len(r.Methods) > 2 }}, minSame: runs},
		{name: "batch ids 50%", cfg: faultproxy.Config{Rate: 0.5, Kinds: []faultproxy.Kind{faultproxy.Swap, faultproxy.Drop, faultproxy.Dup, faultproxy.WrongID}}, minSame: runs * 3 / 4},
		{name: "transient 20%", cfg: faultproxy.Config{Rate: 0.2, MaxInRow: 2, Delay: 5 * time.Millisecond, Kinds: []faultproxy.Kind{faultproxy.Delay, faultproxy.Stall,
			faultproxy.Reset, faultproxy.TooMany, faultproxy.TooManyBare, faultproxy.RPCLimit, faultproxy.Status500, faultproxy.Status502, faultproxy.Status503,
			faultproxy.HTML, faultproxy.Truncated, faultproxy.WrongID, faultproxy.Drop, faultproxy.Swap, faultproxy.Dup, faultproxy.TooLarge,
			faultproxy.GethRefusal, faultproxy.Stale}}, minSame: runs},
	} {
		t.Run(c.name, func(t *testing.T) {
			same, failed := 0, 0
			for seed := 1; seed <= runs; seed++ {
				cfg := c.cfg
				cfg.Seed = uint64(seed)
				p, err := faultproxy.New(s.n.URL(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				got, err := traceJSON(p.URL(), 2*time.Second)
				p.Close()
				switch {
				case err != nil:
					failed++
					t.Logf("seed %d (%s): failed loudly: %v", seed, p, err)
				case bytes.Equal(got, clean):
					same++
					t.Logf("seed %d: %d requests, %s: same JSON", seed, p.Requests(), p)
				default:
					t.Errorf("seed %d (%s): SILENT WRONG ANSWER: exit 0 with JSON that differs from the clean run", seed, p)
				}
			}
			if same < c.minSame {
				t.Errorf("%d of %d runs recovered the clean JSON (%d failed loudly), want at least %d", same, runs, failed, c.minSame)
			}
		})
	}
}
