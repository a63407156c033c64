package fuzz

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/httpx"
)

const fuzzTxID = "1111111111111111111111111111111111111111111111111111111111111111"

// fuzzEsplora is an Esplora API on regtest whose answers come from the fuzz
// input: parts separated by 0x00 answer /tx/<seed> (0), /tx/<seed>/outspends
// (1), any other /tx/<id> (2), /address/… (3) and /blocks/tip/height (4).
func fuzzEsplora(parts [][]byte) http.Handler {
	part := func(i int) []byte {
		if i < len(parts) {
			return parts[i]
		}
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/block-height/0":
			w.Write([]byte(chaincfg.RegressionNetParams.GenesisHash.String()))
		case p == "/blocks/tip/height":
			w.Write(part(4))
		case p == "/tx/"+fuzzTxID:
			w.Write(part(0))
		case p == "/tx/"+fuzzTxID+"/outspends":
			w.Write(part(1))
		case strings.HasPrefix(p, "/tx/"):
			w.Write(part(2))
		case strings.HasPrefix(p, "/address/"):
			w.Write(part(3))
		default:
			http.NotFound(w, r)
		}
	})
}

// FuzzEsploraAnswers feeds the Bitcoin adapter arbitrary Esplora answers: it
// must return a transaction or an error, never panic, and never report a
// negative amount.
func FuzzEsploraAnswers(f *testing.F) {
	addr := "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
	script := "0014751e76e8199196d454941c45d1b3a323f1433bd6"
	tx := `{"txid":"` + fuzzTxID + `","vin":[{"txid":"` + strings.Repeat("22", 32) + `","vout":0,"is_coinbase":false,"prevout":{"scriptpubkey":"` + script + `","value":5000}}],"vout":[{"scriptpubkey":"` + script + `","value":4000},{"scriptpubkey":"6a0b68656c6c6f1b5b324a","value":0}],"status":{"confirmed":true,"block_height":7,"block_hash":"` + strings.Repeat("33", 32) + `","block_time":1600000000}}`
	outs := `[{"spent":true,"txid":"` + strings.Repeat("44", 32) + `","vin":0},{"spent":false}]`
	spend := `{"txid":"` + strings.Repeat("44", 32) + `","vin":[{"txid":"` + fuzzTxID + `","vout":0,"prevout":{"scriptpubkey":"` + script + `","value":4000}}],"vout":[{"scriptpubkey":"` + script + `","value":3900}],"status":{"confirmed":true,"block_height":8,"block_hash":"` + strings.Repeat("55", 32) + `","block_time":1600000600}}`
	f.Add([]byte(strings.Join([]string{tx, outs, spend, "[" + tx + "]", "100"}, "\x00")))
	f.Add([]byte(strings.Join([]string{strings.Replace(tx, "4000", "-4000", 1), outs, spend, "[]", "100"}, "\x00")))
	f.Add([]byte("<html>\x1b]0;x\x07502</html>\x00null\x00{}\x00[null]\x00-1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := httptest.NewServer(fuzzEsplora(bytes.Split(data, []byte{0})))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendEsplora, URL: srv.URL,
			Policy: &httpx.Policy{Tries: 1}, RequestTimeout: 5 * time.Second})
		if err != nil {
			return
		}
		check := func(tx *graph.UTXOTx) {
			if tx == nil {
				return
			}
			for _, in := range tx.Inputs {
				if in.Value != nil && in.Value.Sign() < 0 {
					t.Fatalf("input of %s with negative value %s", tx.TxID, in.Value)
				}
			}
			for _, o := range tx.Outputs {
				if o.Value == nil || o.Value.Sign() < 0 {
					t.Fatalf("output %d of %s with value %v", o.Index, tx.TxID, o.Value)
				}
			}
		}
		if tx, err := a.Tx(ctx, fuzzTxID); err == nil {
			check(tx)
			if sp, err := a.Spender(ctx, graph.Outpoint{TxID: fuzzTxID, Vout: 0}); err == nil {
				check(sp)
			}
		}
		if txs, err := a.AddressTxs(ctx, addr, 0); err == nil {
			for _, tx := range txs {
				check(tx)
			}
		}
		a.Tip(ctx)
	})
}
