package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
)

// budgetDoc is what the budget tests read from a trace's JSON.
type budgetDoc struct {
	Complete  bool
	Budget    *struct{ Kind, Limit string }
	Error     string
	Endpoints []struct {
		Kind, Asset, Amount string
	}
	Totals map[string]struct {
		Seed, Fees, Untraced string
		WrappedIn            string            `json:"wrapped_in"`
		WrappedOut           string            `json:"wrapped_out"`
		SwappedIn            string            `json:"swapped_in"`
		SwappedOut           string            `json:"swapped_out"`
		ByKind               map[string]string `json:"by_kind"`
	}
}

func parseBudgetDoc(t *testing.T, out string) budgetDoc {
	t.Helper()
	var d budgetDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("output is not JSON: %v\n%.600s", err, out)
	}
	return d
}

func bigOf(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("amount %q is not an integer", s)
	}
	return v
}

// --max-requests on the real local nodes (the geth and btcd theft scenarios,
// every request through a counting proxy, one request at a time so the count is
// exact): a budget of exactly what the trace needs gives the unbudgeted result
// byte for byte; one request less stops the trace cleanly with exit 5, a
// "budget" naming --max-requests, at most that many requests sent, and the
// untraced remainder as budget endpoints; for every budget the endpoints, fees
// and what was converted to another asset still add up to the theft's amount,
// which the scenarios fix by hand:
// 40 ETH (geth: victim → hacker) and 4 + 2 + 1.5 + 1 + 1.4999 BTC (btcd: the
// theft's five paying outputs).
func TestMaxRequestsBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth and btcd")
	}
	withFakeClock(t)
	seeds := map[string][2]string{
		"geth": {"ETH", geth.Eth(40, 1).String()},
		"btcd": {"BTC", "999990000"},
	}
	for _, mk := range []func(*testing.T) *faultChain{gethChain, btcdChain} {
		c := mk(t)
		t.Run(c.name, func(t *testing.T) {
			asset, seed := seeds[c.name][0], seeds[c.name][1]
			// One request at a time and no per-request timeout to retry on (a
			// slow machine must not change the count).
			one := []string{"--concurrency", "1", "--request-timeout", "10m"}
			full, p := c.run(t, faultproxy.Config{}, one...)
			need := p.Requests()
			if full.code != 0 || need < 4 {
				t.Fatalf("unbudgeted trace: exit %d after %d requests: %s", full.code, need, full.errOut)
			}
			if d := parseBudgetDoc(t, full.out); d.Budget != nil || !d.Complete || d.Totals[asset].Seed != seed {
				t.Fatalf("unbudgeted trace: budget %v, complete %v, seed %s (want %s)", d.Budget, d.Complete, d.Totals[asset].Seed, seed)
			}
			exact, p := c.run(t, faultproxy.Config{}, append(one, "--max-requests", fmt.Sprint(need))...)
			if exact.code != 0 || exact.out != full.out || p.Requests() != need {
				t.Errorf("--max-requests %d (what the trace needs): exit %d, same output %v, %d requests: %s",
					need, exact.code, exact.out == full.out, p.Requests(), exact.errOut)
			}
			for _, limit := range []int{need - 1, need / 2, 8, 1} {
				r, p := c.run(t, faultproxy.Config{}, append(one, "--max-requests", fmt.Sprint(limit))...)
				if sent := p.Requests(); sent > limit {
					t.Errorf("--max-requests %d: %d requests sent", limit, sent)
				}
				if r.code != exitBudget || !strings.Contains(r.errOut, fmt.Sprintf("--max-requests %d reached", limit)) ||
					!strings.Contains(r.errOut, "budget") {
					t.Errorf("--max-requests %d: exit %d (want %d): %s", limit, r.code, exitBudget, r.errOut)
					continue
				}
				if limit == 1 {
					// Spent while opening the source (its chain check): nothing to write.
					if r.out != "" {
						t.Errorf("--max-requests 1: output %.300q", r.out)
					}
					continue
				}
				d := parseBudgetDoc(t, r.out)
				if d.Complete || d.Budget == nil || d.Budget.Kind != "requests" || d.Budget.Limit != fmt.Sprint(limit) || !strings.Contains(d.Error, "--max-requests") {
					t.Errorf("--max-requests %d: complete %v, budget %+v, error %q", limit, d.Complete, d.Budget, d.Error)
				}
				tot := d.Totals[asset]
				sum, budget := new(big.Int), new(big.Int)
				if tot.Fees != "" {
					sum.Set(bigOf(t, tot.Fees))
				}
				for _, e := range d.Endpoints {
					if e.Asset != asset {
						continue
					}
					sum.Add(sum, bigOf(t, e.Amount))
					if e.Kind == "budget" {
						budget.Add(budget, bigOf(t, e.Amount))
					}
				}
				// seed + wrapped_in + swapped_in = Σ endpoints + fees + wrapped_out + swapped_out
				// (geth: part of the loot is wrapped into WETH and held as WETH)
				for _, v := range []string{tot.WrappedOut, tot.SwappedOut} {
					if v != "" {
						sum.Add(sum, bigOf(t, v))
					}
				}
				for _, v := range []string{tot.WrappedIn, tot.SwappedIn} {
					if v != "" {
						sum.Sub(sum, bigOf(t, v))
					}
				}
				if tot.Seed != seed || sum.String() != seed {
					t.Errorf("--max-requests %d: seed %s, endpoints + fees + converted out − in %s, want both %s", limit, tot.Seed, sum, seed)
				}
				if budget.Sign() <= 0 || tot.ByKind["budget"] != budget.String() || bigOf(t, tot.Untraced).Cmp(budget) < 0 {
					t.Errorf("--max-requests %d: budget endpoints %s, by_kind %q, untraced %s", limit, budget, tot.ByKind["budget"], tot.Untraced)
				}
				t.Logf("--max-requests %d of %d: %d requests, %s %s of %s untraced (budget)", limit, need, p.Requests(), budget, asset, seed)
			}
		})
	}
}

func TestMaxRequestsBadInput(t *testing.T) {
	r := runCLI(t, nil, "trace", "--case", "demo", "--max-requests", "-1")
	if r.code != exitInput || !strings.Contains(r.errOut, "--max-requests -1") {
		t.Errorf("exit %d: %s", r.code, r.errOut)
	}
	// Offline (a case file) no request is sent: a budget changes nothing.
	a := runCLI(t, nil, "trace", "--case", "demo", "--format", "json")
	b := runCLI(t, nil, "trace", "--case", "demo", "--format", "json", "--max-requests", "1")
	if a.code != 0 || b.code != 0 || a.out != b.out {
		t.Errorf("offline with --max-requests 1: exit %d/%d, same output %v: %s", a.code, b.code, a.out == b.out, b.errOut)
	}
}
