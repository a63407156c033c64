package main

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/render"
)

// traceHints are the text output's last lines, under "next": what the result
// suggests doing, each with the command to run. They are built from the
// result and the command line as given, so they are as deterministic as the
// rest of the output.
func traceHints(res *graph.Result, o *TraceOptions, argv []string) []string {
	if res == nil {
		return nil
	}
	var hs []string
	add := func(text string, cmd []string) {
		hs = append(hs, text)
		if cmd != nil {
			hs = append(hs, "  "+shellJoin(cmd))
		}
	}
	sums := kindSums(res)
	if s := sums[graph.EndHopLimit]; s != nil {
		hops := o.Hops
		if v, err := strconv.Atoi(res.Params["hops"]); err == nil {
			hops = v
		}
		more := strconv.Itoa(hops + 5)
		add(fmt.Sprintf("%s stopped at the hop limit (--hops %d), not where the money stopped: follow %s further with:",
			s.describe(res), hops, s.them()), withFlag(argv, "hops", more))
	}
	if s := sums[graph.EndHighActivity]; s != nil {
		budget := res.Params["address_budget"]
		add(fmt.Sprintf("%s reached high-activity addresses (unlabelled, more than %s transfers: likely a service): label %s (--labels FILE, see chaintrace labels --help), or follow through with:",
			s.describe(res), budget, s.them()), withFlag(argv, "address-budget", raise(budget, 10)))
	}
	if s := sums[graph.EndAddressLimit]; s != nil {
		add(fmt.Sprintf("%s was not followed: --max-addresses %s ran out; raise it with:",
			s.describe(res), res.Params["max_addresses"]), withFlag(argv, "max-addresses", raise(res.Params["max_addresses"], 10)))
	}
	if s := sums[graph.EndBelowThreshold]; s != nil && res.Params["min_amount"] != "" {
		add(fmt.Sprintf("%s was below --min-amount %s and not followed; lower it to follow the small flows too",
			s.describe(res), res.Params["min_amount"]), nil)
	}
	if res.Error != "" {
		add("the trace stopped early (see error above): run it again to finish; what was fetched is cached", nil)
	}
	ex := sums[graph.EndExchange].merge(sums[graph.EndExchangeDeposit])
	switch {
	case ex != nil && o.Format == "text":
		add(fmt.Sprintf("%s reached exchanges: write the freeze request (deposit addresses, transactions, amounts, times) with:",
			ex.describe(res)), reportCommand(argv))
	case !o.Paths:
		add("see each endpoint's transactions with:", withFlag(argv, "paths", ""))
	default:
		add("draw the fund flow with:", append(withoutFlags(argv, "format", "f", "out", "o", "paths", "width"), "--format", "dot", "--out", "flow.dot"))
	}
	return hs
}

// endSum is what the endpoints of some kinds hold, per asset.
type endSum struct {
	n      int
	amount map[string]*big.Int
}

func kindSums(res *graph.Result) map[string]*endSum {
	m := map[string]*endSum{}
	for _, e := range res.Endpoints {
		s := m[e.Kind]
		if s == nil {
			s = &endSum{amount: map[string]*big.Int{}}
			m[e.Kind] = s
		}
		s.n++
		if s.amount[e.Asset] == nil {
			s.amount[e.Asset] = new(big.Int)
		}
		if e.Amount != nil {
			s.amount[e.Asset].Add(s.amount[e.Asset], e.Amount)
		}
	}
	return m
}

func (s *endSum) merge(t *endSum) *endSum {
	if s == nil {
		return t
	}
	if t == nil {
		return s
	}
	out := &endSum{n: s.n + t.n, amount: map[string]*big.Int{}}
	for _, x := range []*endSum{s, t} {
		for a, v := range x.amount {
			if out.amount[a] == nil {
				out.amount[a] = new(big.Int)
			}
			out.amount[a].Add(out.amount[a], v)
		}
	}
	return out
}

// describe is "3 endpoints holding 6.4866 ETH and 500 USDC".
func (s *endSum) describe(res *graph.Result) string {
	var parts []string
	for _, id := range res.AssetIDs() {
		if v := s.amount[id]; v != nil {
			parts = append(parts, render.RoundAmount(v, res.AssetOf(id), 4))
		}
	}
	what := "1 endpoint"
	if s.n != 1 {
		what = fmt.Sprintf("%d endpoints", s.n)
	}
	if len(parts) == 0 {
		return what
	}
	return strings.Join(parts, " and ") + " (" + what + ")"
}

func (s *endSum) them() string {
	if s.n == 1 {
		return "it"
	}
	return "them"
}

// raise multiplies a numeric parameter, for a hint's suggested value.
func raise(v string, by int) string {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return v
	}
	return strconv.Itoa(n * by)
}

// reportCommand is the command line that writes the freeze request for this
// trace: the same sources and options, --format report to a file.
func reportCommand(argv []string) []string {
	return append(withoutFlags(argv, "format", "f", "out", "o", "paths", "width", "color", "nodes-out"),
		"--format", "report", "--out", "freeze-request.md")
}

// withFlag is argv with --name set to value (replacing what argv gave it); a
// boolean flag has value "".
func withFlag(argv []string, name, value string) []string {
	out := withoutFlags(argv, name)
	if value == "" {
		return append(out, "--"+name)
	}
	return append(out, "--"+name, value)
}

// boolFlags take no separate value on the command line.
var boolFlags = map[string]bool{
	"paths": true, "quiet": true, "q": true, "no-swaps": true, "no-cache": true,
	"deposit-rule": true, "mixer-candidates": true, "force": true, "help": true,
}

// withoutFlags is argv (the program name left out) without the named flags
// and their values, in either form (--out F, --out=F, -o F).
func withoutFlags(argv []string, names ...string) []string {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	out := []string{"chaintrace"}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			out = append(out, argv[i:]...)
			break
		}
		name, hasValue := "", false
		switch {
		case strings.HasPrefix(a, "--"):
			name = strings.TrimPrefix(a, "--")
		case strings.HasPrefix(a, "-") && len(a) >= 2:
			name = a[1:2]
			hasValue = len(a) > 2
		default:
			out = append(out, a)
			continue
		}
		if k, _, ok := strings.Cut(name, "="); ok {
			name, hasValue = k, true
		}
		if !drop[name] {
			out = append(out, a)
			continue
		}
		if !hasValue && !boolFlags[name] && i+1 < len(argv) {
			i++ // the flag's value
		}
	}
	return out
}

// shellJoin quotes what a POSIX shell would split or expand.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+%", r))
		}) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
