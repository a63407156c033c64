package bitcoin

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
)

// esplora is the REST client. Field names follow Blockstream's Esplora API.md
// ("Transaction format": vin[].txid/vout/is_coinbase/prevout, vout[].scriptpubkey/
// value, status.confirmed/block_height/block_hash/block_time; amounts in
// satoshis). mempool.space serves the same API.
type esplora struct {
	ep *endpoint
}

// esploraConcurrency bounds parallel GETs (the rate limiter still applies).
const esploraConcurrency = 4

// esploraChainPage is the page size of /address/:addr/txs/chain (API.md).
const esploraChainPage = 25

type esploraTx struct {
	TxID string `json:"txid"`
	Vin  []struct {
		TxID       string      `json:"txid"`
		Vout       uint32      `json:"vout"`
		IsCoinbase bool        `json:"is_coinbase"`
		Prevout    *esploraOut `json:"prevout"`
	} `json:"vin"`
	Vout   []esploraOut `json:"vout"`
	Status struct {
		Confirmed   bool   `json:"confirmed"`
		BlockHeight uint64 `json:"block_height"`
		BlockHash   string `json:"block_hash"`
		BlockTime   int64  `json:"block_time"`
	} `json:"status"`
}

type esploraOut struct {
	ScriptPubKey string `json:"scriptpubkey"`
	Value        int64  `json:"value"`
}

type esploraOutspend struct {
	Spent bool   `json:"spent"`
	TxID  string `json:"txid"`
	Vin   uint32 `json:"vin"`
}

func (e *esplora) name() string { return BackendEsplora }

func (e *esplora) get(ctx context.Context, path string, v any) error {
	_, text := v.(*string)
	data, err := e.ep.do(ctx, "GET", path, nil, !text)
	if err != nil {
		var se *httpx.StatusError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			return fmt.Errorf("%w: %v", trace.ErrNotFound, err)
		}
		return fmt.Errorf("esplora: %w", err)
	}
	if s, ok := v.(*string); ok {
		*s = strings.TrimSpace(string(data))
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("esplora %s%s answered something that is not the documented JSON (%q…): %v", e.ep.base, path, snippet(data), err)
	}
	return nil
}

func (e *esplora) genesis(ctx context.Context) (string, error) {
	var s string
	return s, e.get(ctx, "/block-height/0", &s)
}

func (e *esplora) tip(ctx context.Context) (uint64, error) {
	var s string
	if err := e.get(ctx, "/blocks/tip/height", &s); err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("esplora %s/blocks/tip/height answered %q, not a height", e.ep.base, snippet([]byte(s)))
	}
	return n, nil
}

func (e *esplora) convert(t *esploraTx) (*rawTx, error) {
	if _, err := validTxID(t.TxID); err != nil {
		return nil, fmt.Errorf("esplora returned a transaction without a valid txid")
	}
	r := &rawTx{TxID: t.TxID}
	if t.Status.Confirmed {
		r.Confirmed, r.Height, r.BlockHash, r.Time = true, t.Status.BlockHeight, t.Status.BlockHash, t.Status.BlockTime
	}
	for _, in := range t.Vin {
		if in.IsCoinbase {
			r.Coinbase = true
			continue
		}
		if in.Prevout == nil {
			return nil, fmt.Errorf("esplora transaction %s: input %s:%d has no prevout", t.TxID, in.TxID, in.Vout)
		}
		s, err := hex.DecodeString(in.Prevout.ScriptPubKey)
		if err != nil {
			return nil, fmt.Errorf("esplora transaction %s: bad prevout script hex", t.TxID)
		}
		if !validSats(in.Prevout.Value) {
			return nil, fmt.Errorf("esplora transaction %s: input %s:%d has value %d sat, outside 0…21,000,000 BTC (a broken or hostile API)", t.TxID, in.TxID, in.Vout, in.Prevout.Value)
		}
		r.Ins = append(r.Ins, rawIn{Prev: graph.Outpoint{TxID: in.TxID, Vout: in.Vout}, HasPrev: true,
			Prevout: rawOut{Script: s, Value: in.Prevout.Value}})
	}
	if r.Coinbase {
		r.Ins = nil
	}
	for _, o := range t.Vout {
		s, err := hex.DecodeString(o.ScriptPubKey)
		if err != nil {
			return nil, fmt.Errorf("esplora transaction %s: bad output script hex", t.TxID)
		}
		if !validSats(o.Value) {
			return nil, fmt.Errorf("esplora transaction %s: an output has value %d sat, outside 0…21,000,000 BTC (a broken or hostile API)", t.TxID, o.Value)
		}
		r.Outs = append(r.Outs, rawOut{Script: s, Value: o.Value})
	}
	return r, nil
}

