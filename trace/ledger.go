package trace

import (
	"math/big"
	"math/bits"

	"github.com/holiman/uint256"
)

// ledger is one address's holding of one asset as the tracer models it: a balance,
// the tainted part of it, and for FIFO/LIFO the order in which credits arrived.
//
// It computes in fixed-width 256-bit integers (every amount an EVM chain or
// Bitcoin can carry fits), which allocate nothing; the taint a debit carries is
// handed out as a *big.Int, as everywhere else. A value that does not fit — a
// negative amount or one beyond 256 bits, which only a broken or hostile source
// produces — turns the ledger over to bigLedger, the same rules in math/big, so
// results are exact either way.
type ledger struct {
	policy   Policy
	bal, tnt uint256.Int // balance and its tainted part (poison: everything once poisoned)
	lots     []lot       // FIFO/LIFO only, oldest first
	poisoned bool
	short    bool       // a debit exceeded the modelled balance (missing data)
	wide     *bigLedger // non-nil: the ledger continues in math/big
}

// lot is a run of value in an account's FIFO/LIFO queue, wholly tainted or clean.
type lot struct {
	amount  uint256.Int
	tainted bool
}

func newLedger(p Policy, opening *big.Int, openingTainted bool) *ledger {
	l := &ledger{policy: p}
	if opening != nil && opening.Sign() > 0 {
		t := new(big.Int)
		if openingTainted {
			t.Set(opening)
		}
		l.credit(opening, t)
	}
	return l
}

// u256 sets z to b and reports whether b fits (non-negative, at most 256 bits).
func u256(z *uint256.Int, b *big.Int) bool {
	if b.Sign() < 0 || b.BitLen() > 256 {
		return false
	}
	z.SetFromBig(b)
	return true
}

// bigBox holds a big.Int and the words it needs, so a result costs one allocation.
type bigBox struct {
	x big.Int
	w [4]big.Word
}

// toBig returns u as a new *big.Int.
func toBig(u *uint256.Int) *big.Int {
	if bits.UintSize != 64 {
		return u.ToBig()
	}
	b := new(bigBox)
	for i := range b.w {
		b.w[i] = big.Word(u[i])
	}
	b.x.SetBits(b.w[:])
	return &b.x
}

// widen hands the ledger over to bigLedger with its current state.
func (l *ledger) widen() {
	w := &bigLedger{policy: l.policy, balance: l.bal.ToBig(), taint: l.tnt.ToBig(), poisoned: l.poisoned, short: l.short}
	for _, lt := range l.lots {
		w.lots = append(w.lots, bigLot{amount: lt.amount.ToBig(), tainted: lt.tainted})
	}
	l.wide, l.lots = w, nil
}

// credit adds amount, of which taint is tainted. The tainted part is queued before
// the clean part, as for a UTXO input (../shared/TRACING.md, FIFO).
func (l *ledger) credit(amount, taint *big.Int) {
	if l.wide == nil && !l.credit256(amount, taint) {
		l.widen()
	}
	if l.wide != nil {
		l.wide.credit(amount, taint)
		l.short = l.wide.short
	}
}

// credit256 is credit in 256-bit arithmetic; false (nothing changed) when a value
// or a sum does not fit.
func (l *ledger) credit256(amount, taint *big.Int) bool {
	var a, t, nb, nt, clean uint256.Int
	if !u256(&a, amount) || !u256(&t, taint) {
		return false
	}
	if _, of := nb.AddOverflow(&l.bal, &a); of {
		return false
	}
	if _, of := nt.AddOverflow(&l.tnt, &t); of {
		return false
	}
	queue := l.policy == FIFO || l.policy == LIFO
	if queue {
		if !a.Lt(&t) {
			clean.Sub(&a, &t)
		}
		// At most one push merges into the last lot: check that sum first.
		if k := len(l.lots); k > 0 {
			last := &l.lots[k-1]
			var s uint256.Int
			switch {
			case !t.IsZero() && last.tainted:
				if _, of := s.AddOverflow(&last.amount, &t); of {
					return false
				}
			case t.IsZero() && !clean.IsZero() && !last.tainted:
				if _, of := s.AddOverflow(&last.amount, &clean); of {
					return false
				}
			}
		}
	}
	l.bal, l.tnt = nb, nt
	if !t.IsZero() {
		l.poisoned = true
	}
	if queue {
		l.push(&t, true)
		l.push(&clean, false)
	}
	if l.policy == Poison && l.poisoned {
		l.tnt = l.bal
	}
	return true
}

