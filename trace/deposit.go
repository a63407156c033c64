package trace

import (
	"math/big"

	"github.com/chaintrace/chaintrace/graph"
)

// depositMatch is the evidence that an unlabelled address is an exchange's
// customer deposit address.
type depositMatch struct {
	exchange   string
	sweep      string
	confidence int // κ in permille
}

// depositRule tests the account-chain deposit rule (Victor, "Address clustering
// heuristics for Ethereum", FC 2020, as ../shared/TRACING.md states it) on h at its
// first tainted credit e: the first payment of e's asset out of h after e must go
// to an address labelled as an exchange, forwarding what h received since its
// previous payment (aᵣ) less at most α (native; tokens exactly), within τ blocks of
// the last of those credits. The tracer looks no further past h than that one payment.
func (t *acctTracer) depositRule(h *holder, e *graph.Transfer) *depositMatch {
	ek := e.Key()
	var sweep *graph.Transfer
	for i := range h.hist {
		tr := &h.hist[i]
		if ek.Less(tr.Key()) && tr.From == h.addr && tr.Kind != graph.KindFee && tr.Kind != graph.KindWrap && tr.Asset.ID == e.Asset.ID {
			sweep = tr
			break
		}
	}
	if sweep == nil {
		return nil
	}
	lb, ok := t.o.Labels.Lookup(t.info.Name, sweep.To)
	if !ok || lb.Category != CatExchange {
		return nil
	}
	// aᵣ: the credits since the previous payment of this asset; when h paid nothing
	// out between the start of its history and the sweep, what it already held
	// before that counts too (exchanges sweep whole balances).
	sk := sweep.Key()
	aR := new(big.Int)
	var tR uint64
	prevDebit := false
	for i := range h.hist {
		tr := &h.hist[i]
		if !tr.Key().Less(sk) || tr.Asset.ID != e.Asset.ID {
			continue
		}
		if tr.From == h.addr && tr.Kind != graph.KindFee {
			aR.SetInt64(0)
			prevDebit = true
			continue
		}
		if tr.To == h.addr {
			aR.Add(aR, tr.Amount)
			tR = tr.Block
		}
	}
	if !prevDebit && e.Block > 0 {
		if bal, err := t.balance(h.addr, e.Asset, e.Block-1); err == nil {
			aR.Add(aR, bal)
		}
	}
	return matchDeposit(aR, sweep.Amount, tR, sweep.Block, e.Asset.Native(), t.o.DepositAlpha, t.o.DepositTau, entity(lb), sweep.TxHash)
}

// entity names the exchange a deposit belongs to.
func entity(lb Label) string {
	if lb.Entity != "" {
		return lb.Entity
	}
	return lb.Name
}

// matchDeposit applies the amount and time windows and computes
// κ = 1 − (½·(aᵣ − a_f)/α + ½·(t_f − tᵣ)/τ), in permille, rounded down.
func matchDeposit(aR, aF *big.Int, tR, tF uint64, native bool, alpha *big.Int, tau uint64, exchange, sweep string) *depositMatch {
	diff := new(big.Int).Sub(aR, aF)
	if diff.Sign() < 0 || tF < tR || tF-tR > tau {
		return nil
	}
	if !native && diff.Sign() != 0 {
		return nil
	}
	if native && diff.Cmp(alpha) > 0 {
		return nil
	}
	k := big.NewInt(1000 * int64(tau))
	// 1000·κ·τ·α = 1000·τ·α − 500·diff·τ − 500·dt·α; computed over τ·α to stay exact.
	if native && alpha.Sign() > 0 {
		k.Mul(k, alpha)
		k.Sub(k, new(big.Int).Mul(big.NewInt(500*int64(tau)), diff))
		k.Sub(k, new(big.Int).Mul(big.NewInt(500*int64(tF-tR)), alpha))
		k.Quo(k, new(big.Int).Mul(big.NewInt(int64(tau)), alpha))
	} else {
		k.Sub(k, big.NewInt(500*int64(tF-tR)))
		k.Quo(k, big.NewInt(int64(tau)))
	}
	return &depositMatch{exchange: exchange, sweep: sweep, confidence: int(k.Int64())}
}
