package opening

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

func fromFlags(t *testing.T, args ...string) Options {
	t.Helper()
	o := Defaults()
	fs := pflag.NewFlagSet("trace", pflag.ContinueOnError)
	o.AddSourceFlags(fs)
	o.AddTraceFlags(fs)
	o.AddLabelFlags(fs)
	o.AddRecordFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func fromSpec(t *testing.T, y string) (Options, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(y), &n); err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	var m *yaml.Node
	if len(n.Content) > 0 {
		m = n.Content[0]
	}
	err := o.ApplySpec(m)
	o.spec = false
	return o, err
}

// Registering the flags changes nothing: the flags' defaults are Defaults().
func TestFlagDefaultsAreDefaults(t *testing.T) {
	if got := fromFlags(t); !reflect.DeepEqual(got, Defaults()) {
		t.Errorf("flag defaults differ from Defaults():\n%+v\n%+v", got, Defaults())
	}
	got, err := fromSpec(t, "")
	if err != nil || !reflect.DeepEqual(got, Defaults()) {
		t.Errorf("an empty spec differs from Defaults(): %v\n%+v", err, got)
	}
}

// A spec and a command line saying the same thing give the same options.
func TestSpecMeansWhatFlagsMean(t *testing.T) {
	flags := fromFlags(t, "--policy", "fifo", "--hops", "7", "--min-amount", "0.5", "--from-block", "2024-02-21",
		"--to-block", "900", "--max-addresses", "50", "--address-budget", "20", "--stop-at", "exchange,dex",
		"--through", "0xabc", "--deposit-rule=false", "--deposit-alpha", "0.02", "--deposit-tau", "10",
		"--no-swaps", "--concurrency", "2", "--heuristics", "change", "--mixer-candidates=false", "--mixer-window", "9")
	spec, err := fromSpec(t, `
policy: fifo
hops: 7
min-amount: "0.5"
from-block: 2024-02-21
to-block: 900
max-addresses: 50
address-budget: 20
stop-at: [exchange, dex]
through: ["0xabc"]
deposit-rule: false
deposit-alpha: "0.02"
deposit-tau: 10
no-swaps: true
concurrency: 2
heuristics: [change]
mixer-candidates: false
mixer-window: 9
`)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(flags, spec) {
		t.Errorf("flags and spec differ:\n%+v\n%+v", flags, spec)
	}
	if flags.FromTime.IsZero() || flags.Hops != 7 || flags.DepositRule {
		t.Errorf("the flags were not applied: %+v", flags)
	}
	// An empty list is "none", as --stop-at "" is.
	none, err := fromSpec(t, "stop-at: []\nheuristics: []")
	if err != nil {
		t.Fatal(err)
	}
	to, err := none.Trace(graph.Asset{Symbol: "ETH", Decimals: 18})
	if err != nil || to.StopAt == nil || len(to.StopAt) != 0 || to.ChangeHeuristic || to.CoinJoinHeuristic {
		t.Errorf("empty lists: %v %+v", err, to)
	}
}

// The deposit α is in human units of the native coin everywhere.
func TestDepositAlphaUnits(t *testing.T) {
	o := Defaults()
	for _, c := range []struct {
		asset graph.Asset
		want  string
	}{{graph.Asset{Symbol: "ETH", Decimals: 18}, "10000000000000000"}, {graph.Asset{Symbol: "BTC", Decimals: 8}, "1000000"}} {
		to, err := o.Trace(c.asset)
		if err != nil || to.DepositAlpha.String() != c.want {
			t.Errorf("%s: α = %v, %v; want %s", c.asset.Symbol, to.DepositAlpha, err, c.want)
		}
	}
	o.DepositAlpha = "0.000000001"
	if _, err := o.Trace(graph.Asset{Symbol: "BTC", Decimals: 8}); err == nil || !strings.Contains(err.Error(), "--deposit-alpha 0.000000001 has more decimal places than BTC has (8)") {
		t.Errorf("err = %v", err)
	}
}

func TestSpecErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"hopz: 3", "options.hopz (line 1): unknown option (the options are the trace flags: "},
		{"max_hops: 3", "options.max_hops (line 1): renamed to the flag's name: write hops"},
		{"deposit_alpha: \"1000000\"", `write deposit-alpha, in native units as the flag takes it ("0.01", not "10000000000000000")`},
		{"change_heuristic: true", "write heuristics: [change, coinjoin]"},
		{"mixer_window: 5", "options.mixer_window (line 1): unknown option; did you mean mixer-window (the --mixer-window flag)?"},
		{"hops: abc", `options.hops (line 1): "abc": want a whole number`},
		{"deposit-tau: -1", `options.deposit-tau (line 1): "-1": want a whole number, 0 or more`},
		{"deposit-rule: maybe", `options.deposit-rule (line 1): "maybe": want true or false`},
		{"hops: [1, 2]", "options.hops (line 1): want one value, not a list"},
		{"hops:", "options.hops (line 1): no value: give one, or drop the key for the default (5)"},
		{"stop-at: {a: b}", "options.stop-at (line 1): want a value such as [exchange,deposit,mixer,bridge]"},
		{"labels: [x.csv]", `options.labels (line 1): give label files as the spec's top-level "labels"`},
		{"hops: 2\nhops: 3", "options.hops (line 2): given twice"},
		{"from-block: yesterday", `options.from-block (line 1): "yesterday": "yesterday" is neither a block number nor a date/time`},
	} {
		_, err := fromSpec(t, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v\nwant %q", c.spec, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "strconv") || strings.Contains(err.Error(), "opening.")) {
			t.Errorf("%q: a Go name leaks: %v", c.spec, err)
		}
	}
	var n yaml.Node
	yaml.Unmarshal([]byte("- hops"), &n)
	o := Defaults()
	if err := o.ApplySpec(n.Content[0]); err == nil || !strings.Contains(err.Error(), "want a mapping of trace flag names to values") {
		t.Errorf("a list for options: %v", err)
	}
}

