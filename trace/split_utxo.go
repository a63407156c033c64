package trace

import (
	"math/big"
	"math/bits"
	"sort"
)

// utxoIn is one input of a UTXO transaction as the splitter sees it.
type utxoIn struct {
	Value *big.Int
	Taint *big.Int
}

// utxoOut is one output; Burn marks OP_RETURN outputs, which carry no taint: the
// taint their value range would take goes to the fee bucket, since it leaves
// circulation just as a fee does.
type utxoOut struct {
	Value *big.Int
	Burn  bool
}

// splitUTXO splits the taint of a transaction's inputs over its outputs and its fee
// under policy p, exactly as ../shared/TRACING.md defines each rule. It returns the
// taint of each output and the taint that went to the fee. Except under poison,
// Σ out + fee = Σ input taint, to the unit.
func splitUTXO(p Policy, ins []utxoIn, outs []utxoOut) ([]*big.Int, *big.Int) {
	if p == Haircut {
		if res, fee, ok := splitHaircut64(ins, outs); ok {
			return res, fee
		}
	}
	return splitUTXOBig(p, ins, outs)
}

// splitUTXOBig is splitUTXO in math/big, for every policy and value.
func splitUTXOBig(p Policy, ins []utxoIn, outs []utxoOut) ([]*big.Int, *big.Int) {
	res := make([]*big.Int, len(outs))
	for i := range res {
		res[i] = new(big.Int)
	}
	fee := new(big.Int)
	T, V, W := new(big.Int), new(big.Int), new(big.Int)
	for _, in := range ins {
		T.Add(T, in.Taint)
		V.Add(V, in.Value)
	}
	for _, o := range outs {
		W.Add(W, o.Value)
	}
	if T.Sign() == 0 {
		return res, fee
	}
	feeValue := new(big.Int).Sub(V, W)
	if feeValue.Sign() < 0 { // coinbase-like or inconsistent data: no fee range
		feeValue.SetInt64(0)
	}
	switch p {
	case Poison:
		// BlockSci taint.cpp: any tainted input taints every output entirely.
		for i, o := range outs {
			if o.Burn {
				fee.Add(fee, o.Value)
			} else {
				res[i].Set(o.Value)
			}
		}
		fee.Add(fee, feeValue)
	case Haircut:
		splitHaircut(T, outs, feeValue, res, fee)
	case FIFO:
		splitRanges(ins, outs, res, fee, false)
	case LIFO:
		splitRanges(ins, outs, res, fee, true)
	case TIHO:
		splitTIHO(T, outs, res, fee)
	}
	return res, fee
}

// splitHaircut: output j gets ⌊T·wⱼ/(Σw+f)⌋, the fee (and burnt outputs) ⌊T·f/(Σw+f)⌋;
// the rounding remainder goes one unit at a time to outputs, lowest index first.
func splitHaircut(T *big.Int, outs []utxoOut, feeValue *big.Int, res []*big.Int, fee *big.Int) {
	total := new(big.Int).Set(feeValue)
	for _, o := range outs {
		total.Add(total, o.Value)
	}
	if total.Sign() == 0 {
		fee.Set(T)
		return
	}
	burnt := new(big.Int).Set(feeValue)
	used := new(big.Int)
	for i, o := range outs {
		if o.Burn {
			burnt.Add(burnt, o.Value)
			continue
		}
		res[i].Mul(T, o.Value)
		res[i].Quo(res[i], total)
		used.Add(used, res[i])
	}
	fee.Mul(T, burnt)
	fee.Quo(fee, total)
	used.Add(used, fee)
	rem := new(big.Int).Sub(T, used)
	one := big.NewInt(1)
	for rem.Sign() > 0 {
		progressed := false
		for i, o := range outs {
			if rem.Sign() == 0 {
				break
			}
			if o.Burn || res[i].Cmp(o.Value) >= 0 {
				continue
			}
			res[i].Add(res[i], one)
			rem.Sub(rem, one)
			progressed = true
		}
		if !progressed { // every output is full: the rest can only be fee
			fee.Add(fee, rem)
			break
		}
	}
}

// splitRanges implements FIFO (Anderson et al. 2018) and LIFO: inputs are laid end
// to end, each as [tainted part, clean part] (LIFO: input order reversed and each
// input clean part first); outputs are laid end to end in order with the fee last;
// each output takes the taint of the input range it covers.
func splitRanges(ins []utxoIn, outs []utxoOut, res []*big.Int, fee *big.Int, lifo bool) {
	type seg struct {
		from, to *big.Int
	}
	var tainted []seg
	pos := new(big.Int)
	add := func(n *big.Int, isTaint bool) {
		end := new(big.Int).Add(pos, n)
		if isTaint && n.Sign() > 0 {
			tainted = append(tainted, seg{new(big.Int).Set(pos), end})
		}
		pos = end
	}
	order := make([]int, len(ins))
	for i := range order {
		order[i] = i
		if lifo {
			order[i] = len(ins) - 1 - i
		}
	}
	for _, i := range order {
		clean := new(big.Int).Sub(ins[i].Value, ins[i].Taint)
		if lifo {
			add(clean, false)
			add(ins[i].Taint, true)
		} else {
			add(ins[i].Taint, true)
			add(clean, false)
		}
	}
	overlap := func(a, b *big.Int) *big.Int {
		sum := new(big.Int)
		for _, s := range tainted {
			lo, hi := maxInt(a, s.from), minInt(b, s.to)
			if hi.Cmp(lo) > 0 {
				sum.Add(sum, new(big.Int).Sub(hi, lo))
			}
		}
		return sum
	}
	cur := new(big.Int)
	for i, o := range outs {
		end := new(big.Int).Add(cur, o.Value)
		t := overlap(cur, end)
		if o.Burn {
			fee.Add(fee, t)
		} else {
			res[i] = t
		}
		cur = end
	}
	// The fee covers everything after the outputs.
	fee.Add(fee, overlap(cur, pos))
}

