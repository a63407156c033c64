package trace

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestSplitUTXO(t *testing.T) {
	// in0: 100 tainted, in1: 50 clean; out0 90, out1 50; fee 10.
	ins := []utxoIn{{big.NewInt(100), big.NewInt(100)}, {big.NewInt(50), big.NewInt(0)}}
	outs := []utxoOut{{Value: big.NewInt(90)}, {Value: big.NewInt(50)}}
	cases := []struct {
		p    Policy
		want []int64
		fee  int64
	}{
		{Poison, []int64{90, 50}, 10},
		// haircut: ⌊100·90/150⌋=60, ⌊100·50/150⌋=33, fee ⌊100·10/150⌋=6; remainder 1 → out0.
		{Haircut, []int64{61, 33}, 6},
		// FIFO: tainted [0,100) clean [100,150); out0 [0,90) → 90, out1 [90,140) → 10, fee [140,150) → 0.
		{FIFO, []int64{90, 10}, 0},
		// LIFO: in1 first (clean 50) then in0 clean 0 / tainted 100: tainted [50,150);
		// out0 [0,90) → 40, out1 [90,140) → 50, fee [140,150) → 10.
		{LIFO, []int64{40, 50}, 10},
		// TIHO: out0 (90) first takes 90, out1 takes the last 10, fee 0.
		{TIHO, []int64{90, 10}, 0},
	}
	for _, c := range cases {
		got, fee := splitUTXO(c.p, ins, outs)
		for i, w := range c.want {
			if got[i].Int64() != w {
				t.Errorf("%s: out%d = %s, want %d", c.p, i, got[i], w)
			}
		}
		if fee.Int64() != c.fee {
			t.Errorf("%s: fee = %s, want %d", c.p, fee, c.fee)
		}
	}
}

func TestSplitUTXOHaircutRemainders(t *testing.T) {
	// T=2 over three outputs of 1 (total 3): each ⌊2/3⌋=0; remainder 2 goes to out0, out1.
	ins := []utxoIn{{big.NewInt(3), big.NewInt(2)}}
	outs := []utxoOut{{Value: big.NewInt(1)}, {Value: big.NewInt(1)}, {Value: big.NewInt(1)}}
	got, fee := splitUTXO(Haircut, ins, outs)
	if got[0].Int64() != 1 || got[1].Int64() != 1 || got[2].Int64() != 0 || fee.Sign() != 0 {
		t.Fatalf("got %v fee %s, want [1 1 0] fee 0", got, fee)
	}
}

func TestSplitUTXOOpReturnCarriesNoTaint(t *testing.T) {
	// One fully tainted input of 100; outputs: OP_RETURN 10 (burnt), 80; fee 10.
	ins := []utxoIn{{big.NewInt(100), big.NewInt(100)}}
	outs := []utxoOut{{Value: big.NewInt(10), Burn: true}, {Value: big.NewInt(80)}}
	for _, p := range Policies {
		got, fee := splitUTXO(p, ins, outs)
		if got[0].Sign() != 0 {
			t.Errorf("%s: OP_RETURN output got taint %s", p, got[0])
		}
		if got[1].Int64() != 80 || fee.Int64() != 20 {
			t.Errorf("%s: out1 %s fee %s, want 80 and 20 (burnt value counts with the fee)", p, got[1], fee)
		}
	}
	// Partial taint 50 of 100 under FIFO: the burnt output covers [0,10) → its 10
	// go to the fee; out1 [10,90) takes 40.
	ins = []utxoIn{{big.NewInt(100), big.NewInt(50)}}
	got, fee := splitUTXO(FIFO, ins, outs)
	if got[1].Int64() != 40 || fee.Int64() != 10 {
		t.Fatalf("fifo: out1 %s fee %s, want 40 and 10", got[1], fee)
	}
}

func TestSplitUTXOTIHOTies(t *testing.T) {
	// Taint 15 over equal outputs 10, 10 and a 5: the lower index wins the tie.
	ins := []utxoIn{{big.NewInt(25), big.NewInt(15)}}
	outs := []utxoOut{{Value: big.NewInt(5)}, {Value: big.NewInt(10)}, {Value: big.NewInt(10)}}
	got, fee := splitUTXO(TIHO, ins, outs)
	if got[0].Int64() != 0 || got[1].Int64() != 10 || got[2].Int64() != 5 || fee.Sign() != 0 {
		t.Fatalf("got %v fee %s, want [0 10 5] fee 0", got, fee)
	}
}

