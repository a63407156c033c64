package watch_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/cases"
	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/chaintrace/chaintrace/watch"
)

// A result written as JSON and read back gives the watch the holdings the
// trace itself gives it, exactly (UTXO and account demos).
func TestReadResultHoldings(t *testing.T) {
	for _, name := range []string{"demo", "demo-btc", "ronin"} {
		d, ok := cases.Lookup(name)
		if !ok {
			t.Fatalf("no demo %s", name)
		}
		c, err := jsoncase.Parse(d.JSON)
		if err != nil {
			t.Fatal(err)
		}
		res, err := trace.Run(context.Background(), c.Source(), c.Seeds, trace.Options{Policy: trace.Haircut})
		if err != nil {
			t.Fatal(err)
		}
		want, err := watch.Holdings(res)
		if err != nil || len(want) == 0 {
			t.Fatalf("%s: %d holdings, %v", name, len(want), err)
		}
		var buf bytes.Buffer
		if err := render.WriteJSON(&buf, res); err != nil {
			t.Fatal(err)
		}
		back, err := watch.ReadResult(&buf, name+".json")
		if err != nil {
			t.Fatal(err)
		}
		got, err := watch.Holdings(back)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: holdings from the JSON result\n%+v\nwant\n%+v", name, got, want)
		}
		if back.Chain != res.Chain || back.Family != res.Family || back.Tip != res.Tip || back.Policy != res.Policy ||
			!reflect.DeepEqual(back.Seeds, res.Seeds) || !reflect.DeepEqual(back.Params, res.Params) || !reflect.DeepEqual(back.Assets, res.Assets) {
			t.Errorf("%s: result header differs: %s %s %d %s %v %v", name, back.Chain, back.Family, back.Tip, back.Policy, back.Seeds, back.Params)
		}
	}
}

// What is not a result, or a result this version cannot read, is bad input
// with a message saying what is wrong.
func TestReadResultBad(t *testing.T) {
	const ok = `"schema":1,"chain":"eth","family":"account","tip":5,"assets":{"ETH":{"id":"ETH","symbol":"ETH","decimals":18,"contract":""}}`
	for _, tc := range []struct{ doc, want string }{
		{``, "not a chaintrace JSON result"},
		{`chain,address`, "not a chaintrace JSON result"},
		{`{"schema":1,`, "not a readable chaintrace JSON result"},
		{`{"format":"chaintrace-case/v1","chain":"eth"}`, `it lacks "schema", "tip", "endpoints"`},
		{`{"schema":3,"chain":"eth","family":"account","tip":1,"endpoints":[]}`, "schema 3: this chaintrace reads results of schema 1 to 2"},
		{`{"schema":0,"chain":"eth","family":"account","tip":1,"endpoints":[]}`, "schema 0: this chaintrace reads results of schema 1 to 2"},
		{`{"schema":2,"chain":"eth","family":"account","tip":1,"endpoints":[],"params":{"deposit_alpha":{"units":"0.01"}}}`, `params "deposit_alpha": want an amount object`},
		{`{"schema":2,"chain":"eth","family":"account","tip":1,"endpoints":[],"params":{"stop_at":[1]}}`, `params "stop_at": want an array of strings`},
		{`{"schema":1,"chain":"eth","family":"tree","tip":1,"endpoints":[]}`, `family "tree"`},
		{`{` + ok + `,"endpoints":[{"kind":"unspent","address":"0x1","asset":"ETH","amount":"1.5"}]}`, `endpoint 1 (unspent 0x1): amount "1.5" is not a base-unit integer`},
		{`{` + ok + `,"endpoints":[{"kind":"unspent","address":"0x1","asset":"ETH","amount":"-1"}]}`, `amount "-1"`},
		{`{` + ok + `,"endpoints":[{"kind":"unspent","address":"0x1","asset":"USDT","amount":"1"}]}`, `asset "USDT" is not among the result's assets`},
	} {
		_, err := watch.ReadResult(strings.NewReader(tc.doc), "r.json")
		if !errors.Is(err, trace.ErrBadInput) || !strings.Contains(err.Error(), "--result r.json: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want bad input with %q", tc.doc, err, tc.want)
		}
	}
	// a multi-chain result: the other chain's endpoints are not watched
	res, err := watch.ReadResult(strings.NewReader(`{`+ok+`,"endpoints":[{"kind":"unspent","address":"0x1","asset":"ETH","amount":"7"},`+
		`{"kind":"unspent","address":"bc1q","outpoint":"ab:0","asset":"BTC","amount":"9","chain":"btc"}]}`), "r.json")
	if err != nil || len(res.Endpoints) != 1 || res.Endpoints[0].Amount.String() != "7" {
		t.Fatalf("multi-chain result: %v %+v", err, res)
	}
}

// A schema 1 result (every params value a string, as chaintrace wrote before
// schema 2 typed them) and the schema 2 result of the same trace read as the
// same options.
func TestReadResultSchema1Params(t *testing.T) {
	const head = `"chain":"eth","family":"account","tip":5,"endpoints":[],"assets":{"ETH":{"id":"ETH","symbol":"ETH","decimals":18,"contract":""}}`
	v1 := `{"schema":1,` + head + `,"params":{"address_budget":"1000","deposit_alpha":"10000000000000000","deposit_rule":"true",` +
		`"deposit_tau":"3200","hops":"5","max_addresses":"10000","min_amount":"0.01","stop_at":"bridge,deposit,exchange,mixer","swaps":"off"}}`
	v2 := `{"schema":2,` + head + `,"params":{"address_budget":1000,"deposit_alpha":{"amount":"10000000000000000","asset":"ETH","units":"0.01"},` +
		`"deposit_rule":true,"deposit_tau":3200,"hops":5,"max_addresses":10000,"min_amount":"0.01","stop_at":["bridge","deposit","exchange","mixer"],"swaps":"off"}}`
	r1, err := watch.ReadResult(strings.NewReader(v1), "v1.json")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := watch.ReadResult(strings.NewReader(v2), "v2.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"address_budget": "1000", "deposit_alpha": "10000000000000000", "deposit_rule": "true",
		"deposit_tau": "3200", "hops": "5", "max_addresses": "10000", "min_amount": "0.01", "stop_at": "bridge,deposit,exchange,mixer", "swaps": "off"}
	if !reflect.DeepEqual(r1.Params, want) || !reflect.DeepEqual(r2.Params, want) {
		t.Errorf("params\nschema 1 %v\nschema 2 %v\nwant     %v", r1.Params, r2.Params, want)
	}
}
