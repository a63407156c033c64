package genfixtures

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/internal/casecheck"
)

var record = flag.Bool("record", false, "regenerate testdata/cases from real geth and btcd nodes")

// outDir is where the fixtures live, relative to this package.
const outDir = "../../testdata/cases"

// fixture is one recorded case: how chaintrace traced it and what the trace must
// conclude, worked out from the scenario (amounts sent, fees from the node's
// receipts), not from the tracer.
type fixture struct {
	name   string
	chain  string
	rpc    string
	seeds  []string
	labels []label
	hops   int
	stopAt []string // nil: the defaults
	alphaH string   // deposit α in human units, as the CLI and the spec take it
	expect casecheck.Expect
	readme string
	// Multi-chain cases: --link CHAIN=URL and --memo-chain CODE=CHAIN.
	links      []string
	memoChains map[string]string
}

// label is one row of a fixture's label file; destChain and bridgeKind (the
// crossing columns) are written only when some row of the file has them.
type label struct{ chain, addr, name, category, destChain, bridgeKind string }

// chaintrace builds the CLI once: the fixtures are recorded by chaintrace itself.
func chaintrace(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chaintrace")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/chaintrace/chaintrace/cmd/chaintrace")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("building chaintrace: %v", err)
	}
	return bin
}

// TestRecordFixtures regenerates every fixture (go test ./internal/genfixtures
// -run TestRecordFixtures -record): it runs each scenario on a fresh node,
// records the trace with `chaintrace trace --record`, writes the spec with the
// hand-derived expectations and checks that the recording meets them.
func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("pass -record to regenerate testdata/cases from real nodes")
	}
	bin := chaintrace(t)
	for _, sc := range []struct {
		name string
		run  func(t *testing.T) fixture
	}{
		{"bitfinex-2016", bitfinex},
		{"ransomware-2021", ransomware},
		{"upbit-2019", upbit},
		{"ronin-2022", ronin},
		{"kucoin-2020", kucoin},
		{"bybit-2025", bybit},
		{"bybit-2025-xchain", bybitXChain},
	} {
		t.Run(sc.name, func(t *testing.T) {
			f := sc.run(t)
			f.name = sc.name
			write(t, bin, f)
		})
	}
}

