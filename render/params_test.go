package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// paramsBack reads a JSON document's params back into the result's string
// form, as a reader of schema 2 does (watch.ReadResult): numbers and booleans
// as their literal, arrays joined by ',', an amount object as its base units.
func paramsBack(t *testing.T, doc []byte) map[string]string {
	t.Helper()
	var d struct {
		Schema int                        `json:"schema"`
		Params map[string]json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if d.Schema != JSONSchemaVersion {
		t.Fatalf("schema %d", d.Schema)
	}
	out := map[string]string{}
	for k, raw := range d.Params {
		var s string
		var list []string
		var amt struct{ Amount, Asset, Units string }
		switch {
		case json.Unmarshal(raw, &s) == nil:
			out[k] = s
		case json.Unmarshal(raw, &list) == nil:
			out[k] = strings.Join(list, ",")
		case raw[0] == '{' && json.Unmarshal(raw, &amt) == nil:
			out[k] = amt.Amount
		default: // a number or a boolean: its literal
			out[k] = string(raw)
		}
	}
	return out
}

func jsonParams(t *testing.T, r *graph.Result) (map[string]string, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var d struct {
		Params map[string]json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(b.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range d.Params {
		out[k] = string(v)
	}
	return out, b.Bytes()
}

// TestJSONParamsTyped: every parameter trace.Run records has its JSON type,
// a value that is not of its type stays the string it was, and every typed
// value reads back as the result's string.
func TestJSONParamsTyped(t *testing.T) {
	r := accountResult(0)
	r.Params = map[string]string{
		"hops": "5", "address_budget": "1000", "max_addresses": "10000", "from_block": "0", "to_block": "19000100",
		"deposit_tau": "3200", "deposit_rule": "true", "change_heuristic": "false", "coinjoin_heuristic": "true",
		"stop_at": "bridge,deposit,exchange,mixer", "through": "0xabc", "deposit_alpha": "10000000000000000",
		"min_amount": "0.01", "from_time": "2024-01-01T00:00:00Z", "swaps": "off", "future_key": "42",
	}
	got, doc := jsonParams(t, r)
	want := map[string]string{
		"hops": `5`, "address_budget": `1000`, "max_addresses": `10000`, "from_block": `0`, "to_block": `19000100`,
		"deposit_tau": `3200`, "deposit_rule": `true`, "change_heuristic": `false`, "coinjoin_heuristic": `true`,
		"stop_at": `["bridge","deposit","exchange","mixer"]`, "through": `["0xabc"]`,
		"deposit_alpha": `{"amount":"10000000000000000","asset":"ETH","units":"0.01"}`,
		"min_amount":    `"0.01"`, "from_time": `"2024-01-01T00:00:00Z"`, "swaps": `"off"`, "future_key": `"42"`,
	}
	for k, w := range want {
		if c := compact(got[k]); c != w {
			t.Errorf("params.%s = %s, want %s", k, c, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("params has %d keys, want %d", len(got), len(want))
	}
	if back := paramsBack(t, doc); fmt.Sprint(back) != fmt.Sprint(r.Params) {
		t.Errorf("params read back\n%v\nwant\n%v", back, r.Params)
	}

	// Values not of their type, or whose typed form would not read back the same, stay strings.
	r.Params = map[string]string{"hops": "05", "to_block": "99999999999999999999", "deposit_rule": "yes",
		"stop_at": "exchange,bridge", "through": ",x", "deposit_alpha": "0.01", "max_addresses": "-1"}
	got, doc = jsonParams(t, r)
	for k, v := range r.Params {
		if got[k] != `"`+v+`"` {
			t.Errorf("params.%s = %s, want the string %q", k, got[k], v)
		}
	}
	if back := paramsBack(t, doc); fmt.Sprint(back) != fmt.Sprint(r.Params) {
		t.Errorf("params read back\n%v\nwant\n%v", back, r.Params)
	}

	// An empty set is [] (--stop-at ""), and no native asset leaves α's units out.
	r.Params = map[string]string{"stop_at": "", "deposit_alpha": "7"}
	r.Assets = map[string]graph.Asset{usdcAsset.ID: usdcAsset}
	got, _ = jsonParams(t, r)
	if got["stop_at"] != `[]` || compact(got["deposit_alpha"]) != `{"amount":"7"}` {
		t.Errorf("stop_at %s, deposit_alpha %s", got["stop_at"], got["deposit_alpha"])
	}
}

// Every fixture's params read back unchanged.
func TestJSONParamsReadBack(t *testing.T) {
	for name, mk := range fixtures {
		r := mk()
		_, doc := jsonParams(t, r)
		if back := paramsBack(t, doc); fmt.Sprint(back) != fmt.Sprint(r.Params) {
			t.Errorf("%s: params read back\n%v\nwant\n%v", name, back, r.Params)
		}
	}
}

func compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}
