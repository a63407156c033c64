package casestore

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// synth answers TxTransfers for any hash with a fee and two transfers: a stand-in
// for a live adapter so the benchmarks measure the store alone.
type synth struct{}

func (synth) Info() trace.ChainInfo {
	return trace.ChainInfo{Name: "eth", Family: graph.FamilyAccount, Native: graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}, ChainID: 1}
}
func (synth) Tip(context.Context) (uint64, error)       { return 20_000_000, nil }
func (synth) NormalizeAddress(a string) (string, error) { return a, nil }
func (synth) History(context.Context, trace.HistoryQuery) (trace.History, error) {
	return trace.History{}, nil
}
func (synth) Balance(context.Context, string, graph.Asset, uint64) (*big.Int, error) {
	return new(big.Int), nil
}
func (synth) TxTransfers(_ context.Context, h string) ([]graph.Transfer, error) {
	eth := graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}
	mk := func(seq int, kind graph.TransferKind, to string, amt int64) graph.Transfer {
		return graph.Transfer{Chain: "eth", Asset: eth, Kind: kind, TxHash: h, Seq: seq, Block: 19_000_000, BlockHash: "0x" + fmt.Sprintf("%064x", 7),
			Time: 1_700_000_000, From: "0x1111111111111111111111111111111111111111", To: to, Amount: big.NewInt(amt)}
	}
	return []graph.Transfer{
		mk(0, graph.KindFee, "", 21_000_000_000_000),
		mk(1, graph.KindValue, "0x2222222222222222222222222222222222222222", 1_000_000_000_000_000_000),
		mk(2, graph.KindInternal, "0x3333333333333333333333333333333333333333", 5_000_000_000_000_000),
	}, nil
}

func hashN(i int) string { return fmt.Sprintf("0x%064x", i) }

// BenchmarkRecordTx: recording one transaction's transfers (batched writes; the
// final seal is included once per run).
func BenchmarkRecordTx(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.case")
	st, err := Create(path, Meta{})
	if err != nil {
		b.Fatal(err)
	}
	src := Record(synth{}, st).(trace.AccountSource)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := src.TxTransfers(ctx, hashN(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	fi, _ := os.Stat(path)
	b.ReportMetric(float64(fi.Size())/float64(b.N), "bytes/tx")
}

// case100k records a 100,000-transaction case once.
func case100k(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "100k.case")
	st, err := Create(path, Meta{})
	if err != nil {
		b.Fatal(err)
	}
	src := Record(synth{}, st).(trace.AccountSource)
	for i := 0; i < 100_000; i++ {
		if _, err := src.TxTransfers(context.Background(), hashN(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReplayTx: one lookup (with its content-hash check) in a 100k case.
func BenchmarkReplayTx(b *testing.B) {
	path := case100k(b)
	st, err := Open(path, false)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rp, _ := Replay(st)
	src := rp.(trace.AccountSource)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts, err := src.TxTransfers(ctx, hashN((i*7919)%100_000))
		if err != nil || len(ts) != 3 {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify100k: verifying (integrity check, every hash, the root) a
// 100,000-transaction case, as every replay does before it starts.
func BenchmarkVerify100k(b *testing.B) {
	path := case100k(b)
	fi, _ := os.Stat(path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Verify(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}
