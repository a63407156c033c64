package bitcoin

import (
	"context"
	"fmt"
	"sync"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// esploraSpend is one entry of /tx/:txid/outspends with the spend's status
// (API.md: "status" of the spending transaction, present when spent).
type esploraSpend struct {
	Spent  bool `json:"spent"`
	Status *struct {
		Confirmed bool `json:"confirmed"`
	} `json:"status"`
}

// unspent answers Adapter.Unspent over Esplora: one /tx/:txid/outspends per
// distinct transaction (it lists every output), up to esploraConcurrency at
// once, never from a cache. A spend still in the mempool leaves the output
// unspent, as gettxout without the mempool does.
func (e *esplora) unspent(ctx context.Context, ops []graph.Outpoint) ([]bool, error) {
	byTx := map[string][]int{}
	var ids []string
	for i, op := range ops {
		if _, ok := byTx[op.TxID]; !ok {
			ids = append(ids, op.TxID)
		}
		byTx[op.TxID] = append(byTx[op.TxID], i)
	}
	res := make([]bool, len(ops))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, esploraConcurrency)
	var wg sync.WaitGroup
	for k, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var outs []esploraSpend
			if err := e.get(ctx, "/tx/"+id+"/outspends", &outs); err != nil {
				errs[k] = fmt.Errorf("outspends of %s: %w", id, err)
				return
			}
			for _, i := range byTx[id] {
				v := int(ops[i].Vout)
				if v >= len(outs) {
					errs[k] = fmt.Errorf("%w: output %s does not exist (esplora lists %d outputs)", trace.ErrNotFound, ops[i], len(outs))
					return
				}
				o := outs[v]
				res[i] = !o.Spent || (o.Status != nil && !o.Status.Confirmed)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// blockHashes answers Adapter.BlockHashes over Esplora: /block-height/:height
// per height, up to esploraConcurrency at once.
func (e *esplora) blockHashes(ctx context.Context, heights []uint64) ([]string, error) {
	out := make([]string, len(heights))
	errs := make([]error, len(heights))
	sem := make(chan struct{}, esploraConcurrency)
	var wg sync.WaitGroup
	for i, h := range heights {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := e.get(ctx, fmt.Sprintf("/block-height/%d", h), &out[i]); err != nil {
				errs[i] = fmt.Errorf("block hash %d: %w", h, err)
				return
			}
			if _, err := validTxID(out[i]); err != nil {
				errs[i] = fmt.Errorf("esplora %s/block-height/%d answered %q, not a block hash", e.ep.base, h, snippet([]byte(out[i])))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
