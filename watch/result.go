package watch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// resultDoc is the part of a `--format json` result (render.WriteJSON,
// docs/json-schema.md) a watch starts from.
type resultDoc struct {
	Schema   *int                       `json:"schema"`
	Chain    string                     `json:"chain"`
	Family   string                     `json:"family"`
	Policy   string                     `json:"policy"`
	Seeds    []string                   `json:"seeds"`
	Params   map[string]json.RawMessage `json:"params"`
	Tip      *uint64                    `json:"tip"`
	Complete bool                       `json:"complete"`
	Assets   map[string]struct {
		ID       string `json:"id"`
		Symbol   string `json:"symbol"`
		Decimals uint8  `json:"decimals"`
		Contract string `json:"contract"`
	} `json:"assets"`
	Endpoints *[]struct {
		Kind     string   `json:"kind"`
		Address  string   `json:"address"`
		Outpoint string   `json:"outpoint"`
		Label    string   `json:"label"`
		Category string   `json:"category"`
		Asset    string   `json:"asset"`
		Amount   string   `json:"amount"`
		Hops     int      `json:"hops"`
		Path     []string `json:"path"`
		Chain    string   `json:"chain"`
	} `json:"endpoints"`
	Error string `json:"error"`
}

// ResultSchema is the newest JSON result schema ReadResult reads
// (render.JSONSchemaVersion); it reads every schema from 1 on. Schema 2 typed
// the "params" values that schema 1 wrote as strings.
const ResultSchema = 2

// ReadResult reads a trace result written by `chaintrace trace --format json`
// as far as a watch needs it: chain, family, policy, seeds, tip, assets and
// endpoints (the watched holdings are picked from them by Holdings). Endpoints
// of a multi-chain trace's other chains are left out: a watch follows one
// chain. name is the file's name for messages; errors wrap trace.ErrBadInput.
func ReadResult(r io.Reader, name string) (*graph.Result, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: --result %s: "+format, append([]any{trace.ErrBadInput, name}, a...)...)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("--result %s: %w", name, err)
	}
	var d resultDoc
	if err := json.Unmarshal(b, &d); err != nil {
		if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
			return nil, bad("not a chaintrace JSON result (the output of trace --format json)")
		}
		return nil, bad("not a readable chaintrace JSON result: %v", err)
	}
	if d.Schema == nil || d.Endpoints == nil || d.Tip == nil || d.Chain == "" {
		return nil, bad("not a chaintrace JSON result (the output of trace --format json): it lacks %s", missing(d))
	}
	if *d.Schema < 1 || *d.Schema > ResultSchema {
		return nil, bad("schema %d: this chaintrace reads results of schema 1 to %d", *d.Schema, ResultSchema)
	}
	params, err := paramStrings(d.Params)
	if err != nil {
		return nil, bad("%v", err)
	}
	if d.Family != graph.FamilyUTXO && d.Family != graph.FamilyAccount {
		return nil, bad("family %q: want %s or %s", d.Family, graph.FamilyAccount, graph.FamilyUTXO)
	}
	res := &graph.Result{Chain: d.Chain, Family: d.Family, Policy: d.Policy, Seeds: d.Seeds, Params: params, Tip: *d.Tip,
		Assets: map[string]graph.Asset{}, Error: d.Error}
	for id, a := range d.Assets {
		if a.ID != "" && a.ID != id {
			return nil, bad("asset %q has id %q", id, a.ID)
		}
		res.Assets[id] = graph.Asset{ID: id, Symbol: a.Symbol, Decimals: a.Decimals, Contract: a.Contract}
	}
	for i, e := range *d.Endpoints {
		if e.Chain != "" && !strings.EqualFold(e.Chain, d.Chain) {
			continue // another chain of a multi-chain trace
		}
		amt, ok := new(big.Int).SetString(e.Amount, 10)
		if !ok || amt.Sign() < 0 {
			return nil, bad("endpoint %d (%s %s): amount %q is not a base-unit integer", i+1, e.Kind, e.Address, e.Amount)
		}
		if _, ok := res.Assets[e.Asset]; !ok && amt.Sign() > 0 && watchable(e.Kind) {
			return nil, bad("endpoint %d (%s %s): asset %q is not among the result's assets", i+1, e.Kind, e.Address, e.Asset)
		}
		res.Endpoints = append(res.Endpoints, &graph.Endpoint{Kind: e.Kind, Address: e.Address, Outpoint: e.Outpoint,
			Label: e.Label, Category: e.Category, Asset: e.Asset, Amount: amt, Hops: e.Hops, Path: e.Path})
	}
	return res, nil
}

// paramStrings turns a result's "params" back into the strings trace.Run
// records (graph.Result.Params): a string as it is (schema 1 wrote only
// strings), a number or boolean as its literal, an array of strings joined by
// ',', an amount object ({"amount": base units, …}) as its amount.
func paramStrings(raw map[string]json.RawMessage) (map[string]string, error) {
	if raw == nil {
		return nil, nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		var s string
		var list []string
		var amt struct {
			Amount *string `json:"amount"`
		}
		switch {
		case len(v) == 0 || string(v) == "null":
			continue
		case v[0] == '"':
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("params %q: %w", k, err)
			}
			out[k] = s
		case v[0] == '[':
			if err := json.Unmarshal(v, &list); err != nil {
				return nil, fmt.Errorf("params %q: want an array of strings: %w", k, err)
			}
			out[k] = strings.Join(list, ",")
		case v[0] == '{':
			if err := json.Unmarshal(v, &amt); err != nil || amt.Amount == nil {
				return nil, fmt.Errorf("params %q: want an amount object with \"amount\" in base units", k)
			}
			out[k] = *amt.Amount
		default: // a number, true or false: json.Unmarshal already checked it is JSON
			out[k] = string(v)
		}
	}
	return out, nil
}

func missing(d resultDoc) string {
	var m []string
	if d.Schema == nil {
		m = append(m, `"schema"`)
	}
	if d.Chain == "" {
		m = append(m, `"chain"`)
	}
	if d.Tip == nil {
		m = append(m, `"tip"`)
	}
	if d.Endpoints == nil {
		m = append(m, `"endpoints"`)
	}
	return strings.Join(m, ", ")
}
