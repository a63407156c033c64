package bitcoin

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/txscript"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/jsonshape"
)

// The providers' own published example answers (testdata/providerdocs, sources
// in its README: mempool.space's Esplora docs, Bitcoin Core's RPC help) against
// our synthesised ones (testdata/bitcoin/*_synth.json): the same field names and
// JSON types, and the adapter decodes the published examples. These are
// documentation examples, not captures of ours.

const providerDocs = "../../testdata/providerdocs/"

func readDoc(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(providerDocs + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mempoolExtras are fields of mempool.space's WebSocket transaction object that
// Esplora's REST /tx does not document (API.md "Transaction format") and the
// synthesised answers rightly lack.
var mempoolExtras = func() map[string]string {
	m := map[string]string{}
	for _, f := range []string{"sigops", "order", "vsize", "adjustedVsize", "feePerVsize", "adjustedFeePerVsize", "effectiveFeePerVsize",
		"firstSeen", "inputs", "cpfpDirty", "ancestors", "descendants", "bestDescendant", "position", "flags"} {
		m[f] = "mempool.space's WebSocket addition, not Esplora REST"
	}
	return m
}()

func withPrefix(prefix string, m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[prefix+k] = v
	}
	return out
}

func TestEsploraPublishedShapes(t *testing.T) {
	rec := loadRecording(t)
	synth := map[string]jsonshape.Shape{"tx": {}, "outspends": {}, "address txs": {}}
	for _, r := range rec.Responses {
		if r.Status != 200 || r.JSON == nil {
			continue
		}
		var kind string
		switch {
		case strings.HasPrefix(r.Path, "/tx/") && strings.HasSuffix(r.Path, "/outspends"):
			kind = "outspends"
		case strings.HasPrefix(r.Path, "/tx/"):
			kind = "tx"
		case strings.HasPrefix(r.Path, "/address/"):
			kind = "address txs"
		default:
			continue
		}
		if err := synth[kind].Add(r.JSON); err != nil {
			t.Fatal(err)
		}
	}
	var unconfirmed []json.RawMessage
	if err := json.Unmarshal(readDoc(t, "mempool_address_txs_mempool.json"), &unconfirmed); err != nil {
		t.Fatal(err)
	}
	txDocs := [][]byte{readDoc(t, "mempool_tx.json"), readDoc(t, "mempool_tx_inputs_outputs.json")}
	pubTx, pubAddr := jsonshape.Shape{}, jsonshape.Shape{}
	for _, d := range txDocs {
		if err := pubTx.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	// An address's history is a list of transactions, confirmed or not.
	list := "[" + string(txDocs[0]) + "," + string(txDocs[1]) + "," + string(unconfirmed[0]) + "]"
	if err := pubAddr.Add([]byte(list)); err != nil {
		t.Fatal(err)
	}
	pubOut, err := jsonshape.Of(readDoc(t, "mempool_outspends.json"))
	if err != nil {
		t.Fatal(err)
	}
	txKnown := func(prefix string) jsonshape.Known {
		lacks := withPrefix(prefix, mempoolExtras)
		lacks[prefix+"vin[].inner_redeemscript_asm"] = "API.md: only for P2SH spends; the regtest scenario spends no P2SH output"
		return jsonshape.Known{SynthLacks: lacks, SynthAdds: map[string]string{
			prefix + "vin[].witness": "API.md lists witness[]; Esplora omits it for inputs without witness, like the published (P2SH) inputs",
		}, SynthKinds: map[string]string{
			prefix + "vin[].prevout null": "a coinbase input has no prevout (Esplora writes null); the published examples have no coinbase",
		}}
	}
	for _, c := range []struct {
		what       string
		pub, synth jsonshape.Shape
		known      jsonshape.Known
	}{
		{"GET /tx/:txid", pubTx, synth["tx"], txKnown("")},
		{"GET /address/:address/txs", pubAddr, synth["address txs"], func() jsonshape.Known {
			k := txKnown("[].")
			k.SynthKinds = nil // the synthesised histories hold no coinbase and no lone-push scriptsig
			return k
		}()},
		{"GET /tx/:txid/outspends", pubOut, synth["outspends"], jsonshape.Known{}},
	} {
		for _, d := range jsonshape.Compare(c.pub, c.synth, c.known) {
			t.Errorf("%s: %s", c.what, d)
		}
	}
}

// esploraDocs serves the published mempool.space examples as an Esplora API
// for Bitcoin mainnet would.
func esploraDocs(t *testing.T) *httptest.Server {
	t.Helper()
	nw, err := LookupNetwork("btc-mainnet")
	if err != nil {
		t.Fatal(err)
	}
	var unconfirmed []json.RawMessage
	if err := json.Unmarshal(readDoc(t, "mempool_address_txs_mempool.json"), &unconfirmed); err != nil {
		t.Fatal(err)
	}
	paths := map[string][]byte{
		"/block-height/0": []byte(nw.Genesis), // Open checks the network; not a docs example
		"/tx/15e10745f15593a899cef391191bdd3d7c12412cc4696b7bcb669d0feadc8521":           readDoc(t, "mempool_tx.json"),
		"/tx/9d3ea0d131c45450c135d549b62032019bc47a80368e14edc72caf38f5a88033":           readDoc(t, "mempool_tx_inputs_outputs.json"),
		"/tx/16cd9bbc6b62313a22d16671fa559aec6bf581df8b5853d37775c84b0fddfa90":           unconfirmed[0],
		"/tx/eefbafa4006e77099db059eebe14687965813283e5754d317431d9984554735d/outspends": readDoc(t, "mempool_outspends.json"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := paths[strings.TrimPrefix(r.URL.Path, "/api")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestEsploraPublishedDecode runs the adapter's Esplora client on the published
// examples: amounts in satoshis, status.confirmed with and without block fields,
// outspends with spent and unspent outputs; the addresses the adapter derives
// from the scripts are the ones the provider prints.
func TestEsploraPublishedDecode(t *testing.T) {
	srv := esploraDocs(t)
	ctx := context.Background()
	a, err := Open(ctx, Config{Chain: "btc-mainnet", Backend: BackendEsplora, URL: srv.URL + "/api"})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := a.Tx(ctx, "9d3ea0d131c45450c135d549b62032019bc47a80368e14edc72caf38f5a88033")
	if err != nil {
		t.Fatal(err)
	}
	if tx.Block != 875602 || tx.BlockHash != "000000000000000000016c0639b6c1a34d6659c231aa2de5849ab3377ed75020" || tx.Time != 1734704791 || tx.Coinbase {
		t.Errorf("status decoded as block %d %s time %d coinbase %v", tx.Block, tx.BlockHash, tx.Time, tx.Coinbase)
	}
	wantIn := []graph.TxIn{
		{Prev: graph.Outpoint{TxID: "69da555a9c69788a3a081958457894e56b1ee6766bc72cecf881b1b4f327f78b", Vout: 0}, Address: "3L4YUynB4X44rJBY9CmiLMN8Wjti49JCYB", Value: sat(24962957)},
		{Prev: graph.Outpoint{TxID: "43852d32c7ae6d362d446d090daa4d389f78ec77e6693f9248cd924dc0b1ecc3", Vout: 1}, Address: "3GcWrnGFoNzbn1KaiP5czS5xPELdWcgDX2", Value: sat(1719827)},
	}
	wantOut := []graph.TxOut{
		{Index: 0, Address: "bc1q9yhuu4yty2xd8hmrxnw4yhavvtn7khm62uw38p", Value: sat(57000), ScriptType: "p2wpkh"},
		{Index: 1, Address: "bc1quhruqrghgcca950rvhtrg7cpd7u8k6svpzgzmrjy8xyukacl5lkq0r8l2d", Value: sat(17343523), ScriptType: "p2wsh"},
	}
	if !equalJSON(t, tx.Inputs, wantIn) || !equalJSON(t, tx.Outputs, wantOut) {
		t.Errorf("decoded inputs %+v outputs %+v", tx.Inputs, tx.Outputs)
	}
	// The docs elide inputs and outputs, so the fee is that of the shown ones,
	// not the published 44000.
	if tx.Fee().Int64() != 24962957+1719827-57000-17343523 {
		t.Errorf("fee %s", tx.Fee())
	}
	e := a.backend.(*esplora)
	for id, want := range map[string]struct {
		confirmed bool
		height    uint64
		hash      string
		time      int64
	}{
		"15e10745f15593a899cef391191bdd3d7c12412cc4696b7bcb669d0feadc8521": {true, 363348, "0000000000000000139385d7aa78ffb45469e0c715b8d6ea6cb2ffa98acc7171", 1435754650},
		"16cd9bbc6b62313a22d16671fa559aec6bf581df8b5853d37775c84b0fddfa90": {false, 0, "", 0}, // status {"confirmed": false}
	} {
		m, err := e.getTxs(ctx, []string{id})
		if err != nil || m[id] == nil {
			t.Fatalf("%s: %v %v", id, m, err)
		}
		r := m[id]
		if r.Confirmed != want.confirmed || r.Height != want.height || r.BlockHash != want.hash || r.Time != want.time {
			t.Errorf("%s: status decoded as confirmed %v height %d hash %q time %d", id, r.Confirmed, r.Height, r.BlockHash, r.Time)
		}
	}
	// outspends: output 0 spent by 37e8…, output 1 unspent.
	spent := &graph.UTXOTx{TxID: "eefbafa4006e77099db059eebe14687965813283e5754d317431d9984554735d", Outputs: make([]graph.TxOut, 2)}
	for vout, want := range []string{"37e867526abb7cde3f64f86f60b42bee1f989aa8514730ae2e741dd05bbc286b", ""} {
		sp, err := e.spender(ctx, a, spent, uint32(vout))
		if err != nil || sp != want {
			t.Errorf("outspends vout %d: %q, %v; want %q", vout, sp, err, want)
		}
	}
}

// TestBitcoinCoreHelpTypes holds the synthesised getrawtransaction (verbose)
// results against the JSON types of Bitcoin Core's RPC help. Core publishes no
// example answer, only that schema (testdata/providerdocs/README.md); amounts
// are numbers in BTC, which the adapter reads as json.Number, never float64.
func TestBitcoinCoreHelpTypes(t *testing.T) {
	var types map[string]string
	if err := json.Unmarshal(readDoc(t, "bitcoincore_getrawtransaction_types.json"), &types); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../testdata/bitcoin/bitcoind_core_synth.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Calls []struct {
			Method string `json:"method"`
			Status int    `json:"status"`
			Body   struct {
				Result json.RawMessage `json:"result"`
			} `json:"body"`
		} `json:"calls"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	synth := jsonshape.Shape{}
	n := 0
	for _, c := range rec.Calls {
		if c.Method == "getrawtransaction" && c.Status == 200 {
			if err := synth.Add(c.Body.Result); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no getrawtransaction results in the synthesised answers")
	}
	kindOK := func(want string, k jsonshape.Kind) bool {
		switch want {
		case "string":
			return strings.HasPrefix(string(k), "string")
		case "number":
			return k == jsonshape.Number
		}
		return false
	}
	for path, want := range types {
		ks, ok := synth[path]
		if !ok {
			// Optional in the help: witness data "(if any)", address only
			// when the script has one.
			if path == "vin[].txinwitness[]" || path == "vout[].scriptPubKey.address" {
				continue
			}
			t.Errorf("synthesised getrawtransaction lacks %s (%s in Core's help)", path, want)
			continue
		}
		for k := range ks {
			if !kindOK(want, k) {
				t.Errorf("%s: synthesised %s, Core's help says %s", path, k, want)
			}
		}
	}
	// The adapter reads vout[].value as json.Number: the help's BTC amount.
	var tx struct {
		Vout []struct {
			Value json.Number `json:"value"`
		} `json:"vout"`
	}
	for _, c := range rec.Calls {
		if c.Method == "getrawtransaction" && c.Status == 200 {
			if err := json.Unmarshal(c.Body.Result, &tx); err != nil {
				t.Errorf("getrawtransaction result: %v", err)
			}
		}
	}
}

// TestEsploraPublishedAsm: the generator writes the asm fields of the
// synthesised answers with esploraAsm; on the published transaction's scripts
// it gives the provider's own asm, pushes and all ("OP_0 OP_PUSHBYTES_72 …
// OP_PUSHDATA1 …", "OP_PUSHNUM_2 … OP_CHECKMULTISIG").
func TestEsploraPublishedAsm(t *testing.T) {
	var tx struct {
		Vin []struct {
			ScriptSig    string `json:"scriptsig"`
			ScriptSigAsm string `json:"scriptsig_asm"`
			Redeem       string `json:"inner_redeemscript_asm"`
			Prevout      struct {
				Script string `json:"scriptpubkey"`
				Asm    string `json:"scriptpubkey_asm"`
			} `json:"prevout"`
		} `json:"vin"`
		Vout []struct {
			Script string `json:"scriptpubkey"`
			Asm    string `json:"scriptpubkey_asm"`
		} `json:"vout"`
	}
	if err := json.Unmarshal(readDoc(t, "mempool_tx_inputs_outputs.json"), &tx); err != nil {
		t.Fatal(err)
	}
	check := func(what, scriptHex, want string) {
		t.Helper()
		b, err := hex.DecodeString(scriptHex)
		if err != nil {
			t.Fatal(err)
		}
		if got := esploraAsm(b); got != want {
			t.Errorf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	n := 0
	for i, in := range tx.Vin {
		check(fmt.Sprintf("vin %d scriptsig", i), in.ScriptSig, in.ScriptSigAsm)
		check(fmt.Sprintf("vin %d prevout", i), in.Prevout.Script, in.Prevout.Asm)
		// The redeem script is the scriptsig's last push.
		b, _ := hex.DecodeString(in.ScriptSig)
		tok := txscript.MakeScriptTokenizer(0, b)
		var last []byte
		for tok.Next() {
			last = tok.Data()
		}
		check(fmt.Sprintf("vin %d redeem script", i), hex.EncodeToString(last), in.Redeem)
		n += 3
	}
	for i, o := range tx.Vout {
		check(fmt.Sprintf("vout %d", i), o.Script, o.Asm)
		n++
	}
	if n != 8 {
		t.Errorf("%d scripts checked", n)
	}
}
