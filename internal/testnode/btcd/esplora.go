package btcd

import (
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
// Blockstream's Esplora API (API.md) that a watch asks on every block:
// GET /blocks/tip/height, /block-height/:height and /tx/:txid/outspends (the
// spends found by scanning the node's blocks, then its mempool, whose spends
// are unconfirmed). Anything else is 404. Requests counts what it served.
type EsploraLive struct {
	*httptest.Server
	n        *Node
	requests atomic.Int64
}

// NewEsploraLive starts the server; Close it after use.
func NewEsploraLive(n *Node) *EsploraLive {
	e := &EsploraLive{n: n}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
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
	default:
		http.NotFound(w, r)
	}
}
