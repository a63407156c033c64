package jsoncase

import (
	"context"
	"fmt"
	"math/big"
	"sort"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

var (
	_ trace.AccountSource   = (*Account)(nil)
	_ trace.ContractChecker = (*Account)(nil)
	_ trace.UTXOSource      = (*UTXO)(nil)
)

// Source returns the case as the data source its family calls for: *Account or *UTXO.
func (c *Case) Source() trace.Source {
	if c.Family == graph.FamilyUTXO {
		return &UTXO{base{c}}
	}
	return &Account{base{c}}
}

type base struct{ c *Case }

// Info describes the case's chain.
func (b base) Info() trace.ChainInfo {
	return trace.ChainInfo{Name: b.c.Chain, Family: b.c.Family, Native: b.c.Native}
}

// Tip is the file's "tip".
func (b base) Tip(ctx context.Context) (uint64, error) { return b.c.Tip, ctx.Err() }

// NormalizeAddress validates addr for the case's chain.
func (b base) NormalizeAddress(addr string) (string, error) {
	a, err := b.c.net.normalize(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", trace.ErrBadInput, b.c.Chain, err)
	}
	return a, nil
}

// Case returns the parsed file behind the source.
func (b base) Case() *Case { return b.c }

// Account serves an account-family case.
type Account struct{ base }

func copyTransfer(t graph.Transfer) graph.Transfer {
	t.Amount = new(big.Int).Set(t.Amount)
	if t.SrcAsset != nil {
		a := *t.SrcAsset
		t.SrcAsset = &a
	}
	return t
}

// TxTransfers returns the transaction's transfers by Seq (fee first when listed so).
func (a *Account) TxTransfers(ctx context.Context, txHash string) ([]graph.Transfer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := a.c.net.hash(txHash)
	if err != nil {
		return nil, fmt.Errorf("%w: transaction hash %w", trace.ErrBadInput, err)
	}
	idx, ok := a.c.byTx[h]
	if !ok {
		return nil, fmt.Errorf("%w: transaction %s is not in the case file", trace.ErrNotFound, h)
	}
	if a.c.reverted[h] {
		return nil, fmt.Errorf("transaction %s: %w", h, trace.ErrReverted)
	}
	out := make([]graph.Transfer, 0, len(idx))
	for _, i := range idx {
		out = append(out, copyTransfer(a.c.transfers[i]))
	}
	return out, nil
}

// History returns q.Address's transfers in [FromBlock, ToBlock] (ToBlock 0: the tip).
func (a *Account) History(ctx context.Context, q trace.HistoryQuery) (trace.History, error) {
	if err := ctx.Err(); err != nil {
		return trace.History{}, err
	}
	addr, err := a.NormalizeAddress(q.Address)
	if err != nil {
		return trace.History{}, err
	}
	to := q.ToBlock
	if to == 0 || to > a.c.Tip {
		to = a.c.Tip
	}
	var h trace.History
	for _, i := range a.c.byAddr[addr] {
		t := a.c.transfers[i]
		if t.Block < q.FromBlock || t.Block > to {
			continue
		}
		if q.Limit > 0 && len(h.Transfers) > q.Limit {
			h.Truncated = true
			break
		}
		h.Transfers = append(h.Transfers, copyTransfer(t))
	}
	return h, nil
}

// Balance is the declared balance moved forward (or back) by the address's
// transfers between the declaration's block and block.
func (a *Account) Balance(ctx context.Context, addr string, asset graph.Asset, block uint64) (*big.Int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ad, err := a.NormalizeAddress(addr)
	if err != nil {
		return nil, err
	}
	if _, ok := a.c.Assets[asset.ID]; !ok {
		return nil, fmt.Errorf("%w: asset %s is not in the case file", trace.ErrNotFound, asset.ID)
	}
	if block > a.c.Tip {
		return nil, fmt.Errorf("%w: block %d is above the case's tip %d", trace.ErrNotFound, block, a.c.Tip)
	}
	d, ok := a.c.balances[balanceKey{ad, asset.ID}]
	if !ok {
		d = declared{0, new(big.Int)}
	}
	bal := new(big.Int).Set(d.amount)
	lo, hi, sign := d.block, block, 1 // count transfers in (lo, hi]
	if block < d.block {
		lo, hi, sign = block, d.block, -1
	}
	for _, i := range a.c.byAddr[ad] {
		t := &a.c.transfers[i]
		if t.Block <= lo || t.Block > hi {
			continue
		}
		net := new(big.Int)
		src := t.Asset.ID
		if t.SrcAsset != nil {
			src = t.SrcAsset.ID
		}
		if t.To == ad && t.Asset.ID == asset.ID {
			net.Add(net, t.Amount)
		}
		if t.From == ad && src == asset.ID {
			net.Sub(net, t.Amount)
		}
		if sign < 0 {
			net.Neg(net)
		}
		bal.Add(bal, net)
	}
	return bal, nil
}

// IsContract reports whether the file lists addr under "contracts".
func (a *Account) IsContract(ctx context.Context, addr string, block uint64) (bool, error) {
	ad, err := a.NormalizeAddress(addr)
	if err != nil {
		return false, err
	}
	return a.c.contracts[ad], ctx.Err()
}

// UTXO serves a utxo-family case.
type UTXO struct{ base }

func copyTx(tx *graph.UTXOTx) *graph.UTXOTx {
	c := *tx
	c.Inputs = make([]graph.TxIn, len(tx.Inputs))
	for i, in := range tx.Inputs {
		in.Value = new(big.Int).Set(in.Value)
		c.Inputs[i] = in
	}
	c.Outputs = make([]graph.TxOut, len(tx.Outputs))
	for i, out := range tx.Outputs {
		out.Value = new(big.Int).Set(out.Value)
		c.Outputs[i] = out
	}
	return &c
}

// Tx returns a transaction with its inputs' values and addresses.
func (u *UTXO) Tx(ctx context.Context, txid string) (*graph.UTXOTx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := u.c.net.hash(txid)
	if err != nil {
		return nil, fmt.Errorf("%w: txid %w", trace.ErrBadInput, err)
	}
	tx, ok := u.c.txByID[h]
	if !ok {
		return nil, fmt.Errorf("%w: transaction %s is not in the case file", trace.ErrNotFound, h)
	}
	return copyTx(tx), nil
}

// Spender returns the transaction spending op, or nil while op is unspent.
func (u *UTXO) Spender(ctx context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s, ok := u.c.spender[op]; ok {
		return copyTx(s), nil
	}
	if !u.c.outputs[op] {
		return nil, fmt.Errorf("%w: output %s is not in the case file", trace.ErrNotFound, op)
	}
	return nil, nil
}

// AddressTxs returns the transactions paying to or spending from addr up to
// toBlock (0: the tip), oldest first.
func (u *UTXO) AddressTxs(ctx context.Context, addr string, toBlock uint64) ([]*graph.UTXOTx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ad, err := u.NormalizeAddress(addr)
	if err != nil {
		return nil, err
	}
	if toBlock == 0 {
		toBlock = u.c.Tip
	}
	var out []*graph.UTXOTx
	for _, tx := range u.c.txs {
		if tx.Block > toBlock || !touches(tx, ad) {
			continue
		}
		out = append(out, copyTx(tx))
	}
	// txs are in file order, which validation made chain order within a block;
	// a stable sort by block keeps it.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Block < out[j].Block })
	return out, nil
}

func touches(tx *graph.UTXOTx, addr string) bool {
	for _, in := range tx.Inputs {
		if in.Address == addr {
			return true
		}
	}
	for _, o := range tx.Outputs {
		if o.Address == addr {
			return true
		}
	}
	return false
}
