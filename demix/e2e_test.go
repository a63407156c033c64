package demix_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/cases"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

// poolLabels labels the scenario's pools as mixers, as the built-in labels do
// Tornado Cash's pools on mainnet.
type poolLabels map[string]string

func (l poolLabels) Lookup(chain, address string) (trace.Label, bool) {
	if n, ok := l[strings.ToLower(address)]; ok {
		return trace.Label{Chain: "evm", Address: address, Name: n, Category: trace.CatMixer, Source: "test", Confidence: 100}, true
	}
	return trace.Label{}, false
}

func mixing(t *testing.T) (*geth.Mixing, *evm.Adapter, trace.Labels) {
	t.Helper()
	n := geth.Start(t)
	s := geth.BuildMixing(t, n)
	a, err := evm.Open(context.Background(), evm.Config{Chain: "evm", RPC: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return s, a, poolLabels{
		strings.ToLower(s.Pool1.Hex()):  "Test pool: 1 ETH",
		strings.ToLower(s.Pool10.Hex()): "Test pool: 10 ETH",
	}
}

func TestTopicsAreTornadoCash(t *testing.T) {
	if demix.TopicDeposit != strings.ToLower(geth.TopicTornadoDeposit.Hex()) || demix.TopicWithdrawal != strings.ToLower(geth.TopicTornadoWithdrawal.Hex()) {
		t.Fatalf("topics %s %s, want keccak of the Tornado Cash signatures %s %s", demix.TopicDeposit, demix.TopicWithdrawal, geth.TopicTornadoDeposit.Hex(), geth.TopicTornadoWithdrawal.Hex())
	}
}

// TestCandidatesOnGeth runs the tracer and the candidate search over the real
// node: each heuristic finds exactly its planted withdrawal, no decoy and not
// the thief's unlinkable withdrawal appear, and the trace's totals and
// endpoints are what they were before.
func TestCandidatesOnGeth(t *testing.T) {
	s, a, labels := mixing(t)
	// A mixer label on an address that is no Tornado-style pool (HN, which
	// received the thief's funds by a plain payment): noted, no candidates.
	labels.(poolLabels)[strings.ToLower(s.HN.Hex())] = "Not a pool"
	ctx := context.Background()
	res, err := trace.Run(ctx, a, []string{s.Theft.Hex()}, trace.Options{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	var before bytes.Buffer
	if err := render.WriteJSON(&before, res); err != nil {
		t.Fatal(err)
	}
	mixers := 0
	for _, e := range res.Endpoints {
		if e.Kind == graph.EndMixer {
			mixers++
		}
	}
	if mixers != 3 {
		t.Fatalf("%d mixer endpoints, want the two pools and HN", mixers)
	}
	d, err := demix.Find(ctx, a, res, demix.Options{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	var after bytes.Buffer
	if err := render.WriteJSON(&after, res); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("the candidate search changed the trace result")
	}

	h := func(x common.Hash) string { return strings.ToLower(x.Hex()) }
	name := map[string]string{}
	for k, v := range map[string]common.Hash{
		"DepA": s.DepA, "DepL": s.DepL, "DepG": s.DepG, "DepN": s.DepN, "DepM10": s.DepM10, "DepM1a": s.DepM1a, "DepM1b": s.DepM1b, "DepT": s.DepT,
		"WdT": s.WdT, "WdA": s.WdA, "WdL": s.WdL, "WdG": s.WdG, "WdM1a": s.WdM1a, "WdM1b": s.WdM1b, "WdM10": s.WdM10, "WdR": s.WdR, "WdN": s.WdN,
	} {
		name[h(v)] = k
	}
	for i, x := range s.Decoys {
		name[h(x)] = fmt.Sprintf("decoy%d", i)
	}
	var got []string
	for _, c := range d.Candidates {
		got = append(got, fmt.Sprintf("%s→%s %s %d", name[c.DepositTx], name[c.WithdrawalTx], strings.Join(c.Heuristics, ","), c.Score))
		if len(c.Evidence) != len(c.Heuristics) {
			t.Errorf("%s→%s: %d evidence lines for %d heuristics", name[c.DepositTx], name[c.WithdrawalTx], len(c.Evidence), len(c.Heuristics))
		}
	}
	sort.Strings(got)
	want := []string{
		"DepA→WdA address-match 90",
		"DepG→WdG unique-gas-price 70",
		"DepL→WdL linked-address 60",
		"DepM10→WdM10 multi-denomination 50",
		"DepM10→WdR relayer 70",
		"DepM1a→WdM1a multi-denomination 50",
		"DepM1a→WdM1b multi-denomination 50",
		"DepM1b→WdM1a multi-denomination 50",
		"DepM1b→WdM1b multi-denomination 50",
		"DepT→WdR relayer 70",
		"DepT→WdT timing 20",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("candidates:\n%s\nwant:\n%s\nnotes: %v", strings.Join(got, "\n"), strings.Join(want, "\n"), d.Notes)
	}
	// Evidence names the transactions and addresses an investigator checks.
	for _, c := range d.Candidates {
		switch name[c.WithdrawalTx] {
		case "WdL":
			if !strings.Contains(c.Evidence[0], h(s.Link)) {
				t.Errorf("linked-address evidence %q does not cite the link tx %s", c.Evidence[0], h(s.Link))
			}
		case "WdA":
			if c.Recipient != s.HA.Hex() || c.Depositor != s.HA.Hex() || c.Relayer != s.Relayer.Hex() || c.Fee.Cmp(geth.Eth(1, 100)) != 0 {
				t.Errorf("WdA candidate: %+v", c)
			}
		}
		if c.Denomination.Cmp(geth.Eth(1, 1)) != 0 && c.Denomination.Cmp(geth.Eth(10, 1)) != 0 || c.Asset != "ETH" {
			t.Errorf("candidate %s: denomination %s %s", name[c.WithdrawalTx], c.Denomination, c.Asset)
		}
	}
	if len(d.Pools) != 2 || d.Pools[0].Deposits+d.Pools[1].Deposits != 7 {
		t.Errorf("pools: %+v", d.Pools)
	}
	// --mixer-window 1: only withdrawals in the block after a deposit are
	// examined (DepT in block 9, WdT in block 10), and each pool's events are
	// fetched for that span only.
	d1, err := demix.Find(ctx, a, res, demix.Options{Labels: labels, Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(d1.Candidates) != 1 || name[d1.Candidates[0].WithdrawalTx] != "WdT" || d1.Window != 1 {
		t.Errorf("window 1: %d candidates, want only DepT→WdT", len(d1.Candidates))
	}
	for _, p := range d1.Pools {
		if p.ToBlock != 10 && p.ToBlock != 7 {
			t.Errorf("window 1: pool %s fetched to block %d", p.Address, p.ToBlock)
		}
	}
	if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], s.HN.Hex()) || !strings.Contains(d.Notes[0], "not a Tornado-style pool") {
		t.Errorf("notes %q, want one saying HN is not a Tornado-style pool", d.Notes)
	}
}

// TestNoLogSource: a source that cannot run log queries (an embedded demo case,
// which has a Tornado Cash endpoint) gets a note, no candidates, and no error.
func TestNoLogSource(t *testing.T) {
	d, ok := cases.Lookup("demo")
	if !ok {
		t.Fatal("no demo case")
	}
	c, err := jsoncase.Parse(d.JSON)
	if err != nil {
		t.Fatal(err)
	}
	st := labels.New()
	if err := st.AddBuiltin(); err != nil {
		t.Fatal(err)
	}
	if err := st.AddData("demo", d.Labels); err != nil {
		t.Fatal(err)
	}
	src := c.Source()
	res, err := trace.Run(context.Background(), src, c.Seeds, trace.Options{Labels: st})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := demix.Find(context.Background(), src.(trace.AccountSource), res, demix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dm.Candidates) != 0 || len(dm.Notes) != 1 || !strings.Contains(dm.Notes[0], "eth_getLogs") {
		t.Fatalf("candidates %d, notes %q", len(dm.Candidates), dm.Notes)
	}
}

func TestScore(t *testing.T) {
	for _, c := range []struct {
		h    []string
		want int
	}{
		{nil, 0},
		{[]string{graph.HeurTiming}, 20},
		{[]string{graph.HeurAddressMatch, graph.HeurTiming}, 92},                 // 100 − 10·80/100
		{[]string{graph.HeurLinkedAddress, graph.HeurMultiDenom}, 80},            // 100 − 40·50/100
		{[]string{graph.HeurUniqueGas, graph.HeurRelayer, graph.HeurTiming}, 92}, // 100 − 30·30·80/10⁴ = 92.8
	} {
		if got := demix.Score(c.h); got != c.want {
			t.Errorf("Score(%v) = %d, want %d", c.h, got, c.want)
		}
	}
}