// splitTIHO (Tironsakkul et al. 2019, "tainted in, highest out"): the taint goes to
// outputs in descending value order until used up; the rest goes to the fee. Ties
// between equal outputs go to the lower index first (our choice; the paper does not
// say).
func splitTIHO(T *big.Int, outs []utxoOut, res []*big.Int, fee *big.Int) {
	idx := make([]int, 0, len(outs))
	for i, o := range outs {
		if !o.Burn {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return outs[idx[a]].Value.Cmp(outs[idx[b]].Value) > 0 })
	rem := new(big.Int).Set(T)
	for _, i := range idx {
		if rem.Sign() == 0 {
			break
		}
		t := minInt(rem, outs[i].Value)
		res[i] = new(big.Int).Set(t)
		rem.Sub(rem, t)
	}
	fee.Add(fee, rem)
}

func minInt(a, b *big.Int) *big.Int {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

func maxInt(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// splitHaircut64 is splitUTXO under haircut when every value, taint and sum fits
// in 64 bits (every Bitcoin amount does): the same rule, steps and rounding as
// the math/big path (splitHaircut), in machine words, with the products in 128
// bits. ok is false, and nothing is computed, when something does not fit.
// The results share two allocations.
func splitHaircut64(ins []utxoIn, outs []utxoOut) (res []*big.Int, fee *big.Int, ok bool) {
	if bits.UintSize != 64 {
		return nil, nil, false
	}
	var T, V, W uint64
	var c, c2 uint64
	for _, in := range ins {
		t, ok1 := word64(in.Taint)
		v, ok2 := word64(in.Value)
		if !ok1 || !ok2 {
			return nil, nil, false
		}
		if T, c = bits.Add64(T, t, 0); c != 0 {
			return nil, nil, false
		}
		if V, c = bits.Add64(V, v, 0); c != 0 {
			return nil, nil, false
		}
	}
	var ov [8]uint64 // output values, on the stack for most transactions
	vals := ov[:0]
	for _, o := range outs {
		w, ok := word64(o.Value)
		if !ok {
			return nil, nil, false
		}
		if W, c = bits.Add64(W, w, 0); c != 0 {
			return nil, nil, false
		}
		vals = append(vals, w)
	}
	r := make([]uint64, len(outs)+1) // the outputs' taint, then the fee
	if T != 0 {
		var feeValue uint64
		if V > W {
			feeValue = V - W
		}
		total, c := bits.Add64(feeValue, W, 0)
		if c != 0 {
			return nil, nil, false
		}
		if total == 0 {
			r[len(outs)] = T
		} else {
			burnt, used := feeValue, uint64(0)
			for i, o := range outs {
				if o.Burn {
					if burnt, c2 = bits.Add64(burnt, vals[i], 0); c2 != 0 {
						return nil, nil, false
					}
					continue
				}
				r[i] = mulDiv64(T, vals[i], total)
				used += r[i] // Σ⌊T·wᵢ/total⌋ + ⌊T·burnt/total⌋ ≤ T: no overflow
			}
			f := mulDiv64(T, burnt, total)
			used += f
			rem := T - used
			for rem > 0 {
				progressed := false
				for i, o := range outs {
					if rem == 0 {
						break
					}
					if o.Burn || r[i] >= vals[i] {
						continue
					}
					r[i]++
					rem--
					progressed = true
				}
				if !progressed { // every output is full: the rest can only be fee
					f += rem
					break
				}
			}
			r[len(outs)] = f
		}
	}
	bs := make([]big.Int, len(r))
	ws := make([]big.Word, len(r))
	res = make([]*big.Int, len(outs))
	for i, x := range r {
		ws[i] = big.Word(x)
		bs[i].SetBits(ws[i : i+1 : i+1]) // normalised: a zero has no words
		if i < len(outs) {
			res[i] = &bs[i]
		}
	}
	return res, &bs[len(outs)], true
}

// word64 is b as a uint64 when it is one (not nil, not negative, at most 64 bits).
func word64(b *big.Int) (uint64, bool) {
	if b == nil || b.Sign() < 0 || !b.IsUint64() {
		return 0, false
	}
	return b.Uint64(), true
}

// mulDiv64 is ⌊x·y/d⌋ for d > 0 and x·y/d < 2⁶⁴ (the callers' y ≤ d).
func mulDiv64(x, y, d uint64) uint64 {
	hi, lo := bits.Mul64(x, y)
	q, _ := bits.Div64(hi, lo, d)
	return q
}