func (l *ledger) push(n *uint256.Int, tainted bool) {
	if n.IsZero() {
		return
	}
	if k := len(l.lots); k > 0 && l.lots[k-1].tainted == tainted {
		l.lots[k-1].amount.Add(&l.lots[k-1].amount, n) // checked by credit256
		return
	}
	l.lots = append(l.lots, lot{amount: *n, tainted: tainted})
}

// debit removes amount and returns the taint it carries under the ledger's policy.
// want, when non-nil, is a taint already allocated to this debit (TIHO allocates a
// transaction's debits together); it is capped by what the ledger holds.
func (l *ledger) debit(amount *big.Int, want *big.Int) *big.Int {
	if l.wide == nil {
		if t, ok := l.debit256(amount, want); ok {
			return t
		}
		l.widen()
	}
	t := l.wide.debit(amount, want)
	l.short = l.wide.short
	return t
}

func (l *ledger) debit256(amount *big.Int, want *big.Int) (*big.Int, bool) {
	var a, w, t uint256.Int
	if !u256(&a, amount) || (want != nil && !u256(&w, want)) {
		return nil, false
	}
	switch l.policy {
	case Poison:
		if l.poisoned {
			t = a
		}
	case Haircut:
		// The debit carries the address's taint ratio at this moment, rounded down;
		// the remainder stays with the address (and ends as unspent if never moved).
		switch {
		case l.bal.IsZero():
		case !a.Lt(&l.bal):
			t = l.tnt
		default:
			// a < bal, so the quotient is below tnt and fits; the product may not,
			// which MulDivOverflow keeps in 512 bits.
			t.MulDivOverflow(&l.tnt, &a, &l.bal)
		}
	case FIFO, LIFO:
		l.consume(&a, &t, l.policy == LIFO)
	case TIHO:
		if want != nil {
			t = minU(&w, &l.tnt)
		} else {
			t = minU(&a, &l.tnt)
		}
	default:
		return nil, false
	}
	if l.bal.Lt(&a) {
		l.short = true
		l.bal.Clear()
	} else {
		l.bal.Sub(&l.bal, &a)
	}
	if l.policy == Poison {
		if l.poisoned {
			l.tnt = l.bal
		}
		return toBig(&t), true
	}
	if l.tnt.Lt(&t) {
		l.tnt.Clear()
	} else {
		l.tnt.Sub(&l.tnt, &t)
	}
	return toBig(&t), true
}

func minU(a, b *uint256.Int) uint256.Int {
	if a.Lt(b) {
		return *a
	}
	return *b
}

// consume takes amount from the oldest (FIFO) or newest (LIFO) lots and adds the
// tainted part of what it took to taint.
func (l *ledger) consume(amount, taint *uint256.Int, lifo bool) {
	need := *amount
	for !need.IsZero() && len(l.lots) > 0 {
		i := 0
		if lifo {
			i = len(l.lots) - 1
		}
		lt := &l.lots[i]
		take := minU(&need, &lt.amount)
		if lt.tainted {
			taint.Add(taint, &take) // ≤ amount: fits
		}
		lt.amount.Sub(&lt.amount, &take)
		need.Sub(&need, &take)
		if lt.amount.IsZero() {
			if lifo {
				l.lots = l.lots[:i]
			} else {
				l.lots = l.lots[1:]
			}
		}
	}
}

// held is the modelled balance (a copy).
func (l *ledger) held() *big.Int {
	if l.wide != nil {
		return new(big.Int).Set(l.wide.balance)
	}
	return toBig(&l.bal)
}

// remaining is the taint still held.
func (l *ledger) remaining() *big.Int {
	if l.wide != nil {
		return l.wide.remaining()
	}
	return toBig(&l.tnt)
}