func write(t *testing.T, bin string, f fixture) {
	t.Helper()
	base := filepath.Join(outDir, f.name)
	casePath, specPath, labelPath := base+".case", base+".yaml", base+".labels.csv"
	os.Remove(casePath)

	var lb strings.Builder
	crossCols := false
	for _, l := range f.labels {
		crossCols = crossCols || l.destChain != "" || l.bridgeKind != ""
	}
	if crossCols {
		lb.WriteString("chain,address,label,category,source,confidence,dest_chain,bridge_kind\n")
	} else {
		lb.WriteString("chain,address,label,category,source,confidence\n")
	}
	for _, l := range f.labels {
		fmt.Fprintf(&lb, "%s,%s,%s,%s,fixture %s (synthetic address),90", l.chain, l.addr, l.name, l.category, f.name)
		if crossCols {
			fmt.Fprintf(&lb, ",%s,%s", l.destChain, l.bridgeKind)
		}
		lb.WriteString("\n")
	}
	if err := os.WriteFile(labelPath, []byte(lb.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	args := []string{"trace", "--chain", f.chain, "--rpc", f.rpc, "--labels", labelPath, "--record", casePath,
		"--no-cache", "--format", "json", "--policy", "haircut", "--hops", fmt.Sprint(f.hops),
		"--deposit-alpha", f.alphaH}
	if f.stopAt != nil {
		args = append(args, "--stop-at", strings.Join(f.stopAt, ","))
	}
	for _, l := range f.links {
		args = append(args, "--link", l)
	}
	for _, m := range memoFlags(f.memoChains) {
		args = append(args, "--memo-chain", m)
	}
	args = append(args, f.seeds...)
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chaintrace %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}

	// the options by their flag names, as the trace above was run
	var opts yaml.Node
	if err := opts.Encode(struct {
		Hops         int      `yaml:"hops"`
		StopAt       []string `yaml:"stop-at,omitempty"`
		DepositRule  bool     `yaml:"deposit-rule"`
		DepositAlpha string   `yaml:"deposit-alpha"`
		DepositTau   uint64   `yaml:"deposit-tau"`
		MemoChain    []string `yaml:"memo-chain,omitempty"`
	}{f.hops, f.stopAt, true, f.alphaH, 3200, memoFlags(f.memoChains)}); err != nil {
		t.Fatal(err)
	}
	spec := casecheck.Spec{
		Name:            f.name,
		Case:            filepath.Base(casePath),
		Chain:           f.chain,
		Seeds:           f.seeds,
		Policy:          "haircut",
		Options:         opts,
		Labels:          []string{filepath.Base(labelPath)},
		NoBuiltinLabels: false,
		Expect:          f.expect,
	}
	var sb bytes.Buffer
	if len(f.links) > 0 {
		fmt.Fprintf(&sb, "# %s — a reconstruction on three local nodes (%s, linked: %s), recorded by chaintrace itself\n", f.name, f.chain, strings.Join(linkChains(f.links), ", "))
	} else {
		fmt.Fprintf(&sb, "# %s — a reconstruction on a local %s node, recorded by chaintrace itself\n", f.name, f.chain)
	}
	fmt.Fprintf(&sb, "# (go test ./internal/genfixtures -run TestRecordFixtures -record). See %s.md.\n", f.name)
	sb.WriteString("# Expectations were worked out from the scenario (amounts sent, fees from the\n")
	sb.WriteString("# node's receipts), not copied from the tracer's output.\n")
	enc := yaml.NewEncoder(&sb)
	enc.SetIndent(2)
	if err := enc.Encode(spec); err != nil {
		t.Fatal(err)
	}
	enc.Close()
	if err := os.WriteFile(specPath, sb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".md", []byte(f.readme), 0o644); err != nil {
		t.Fatal(err)
	}

	o := casecheck.Check(context.Background(), specPath, false)
	if !o.Passed() {
		var b bytes.Buffer
		casecheck.Report(&b, []casecheck.Outcome{o})
		t.Errorf("the recording does not meet the scenario's expectations:\n%s\ntrace output:\n%s", b.String(), out.String())
	}
}

// helpers for expectations

func ep(kind, asset string, amount *big.Int) casecheck.EndpointExpect {
	return casecheck.EndpointExpect{Kind: kind, Asset: asset, Amount: amount.String()}
}

func epLabel(kind, lbl, asset string, amount *big.Int) casecheck.EndpointExpect {
	e := ep(kind, asset, amount)
	e.Label = lbl
	return e
}

func epCount(kind, asset string, amount *big.Int, n int) casecheck.EndpointExpect {
	e := ep(kind, asset, amount)
	e.Count = &n
	return e
}

func mul(v *big.Int, n int64) *big.Int { return new(big.Int).Mul(v, big.NewInt(n)) }

func sub(a *big.Int, bs ...*big.Int) *big.Int {
	s := new(big.Int).Set(a)
	for _, b := range bs {
		s.Sub(s, b)
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// memoFlags are --memo-chain values, CODE=CHAIN, sorted.
func memoFlags(m map[string]string) []string {
	var out []string
	for _, code := range sortedKeys(m) {
		out = append(out, code+"="+m[code])
	}
	return out
}

// linkChains are the chain names of --link CHAIN=URL values (URLs carry
// credentials and ports that differ on every run: never written to a spec).
func linkChains(links []string) []string {
	var out []string
	for _, l := range links {
		c, _, _ := strings.Cut(l, "=")
		out = append(out, c)
	}
	return out
}