func TestSplitUTXOConservesTaint(t *testing.T) {
	// Every non-poison policy hands out exactly the input taint, over many shapes.
	for n := int64(1); n < 40; n++ {
		ins := []utxoIn{{big.NewInt(1000 + n), big.NewInt(7 * n)}, {big.NewInt(333), big.NewInt(n)}, {big.NewInt(17 * n), big.NewInt(0)}}
		outs := []utxoOut{{Value: big.NewInt(n * 13)}, {Value: big.NewInt(501)}, {Value: big.NewInt(3), Burn: n%3 == 0}, {Value: big.NewInt(7 * n)}}
		T := 8 * n
		for _, p := range []Policy{Haircut, FIFO, LIFO, TIHO} {
			got, fee := splitUTXO(p, ins, outs)
			sum := new(big.Int).Set(fee)
			for j, g := range got {
				if g.Sign() < 0 || g.Cmp(outs[j].Value) > 0 {
					t.Fatalf("%s n=%d: out%d taint %s outside [0,%s]", p, n, j, g, outs[j].Value)
				}
				sum.Add(sum, g)
			}
			if sum.Int64() != T {
				t.Fatalf("%s n=%d: Σ = %s, want %d", p, n, sum, T)
			}
		}
	}
}

// The 64-bit haircut split must give what the math/big one gives, output for
// output and the fee, on random transactions: burnt outputs, zero values, taint
// above the inputs' value (inconsistent data), outputs above the inputs (no fee),
// and values near 2⁶⁴ where the products need 128 bits.
func TestSplitHaircut64MatchesBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	pick := func() *big.Int {
		switch rng.IntN(5) {
		case 0:
			return big.NewInt(0)
		case 1:
			return new(big.Int).SetUint64(rng.Uint64() >> 2) // large: sums stay in 64 bits
		case 2:
			return big.NewInt(rng.Int64N(10))
		default:
			return big.NewInt(rng.Int64N(2_100_000_000_000_000))
		}
	}
	fast := 0
	for n := 0; n < 20000; n++ {
		ins := make([]utxoIn, 1+rng.IntN(3))
		for i := range ins {
			v := pick()
			tt := new(big.Int)
			switch rng.IntN(4) {
			case 0:
			case 1:
				tt.Set(v)
			case 2:
				if v.Sign() > 0 {
					tt.SetUint64(rng.Uint64N(v.Uint64())) // part of it tainted
				}
			case 3:
				tt = pick() // may exceed the value
			}
			ins[i] = utxoIn{Value: v, Taint: tt}
		}
		outs := make([]utxoOut, 1+rng.IntN(4))
		for j := range outs {
			outs[j] = utxoOut{Value: pick(), Burn: rng.IntN(6) == 0}
		}
		want, wantFee := splitUTXOBig(Haircut, ins, outs)
		got, fee, ok := splitHaircut64(ins, outs)
		if !ok {
			continue // a sum passed 64 bits: the big path answers
		}
		fast++
		for j := range want {
			if got[j].Cmp(want[j]) != 0 {
				t.Fatalf("case %d out %d: 64-bit %s, big %s (ins %v outs %v)", n, j, got[j], want[j], ins, outs)
			}
		}
		if fee.Cmp(wantFee) != 0 {
			t.Fatalf("case %d fee: 64-bit %s, big %s", n, fee, wantFee)
		}
	}
	if fast < 10000 {
		t.Fatalf("only %d of 20000 cases took the 64-bit path", fast)
	}
	// Wider than 64 bits or negative: the big path.
	if _, _, ok := splitHaircut64([]utxoIn{{new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(1)}}, []utxoOut{{Value: big.NewInt(1)}}); ok {
		t.Error("a 65-bit input took the 64-bit path")
	}
	if _, _, ok := splitHaircut64([]utxoIn{{big.NewInt(5), big.NewInt(-1)}}, []utxoOut{{Value: big.NewInt(1)}}); ok {
		t.Error("a negative taint took the 64-bit path")
	}
}
