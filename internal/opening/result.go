package opening

import (
	"math/big"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// ApplyResult sets the trace options a JSON result recorded (its policy and
// "params", trace.Run's names) that given says were not given on the command
// line, so what continues a result (watch --result) follows the policy and
// options that produced it. It returns the options given with a value other
// than the result's, for a message, as applyValues does for recorded cases.
// Options a result does not record (concurrency, heuristics on account
// chains, the mixer search) keep their values.
func (o *Options) ApplyResult(res *graph.Result, given func(string) bool) (differ []string, err error) {
	p := res.Params
	vals := map[string][]string{}
	if res.Policy != "" {
		vals["policy"] = []string{res.Policy}
	}
	for key, flag := range map[string]string{"hops": "hops", "address_budget": "address-budget", "max_addresses": "max-addresses",
		"deposit_rule": "deposit-rule", "deposit_tau": "deposit-tau", "min_amount": "min-amount"} {
		if v, ok := p[key]; ok {
			vals[flag] = []string{v}
		}
	}
	if v, ok := p["stop_at"]; ok {
		vals["stop-at"] = nonEmpty(strings.Split(v, ","))
	}
	if len(p) > 0 {
		vals["through"] = nonEmpty(strings.Split(p["through"], ","))
	}
	if a, ok := p["deposit_alpha"]; ok { // base units of the native coin; the flag takes human units
		if n, ok := new(big.Int).SetString(a, 10); ok {
			for _, as := range res.Assets {
				if as.Native() {
					r := new(big.Rat).SetFrac(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(as.Decimals)), nil))
					s := strings.TrimRight(strings.TrimRight(r.FloatString(int(as.Decimals)), "0"), ".")
					vals["deposit-alpha"] = []string{s}
					break
				}
			}
		}
	}
	if len(p) > 0 {
		switch res.Family {
		case graph.FamilyAccount:
			vals["no-swaps"] = []string{boolString(p["swaps"] == "off")}
		case graph.FamilyUTXO:
			var hs []string
			if p["change_heuristic"] == "true" {
				hs = append(hs, "change")
			}
			if p["coinjoin_heuristic"] == "true" {
				hs = append(hs, "coinjoin")
			}
			vals["heuristics"] = hs
		}
	}
	return o.applyValues(vals, given)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
