package main

import (
	"slices"
	"strings"
	"testing"
)

func TestHintsSuggestTheNextCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"trace", "--case", "demo", "--hops=3"},
			[]string{"stopped at the hop limit (--hops 3)", "    chaintrace trace --case demo --hops 8\n",
				"reached exchanges: write the freeze request", "    chaintrace trace --case demo --hops=3 --format report --out freeze-request.md\n"}, nil},
		{[]string{"trace", "--case", "demo", "--address-budget", "2", "--paths"},
			[]string{"reached high-activity addresses (unlabelled, more than 2 transfers", "    chaintrace trace --case demo --paths --address-budget 20\n",
				"draw the fund flow with:", "--format dot --out flow.dot"},
			[]string{"hop limit"}},
		{[]string{"trace", "--case", "demo-btc", "-f", "text", "--width", "0"},
			[]string{"1.01 BTC (3 endpoints) reached exchanges", "    chaintrace trace --case demo-btc --format report --out freeze-request.md\n"},
			[]string{"-f text", "--width"}},
		{[]string{"trace", "--case", "demo", "--max-addresses", "3"},
			[]string{"was not followed: --max-addresses 3 ran out; raise it with:", "    chaintrace trace --case demo --max-addresses 30\n",
				"see each endpoint's transactions with:", "    chaintrace trace --case demo --max-addresses 3 --paths\n"},
			[]string{"freeze request"}},
		{[]string{"trace", "--case", "demo", "--min-amount", "5"},
			[]string{"was below --min-amount 5 and not followed; lower it to follow the small flows too"}, nil},
	} {
		r := runCLI(t, nil, c.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, r.code, r.errOut)
		}
		_, next, ok := strings.Cut(r.out, "\nnext\n")
		if !ok {
			t.Errorf("%v: no next section:\n%s", c.args, r.out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(next, w) {
				t.Errorf("%v: next section lacks %q:\n%s", c.args, w, next)
			}
		}
		for _, w := range c.not {
			if strings.Contains(next, w) {
				t.Errorf("%v: next section has %q:\n%s", c.args, w, next)
			}
		}
	}
	// Machine formats carry no hints.
	if r := runCLI(t, nil, "trace", "--case", "demo", "--format", "csv"); strings.Contains(r.out, "freeze-request") {
		t.Error("the CSV output carries a hint")
	}
}

func TestWithoutFlags(t *testing.T) {
	argv := []string{"trace", "--case", "demo", "-o", "x.txt", "--format=json", "-fcsv", "--paths", "--hops", "3", "0xabc", "--", "--out"}
	got := withoutFlags(argv, "out", "o", "format", "f", "paths")
	want := []string{"chaintrace", "trace", "--case", "demo", "--hops", "3", "0xabc", "--", "--out"}
	if !slices.Equal(got, want) {
		t.Errorf("withoutFlags = %q, want %q", got, want)
	}
	if s := shellJoin([]string{"chaintrace", "--labels", "my labels.csv", "it's", "a:b,c"}); s != `chaintrace --labels 'my labels.csv' 'it'\''s' a:b,c` {
		t.Errorf("shellJoin = %s", s)
	}
}
