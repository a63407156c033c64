package trace

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAccountFanOut: a theft fans out to 200 addresses, each peels 10 hops
// (2,000 holders, ~4,000 transfers), over the in-memory source: the tracer's own
// cost per transfer, without any node latency.
func BenchmarkAccountFanOut(b *testing.B) {
	m := newMem()
	var legs []Transfer
	for i := 0; i < 200; i++ {
		legs = append(legs, leg(fmt.Sprint("F", i), 1000))
	}
	m.tx(hSeed, 10, "V", 0, legs...)
	blk := uint64(11)
	for i := 0; i < 200; i++ {
		from := fmt.Sprint("F", i)
		amt := int64(1000)
		for h := 0; h < 10; h++ {
			to := fmt.Sprintf("P%d_%d", i, h)
			amt -= 7
			m.tx("0x"+hex64(fmt.Sprintf("t%d_%d", i, h)), blk, from, 1, leg(to, amt), leg(fmt.Sprintf("pay%d_%d", i, h), 5))
			from = to
			amt--
			blk++
		}
	}
	// Index the in-memory history once so the benchmark measures the tracer, not
	// memAccount's linear scans.
	src := indexMem(m)
	b.ResetTimer()
	for b.Loop() {
		r, err := Run(context.Background(), src, []string{hSeed}, Options{Policy: Haircut, MaxHops: 12, MaxAddresses: 100000})
		if err != nil || len(r.Endpoints) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkUTXOPeelChain: a 2,000-hop peel chain.
func BenchmarkUTXOPeelChain(b *testing.B) {
	m := newMemUTXO()
	f := hex64("f")
	m.add(f, 1, nil, out{"V", 1_000_000, false})
	prev := f
	for i := 0; i < 2000; i++ {
		id := hex64(fmt.Sprint("peel", i))
		m.add(id, uint64(2+i), []graph_op{op(prev, 0)}, out{fmt.Sprint("P", i), int64(1_000_000 - 300*(i+1)), false}, out{fmt.Sprint("pay", i), 200, false})
		prev = id
	}
	src := indexUTXO(m)
	b.ResetTimer()
	for b.Loop() {
		r, err := Run(context.Background(), src, []string{f + ":0"}, Options{Policy: FIFO, MaxHops: 3000})
		if err != nil || len(r.Endpoints) == 0 {
			b.Fatal(err)
		}
	}
}
