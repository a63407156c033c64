package trace

import "math/big"

// bigLot is a run of value in an account's FIFO/LIFO queue, wholly tainted or clean.
type bigLot struct {
	amount  *big.Int
	tainted bool
}

// bigLedger is ledger in math/big arithmetic: the exact fallback a ledger hands
// over to once a value no longer fits 256 bits (or is negative), which real
// chains never produce but a broken or hostile source can.
type bigLedger struct {
	policy   Policy
	balance  *big.Int
	taint    *big.Int // tainted part of balance (poison: everything once poisoned)
	lots     []bigLot // FIFO/LIFO only, oldest first
	poisoned bool
	short    bool // a debit exceeded the modelled balance (missing data)
}

// credit adds amount, of which taint is tainted. The tainted part is queued before
// the clean part, as for a UTXO input (../shared/TRACING.md, FIFO).
func (l *bigLedger) credit(amount, taint *big.Int) {
	l.balance.Add(l.balance, amount)
	l.taint.Add(l.taint, taint)
	if taint.Sign() > 0 {
		l.poisoned = true
	}
	if l.policy == FIFO || l.policy == LIFO {
		clean := new(big.Int).Sub(amount, taint)
		l.push(taint, true)
		l.push(clean, false)
	}
	if l.policy == Poison && l.poisoned {
		l.taint.Set(l.balance)
	}
}

func (l *bigLedger) push(n *big.Int, tainted bool) {
	if n.Sign() <= 0 {
		return
	}
	if k := len(l.lots); k > 0 && l.lots[k-1].tainted == tainted {
		l.lots[k-1].amount.Add(l.lots[k-1].amount, n)
		return
	}
	l.lots = append(l.lots, bigLot{amount: new(big.Int).Set(n), tainted: tainted})
}

// debit removes amount and returns the taint it carries under the ledger's policy.
// want, when non-nil, is a taint already allocated to this debit (TIHO allocates a
// transaction's debits together); it is capped by what the ledger holds.
func (l *bigLedger) debit(amount *big.Int, want *big.Int) *big.Int {
	if amount.Cmp(l.balance) > 0 {
		l.short = true
	}
	var t *big.Int
	switch l.policy {
	case Poison:
		t = new(big.Int)
		if l.poisoned {
			t.Set(amount)
		}
	case Haircut:
		// The debit carries the address's taint ratio at this moment, rounded down;
		// the remainder stays with the address (and ends as unspent if never moved).
		switch {
		case l.balance.Sign() <= 0:
			t = new(big.Int)
		case amount.Cmp(l.balance) >= 0:
			t = new(big.Int).Set(l.taint)
		default:
			t = new(big.Int).Mul(l.taint, amount)
			t.Quo(t, l.balance)
		}
	case FIFO, LIFO:
		t = l.consume(amount, l.policy == LIFO)
	case TIHO:
		if want != nil {
			t = minInt(want, l.taint)
		} else {
			t = minInt(amount, l.taint)
		}
		t = new(big.Int).Set(t)
	}
	l.balance.Sub(l.balance, amount)
	if l.balance.Sign() < 0 {
		l.balance.SetInt64(0)
	}
	if l.policy == Poison {
		if l.poisoned {
			l.taint.Set(l.balance)
		}
		return t
	}
	l.taint.Sub(l.taint, t)
	if l.taint.Sign() < 0 {
		l.taint.SetInt64(0)
	}
	return t
}

// consume takes amount from the oldest (FIFO) or newest (LIFO) lots.
func (l *bigLedger) consume(amount *big.Int, lifo bool) *big.Int {
	need := new(big.Int).Set(amount)
	taint := new(big.Int)
	for need.Sign() > 0 && len(l.lots) > 0 {
		i := 0
		if lifo {
			i = len(l.lots) - 1
		}
		lt := &l.lots[i]
		take := minInt(need, lt.amount)
		take = new(big.Int).Set(take)
		if lt.tainted {
			taint.Add(taint, take)
		}
		lt.amount.Sub(lt.amount, take)
		need.Sub(need, take)
		if lt.amount.Sign() == 0 {
			if lifo {
				l.lots = l.lots[:i]
			} else {
				l.lots = l.lots[1:]
			}
		}
	}
	return taint
}

// remaining is the taint still held.
func (l *bigLedger) remaining() *big.Int {
	return new(big.Int).Set(l.taint)
}
