package trace

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// The 256-bit ledger must give exactly what the math/big rules give, operation by
// operation, for every policy — also when a value forces it over to math/big
// mid-way (beyond 256 bits, negative) and when debits exceed the balance.
func TestLedgerMatchesBigLedger(t *testing.T) {
	two256 := new(big.Int).Lsh(big.NewInt(1), 256)
	for _, p := range Policies {
		for seed := uint64(0); seed < 200; seed++ {
			r := rand.New(rand.NewPCG(seed, uint64(len(p))))
			amount := func() *big.Int {
				switch r.IntN(20) {
				case 0:
					return new(big.Int)
				case 1:
					return new(big.Int).Sub(two256, big.NewInt(r.Int64N(3)+1)) // near the top
				case 2:
					if seed%4 == 0 {
						return new(big.Int).Add(two256, big.NewInt(r.Int64N(1000))) // beyond 256 bits
					}
				case 3:
					if seed%7 == 0 {
						return big.NewInt(-r.Int64N(1000)) // negative: never from a sane source
					}
				}
				x := new(big.Int).SetUint64(r.Uint64())
				if r.IntN(2) == 0 {
					x.Lsh(x, uint(r.IntN(120)))
				}
				return x
			}
			opening := amount()
			if opening.Sign() < 0 {
				opening.Neg(opening)
			}
			tainted := r.IntN(2) == 0
			fast := newLedger(p, opening, tainted)
			ref := &bigLedger{policy: p, balance: new(big.Int), taint: new(big.Int)}
			if opening.Sign() > 0 {
				tt := new(big.Int)
				if tainted {
					tt.Set(opening)
				}
				ref.credit(opening, tt)
			}
			for step := 0; step < 60; step++ {
				if r.IntN(2) == 0 {
					a := amount()
					var tnt *big.Int
					switch r.IntN(3) {
					case 0:
						tnt = new(big.Int)
					case 1:
						tnt = new(big.Int).Set(a)
					default:
						tnt = new(big.Int).Rsh(a, uint(r.IntN(8)))
						if tnt.Sign() < 0 {
							tnt.Neg(tnt)
						}
					}
					fast.credit(a, tnt)
					ref.credit(a, new(big.Int).Set(tnt))
				} else {
					a := amount()
					var want *big.Int
					if p == TIHO && r.IntN(2) == 0 {
						want = new(big.Int).Rsh(a, 1)
					}
					got := fast.debit(a, want)
					exp := ref.debit(a, want)
					if got.Cmp(exp) != 0 {
						t.Fatalf("%s seed %d step %d: debit(%s) taint %s, math/big gives %s", p, seed, step, a, got, exp)
					}
				}
				if g, e := fast.remaining(), ref.remaining(); g.Cmp(e) != 0 || fast.short != ref.short {
					t.Fatalf("%s seed %d step %d: remaining %s short %v, math/big gives %s short %v", p, seed, step, g, fast.short, e, ref.short)
				}
			}
		}
	}
}