// Values a spec gives are checked as the flags' are, and the message names
// the spec's key, not a flag.
func TestCheckNamesSpecKeys(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"hops: 0", "options.hops 0: want 1 or more"},
		{"policy: fair", `options.policy "fair": unknown policy, want one of poison, haircut, fifo, lifo, tiho`},
		{"stop-at: [exchnage]", `options.stop-at "exchnage": want one of deposit, exchange`},
		{"heuristics: [peel]", `options.heuristics "peel": want any of change, coinjoin`},
		{"deposit-alpha: 1e-2", `options.deposit-alpha "1e-2": want a plain non-negative decimal number`},
		{"min-amount: -1", `options.min-amount "-1": want a plain non-negative decimal number`},
		{"from-block: 10\nto-block: 5", "options.from-block 10 is after options.to-block 5"},
		{"follow-candidates: 101", "options.follow-candidates 101: want a score from 1 to 100"},
	} {
		var n yaml.Node
		yaml.Unmarshal([]byte(c.spec), &n)
		o := Defaults()
		if err := o.ApplySpec(n.Content[0]); err != nil {
			t.Fatalf("%q: %v", c.spec, err)
		}
		err := o.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, trace.ErrBadInput) {
			t.Errorf("%q: err = %v\nwant %q", c.spec, err, c.want)
		}
	}
	o := Defaults()
	o.Hops = 0
	if err := o.Check(); err == nil || !strings.Contains(err.Error(), "--hops 0: want 1 or more") {
		t.Errorf("flags: err = %v", err)
	}
}

// A JSON result carries the options that produced it: ApplyResult onto the
// defaults gives back the trace options of the command line that traced it,
// on an account and a UTXO case; an option given on the command line wins
// and is named.
func TestApplyResultRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		demo string
		args []string
	}{
		{"demo", []string{"--policy", "poison", "--hops", "3", "--min-amount", "0.25", "--max-addresses", "50", "--address-budget", "20",
			"--stop-at", "exchange,dex", "--through", "0x1111111111111111111111111111111111111111", "--deposit-alpha", "0.5", "--deposit-tau", "77", "--no-swaps"}},
		{"demo", []string{"--deposit-rule=false", "--stop-at", ""}},
		{"demo-btc", []string{"--policy", "fifo", "--hops", "2", "--heuristics", "coinjoin", "--deposit-tau", "9"}},
		{"demo-btc", []string{"--heuristics", ""}},
	} {
		o := fromFlags(t, append([]string{"--case", tc.demo}, tc.args...)...)
		src, err := Open(ctx, &o, Env{})
		if err != nil {
			t.Fatal(err)
		}
		native := src.Source.Info().Native
		want, err := o.Trace(native)
		if err != nil {
			t.Fatal(err)
		}
		res, err := trace.Run(ctx, src.Source, src.Seeds, want)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		back := Defaults()
		differ, err := back.ApplyResult(res, func(string) bool { return false })
		if err != nil || differ != nil {
			t.Fatalf("%s %v: ApplyResult: %v, differ %v", tc.demo, tc.args, err, differ)
		}
		got, err := back.Trace(native)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got.StopAt) // a set: the result keeps it sorted
		slices.Sort(want.StopAt)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %v: options from the result\n%+v\nwant\n%+v", tc.demo, tc.args, got, want)
		}
		// --hops given: kept, and named
		cl := fromFlags(t, "--hops", "9")
		differ, err = cl.ApplyResult(res, func(n string) bool { return n == "hops" })
		if err != nil || cl.Hops != 9 || len(differ) != 1 || !strings.HasPrefix(differ[0], "--hops 9 (recorded: ") {
			t.Errorf("%s: given --hops 9: hops %d, differ %v, err %v", tc.demo, cl.Hops, differ, err)
		}
	}
}

// A watch reads its case offline and polls the live node: --rps and --rpc
// with a case are the live node's (trace's Precheck refuses --rps there), and
// --link is refused (a watch follows one chain).
func TestPrecheckWatch(t *testing.T) {
	o := fromFlags(t, "--case", "demo", "--rps", "2")
	if err := o.Precheck(Env{}); err == nil {
		t.Fatal("trace's Precheck accepted --rps with an offline case")
	}
	if err := o.PrecheckWatch(Env{}); err != nil {
		t.Fatalf("watch: --case demo --rps 2: %v", err)
	}
	o = fromFlags(t, "--case", "demo", "--link", "btc=http://127.0.0.1:1")
	if err := o.PrecheckWatch(Env{}); !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "--link: a watch follows one chain") {
		t.Fatalf("watch --link: %v", err)
	}
	o = fromFlags(t, "--case", "demo", "--hops", "0")
	if err := o.PrecheckWatch(Env{}); err == nil {
		t.Fatal("watch --hops 0 accepted")
	}
}