// getTxs fetches /tx/:txid for each id, a few at a time.
func (e *esplora) getTxs(ctx context.Context, ids []string) (map[string]*rawTx, error) {
	out := map[string]*rawTx{}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, esploraConcurrency)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func(id string) {
			defer func() { <-sem; wg.Done() }()
			var t esploraTx
			err := e.get(ctx, "/tx/"+id, &t)
			var r *rawTx
			if err == nil {
				r, err = e.convert(&t)
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, trace.ErrNotFound):
			case err != nil:
				if firstErr == nil {
					firstErr = err
				}
			case r.TxID != id:
				if firstErr == nil {
					firstErr = fmt.Errorf("esplora returned transaction %s when asked for %s", r.TxID, id)
				}
			default:
				out[id] = r
			}
		}(id)
	}
	wg.Wait()
	return out, firstErr
}

// complete is not needed: Esplora inlines prevouts and block heights.
func (e *esplora) complete(ctx context.Context, prevIDs, _ []string) (map[string]*rawTx, map[string]uint64, error) {
	txs, err := e.getTxs(ctx, prevIDs)
	return txs, nil, err
}

func (e *esplora) spender(ctx context.Context, a *Adapter, tx *graph.UTXOTx, vout uint32) (string, error) {
	// One /outspends answers every output: concurrent lookups of sibling
	// outputs wait for it rather than asking again.
	err := a.once(ctx, "outspends:"+tx.TxID, func() error {
		if _, ok := a.spender(graph.Outpoint{TxID: tx.TxID, Vout: vout}); ok {
			return nil
		}
		var outs []esploraOutspend
		if err := e.get(ctx, "/tx/"+tx.TxID+"/outspends", &outs); err != nil {
			return err
		}
		if len(outs) != len(tx.Outputs) {
			return fmt.Errorf("esplora outspends of %s lists %d outputs; the transaction has %d", tx.TxID, len(outs), len(tx.Outputs))
		}
		for i, o := range outs {
			sp := ""
			if o.Spent {
				if _, err := validTxID(o.TxID); err != nil {
					return fmt.Errorf("esplora outspends of %s: output %d spent by an invalid txid", tx.TxID, i)
				}
				sp = o.TxID
			}
			a.noteSpender(graph.Outpoint{TxID: tx.TxID, Vout: uint32(i)}, sp)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sp, _ := a.spender(graph.Outpoint{TxID: tx.TxID, Vout: vout})
	return sp, nil
}

// addressTxs reads /address/:addr/txs (mempool first, then the newest 25
// confirmed), then /address/:addr/txs/chain/:last_seen_txid pages of 25 until
// a short page.
func (e *esplora) addressTxs(ctx context.Context, a *Adapter, addr string) ([]*rawTx, error) {
	var out []*rawTx
	path := "/address/" + url.PathEscape(addr) + "/txs"
	for {
		var page []esploraTx
		err := e.get(ctx, path, &page)
		if errors.Is(err, trace.ErrNotFound) {
			// Esplora answers 200 [] for an address with no transactions; a
			// 404 is a wrong base path, a proxy or a server that does not know
			// the address, and read as "no transactions" it would end the
			// trace at an address that may hold the funds.
			return nil, fmt.Errorf("the Esplora API answered 404 for the transactions of address %s (%s): a real Esplora answers [] for an unused address, so check --rpc (the API base, e.g. https://blockstream.info/api) or use another backend: %w", addr, path, err)
		}
		if err != nil {
			return nil, err
		}
		confirmed, last := 0, ""
		for i := range page {
			r, err := e.convert(&page[i])
			if err != nil {
				return nil, err
			}
			if r.Confirmed {
				confirmed++
				last = r.TxID
				out = append(out, r)
			}
		}
		if confirmed < esploraChainPage {
			return out, nil
		}
		if len(out) >= maxAddressTxs {
			return nil, fmt.Errorf("%w: address %s has more than %d transactions; it is a service, not a wallet to follow", trace.ErrUnsupported, addr, maxAddressTxs)
		}
		path = "/address/" + url.PathEscape(addr) + "/txs/chain/" + last
	}
}

// maxSats is every bitcoin there will ever be, in satoshi: no output holds more.
const maxSats = 21_000_000 * 100_000_000

// validSats reports whether v is a possible output value.
func validSats(v int64) bool { return v >= 0 && v <= maxSats }
