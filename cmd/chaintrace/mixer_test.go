package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
)

type candJSON struct {
	Candidates *[]struct {
		Score        int      `json:"score"`
		Heuristics   []string `json:"heuristics"`
		DepositTx    string   `json:"deposit_tx"`
		WithdrawalTx string   `json:"withdrawal_tx"`
	} `json:"candidates"`
	Mixer *struct {
		Window           uint64 `json:"window"`
		FollowCandidates int    `json:"follow_candidates"`
		Pools            []any  `json:"pools"`
	} `json:"mixer"`
	Totals             map[string]json.RawMessage `json:"totals"`
	Endpoints          json.RawMessage            `json:"endpoints"`
	Edges              json.RawMessage            `json:"edges"`
	FollowedCandidates *struct {
		Seeds     []string                   `json:"seeds"`
		Totals    map[string]json.RawMessage `json:"totals"`
		Endpoints []struct {
			Kind    string `json:"kind"`
			Address string `json:"address"`
		} `json:"endpoints"`
	} `json:"followed_candidates"`
}

// TestMixerCandidatesCLI runs `chaintrace trace` on the real geth pool scenario:
// the JSON lists the candidates with their heuristics, the trace's totals,
// endpoints and edges are exactly those of a run without the search,
// --follow-candidates 60 traces onward from the four withdrawals scoring 60 or
// more in a separate section, and the text, DOT and report outputs show the
// candidates with their evidence, set apart from the traced funds.
func TestMixerCandidatesCLI(t *testing.T) {
	dir := t.TempDir()
	n := geth.Start(t)
	s := geth.BuildMixing(t, n)
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte(fmt.Sprintf("chain,address,label,category,source,confidence\nevm,%s,Test pool: 1 ETH,mixer,test,100\nevm,%s,Test pool: 10 ETH,mixer,test,100\n",
		s.Pool1.Hex(), s.Pool10.Hex())), 0o644)
	base := []string{"trace", "--chain", "evm", "--rpc", n.URL(), "--labels", labels, "-q", s.Theft.Hex()}
	run := func(extra ...string) result {
		t.Helper()
		r := runCLI(t, nil, append(append([]string{}, base...), extra...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, r.code, r.errOut)
		}
		return r
	}
	var off, on candJSON
	json.Unmarshal([]byte(run("--format", "json", "--mixer-candidates=false").out), &off)
	out := run("--format", "json", "--follow-candidates", "60").out
	if err := json.Unmarshal([]byte(out), &on); err != nil {
		t.Fatal(err)
	}
	if off.Candidates != nil || off.Mixer != nil || off.FollowedCandidates != nil {
		t.Error("--mixer-candidates=false still wrote a candidate section")
	}
	if !reflect.DeepEqual(off.Totals, on.Totals) || string(off.Endpoints) != string(on.Endpoints) || string(off.Edges) != string(on.Edges) {
		t.Error("the candidate search changed the trace's totals, endpoints or edges")
	}
	if on.Candidates == nil || on.Mixer == nil || on.Mixer.Window != 50000 || on.Mixer.FollowCandidates != 60 || len(on.Mixer.Pools) != 2 {
		t.Fatalf("candidate section: %+v", on.Mixer)
	}
	h := func(x ...string) []string { return x }
	lower := func(x fmt.Stringer) string { return strings.ToLower(x.String()) }
	byWd := map[string][]string{}
	for _, c := range *on.Candidates {
		byWd[c.WithdrawalTx] = append(byWd[c.WithdrawalTx], strings.Join(c.Heuristics, ","))
	}
	want := map[string][]string{
		lower(s.WdA): h("address-match"), lower(s.WdL): h("linked-address"), lower(s.WdG): h("unique-gas-price"),
		lower(s.WdT): h("timing"), lower(s.WdR): h("relayer", "relayer"),
		lower(s.WdM1a): h("multi-denomination", "multi-denomination"), lower(s.WdM1b): h("multi-denomination", "multi-denomination"),
		lower(s.WdM10): h("multi-denomination"),
	}
	if !reflect.DeepEqual(byWd, want) {
		t.Errorf("candidates by withdrawal:\n%v\nwant\n%v", byWd, want)
	}
	f := on.FollowedCandidates
	if f == nil {
		t.Fatal("--follow-candidates 60: no followed_candidates section")
	}
	seeds := []string{lower(s.WdA), lower(s.WdL), lower(s.WdG), lower(s.WdR)}
	sort.Strings(seeds)
	if !reflect.DeepEqual(f.Seeds, seeds) {
		t.Errorf("followed seeds %v, want the withdrawals scoring ≥ 60 %v", f.Seeds, seeds)
	}
	reached := map[string]bool{}
	for _, e := range f.Endpoints {
		reached[e.Address] = true
	}
	for _, a := range []string{s.HA.Hex(), s.L.Hex(), s.G.Hex(), s.RR.Hex()} {
		if !reached[a] {
			t.Errorf("the followed trace does not reach recipient %s: %+v", a, f.Endpoints)
		}
	}

	txt := run("--follow-candidates", "60").out
	for _, w := range []string{"mixer candidates — LEADS, NOT TRACED FUNDS", "score  90  address-match", lower(s.WdA), lower(s.DepA),
		"followed candidates — A SEPARATE TRACE", "linked-address: recipient " + s.L.Hex()} {
		if !strings.Contains(txt, w) {
			t.Errorf("text output lacks %q", w)
		}
	}
	dot := run("--format", "dot").out
	if !strings.Contains(dot, "cluster_mixer_candidates") || strings.Count(dot, "candidate, score") != 8 || !strings.Contains(dot, `style=dashed, color="#7b3294"`) {
		t.Errorf("DOT: want 8 dashed candidate edges in a labelled cluster:\n%s", dot)
	}
	rep := run("--format", "report", "--follow-candidates", "60").out
	for _, w := range []string{"## Candidate withdrawals past mixers", lower(s.WdA), lower(s.DepA), "address-match", "## Followed candidates"} {
		if !strings.Contains(rep, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	html := run("--format", "html", "--follow-candidates", "60").out
	for _, w := range []string{`id="candidates"`, lower(s.WdA), lower(s.DepA), "address-match", `id="followed"`} {
		if !strings.Contains(html, w) {
			t.Errorf("html report lacks %q", w)
		}
	}
}
