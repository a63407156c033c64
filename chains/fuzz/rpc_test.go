package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/internal/httpx"
)

// fuzzMethods maps a JSON-RPC method to the part of the fuzz input that answers
// it (parts are separated by a 0x00 byte; missing parts answer null).
var fuzzMethods = map[string]int{
	"eth_getTransactionByHash":  0,
	"eth_getTransactionReceipt": 1,
	"eth_getBlockByNumber":      2,
	"eth_getBlockByHash":        2,
	"debug_traceTransaction":    3,
	"eth_call":                  4,
	"trace_transaction":         3,
	"eth_blockNumber":           5,
}

const fuzzTx = "0x1111111111111111111111111111111111111111111111111111111111111111"

// fuzzNode answers eth_chainId properly and every other call with the fuzz
// input's part for that method, as a result; with raw set the whole HTTP body
// is the input itself (a node or proxy that sends garbage, HTML, half a batch).
func fuzzNode(parts [][]byte, raw []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var calls []struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		batch := bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
		if batch {
			json.Unmarshal(body, &calls)
		} else {
			var one struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			json.Unmarshal(body, &one)
			calls = append(calls, one)
		}
		answer := func(id json.RawMessage, method string) []byte {
			res := []byte("null")
			if method == "eth_chainId" {
				res = []byte(`"0x539"`)
			} else if i, ok := fuzzMethods[method]; ok && i < len(parts) && json.Valid(parts[i]) {
				res = parts[i]
			}
			return []byte(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":` + string(res) + `}`)
		}
		if raw != nil && !(len(calls) == 1 && calls[0].Method == "eth_chainId") {
			w.Write(raw)
			return
		}
		if !batch {
			w.Write(answer(calls[0].ID, calls[0].Method))
			return
		}
		var out [][]byte
		for _, c := range calls {
			out = append(out, answer(c.ID, c.Method))
		}
		w.Write(append(append([]byte("["), bytes.Join(out, []byte(","))...), ']'))
	})
}

// FuzzRPCAnswers feeds a theft-transaction lookup arbitrary node answers: the
// adapter must return transfers or an error, never panic or hang. The first
// byte picks the mode: even, each method answers with its part of the input;
// odd, the whole HTTP body is the rest of the input.
func FuzzRPCAnswers(f *testing.F) {
	tx := `{"hash":"` + fuzzTx + `","blockNumber":"0x5","blockHash":"0x` + strings.Repeat("22", 32) + `","from":"0x` + strings.Repeat("33", 20) + `","to":"0x` + strings.Repeat("44", 20) + `","value":"0xde0b6b3a7640000","gas":"0x5208","gasPrice":"0x3b9aca00","input":"0x","nonce":"0x0","transactionIndex":"0x0","type":"0x0"}`
	rcpt := `{"transactionHash":"` + fuzzTx + `","blockNumber":"0x5","blockHash":"0x` + strings.Repeat("22", 32) + `","status":"0x1","gasUsed":"0x5208","effectiveGasPrice":"0x3b9aca00","logs":[{"address":"0x` + strings.Repeat("55", 20) + `","topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef","0x000000000000000000000000` + strings.Repeat("33", 20) + `","0x000000000000000000000000` + strings.Repeat("44", 20) + `"],"data":"0x` + strings.Repeat("ff", 32) + `","logIndex":"0x0","transactionHash":"` + fuzzTx + `","blockNumber":"0x5"}]}`
	blk := `{"number":"0x5","hash":"0x` + strings.Repeat("22", 32) + `","parentHash":"0x` + strings.Repeat("66", 32) + `","timestamp":"0x5f5e100","miner":"0x` + strings.Repeat("77", 20) + `","baseFeePerGas":"0x1","transactions":["` + fuzzTx + `"]}`
	trc := `{"type":"CALL","from":"0x` + strings.Repeat("33", 20) + `","to":"0x` + strings.Repeat("44", 20) + `","value":"0x1","calls":[{"type":"CALL","from":"0x` + strings.Repeat("44", 20) + `","to":"0x` + strings.Repeat("88", 20) + `","value":"0x1"}]}`
	sym := `"0x000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000031b5b320000000000000000000000000000000000000000000000000000000000"`
	f.Add(append([]byte{0}, strings.Join([]string{tx, rcpt, blk, trc, sym, `"0x10"`}, "\x00")...))
	f.Add(append([]byte{0}, strings.Join([]string{tx, rcpt, blk, `null`, `"0x"`, `"0x10"`}, "\x00")...))
	f.Add(append([]byte{1}, `<html><body>502 Bad Gateway</body></html>`...))
	f.Add(append([]byte{1}, `[{"jsonrpc":"2.0","id":99,"result":null}]`...))
	f.Add(append([]byte{1}, `{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"\u001b]0;x\u0007 rate"}}`...))
	f.Fuzz(runRPC)
}

// runRPC is one FuzzRPCAnswers execution.
func runRPC(t *testing.T, data []byte) {
	defer watchdog(t, 20*time.Second)()
	if len(data) == 0 {
		return
	}
	var h http.Handler
	if data[0]%2 == 1 {
		h = fuzzNode(nil, data[1:])
	} else {
		h = fuzzNode(bytes.Split(data[1:], []byte{0}), nil)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := evm.Open(ctx, evm.Config{Chain: "evm:1337", RPC: srv.URL, History: evm.HistoryRPC, Retries: -1,
		Policy: &httpx.Policy{Tries: 1}, RequestTimeout: 5 * time.Second})
	if err != nil {
		return
	}
	defer a.Close()
	ts, err := a.TxTransfers(ctx, fuzzTx)
	if err == nil {
		for _, tr := range ts {
			if tr.Amount == nil || tr.Amount.Sign() < 0 {
				t.Fatalf("transfer with amount %v from a node answer", tr.Amount)
			}
		}
	}
	a.Tip(ctx)
}

// watchdog fails an execution that outlives d (a hang is a finding too: the
// adapter must give up on a node within its timeouts): it panics with every
// goroutine's stack, which the fuzzer records with the input that caused it.
func watchdog(t *testing.T, d time.Duration) (stop func()) {
	tm := time.AfterFunc(d, func() {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		panic(fmt.Sprintf("%s: still running after %v\n%s", t.Name(), d, buf[:n]))
	})
	return func() { tm.Stop() }
}
