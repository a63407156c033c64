package bitcoin

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
)

// esploraRecording holds Esplora answers for the btcd theft scenario. It is
// generated from the real node (go test ./chains/bitcoin -run TestRecordEsplora
// -update) in the JSON of Blockstream's esplora API.md, so that the Esplora
// client can be tested without the hosted service and compared with btcd.
const esploraRecording = "../../testdata/bitcoin/esplora_regtest_synth.json"

type recording struct {
	Note string `json:"note"`
	// Scenario names the transactions and addresses tests refer to.
	Scenario map[string]string `json:"scenario"`
	// Responses are served by path; several for one path are served in order,
	// the last one repeating (a 429 then the page).
	Responses []recorded `json:"responses"`
}

type recorded struct {
	Path    string            `json:"path"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	JSON    json.RawMessage   `json:"json,omitempty"`
	Text    string            `json:"text,omitempty"`
}

// Esplora's transaction format (API.md "Transaction format").
type eTx struct {
	TxID     string  `json:"txid"`
	Version  int32   `json:"version"`
	Locktime uint32  `json:"locktime"`
	Vin      []eVin  `json:"vin"`
	Vout     []eOut  `json:"vout"`
	Size     int     `json:"size"`
	Weight   int64   `json:"weight"`
	Fee      int64   `json:"fee"`
	Status   eStatus `json:"status"`
}

type eVin struct {
	TxID         string   `json:"txid"`
	Vout         uint32   `json:"vout"`
	Prevout      *eOut    `json:"prevout"`
	ScriptSig    string   `json:"scriptsig"`
	ScriptSigAsm string   `json:"scriptsig_asm"`
	Witness      []string `json:"witness,omitempty"`
	IsCoinbase   bool     `json:"is_coinbase"`
	Sequence     uint32   `json:"sequence"`
}

type eOut struct {
	ScriptPubKey        string `json:"scriptpubkey"`
	ScriptPubKeyAsm     string `json:"scriptpubkey_asm"`
	ScriptPubKeyType    string `json:"scriptpubkey_type"`
	ScriptPubKeyAddress string `json:"scriptpubkey_address,omitempty"`
	Value               int64  `json:"value"`
}

type eStatus struct {
	Confirmed   bool   `json:"confirmed"`
	BlockHeight uint64 `json:"block_height,omitempty"`
	BlockHash   string `json:"block_hash,omitempty"`
	BlockTime   int64  `json:"block_time,omitempty"`
}

type eOutspend struct {
	Spent  bool     `json:"spent"`
	TxID   string   `json:"txid,omitempty"`
	Vin    *uint32  `json:"vin,omitempty"`
	Status *eStatus `json:"status,omitempty"`
}

// esploraType is electrs' scriptpubkey_type naming.
func esploraType(script []byte, p *btcd.Node) (string, string) {
	typ, addr, _ := classify(script, p.Params)
	switch typ {
	case TypeP2WPKH:
		typ = "v0_p2wpkh"
	case TypeP2WSH:
		typ = "v0_p2wsh"
	case TypeP2TR:
		typ = "v1_p2tr"
	case TypeMultisig:
		typ = "multisig"
	case TypeNonstandard:
		typ = "unknown"
	}
	if typ == TypeP2PK {
		addr = "" // electrs gives P2PK outputs no address
	}
	return typ, addr
}

// opNames names opcodes the way rust-bitcoin does (electrs writes Esplora's asm
// fields with it): btcd's names, without its aliases, with rust-bitcoin's two
// short ones.
var opNames = func() map[byte]string {
	m := map[byte]string{}
	for name, v := range txscript.OpcodeByName {
		switch name {
		case "OP_FALSE", "OP_TRUE", "OP_NOP2", "OP_NOP3":
			continue
		}
		m[v] = name
	}
	m[txscript.OP_CHECKLOCKTIMEVERIFY], m[txscript.OP_CHECKSEQUENCEVERIFY] = "OP_CLTV", "OP_CSV"
	return m
}()

// esploraAsm is Esplora's asm of a script: every push names its opcode
// ("OP_0", "OP_PUSHBYTES_20 <hex>", "OP_PUSHDATA1 <hex>", "OP_PUSHNUM_1"), as in
// the published examples ("OP_0 OP_PUSHBYTES_20 292f…"), not btcd's
// disassembly ("0 292f…").
func esploraAsm(script []byte) string {
	var out []string
	tok := txscript.MakeScriptTokenizer(0, script)
	for tok.Next() {
		op := tok.Opcode()
		switch {
		case op == txscript.OP_0:
			out = append(out, "OP_0")
		case op >= txscript.OP_DATA_1 && op <= txscript.OP_DATA_75:
			out = append(out, fmt.Sprintf("OP_PUSHBYTES_%d %x", op, tok.Data()))
		case op == txscript.OP_PUSHDATA1 || op == txscript.OP_PUSHDATA2 || op == txscript.OP_PUSHDATA4:
			out = append(out, fmt.Sprintf("%s %x", opNames[op], tok.Data()))
		case op == txscript.OP_1NEGATE:
			out = append(out, "OP_PUSHNUM_NEG1")
		case op >= txscript.OP_1 && op <= txscript.OP_16:
			out = append(out, fmt.Sprintf("OP_PUSHNUM_%d", op-txscript.OP_1+1))
		case opNames[op] != "" && !strings.HasPrefix(opNames[op], "OP_UNKNOWN"):
			out = append(out, opNames[op])
		default:
			out = append(out, fmt.Sprintf("OP_RETURN_%d", op))
		}
	}
	if tok.Err() != nil {
		out = append(out, "<push past end>")
	}
	return strings.Join(out, " ")
}

func eOutOf(o *wire.TxOut, n *btcd.Node) *eOut {
	asm := esploraAsm(o.PkScript)
	typ, addr := esploraType(o.PkScript, n)
	return &eOut{ScriptPubKey: hex.EncodeToString(o.PkScript), ScriptPubKeyAsm: asm, ScriptPubKeyType: typ,
		ScriptPubKeyAddress: addr, Value: o.Value}
}

func TestRecordEsplora(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate " + esploraRecording)
	}
	n, s := scenario(t)
	type placed struct {
		msg    *wire.MsgTx
		status eStatus
	}
	var order []string
	txs := map[string]*placed{}
	for h := int64(btcd.SegwitHeight + 9); h <= int64(s.Tip); h++ { // 441..475
		hash, err := n.Client.GetBlockHash(h)
		if err != nil {
			t.Fatal(err)
		}
		blk, err := n.Client.GetBlock(hash)
		if err != nil {
			t.Fatal(err)
		}
		st := eStatus{Confirmed: true, BlockHeight: uint64(h), BlockHash: hash.String(), BlockTime: blk.Header.Timestamp.Unix()}
		for i, m := range blk.Transactions {
			if i == 0 && h != 441 {
				continue // coinbases: only 441's, to cover is_coinbase
			}
			id := m.TxHash().String()
			order = append(order, id)
			txs[id] = &placed{msg: m, status: st}
		}
	}
	prevOut := func(op wire.OutPoint) *wire.TxOut {
		if p, ok := txs[op.Hash.String()]; ok {
			return p.msg.TxOut[op.Index]
		}
		tx, err := n.Client.GetRawTransaction(&op.Hash)
		if err != nil {
			t.Fatal(err)
		}
		return tx.MsgTx().TxOut[op.Index]
	}
	// Spends, from the block data itself (not from the adapter under test).
	spends := map[wire.OutPoint]eOutspend{}
	for _, id := range order {
		p := txs[id]
		for i, in := range p.msg.TxIn {
			vin := uint32(i)
			st := p.status
			spends[in.PreviousOutPoint] = eOutspend{Spent: true, TxID: id, Vin: &vin, Status: &st}
		}
	}
	rec := recording{
		Note: "Esplora (Blockstream esplora API.md) answers for the chaintrace btcd regtest theft scenario " +
			"(internal/testnode/btcd.BuildTheft), generated from a real btcd by " +
			"`go test ./chains/bitcoin -run TestRecordEsplora -update`. Scripts and amounts come from the node; " +
			"the JSON layout is Esplora's. One path with several responses is answered in order, the last repeating.",
		Scenario: map[string]string{
			"theft": id(s.Theft), "to_deposit": id(s.ToDeposit), "mixed": id(s.Mixed), "coinjoin": id(s.CoinJoin),
			"consolidate": id(s.Consolidate), "peel1": id(s.Peel[0]), "peel30": id(s.Peel[btcd.PeelHops-1]),
			"hot": s.H.Address, "deposit": s.D.Address, "e1": s.E1.Address, "e2": s.E2.Address,
			"victim_funding": id(s.Funding[0]), "exchange_funding": id(s.Funding[1]),
		},
	}
	add := func(path string, status int, v any, headers map[string]string) {
		r := recorded{Path: path, Status: status, Headers: headers}
		switch x := v.(type) {
		case string:
			r.Text = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			r.JSON = b
		}
		rec.Responses = append(rec.Responses, r)
	}
	ejs := map[string]eTx{}
	for _, id := range order {
		p := txs[id]
		m := p.msg
		e := eTx{TxID: id, Version: m.Version, Locktime: m.LockTime, Size: m.SerializeSize(),
			Weight: blockchain.GetTransactionWeight(btcutil.NewTx(m)), Status: p.status}
		var in, out int64
		cb := blockchain.IsCoinBaseTx(m)
		for _, ti := range m.TxIn {
			asm := esploraAsm(ti.SignatureScript)
			v := eVin{TxID: ti.PreviousOutPoint.Hash.String(), Vout: ti.PreviousOutPoint.Index,
				ScriptSig: hex.EncodeToString(ti.SignatureScript), ScriptSigAsm: asm, IsCoinbase: cb, Sequence: ti.Sequence}
			for _, w := range ti.Witness {
				v.Witness = append(v.Witness, hex.EncodeToString(w))
			}
			if !cb {
				po := prevOut(ti.PreviousOutPoint)
				v.Prevout = eOutOf(po, n)
				in += po.Value
			}
			e.Vin = append(e.Vin, v)
		}
		for _, o := range m.TxOut {
			e.Vout = append(e.Vout, *eOutOf(o, n))
			out += o.Value
		}
		if !cb {
			e.Fee = in - out
		}
		ejs[id] = e
		add("/tx/"+id, 200, e, nil)
		var os []eOutspend
		for i := range m.TxOut {
			sp, ok := spends[wire.OutPoint{Hash: m.TxHash(), Index: uint32(i)}]
			if !ok {
				sp = eOutspend{Spent: false}
			}
			os = append(os, sp)
		}
		add("/tx/"+id+"/outspends", 200, os, nil)
	}
	// Address history of the hot wallet H: 31 transactions, newest first by
	// (height, txid) descending, in pages of 25 (the first page also carries
	// mempool transactions: none here). The second page is rate limited once.
	var hist []eTx
	for _, id := range order {
		m := txs[id].msg
		touches := false
		for _, o := range m.TxOut {
			if bytes.Equal(o.PkScript, s.H.PkScript) {
				touches = true
			}
		}
		for _, in := range m.TxIn {
			if _, ok := txs[in.PreviousOutPoint.Hash.String()]; ok && bytes.Equal(prevOut(in.PreviousOutPoint).PkScript, s.H.PkScript) {
				touches = true
			}
		}
		if touches {
			hist = append(hist, ejs[id])
		}
	}
	sort.Slice(hist, func(i, j int) bool {
		if hist[i].Status.BlockHeight != hist[j].Status.BlockHeight {
			return hist[i].Status.BlockHeight > hist[j].Status.BlockHeight
		}
		return hist[i].TxID > hist[j].TxID
	})
	if len(hist) != 31 {
		t.Fatalf("H history %d", len(hist))
	}
	add("/address/"+s.H.Address+"/txs", 200, hist[:25], nil)
	page2 := "/address/" + s.H.Address + "/txs/chain/" + hist[24].TxID
	add(page2, 429, "Too Many Requests", map[string]string{"Retry-After": "1"})
	add(page2, 200, hist[25:], nil)
	// small histories, one page each: the deposit and exchange keys, and every
	// party of the theft (the conformance suite reads each one's history)
	scripts := [][]byte{s.D.PkScript, s.E1.PkScript, s.E2.PkScript}
	for _, o := range s.Theft.TxOut {
		scripts = append(scripts, o.PkScript)
	}
	for _, in := range s.Theft.TxIn {
		if _, ok := txs[in.PreviousOutPoint.Hash.String()]; ok {
			scripts = append(scripts, prevOut(in.PreviousOutPoint).PkScript)
		}
	}
	seenAddr := map[string]bool{s.H.Address: true}
	for _, pk := range scripts {
		_, address := esploraType(pk, n)
		if address == "" || seenAddr[address] {
			continue
		}
		seenAddr[address] = true
		var h []eTx
		for _, id := range order {
			m := txs[id].msg
			hit := false
			for _, o := range m.TxOut {
				hit = hit || bytes.Equal(o.PkScript, pk)
			}
			for _, in := range m.TxIn {
				if _, ok := txs[in.PreviousOutPoint.Hash.String()]; ok {
					hit = hit || bytes.Equal(prevOut(in.PreviousOutPoint).PkScript, pk)
				}
			}
			if hit {
				h = append([]eTx{ejs[id]}, h...)
			}
		}
		add("/address/"+address+"/txs", 200, h, nil)
	}
	genesis := n.Params.GenesisHash.String()
	add("/block-height/0", 200, genesis, nil)
	add("/blocks/tip/height", 200, fmt.Sprint(s.Tip), nil)
	add("/tx/"+strings.Repeat("ab", 32), 404, "Transaction not found", nil)
	add("/tx/"+strings.Repeat("ab", 32)+"/outspends", 404, "Transaction not found", nil)
	sort.SliceStable(rec.Responses, func(i, j int) bool { return rec.Responses[i].Path < rec.Responses[j].Path })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(esploraRecording, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d responses, %d bytes", esploraRecording, len(rec.Responses), buf.Len())
}

// replay serves a recording under /regtest/api and counts requests per path.
type replay struct {
	delay time.Duration // added to every answer (latency benchmarks)
	rec   recording
	srv   *httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	miss  []string
	total int
}

func loadRecording(t testing.TB) recording {
	t.Helper()
	b, err := os.ReadFile(esploraRecording)
	if err != nil {
		t.Fatalf("%v (regenerate with -update)", err)
	}
	var rec recording
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func newReplay(t testing.TB) *replay {
	r := &replay{rec: loadRecording(t), hits: map[string]int{}}
	byPath := map[string][]recorded{}
	for _, x := range r.rec.Responses {
		byPath[x.Path] = append(byPath[x.Path], x)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(r.delay)
		path := strings.TrimPrefix(req.URL.Path, "/regtest/api")
		r.mu.Lock()
		rs := byPath[path]
		i := r.hits[path]
		r.hits[path]++
		r.total++
		if len(rs) == 0 {
			r.miss = append(r.miss, path)
		}
		r.mu.Unlock()
		if len(rs) == 0 {
			http.Error(w, "not recorded: "+path, http.StatusNotFound)
			return
		}
		x := rs[min(i, len(rs)-1)]
		for k, v := range x.Headers {
			w.Header().Set(k, v)
		}
		if x.JSON != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(x.Status)
			_, _ = w.Write(x.JSON)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(x.Status)
		_, _ = w.Write([]byte(x.Text))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replay) url() string { return r.srv.URL + "/regtest/api" }
