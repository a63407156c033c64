package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/testnode/xworld"
)

// TestLinkRecordReplay traces the three-chain world with --link, records the
// case, and replays it offline (no --rpc, no --link) to the same bytes in every
// format; the recorded case holds every chain's answers.
func TestLinkRecordReplay(t *testing.T) {
	s := xworld.New(t)
	w := s.W
	dir := t.TempDir()
	lf := filepath.Join(dir, "world.csv")
	if err := os.WriteFile(lf, []byte(w.LabelsCSV(s, "xworld test")), 0o644); err != nil {
		t.Fatal(err)
	}
	cs := filepath.Join(dir, "world.db")
	common := []string{"--labels", lf, "--hops", "12", "--memo-chain", "ETH=" + xworld.ChainA, "--no-cache", "-q"}
	live := append([]string{"trace", "--chain", xworld.ChainA, "--rpc", w.A.URL(), "--link", xworld.ChainBTC + "=" + w.BTC.URL(),
		"--link", xworld.ChainB + "=" + w.B.URL(), "--format", "json", "--record", cs}, common...)
	r := runCLI(t, nil, append(live, s.TheftTx.Hex())...)
	if r.code != 0 {
		t.Fatalf("live trace: exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		Chains []struct {
			Name string `json:"name"`
		} `json:"chains"`
		Crossings []struct {
			Rule, Status, InTx string
		} `json:"crossings"`
		Endpoints []struct {
			Chain, Kind, Address, Amount string
		} `json:"endpoints"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Chains) != 3 || doc.Chains[0].Name != xworld.ChainA || len(doc.Crossings) != 6 {
		t.Fatalf("chains %v, %d crossings; want 3 chains (A first) and 6 crossings", doc.Chains, len(doc.Crossings))
	}
	chains := map[string]bool{}
	for _, e := range doc.Endpoints {
		chains[e.Chain] = true
	}
	if len(chains) != 3 {
		t.Errorf("endpoints on %v, want all three chains", chains)
	}
	if strings.Contains(r.out, strings.ToLower(s.Decoy.Address)) || strings.Contains(strings.ToLower(r.out), strings.ToLower(s.Inn2B.Hex())) {
		t.Errorf("a decoy appears in the output")
	}
	if v := runCLI(t, nil, "case", "verify", cs); v.code != 0 {
		t.Fatalf("case verify: exit %d: %s %s", v.code, v.out, v.errOut)
	}
	for _, f := range []string{"json", "text", "dot", "csv", "report", "graphml"} {
		args := append([]string{"trace", "--case", cs, "--format", f}, common...)
		args = append(args, s.TheftTx.Hex())
		// The report stamps its generation time; a fixed SOURCE_DATE_EPOCH keeps
		// two replays that straddle a second boundary byte-identical.
		var env map[string]string
		if f == "report" {
			env = map[string]string{"SOURCE_DATE_EPOCH": "1764780000"}
		}
		rep := runCLI(t, env, args...)
		if rep.code != 0 {
			t.Fatalf("replay --format %s: exit %d: %s", f, rep.code, rep.errOut)
		}
		if f == "json" && rep.out != r.out {
			t.Errorf("replayed JSON differs from the live trace's")
		}
		if f != "json" {
			again := runCLI(t, env, args...)
			if again.out != rep.out {
				t.Errorf("--format %s: two replays differ", f)
			}
			if f == "report" && (!strings.Contains(rep.out, "## Crossings") || !strings.Contains(rep.out, strings.ToLower(s.SwapIn.Hex()))) {
				t.Errorf("the report has no Crossings section naming the SwapIn inbound")
			}
			if !strings.Contains(rep.out, xworld.ChainBTC) {
				t.Errorf("--format %s output names no Bitcoin chain", f)
			}
		}
	}
	// --link for a chain the case already holds is refused.
	bad := runCLI(t, nil, append([]string{"trace", "--case", cs, "--link", xworld.ChainB + "=" + w.B.URL()}, append(common, s.TheftTx.Hex())...)...)
	if bad.code != 2 || !strings.Contains(bad.errOut, "already holds chain") {
		t.Errorf("--case with --link of a recorded chain: exit %d, %s", bad.code, bad.errOut)
	}
}

func TestLinkFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--link", "btc"}, "want CHAIN=URL"},
		{[]string{"--link", "nochain=http://x"}, "unknown chain"},
		{[]string{"--link", "btc=http://a", "--link", "btc=http://b"}, "given twice"},
		{[]string{"--memo-chain", "ETH"}, "want CODE=CHAIN"},
		{[]string{"--memo-chain", "ETH=nochain"}, "unknown chain"},
		{[]string{"--crossing-tolerance", "abc"}, "percentage"},
		{[]string{"--crossing-tolerance", "100%"}, "percentage"},
		{[]string{"--crossing-window", "-1h"}, "positive duration"},
	} {
		r := runCLI(t, nil, append(append([]string{"trace", "--case", "demo"}, c.args...), "-q")...)
		if r.code != 2 || !strings.Contains(r.errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 naming %q", c.args, r.code, r.errOut, c.want)
		}
	}
}
