package btcd

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// EsploraLive serves, from the node as it is at each request, the part of
// Blockstream's Esplora API (API.md) that a watch asks on every block, and
// what tracing an output onward reads: GET /blocks/tip/height,
// /block-height/:height, /tx/:txid (inputs with their prevouts, status) and
// /tx/:txid/outspends (the spends found by scanning the node's blocks, then its
// mempool, whose spends are unconfirmed). Anything else (address histories) is
// 404. Requests counts what it served.
type EsploraLive struct {
	*httptest.Server
	n        *Node
	requests atomic.Int64
	// Log, when set before the first request, sees every path asked.
	Log func(path string)
}

// NewEsploraLive starts the server; Close it after use.
func NewEsploraLive(n *Node) *EsploraLive {
	e := &EsploraLive{n: n}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		if e.Log != nil {
			e.Log(r.URL.Path)
		}
		e.serve(w, r)
	}))
	return e
}

// Requests is how many requests it served.
func (e *EsploraLive) Requests() int64 { return e.requests.Load() }

func (e *EsploraLive) serve(w http.ResponseWriter, r *http.Request) {
	c := e.n.Client
	p := r.URL.Path
	fail := func(code int, err error) { http.Error(w, err.Error(), code) }
	switch {
	case p == "/blocks/tip/height":
		h, err := c.GetBlockCount()
		if err != nil {
			fail(500, err)
			return
		}
		fmt.Fprint(w, h)
	case strings.HasPrefix(p, "/block-height/"):
		h, err := strconv.ParseInt(strings.TrimPrefix(p, "/block-height/"), 10, 64)
		if err != nil {
			fail(400, err)
			return
		}
		hash, err := c.GetBlockHash(h)
		if err != nil {
			fail(404, err)
			return
		}
		fmt.Fprint(w, hash.String())
	case strings.HasPrefix(p, "/tx/") && strings.HasSuffix(p, "/outspends"):
		id, err := chainhash.NewHashFromStr(strings.TrimSuffix(strings.TrimPrefix(p, "/tx/"), "/outspends"))
		if err != nil {
			fail(400, err)
			return
		}
		tx, err := c.GetRawTransaction(id)
		if err != nil {
			fail(404, err)
			return
		}
		type status struct {
			Confirmed   bool   `json:"confirmed"`
			BlockHeight int64  `json:"block_height,omitempty"`
			BlockHash   string `json:"block_hash,omitempty"`
		}
		type spend struct {
			Spent  bool    `json:"spent"`
			TxID   string  `json:"txid,omitempty"`
			Vin    *int    `json:"vin,omitempty"`
			Status *status `json:"status,omitempty"`
		}
		outs := make([]spend, len(tx.MsgTx().TxOut))
		note := func(m *wire.MsgTx, st status) {
			for i, in := range m.TxIn {
				o := int(in.PreviousOutPoint.Index)
				if in.PreviousOutPoint.Hash == *id && o < len(outs) && !(outs[o].Spent && outs[o].Status.Confirmed) {
					// a mined spend stands (btcd may still list it in its mempool for a moment)
					vin := i
					outs[in.PreviousOutPoint.Index] = spend{Spent: true, TxID: m.TxHash().String(), Vin: &vin, Status: &st}
				}
			}
		}
		tip, err := c.GetBlockCount()
		if err != nil {
			fail(500, err)
			return
		}
		for h := int64(0); h <= tip; h++ {
			hash, err := c.GetBlockHash(h)
			if err != nil {
				fail(500, err)
				return
			}
			blk, err := c.GetBlock(hash)
			if err != nil {
				fail(500, err)
				return
			}
			for _, m := range blk.Transactions {
				note(m, status{Confirmed: true, BlockHeight: h, BlockHash: hash.String()})
			}
		}
		pool, err := c.GetRawMempool()
		if err != nil {
			fail(500, err)
			return
		}
		for _, h := range pool {
			t, err := c.GetRawTransaction(h)
			if err == nil {
				note(t.MsgTx(), status{Confirmed: false})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(outs)
	case strings.HasPrefix(p, "/tx/") && strings.Count(p, "/") == 2:
		id, err := chainhash.NewHashFromStr(strings.TrimPrefix(p, "/tx/"))
		if err != nil {
			fail(400, err)
			return
		}
		v, err := c.GetRawTransactionVerbose(id)
		if err != nil {
			fail(404, err)
			return
		}
		tx, err := c.GetRawTransaction(id)
		if err != nil {
			fail(404, err)
			return
		}
		type out struct {
			ScriptPubKey string `json:"scriptpubkey"`
			Value        int64  `json:"value"`
		}
		type in struct {
			TxID       string `json:"txid"`
			Vout       uint32 `json:"vout"`
			IsCoinbase bool   `json:"is_coinbase"`
			Prevout    *out   `json:"prevout"`
		}
		type status struct {
			Confirmed   bool   `json:"confirmed"`
			BlockHeight int64  `json:"block_height,omitempty"`
			BlockHash   string `json:"block_hash,omitempty"`
			BlockTime   int64  `json:"block_time,omitempty"`
		}
		doc := struct {
			TxID   string `json:"txid"`
			Vin    []in   `json:"vin"`
			Vout   []out  `json:"vout"`
			Status status `json:"status"`
		}{TxID: id.String()}
		m := tx.MsgTx()
		for _, ti := range m.TxIn {
			x := in{TxID: ti.PreviousOutPoint.Hash.String(), Vout: ti.PreviousOutPoint.Index}
			if ti.PreviousOutPoint.Index == wire.MaxPrevOutIndex {
				x.IsCoinbase = true
			} else {
				prev, err := c.GetRawTransaction(&ti.PreviousOutPoint.Hash)
				if err != nil {
					fail(500, err)
					return
				}
				po := prev.MsgTx().TxOut[ti.PreviousOutPoint.Index]
				x.Prevout = &out{ScriptPubKey: hex.EncodeToString(po.PkScript), Value: po.Value}
			}
			doc.Vin = append(doc.Vin, x)
		}
		for _, o := range m.TxOut {
			doc.Vout = append(doc.Vout, out{ScriptPubKey: hex.EncodeToString(o.PkScript), Value: o.Value})
		}
		blockHash := v.BlockHash
		if blockHash == "" {
			// btcd answers from its mempool first, and drops a mined
			// transaction from it a moment after the block: look in the blocks
			blockHash = e.minedIn(*id)
		}
		if blockHash != "" {
			bh, err := chainhash.NewHashFromStr(blockHash)
			if err != nil {
				fail(500, err)
				return
			}
			hdr, err := c.GetBlockHeaderVerbose(bh)
			if err != nil {
				fail(500, err)
				return
			}
			doc.Status = status{Confirmed: true, BlockHeight: int64(hdr.Height), BlockHash: blockHash, BlockTime: hdr.Time}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	default:
		http.NotFound(w, r)
	}
}

// minedIn is the hash of the block of the node's chain holding the
// transaction id, newest first; "" when none does.
func (e *EsploraLive) minedIn(id chainhash.Hash) string {
	c := e.n.Client
	tip, err := c.GetBlockCount()
	if err != nil {
		return ""
	}
	for h := tip; h >= 0; h-- {
		hash, err := c.GetBlockHash(h)
		if err != nil {
			return ""
		}
		blk, err := c.GetBlock(hash)
		if err != nil {
			return ""
		}
		for _, m := range blk.Transactions {
			if m.TxHash() == id {
				return hash.String()
			}
		}
	}
	return ""
}
