package evm

import (
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// TestTraceFilterRewards: proof-of-work block and uncle rewards cannot come from
// the in-process geth (it is proof-of-stake), so a stand-in for an Erigon node
// answers with reward traces in the trace_filter format Erigon and OpenEthereum
// document ({"action":{"author","rewardType","value"},"type":"reward",…}). The
// miner, seeded from genesis, holds exactly the two rewards, named as such, and
// reconciles with eth_getBalance.
func TestTraceFilterRewards(t *testing.T) {
	const miner = "0x00000000000000000000000000000000000000aa"
	// 2 ETH block reward + 1.75 ETH uncle reward in block 5 ("0x5").
	rewards := `[{"action":{"author":"` + miner + `","rewardType":"block","value":"0x1bc16d674ec80000"},"blockHash":"0x` + strings.Repeat("05", 32) + `","blockNumber":5,"result":null,"subtraces":0,"traceAddress":[],"type":"reward"},
		{"action":{"author":"` + miner + `","rewardType":"uncle","value":"0x18493fba64ef0000"},"blockHash":"0x` + strings.Repeat("05", 32) + `","blockNumber":5,"result":null,"subtraces":0,"traceAddress":[],"type":"reward"}]`
	answer := func(method string, params []json.RawMessage) string {
		switch method {
		case "eth_chainId":
			return `"0x7a69"`
		case "eth_blockNumber":
			return `"0xa"`
		case "trace_filter":
			if strings.Contains(string(params[0]), "toAddress") {
				return rewards
			}
			return `[]`
		case "eth_getLogs":
			return `[]`
		case "eth_getBlockByNumber":
			return `{"number":"0x5","hash":"0x` + strings.Repeat("05", 32) + `","timestamp":"0x5f5e1000"}`
		case "eth_getBalance":
			if strings.Contains(string(params[1]), `"0x0"`) {
				return `"0x0"`
			}
			return `"0x340aad21b3b70000"` // 3.75 ETH
		case "eth_getCode":
			return `"0x"`
		}
		return ""
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		type req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		one := func(q req) string {
			res := answer(q.Method, q.Params)
			if res == "" {
				return `{"jsonrpc":"2.0","id":` + string(q.ID) + `,"error":{"code":-32601,"message":"the method ` + q.Method + ` does not exist/is not available"}}`
			}
			return `{"jsonrpc":"2.0","id":` + string(q.ID) + `,"result":` + res + `}`
		}
		w.Header().Set("Content-Type", "application/json")
		var batch []req
		if json.Unmarshal(body, &batch) == nil {
			parts := make([]string, len(batch))
			for i, q := range batch {
				parts[i] = one(q)
			}
			io.WriteString(w, "["+strings.Join(parts, ",")+"]")
			return
		}
		var q req
		json.Unmarshal(body, &q)
		io.WriteString(w, one(q))
	}))
	defer srv.Close()
	ctx := context.Background()
	a, err := Open(ctx, Config{Chain: "evm", RPC: srv.URL, History: HistoryTrace})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := trace.Run(ctx, a, []string{miner}, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := new(big.Int).SetString("3750000000000000000", 10)
	if tot := res.Totals["ETH"]; tot == nil || tot.Seed.Cmp(want) != 0 {
		t.Fatalf("seed %v, want 3.75 ETH (block + uncle reward)", res.Totals["ETH"])
	}
	if len(res.Endpoints) != 1 || res.Endpoints[0].Kind != graph.EndUnspent || res.Endpoints[0].Amount.Cmp(want) != 0 {
		t.Errorf("endpoints %+v, want 3.75 ETH unspent at the miner", res.Endpoints)
	}
	if len(res.Discrepancies) != 0 {
		t.Errorf("discrepancies %+v: the rewards should explain the balance", res.Discrepancies[0])
	}
	var pos []string
	for _, e := range res.Flow.Edges() {
		if e.Kind == string(graph.KindReward) && e.Block == 5 && e.From == graph.FromBlockReward {
			pos = append(pos, e.Position+" "+e.Amount.String())
		}
	}
	if strings.Join(pos, ", ") != "reward block 2000000000000000000, reward uncle 1750000000000000000" {
		t.Errorf("reward edges %q", pos)
	}
}
