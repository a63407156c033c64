package watch

import (
	"context"
	"fmt"
	"math/big"
	"sort"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Manual is the Kind of a holding given by hand (--address) rather than found
// by a trace.
const Manual = "manual"

// ManualHoldings turns addresses given by hand into watched holdings at block
// tip, read from the live source: on an account chain the address's whole
// balance of the native coin (its taint share is then 1: everything that
// leaves is followed in full); on a UTXO chain every output paying the address
// that is unspent now, whole. An address that is not one of the chain's, or
// that holds nothing to watch, is bad input (trace.ErrBadInput). The holdings
// come in the order of addrs, a UTXO address's outputs by outpoint; an address
// given twice is watched once.
func ManualHoldings(ctx context.Context, live trace.Source, addrs []string, tip uint64) ([]Holding, error) {
	info := live.Info()
	native := info.Native
	seen := map[string]bool{}
	var out []Holding
	for _, raw := range addrs {
		addr, err := live.NormalizeAddress(raw)
		if err != nil {
			return nil, fmt.Errorf("--address %s is not an address of %s: %w", raw, info.Name, err)
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		switch info.Family {
		case graph.FamilyUTXO:
			hs, err := manualUTXO(ctx, live, addr, native, tip)
			if err != nil {
				return nil, err
			}
			out = append(out, hs...)
		default:
			chk, ok := live.(BalanceChecker)
			if !ok {
				return nil, fmt.Errorf("%w: the %s source cannot read balances in a batch", trace.ErrUnsupported, info.Name)
			}
			b := chk.Balances(ctx, []trace.BalanceQuery{{Address: addr, Asset: native, Block: tip}})[0]
			if b.Err != nil {
				return nil, fmt.Errorf("--address %s: balance at block %d: %w", addr, tip, b.Err)
			}
			if b.Balance.Sign() <= 0 {
				return nil, fmt.Errorf("%w: --address %s holds no %s at block %d: nothing to watch (a watch notices funds leaving an address)", trace.ErrBadInput, addr, native.Symbol, tip)
			}
			out = append(out, Holding{Key: addr + "/" + native.ID, Kind: Manual, Address: addr, Asset: native.ID,
				Amount: new(big.Int).Set(b.Balance), Path: []string{}, Since: tip, SinceBalance: new(big.Int).Set(b.Balance)})
		}
	}
	return out, nil
}

// manualUTXO: the outputs paying addr that are unspent now.
func manualUTXO(ctx context.Context, live trace.Source, addr string, native graph.Asset, tip uint64) ([]Holding, error) {
	us, ok := live.(trace.UTXOSource)
	chk, ok2 := live.(UTXOChecker)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: the %s source cannot list or check an address's outputs", trace.ErrUnsupported, live.Info().Name)
	}
	txs, err := us.AddressTxs(ctx, addr, tip)
	if err != nil {
		return nil, fmt.Errorf("--address %s: its transactions: %w", addr, err)
	}
	var ops []graph.Outpoint
	var vals []*big.Int
	dup := map[graph.Outpoint]bool{}
	for _, tx := range txs {
		if tx.Block > tip {
			continue
		}
		for _, o := range tx.Outputs {
			if o.Address != addr || o.Value == nil || o.Value.Sign() <= 0 {
				continue
			}
			op, err := graph.ParseOutpoint(fmt.Sprintf("%s:%d", tx.TxID, o.Index))
			if err != nil {
				return nil, err
			}
			if !dup[op] {
				dup[op] = true
				ops, vals = append(ops, op), append(vals, o.Value)
			}
		}
	}
	var unspent []bool
	if len(ops) > 0 {
		if unspent, err = chk.Unspent(ctx, ops); err != nil {
			return nil, fmt.Errorf("--address %s: checking its %d outputs: %w", addr, len(ops), err)
		}
	}
	var out []Holding
	for i, op := range ops {
		if !unspent[i] {
			continue
		}
		out = append(out, Holding{Key: op.String(), Kind: Manual, Address: addr, Outpoint: op.String(), Asset: native.ID,
			Amount: new(big.Int).Set(vals[i]), Path: []string{}, Since: tip})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: --address %s has no unspent output at block %d: nothing to watch", trace.ErrBadInput, addr, tip)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
