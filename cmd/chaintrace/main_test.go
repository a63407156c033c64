package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/chains/jsoncase"
	goldenfile "github.com/chaintrace/chaintrace/internal/golden"
	"github.com/chaintrace/chaintrace/internal/opening"
	"github.com/chaintrace/chaintrace/trace"
)

func TestMain(m *testing.M) {
	version = "test" // goldens must not depend on the commit they were made at
	os.Exit(m.Run())
}

type result struct {
	code        int
	out, errOut string
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	return result{code, out.String(), errOut.String()}
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	badCase := filepath.Join(dir, "bad.json")
	os.WriteFile(badCase, []byte(`{"format":"chaintrace-case/v1","chain":"eth","family":"account",
		"native":{"id":"ETH","symbol":"ETH","decimals":18},"tip":2,
		"blocks":[{"number":1,"hash":"0x`+strings.Repeat("ab", 32)+`","time":1}],
		"transfers":[{"asset":"ETH","kind":"value","tx":"0x`+strings.Repeat("cd", 32)+`","block":1,
		"from":"0x1111111111111111111111111111111111111111","to":"0x2222222222222222222222222222222222222222","amount":"1.5"}]}`), 0o644)
	badLabels := filepath.Join(dir, "labels.csv")
	os.WriteFile(badLabels, []byte("chain,address,label,category,source,confidence\neth,0x12,x,exchange,me,200\n"), 0o644)
	const btcAddr = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
	const ethAddr = "0x1111111111111111111111111111111111111111"
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // substrings of stderr
	}{
		{"unknown flag", nil, []string{"trace", "--case", "demo", "--bogus"}, []string{"unknown flag: --bogus", "chaintrace trace --help"}},
		{"unknown command", nil, []string{"frobnicate"}, []string{`unknown command "frobnicate"`, "trace"}},
		{"malformed seed", nil, []string{"trace", "--case", "demo", "0xnothex"}, []string{`seed "0xnothex"`, "transaction hash"}},
		{"bitcoin address on eth", nil, []string{"trace", "--case", "demo", btcAddr}, []string{btcAddr, "not an EVM address"}},
		{"eth address on btc", nil, []string{"trace", "--case", "demo-btc", ethAddr}, []string{ethAddr, "not a Bitcoin address"}},
		{"unknown tx", nil, []string{"trace", "--case", "demo", "0x" + strings.Repeat("0", 64)}, []string{"not in the case file"}},
		{"unknown chain", nil, []string{"trace", "--chain", "dogecoin", ethAddr}, []string{"dogecoin"}},
		{"missing case file", nil, []string{"trace", "--case", filepath.Join(dir, "nope.json")}, []string{"nope.json", "does not exist"}},
		{"unknown demo", nil, []string{"trace", "--case", "nodemo"}, []string{`"nodemo"`, "demo, demo-btc"}},
		{"invalid case file", nil, []string{"trace", "--case", badCase}, []string{"bad.json", "transfers[0].amount", `"1.5"`}},
		{"case and chain disagree", nil, []string{"trace", "--case", "demo", "--chain", "btc"}, []string{"--chain btc", "case file's chain eth"}},
		{"case and rpc", nil, []string{"trace", "--case", "demo", "--rpc", "http://127.0.0.1:1"}, []string{"--rpc and --case"}},
		{"bad policy", nil, []string{"trace", "--case", "demo", "--policy", "fair"}, []string{`"fair"`, "haircut"}},
		{"bad format", nil, []string{"trace", "--case", "demo", "--format", "xml"}, []string{`--format "xml"`, "text, json, dot, csv"}},
		{"zero hops", nil, []string{"trace", "--case", "demo", "--hops", "0"}, []string{"--hops 0"}},
		{"bad hops", nil, []string{"trace", "--case", "demo", "--hops", "many"}, []string{`"many"`, "--hops"}},
		{"bad min amount", nil, []string{"trace", "--case", "demo", "--min-amount", "1e3"}, []string{`--min-amount "1e3"`, "decimal"}},
		{"bad stop-at", nil, []string{"trace", "--case", "demo", "--stop-at", "casino"}, []string{`"casino"`, "exchange"}},
		{"alpha too precise", nil, []string{"trace", "--case", "demo-btc", "--deposit-alpha", "0.000000001"}, []string{"--deposit-alpha", "8"}},
		{"bad label file", nil, []string{"trace", "--case", "demo", "--labels", badLabels}, []string{"labels.csv"}},
		{"missing label file", nil, []string{"trace", "--case", "demo", "--labels", filepath.Join(dir, "none.csv")}, []string{"none.csv"}},
		{"out dir missing", nil, []string{"trace", "--case", "demo", "--out", filepath.Join(dir, "no", "x.json")}, []string{"--out", "does not exist"}},
		{"bad env value", map[string]string{"CHAINTRACE_HOPS": "lots"}, []string{"trace", "--case", "demo"}, []string{`CHAINTRACE_HOPS="lots"`, "--hops"}},
		{"env unknown chain", map[string]string{"CHAINTRACE_CHAIN": "dogecoin"}, []string{"trace", ethAddr}, []string{"dogecoin"}},
		{"version takes no args", nil, []string{"version", "x"}, []string{"takes no arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != exitInput {
				t.Errorf("exit code %d, want %d\nstderr: %s", r.code, exitInput, r.errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
			if strings.Contains(r.errOut, "goroutine ") || strings.Contains(r.errOut, "panic") {
				t.Errorf("stack trace on stderr:\n%s", r.errOut)
			}
			if strings.Count(r.errOut, "\n") > 2 && tc.name != "bad label file" { // that one lists every bad line
				t.Errorf("want a short message, got:\n%s", r.errOut)
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

func TestDemoGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		args []string
	}{
		{"demo.txt", []string{"trace", "--case", "demo", "--paths"}},
		{"demo.json", []string{"trace", "--case", "demo", "--format", "json"}},
		{"demo.dot", []string{"trace", "--case", "demo", "--format", "dot"}},
		{"demo.csv", []string{"trace", "--case", "demo", "--format", "csv"}},
		{"demo-btc.txt", []string{"trace", "--case", "demo-btc"}},
		{"demo-btc.json", []string{"trace", "--case", "demo-btc", "--format", "json"}},
		{"demo-fifo.txt", []string{"trace", "--case", "demo", "--policy", "fifo", "--min-amount", "0.01"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			golden(t, tc.file, []byte(r.out))
			// Two runs give the same bytes.
			if again := runCLI(t, nil, tc.args...); again.out != r.out {
				t.Errorf("second run differs")
			}
		})
	}
}

func TestNodesOutAndOutFile(t *testing.T) {
	dir := t.TempDir()
	out, nodes := filepath.Join(dir, "edges.csv"), filepath.Join(dir, "nodes.csv")
	r := runCLI(t, nil, "trace", "--case", "demo", "--format", "csv", "--out", out, "--nodes-out", nodes)
	if r.code != 0 || r.out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.out, r.errOut)
	}
	edges, _ := os.ReadFile(out)
	golden(t, "demo.csv", edges) // the same bytes as on standard output
	nb, _ := os.ReadFile(nodes)
	golden(t, "demo-nodes.csv", nb)
}

func TestDemoJSONFacts(t *testing.T) {
	// Independent of the golden file: the figures the demo was built to show.
	r := runCLI(t, nil, "trace", "--case", "demo", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		Chain, Policy string
		Seeds         []string
		Endpoints     []struct{ Kind, Address, Label, Asset, Amount string }
		Totals        map[string]struct{ Seed string }
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Chain != "eth" || doc.Policy != "haircut" || len(doc.Seeds) != 2 {
		t.Errorf("chain %q policy %q seeds %v", doc.Chain, doc.Policy, doc.Seeds)
	}
	if doc.Totals["ETH"].Seed != "1736000000000000000000" {
		t.Errorf("ETH seed = %s, want 1736 ETH in wei", doc.Totals["ETH"].Seed)
	}
	if doc.Totals["0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"].Seed != "255000000000" {
		t.Errorf("USDC seed = %+v", doc.Totals)
	}
	kinds := map[string]int{}
	for _, e := range doc.Endpoints {
		kinds[e.Kind]++
		if e.Kind == "mixer" && e.Address != "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291" {
			t.Errorf("mixer endpoint at %s", e.Address)
		}
	}
	// Two deposit addresses of exchange B and one each of A and C, plus one more
	// found at hop 5 (the tracer looks one step past the last hop for the deposit
	// rule); two exchange hot wallets paid directly; the Tornado pool; the peel
	// chain past hop 5.
	for k, n := range map[string]int{"exchange-deposit": 5, "exchange": 2, "mixer": 1, "hop-limit": 1} {
		if kinds[k] != n {
			t.Errorf("%d %s endpoints, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
}

func TestEnvironmentFlags(t *testing.T) {
	env := map[string]string{"CHAINTRACE_POLICY": "fifo", "CHAINTRACE_FORMAT": "json", "CHAINTRACE_CASE": "demo", "CHAINTRACE_STOP_AT": "exchange, mixer"}
	r := runCLI(t, env, "trace")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, `"policy": "fifo"`) || !strings.Contains(r.out, "\"stop_at\": [\n      \"exchange\",\n      \"mixer\"\n    ]") {
		t.Errorf("environment not applied:\n%.600s", r.out)
	}
	// The command line wins over the environment.
	r = runCLI(t, env, "trace", "--policy", "lifo")
	if !strings.Contains(r.out, `"policy": "lifo"`) {
		t.Errorf("--policy lifo lost to CHAINTRACE_POLICY:\n%.300s", r.out)
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.out, "chaintrace test go") {
		t.Errorf("version: exit %d, %q", r.code, r.out)
	}
	r = runCLI(t, nil, "--version")
	if r.code != 0 || r.out != "chaintrace test\n" {
		t.Errorf("--version: exit %d, %q", r.code, r.out)
	}
	r = runCLI(t, nil, "completion", "bash")
	if r.code != 0 || !strings.Contains(r.out, "chaintrace") {
		t.Errorf("completion bash: exit %d, stderr %s", r.code, r.errOut)
	}
}

// interrupting cancels the trace's context after n history lookups, as Ctrl-C would.
type interrupting struct {
	*jsoncase.Account
	n      int
	cancel context.CancelFunc
}

func (s *interrupting) History(ctx context.Context, q trace.HistoryQuery) (trace.History, error) {
	if s.n--; s.n < 0 {
		s.cancel()
		return trace.History{}, ctx.Err()
	}
	return s.Account.History(ctx, q)
}

func TestInterruptKeepsPartialResult(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	o := &TraceOptions{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Options: opening.Defaults(), Format: "json"}
	o.Case, o.MaxAddresses, o.AddressBudget, o.Concurrency = "demo", 100, 100, 1
	o.wrap = func(s trace.Source) trace.Source { return &interrupting{s.(*jsoncase.Account), 3, cancel} }
	err := runTrace(ctx, o)
	if err == nil || exitCode(err) != exitRuntime || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v (exit %d), want an interruption with exit 1", err, exitCode(err))
	}
	var doc struct {
		Complete  bool
		Error     string
		Endpoints []struct{ Kind string }
		Totals    map[string]struct{ Seed string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("partial output is not JSON: %v\n%s", err, out.String())
	}
	incomplete := 0
	for _, e := range doc.Endpoints {
		if e.Kind == "incomplete" {
			incomplete++
		}
	}
	if doc.Complete || doc.Error == "" || incomplete == 0 || doc.Totals["ETH"].Seed != "1736000000000000000000" {
		t.Errorf("partial result: complete=%v error=%q incomplete endpoints=%d totals=%v", doc.Complete, doc.Error, incomplete, doc.Totals)
	}
}

func TestNodeDownExitsOne(t *testing.T) {
	// Port 1 on the loopback refuses connections at once: a node that is down.
	r := runCLI(t, nil, "trace", "--chain", "eth", "--rpc", "http://127.0.0.1:1", "0x"+strings.Repeat("1", 64))
	if r.code != exitRuntime {
		t.Errorf("exit %d, want %d; stderr: %s", r.code, exitRuntime, r.errOut)
	}
	if !strings.Contains(r.errOut, "127.0.0.1:1") || strings.Contains(r.errOut, "goroutine ") {
		t.Errorf("stderr should name the endpoint without a stack trace:\n%s", r.errOut)
	}
	r = runCLI(t, nil, "trace", "--chain", "eth", "--rps", "-1", "0x"+strings.Repeat("1", 64))
	if r.code != exitInput || !strings.Contains(r.errOut, "--rps -1") {
		t.Errorf("--rps -1: exit %d, stderr %s", r.code, r.errOut)
	}
}

// BenchmarkTraceDemo is the whole command: parse the embedded case, load labels,
// trace, render JSON.
func BenchmarkTraceDemo(b *testing.B) {
	for b.Loop() {
		var out, errOut bytes.Buffer
		if code := run([]string{"trace", "--case", "demo", "--format", "json"}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
}

func TestLabelsFromEnvironment(t *testing.T) {
	// Two label files through CHAINTRACE_LABELS (comma-separated): the second one
	// names the thief's address, which the demo leaves unlabelled.
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("chain,address,label,category,source,confidence\n"), 0o644)
	os.WriteFile(b, []byte("chain,address,label,category,source,confidence\neth,0x92d0e2c6c27e1cf833c1d91a85b8fa053161cbd8,Ronin exploiter (demo),hacker,test,100\n"), 0o644)
	r := runCLI(t, map[string]string{"CHAINTRACE_LABELS": a + "," + b}, "trace", "--case", "demo")
	if r.code != 0 || !strings.Contains(r.out, "Ronin exploiter (demo)") {
		t.Errorf("exit %d; label from CHAINTRACE_LABELS missing:\n%s%s", r.code, r.out, r.errOut)
	}
	// --labels on the command line replaces the environment's list.
	r = runCLI(t, map[string]string{"CHAINTRACE_LABELS": b}, "trace", "--case", "demo", "--labels", a)
	if r.code != 0 || strings.Contains(r.out, "Ronin exploiter (demo)") {
		t.Errorf("--labels did not override CHAINTRACE_LABELS:\n%s", r.out)
	}
}

func TestDemoBTCFacts(t *testing.T) {
	r := runCLI(t, nil, "trace", "--case", "demo-btc", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		Family    string
		Seeds     []string
		Endpoints []struct{ Kind, Address, Label, Amount string }
		Totals    map[string]struct{ Seed, Fees string }
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	// Three theft withdrawals of 5.9754, 4 and 2 BTC, each paying a 0.0001 BTC fee.
	if doc.Family != "utxo" || len(doc.Seeds) != 3 || doc.Totals["BTC"].Seed != "1197510000" {
		t.Errorf("family %q, %d seeds, totals %+v; want utxo, 3, seed 11.9751 BTC", doc.Family, len(doc.Seeds), doc.Totals)
	}
	// Four peels of 0.0002 BTC fee each: taint pays them all (the peel chain's
	// inputs are wholly stolen).
	if doc.Totals["BTC"].Fees != "80000" {
		t.Errorf("fees %s, want 80000 sat", doc.Totals["BTC"].Fees)
	}
	got := map[string]string{}
	for _, e := range doc.Endpoints {
		if e.Kind == "exchange-deposit" || e.Kind == "exchange" || e.Label == "Darknet market (demo)" {
			got[e.Kind+" "+e.Amount] = e.Label
		}
	}
	// The last peel pays the exchange's labelled hot wallet itself: that is an
	// exchange endpoint, and the change it spends is not a deposit (the payment
	// is not a sweep). The darknet market (a labelled service the trace does
	// not stop at) keeps its 0.35 BTC: a service endpoint, not unspent.
	for _, k := range []string{"exchange-deposit 42000000", "exchange-deposit 28000000", "service 35000000", "exchange 31000000"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no endpoint %q in %v", k, got)
		}
	}
}

// The README shows part of the demo's output; it must be what the demo prints.
func TestReadmeDemoExcerpt(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "It prints (abridged):\n\n```\n")
	excerpt, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no demo excerpt after \"It prints (abridged):\"")
	}
	r := runCLI(t, nil, "trace", "--case", "demo")
	out := strings.Split(r.out, "\n")
	for _, line := range strings.Split(strings.TrimRight(excerpt, "\n"), "\n") {
		if line == "" {
			continue
		}
		prefix, cut := strings.CutSuffix(line, " …")
		found := false
		for _, o := range out {
			if o == line || cut && strings.HasPrefix(o, prefix) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md shows a line the demo does not print (update the excerpt):\n%s", line)
		}
	}
}

// The README quotes the demo's mixer figure with --no-swaps next to the one the
// swap rule gives; both must be what the demo prints.
func TestReadmeNoSwapsFigure(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	mixer := func(args ...string) string {
		r := runCLI(t, nil, append([]string{"trace", "--case", "demo"}, args...)...)
		for _, l := range strings.Split(r.out, "\n") {
			if f := strings.Fields(l); len(f) > 3 && f[0] == "mixer" {
				amt := ""
				for i, w := range f {
					if w == "ETH" && i > 0 {
						amt = f[i-1] // the last one: the label says "100 ETH" too
					}
				}
				return amt
			}
		}
		t.Fatalf("no mixer row in the demo output %v", args)
		return ""
	}
	want := "the mixer gets " + mixer("--no-swaps") + " ETH instead\nof " + mixer()
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md should say %q", want)
	}
}
