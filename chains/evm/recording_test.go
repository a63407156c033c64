package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/sourcetest"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// -update regenerates testdata/evm/*_synth.json from the geth scenario: the
// answers a trace_filter provider and an Etherscan-compatible explorer would give
// for the same chain, built from the node's own blocks, receipts and traces (in
// the providers' documented JSON). Without it, the recordings are replayed and a
// request that is not in them fails the test.
var update = flag.Bool("update", false, "rewrite testdata/evm recordings from the geth scenario")

const (
	traceRecording    = "../../testdata/evm/trace_filter_synth.json"
	explorerRecording = "../../testdata/evm/etherscan_synth.json"
)

// recording maps a canonical request to the provider's raw answer.
type recording struct {
	Source string                     `json:"source"`
	Calls  map[string]json.RawMessage `json:"calls"`
	mu     sync.Mutex
}

func loadRecording(t testing.TB, path, source string) *recording {
	r := &recording{Source: source, Calls: map[string]json.RawMessage{}}
	if *update {
		return r
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Strategies -update ./chains/evm to create it)", err)
	}
	if err := json.Unmarshal(b, r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func (r *recording) answer(t testing.TB, key string, live func() any) (json.RawMessage, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if *update {
		b, err := json.Marshal(live())
		if err != nil {
			t.Errorf("recording %s: %v", key, err)
		}
		r.Calls[key] = b
		return b, true
	}
	b, ok := r.Calls[key]
	return b, ok
}

func (r *recording) save(t testing.TB, path string) {
	if !*update {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// chainData is the whole scenario chain as the node reports it, read with
// plain RPC calls independent of the adapter.
type chainData struct {
	blocks   []map[string]any            // eth_getBlockByNumber(n, true)
	receipts map[string]map[string]any   // by tx hash
	flat     map[string][]map[string]any // flatCallTracer output by tx hash
	calls    map[string]map[string]any   // callTracer output by tx hash
	tokens   map[string][2]string        // contract → symbol, decimals
}

func readChain(t testing.TB, s *geth.Theft) *chainData {
	c, err := rpc.Dial(s.Node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	d := &chainData{receipts: map[string]map[string]any{}, flat: map[string][]map[string]any{}, calls: map[string]map[string]any{}, tokens: map[string][2]string{}}
	for b := uint64(0); b <= s.LastBlock; b++ {
		var blk map[string]any
		must(t, c.CallContext(ctx, &blk, "eth_getBlockByNumber", hexutil.EncodeUint64(b), true))
		d.blocks = append(d.blocks, blk)
		if b == 0 {
			continue // genesis has no transactions and cannot be traced
		}
		var flat []struct {
			TxHash string           `json:"txHash"`
			Result []map[string]any `json:"result"`
		}
		must(t, c.CallContext(ctx, &flat, "debug_traceBlockByNumber", hexutil.EncodeUint64(b), map[string]any{"tracer": "flatCallTracer"}))
		var tree []struct {
			TxHash string         `json:"txHash"`
			Result map[string]any `json:"result"`
		}
		must(t, c.CallContext(ctx, &tree, "debug_traceBlockByNumber", hexutil.EncodeUint64(b), map[string]any{"tracer": "callTracer"}))
		for i, tx := range blk["transactions"].([]any) {
			h := tx.(map[string]any)["hash"].(string)
			var r map[string]any
			must(t, c.CallContext(ctx, &r, "eth_getTransactionReceipt", h))
			d.receipts[h] = r
			d.flat[h] = flat[i].Result
			d.calls[h] = tree[i].Result
		}
	}
	for _, tok := range []common.Address{s.USDT, s.WETH} {
		d.tokens[strings.ToLower(tok.Hex())] = map[common.Address][2]string{s.USDT: {"USDT", "6"}, s.WETH: {"WETH", "18"}}[tok]
	}
	return d
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func hexNum(v any) uint64 {
	s, _ := v.(string)
	n, _ := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	return n
}

func hexDec(v any) string {
	s, _ := v.(string)
	n, ok := new(big.Int).SetString(strings.TrimPrefix(s, "0x"), 16)
	if !ok {
		return "0"
	}
	return n.String()
}

func lower(v any) string { s, _ := v.(string); return strings.ToLower(s) }

// traceFilter answers trace_filter the way Erigon/Nethermind do: flat traces in
// chain order, filtered by fromAddress/toAddress, then after/count.
func (d *chainData) traceFilter(q map[string]any) []map[string]any {
	from, to := hexNum(q["fromBlock"]), hexNum(q["toBlock"])
	match := func(list any, addrs ...any) bool {
		l, _ := list.([]any)
		if l == nil {
			return true
		}
		for _, want := range l {
			for _, a := range addrs {
				if a != nil && lower(a) == lower(want) {
					return true
				}
			}
		}
		return false
	}
	out := []map[string]any{} // nothing matching is [], as the nodes answer (not null)
	for _, blk := range d.blocks {
		n := hexNum(blk["number"])
		if n < from || n > to {
			continue
		}
		for _, tx := range blk["transactions"].([]any) {
			for _, tr := range d.flat[tx.(map[string]any)["hash"].(string)] {
				act, _ := tr["action"].(map[string]any)
				res, _ := tr["result"].(map[string]any)
				var resAddr any
				if res != nil {
					resAddr = res["address"]
				}
				if match(q["fromAddress"], act["from"], act["address"]) && match(q["toAddress"], act["to"], resAddr, act["refundAddress"]) {
					out = append(out, tr)
				}
			}
		}
	}
	after, count := 0, len(out)
	if v, ok := q["after"].(float64); ok {
		after = int(v)
	}
	if v, ok := q["count"].(float64); ok {
		count = int(v)
	}
	if after > len(out) {
		after = len(out)
	}
	return out[after:min(len(out), after+count)]
}

// explorer answers Etherscan's account txlist, txlistinternal and tokentx.
func (d *chainData) explorer(q url.Values) map[string]any {
	addr := strings.ToLower(q.Get("address"))
	start, _ := strconv.ParseUint(q.Get("startblock"), 10, 64)
	end, _ := strconv.ParseUint(q.Get("endblock"), 10, 64)
	page, _ := strconv.Atoi(q.Get("page"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	var rows []map[string]any
	for _, blk := range d.blocks {
		n := hexNum(blk["number"])
		if n < start || n > end {
			continue
		}
		ts := strconv.FormatUint(hexNum(blk["timestamp"]), 10)
		for _, txv := range blk["transactions"].([]any) {
			tx := txv.(map[string]any)
			h := tx["hash"].(string)
			r := d.receipts[h]
			isErr := "0"
			if hexNum(r["status"]) == 0 {
				isErr = "1"
			}
			base := map[string]any{"blockNumber": strconv.FormatUint(n, 10), "timeStamp": ts, "hash": h}
			switch q.Get("action") {
			case "txlist":
				if lower(tx["from"]) != addr && lower(tx["to"]) != addr && lower(r["contractAddress"]) != addr {
					continue
				}
				row := map[string]any{"nonce": hexDec(tx["nonce"]), "blockHash": tx["blockHash"], "transactionIndex": hexDec(tx["transactionIndex"]),
					"from": lower(tx["from"]), "to": lower(tx["to"]), "value": hexDec(tx["value"]), "gas": hexDec(tx["gas"]),
					"gasPrice": hexDec(r["effectiveGasPrice"]), "isError": isErr, "txreceipt_status": hexDec(r["status"]),
					"input": tx["input"], "contractAddress": lower(r["contractAddress"]), "cumulativeGasUsed": hexDec(r["cumulativeGasUsed"]),
					"gasUsed": hexDec(r["gasUsed"]), "confirmations": "1"}
				for k, v := range base {
					row[k] = v
				}
				rows = append(rows, row)
			case "txlistinternal":
				var walk func(f map[string]any, path []string)
				walk = func(f map[string]any, path []string) {
					calls, _ := f["calls"].([]any)
					for i, cv := range calls {
						c := cv.(map[string]any)
						p := append(append([]string(nil), path...), strconv.Itoa(i))
						v := hexDec(c["value"])
						if v != "0" && (lower(c["from"]) == addr || lower(c["to"]) == addr) {
							e := "0"
							if c["error"] != nil {
								e = "1"
							}
							row := map[string]any{"from": lower(c["from"]), "to": lower(c["to"]), "value": v, "contractAddress": "",
								"input": "", "type": strings.ToLower(c["type"].(string)), "gas": hexDec(c["gas"]), "gasUsed": hexDec(c["gasUsed"]),
								"traceId": strings.Join(p, "_"), "isError": e, "errCode": ""}
							for k, v := range base {
								row[k] = v
							}
							rows = append(rows, row)
						}
						walk(c, p)
					}
				}
				if tree := d.calls[h]; tree != nil && isErr == "0" {
					walk(tree, nil)
				}
			case "tokentx":
				for _, lv := range r["logs"].([]any) {
					l := lv.(map[string]any)
					tp := l["topics"].([]any)
					if len(tp) != 3 || tp[0].(string) != geth.TopicTransfer.Hex() {
						continue
					}
					from, to := "0x"+tp[1].(string)[26:], "0x"+tp[2].(string)[26:]
					if from != addr && to != addr {
						continue
					}
					tok := lower(l["address"])
					meta := d.tokens[tok]
					row := map[string]any{"nonce": hexDec(tx["nonce"]), "blockHash": tx["blockHash"], "from": from, "contractAddress": tok, "to": to,
						"value": hexDec(l["data"]), "tokenName": meta[0], "tokenSymbol": meta[0], "tokenDecimal": meta[1],
						"transactionIndex": hexDec(tx["transactionIndex"]), "gas": hexDec(tx["gas"]), "gasPrice": hexDec(r["effectiveGasPrice"]),
						"gasUsed": hexDec(r["gasUsed"]), "cumulativeGasUsed": hexDec(r["cumulativeGasUsed"]), "input": "deprecated",
						"confirmations": "1"} // Etherscan's tokentx rows carry no logIndex (docs.etherscan.io example)
					for k, v := range base {
						row[k] = v
					}
					rows = append(rows, row)
				}
			}
		}
	}
	lo := (page - 1) * offset
	if offset == 0 {
		lo, offset = 0, len(rows)
	}
	if lo > len(rows) {
		lo = len(rows)
	}
	rows = rows[lo:min(len(rows), lo+offset)]
	if len(rows) == 0 {
		return map[string]any{"status": "0", "message": "No transactions found", "result": []any{}}
	}
	return map[string]any{"status": "1", "message": "OK", "result": rows}
}

// traceFilterNode puts a replayed (or, with -update, computed) trace_filter in
// front of the real node; every other method is the node's.
func traceFilterNode(t *testing.T, s *geth.Theft, d *chainData) (*proxy, *recording) {
	rec := loadRecording(t, traceRecording, "trace_filter answers (Erigon/Nethermind flat trace format) for the geth theft scenario; regenerate with go test -run Strategies -update ./chains/evm")
	p := newProxy(t, s.Node.URL(), func(m string, params json.RawMessage) (any, *rpcErrObj, bool) {
		if m != "trace_filter" {
			return nil, nil, false
		}
		var ps []map[string]any
		json.Unmarshal(params, &ps)
		key, _ := json.Marshal(ps)
		b, ok := rec.answer(t, string(key), func() any { return d.traceFilter(ps[0]) })
		if !ok {
			return nil, &rpcErrObj{Code: -32000, Message: "not in recording: trace_filter " + string(key)}, true
		}
		return json.RawMessage(b), nil, true
	})
	return p, rec
}

func explorerServer(t *testing.T, d *chainData, key string) (*httptest.Server, *recording) {
	rec := loadRecording(t, explorerRecording, "Etherscan v2 account API answers (txlist, txlistinternal, tokentx) for the geth theft scenario; regenerate with go test -run Strategies -update ./chains/evm")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("apikey") != key {
			json.NewEncoder(w).Encode(map[string]any{"status": "0", "message": "NOTOK", "result": "Invalid API Key (#err2)|" + q.Get("apikey")})
			return
		}
		q.Del("apikey")
		b, ok := rec.answer(t, q.Encode(), func() any { return d.explorer(q) })
		if !ok {
			http.Error(w, "not in recording: "+q.Encode(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// TestStrategiesAgree runs History with rpc, trace and explorer on the same
// scenario: they find the same transactions, so they return the same transfers.
func TestStrategiesAgree(t *testing.T) {
	s, rpcA := scenario(t)
	var d *chainData
	if *update {
		d = readChain(t, s)
	}
	tp, trec := traceFilterNode(t, s, d)
	esrv, erec := explorerServer(t, d, "k3y-s3cret")
	weth := func(c *Config) { c.WETH = []string{s.WETH.Hex()} }
	traceA := openRPC(t, tp.URL, weth, func(c *Config) { c.History = HistoryAuto })
	explA := openRPC(t, s.Node.URL(), weth, func(c *Config) {
		c.History, c.Explorer, c.ExplorerKey, c.ExplorerPageSize = HistoryExplorer, esrv.URL+"/v2/api", "k3y-s3cret", 2
	})
	ctx := context.Background()
	if st, err := traceA.Strategy(ctx); err != nil || st != HistoryTrace {
		t.Fatalf("auto on a trace_filter node: %q, %v", st, err)
	}
	if st, err := rpcA.Strategy(ctx); err != nil || st != HistoryRPC {
		t.Fatalf("rpc: %q, %v", st, err)
	}
	addrs := []*geth.Account{s.Victim, s.Hacker, s.H1, s.H2, s.H3, s.H4, s.P1, s.P2, s.Dep1, s.Dep3, s.Exchange, s.Clean,
		{Name: "forwarder", Address: s.Forwarder}}
	total := 0
	for _, a := range addrs {
		q := trace.HistoryQuery{Address: a.Hex(), FromBlock: 1, ToBlock: s.LastBlock}
		var res [3][]graph.Transfer
		for i, ad := range []*Adapter{rpcA, traceA, explA} {
			h, err := ad.History(ctx, q)
			if err != nil {
				t.Fatalf("%s %s: %v", []string{"rpc", "trace", "explorer"}[i], a.Name, err)
			}
			res[i] = h.Transfers
		}
		if len(res[0]) == 0 {
			t.Errorf("%s: no transfers", a.Name)
		}
		total += len(res[0])
		for i := 1; i < 3; i++ {
			a1, _ := json.Marshal(res[0])
			a2, _ := json.Marshal(res[i])
			if string(a1) != string(a2) {
				t.Errorf("%s: %s differs from rpc:\nrpc: %s\n%s: %s", a.Name, []string{"", "trace", "explorer"}[i], a1, []string{"", "trace", "explorer"}[i], a2)
			}
		}
	}
	t.Logf("%d transfers over %d addresses agree across rpc, trace and explorer", total, len(addrs))
	// A busy address: every strategy stops early and says so.
	for i, ad := range []*Adapter{rpcA, traceA, explA} {
		h, err := ad.History(ctx, trace.HistoryQuery{Address: s.Hacker.Hex(), FromBlock: 1, ToBlock: s.LastBlock, Limit: 3})
		if err != nil || !h.Truncated || len(h.Transfers) < 4 {
			t.Errorf("%s limit 3: truncated %v, %d transfers, %v", []string{"rpc", "trace", "explorer"}[i], h.Truncated, len(h.Transfers), err)
		}
	}
	// The whole trace gives the same endpoints whichever strategy feeds it.
	var results [3]string
	for i, ad := range []*Adapter{rpcA, traceA, explA} {
		res, err := trace.Run(ctx, ad, []string{s.TheftETH.Hex(), s.TheftUSDT.Hex()}, trace.Options{
			Labels: exchangeLabels{s.Exchange.Hex()}, DepositRule: true,
		})
		if err != nil {
			t.Fatalf("%s: trace.Run: %v", []string{"rpc", "trace", "explorer"}[i], err)
		}
		b, _ := json.Marshal(struct {
			E any
			T any
		}{res.Endpoints, res.Totals})
		results[i] = string(b)
	}
	if results[0] != results[1] || results[0] != results[2] {
		t.Errorf("trace.Run differs by strategy:\nrpc:      %s\ntrace:    %s\nexplorer: %s", results[0], results[1], results[2])
	}
	if tp.count("trace_filter") == 0 {
		t.Error("trace strategy made no trace_filter call")
	}
	for _, w := range append(traceA.Warnings(), explA.Warnings()...) {
		t.Errorf("warning: %s", w)
	}
	trec.save(t, traceRecording)
	erec.save(t, explorerRecording)

	// The shared source contracts with the trace and explorer strategies, the
	// History probes from block 1 as the synthesised answers are (run after
	// save: -update does not store the probes). A probe they lack answers "not
	// in recording", which the suite allows and logs.
	conf := sourcetest.Options{FromBlock: 1, Unanswered: func(err error) bool { return strings.Contains(err.Error(), "not in recording") }}
	t.Run("conformance/trace", func(t *testing.T) { sourcetest.RunWith(t, traceA, s.TheftETH.Hex(), conf) })
	t.Run("conformance/explorer", func(t *testing.T) { sourcetest.RunWith(t, explA, s.TheftETH.Hex(), conf) })

	// A wrong key: a clear error that does not repeat the key.
	bad := openRPC(t, s.Node.URL(), func(c *Config) {
		c.History, c.Explorer, c.ExplorerKey = HistoryExplorer, esrv.URL+"/v2/api", "wrong-key-123"
	})
	_, err := bad.History(ctx, trace.HistoryQuery{Address: s.Hacker.Hex(), FromBlock: 1, ToBlock: s.LastBlock})
	if err == nil || !strings.Contains(err.Error(), "CHAINTRACE_EXPLORER_KEY") || strings.Contains(err.Error(), "wrong-key-123") {
		t.Errorf("bad key: %v", err)
	}
}

func TestRecordingsPresent(t *testing.T) {
	for _, p := range []string{traceRecording, explorerRecording} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r recording
		if err := json.Unmarshal(b, &r); err != nil || len(r.Calls) == 0 {
			t.Errorf("%s: %v, %d calls", p, err, len(r.Calls))
		}
	}
}
