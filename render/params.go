package render

import (
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
)

// The JSON document's "params" are typed (schema 2; schema 1 wrote every value
// as a string). The result keeps them as strings (graph.Result.Params, trace.Run's
// names); paramTypes says what each known key is. A value that does not parse
// as its type, and every key not listed, stays a string, so no value is lost.
var paramTypes = map[string]string{
	"hops": "int", "address_budget": "int", "max_addresses": "int",
	"from_block": "int", "to_block": "int", "deposit_tau": "int",
	"deposit_rule": "bool", "change_heuristic": "bool", "coinjoin_heuristic": "bool",
	"stop_at": "list", "through": "list",
	"deposit_alpha": "native-amount",
	// min_amount (a decimal in human units of each asset), from_time (RFC 3339)
	// and swaps ("off") are strings.
}

// jsonParamAmount is an amount param: base units of the asset as a decimal
// string (the document's convention for amounts), the asset's id and the same
// amount exactly in human units.
type jsonParamAmount struct {
	Amount string `json:"amount"`
	Asset  string `json:"asset,omitempty"`
	Units  string `json:"units,omitempty"`
}

// typedParams is r.Params for the JSON document: integers as JSON numbers
// (they are counts and block heights, far below 2^53), booleans as booleans,
// comma-separated sets as sorted string arrays, the deposit rule's α as a
// jsonParamAmount of the native coin.
func typedParams(r *graph.Result) map[string]any {
	out := make(map[string]any, len(r.Params))
	for k, v := range r.Params {
		out[k] = typedParam(r, k, v)
	}
	return out
}

// typedParam is one params value typed. Every typed form reads back as the
// string it came from (numbers in canonical form, the set already sorted and
// without empty items); anything else stays the string.
func typedParam(r *graph.Result, k, v string) any {
	switch paramTypes[k] {
	case "int":
		if n, err := strconv.ParseUint(v, 10, 53); err == nil && strconv.FormatUint(n, 10) == v {
			return json.Number(v)
		}
	case "bool":
		if v == "true" || v == "false" {
			return v == "true"
		}
	case "list":
		items := []string{}
		if v != "" {
			items = strings.Split(v, ",")
		}
		if sorted := sortedStrings(items); !slices.Contains(items, "") && slices.Equal(sorted, items) {
			return items
		}
	case "native-amount":
		n, ok := new(big.Int).SetString(v, 10)
		if !ok || n.Sign() < 0 || n.String() != v {
			break
		}
		p := jsonParamAmount{Amount: v}
		if a, ok := nativeAsset(r); ok {
			p.Asset, p.Units = a.ID, graph.FormatUnits(n, a.Decimals)
		}
		return p
	}
	return v
}

// nativeAsset is the native coin among r's assets that params amounts are in
// (the first by id, as ParamValue shows it).
func nativeAsset(r *graph.Result) (graph.Asset, bool) {
	for _, id := range r.AssetIDs() {
		if a := r.AssetOf(id); a.Native() && a.Decimals > 0 {
			return a, true
		}
	}
	return graph.Asset{}, false
}
