package casestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

const (
	thief  = "0x1111111111111111111111111111111111111111"
	mule   = "0x2222222222222222222222222222222222222222"
	victim = "0x3333333333333333333333333333333333333333"
	pool   = "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291" // EIP-55 form
)

func h(n int) string { return fmt.Sprintf("0x%064x", n) }

func liveSource(t *testing.T) trace.AccountSource {
	t.Helper()
	c, err := jsoncase.Load("testdata/account.json")
	if err != nil {
		t.Fatal(err)
	}
	return c.Source().(trace.AccountSource)
}

// session runs the same calls on any account source and returns each answer as
// JSON (errors as their message), so a recording and its replay can be compared.
func session(t *testing.T, src trace.Source) []string {
	t.Helper()
	ctx := context.Background()
	a := src.(trace.AccountSource)
	var out []string
	add := func(v any, err error) {
		if err != nil {
			out = append(out, "error: "+err.Error())
			return
		}
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	add(a.Tip(ctx))
	add(a.NormalizeAddress(strings.ToLower(pool)))
	add(a.NormalizeAddress("0xnothex"))
	add(a.TxTransfers(ctx, h(2)))
	add(a.TxTransfers(ctx, h(3)))
	add(a.TxTransfers(ctx, h(77))) // unknown: not found, recorded as such
	add(a.History(ctx, trace.HistoryQuery{Address: thief, FromBlock: 0, ToBlock: 40}))
	add(a.History(ctx, trace.HistoryQuery{Address: mule, FromBlock: 0, ToBlock: 40, Limit: 1}))
	add(a.Balance(ctx, thief, graph.Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}, 4))
	cc := trace.CapabilitiesOf(src).Contracts
	add(cc.IsContract(ctx, pool, 4))
	add(cc.IsContract(ctx, thief, 4))
	return out
}

func record(t *testing.T, path string) []string {
	t.Helper()
	st, err := Create(path, Meta{ToolVersion: "test", Command: []string{"chaintrace", "trace", "--rpc", "https://user:pw@node.example/v3/0123456789abcdef0123456789abcdef", h(2)}})
	if err != nil {
		t.Fatal(err)
	}
	rec := Record(liveSource(t), st)
	got := session(t, rec)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRecordReplayIdentical(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	live := session(t, liveSource(t))
	recorded := record(t, path)
	if strings.Join(recorded, "\n") != strings.Join(live, "\n") {
		t.Fatalf("recording changed answers:\n%s\nvs live\n%s", recorded, live)
	}

	sum, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	// Tip, 2 addresses, 3 tx_transfers, 2 histories, 1 balance, 2 is_contract.
	if sum.Objects != 11 || sum.ByKind[KindTxTransfers] != 3 || sum.ByKind[KindHistory] != 2 || sum.Chain != "eth" || sum.Tip != "40" {
		t.Errorf("summary = %+v", sum)
	}
	if strings.Contains(strings.Join(sum.Command, " "), "pw") || strings.Contains(strings.Join(sum.Command, " "), "0123456789abcdef0123") {
		t.Errorf("secret kept in command %q", sum.Command)
	}

	st, err := Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rp, err := Replay(st)
	if err != nil {
		t.Fatal(err)
	}
	if trace.CapabilitiesOf(rp).Contracts == nil {
		t.Error("replay of a ContractChecker source offers no contract check")
	}
	if trace.CapabilitiesOf(rp).Warnings != nil {
		t.Error("replay offers warnings although the recorded source did not")
	}
	if _, ok := rp.(trace.UTXOSource); ok {
		t.Error("replay of an account source is a UTXOSource")
	}
	replayed := session(t, rp)
	if strings.Join(replayed, "\n") != strings.Join(live, "\n") {
		t.Fatalf("replay differs:\n%s\nvs live\n%s", replayed, live)
	}
	// Hand-checked answers: thief balance 6000 − 1 fee − 2000 = 3999; pool is a contract.
	if replayed[8] != "3999" || replayed[9] != "true" || replayed[10] != "false" {
		t.Errorf("balance/contract answers = %v", replayed[8:])
	}
	_, err = rp.(trace.AccountSource).TxTransfers(context.Background(), h(77))
	if !errors.Is(err, trace.ErrNotFound) {
		t.Errorf("replayed unknown tx: %v, want ErrNotFound", err)
	}
}

func TestReplayMissingCallIsClear(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	record(t, path)
	st, err := Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rp, _ := Replay(st)
	_, err = rp.(trace.AccountSource).TxTransfers(context.Background(), h(5))
	if !errors.Is(err, ErrNotRecorded) || !strings.Contains(err.Error(), "TxTransfers("+h(5)+")") || !strings.Contains(err.Error(), "--rpc") {
		t.Fatalf("err = %v", err)
	}
	_, err = rp.(trace.AccountSource).Balance(context.Background(), mule, graph.Asset{ID: "ETH"}, 3)
	if !errors.Is(err, ErrNotRecorded) || !strings.Contains(err.Error(), "Balance(") {
		t.Fatalf("err = %v", err)
	}
	// an address never seen is still checked offline
	if a, err := rp.NormalizeAddress("0xa160cdab225685da1d56aa342ad8841c3b53f291"); err != nil || a != pool {
		t.Errorf("offline normalize = %q, %v", a, err)
	}
}

func TestHistoryServedFromCoveringRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	record(t, path)
	st, _ := Open(path, false)
	defer st.Close()
	rp, _ := Replay(st)
	hist, err := rp.(trace.AccountSource).History(context.Background(), trace.HistoryQuery{Address: strings.ToUpper(thief[:2]) + thief[2:], FromBlock: 3, ToBlock: 10})
	if err != nil {
		t.Fatal(err)
	}
	// thief in blocks 3..10: the fee (1) and the payment to the mule (2000).
	if len(hist.Transfers) != 2 || hist.Transfers[0].Kind != graph.KindFee || hist.Transfers[1].Amount.Cmp(big.NewInt(2000)) != 0 {
		t.Errorf("sub-range history = %+v", hist)
	}
	// a range beyond the recorded one is not guessed
	if _, err := rp.(trace.AccountSource).History(context.Background(), trace.HistoryQuery{Address: thief, FromBlock: 0, ToBlock: 41}); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("wider range: %v", err)
	}
}

func TestReplayLiveAddsMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	record(t, path)
	st, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := ReplayLive(st, liveSource(t))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := rp.(trace.AccountSource).TxTransfers(context.Background(), h(5))
	if err != nil || len(ts) != 1 || ts[0].To != pool {
		t.Fatalf("fetched = %+v, %v", ts, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	sum, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Objects != 12 {
		t.Errorf("objects = %d, want 12", sum.Objects)
	}
	st, _ = Open(path, false)
	defer st.Close()
	rp, _ = Replay(st)
	if _, err := rp.(trace.AccountSource).TxTransfers(context.Background(), h(5)); err != nil {
		t.Errorf("added answer not replayed: %v", err)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	record(t, path)
	if _, err := Create(path, Meta{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
}

// flip changes one byte of the file at the first occurrence of marker.
func flip(t *testing.T, path string, marker []byte, delta int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, marker)
	if i < 0 {
		t.Fatalf("marker %q not in %s", marker, path)
	}
	b[i+delta] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFlippedByteIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		marker string
		delta  int
		want   string
	}{
		// an amount digit inside the recorded transfers: "6000" becomes "7000"
		{"object value", `"amount":6000`, len(`"amount":`), "content hash"},
		// the tip in the metadata: only the root hash covers it
		{"metadata", `chaintrace-case-store/1`, len(`chaintrace-case-store/`), "format"},
		// the SQLite header itself
		{"header", "SQLite format 3", 0, "SQLite header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.case")
			record(t, path)
			flip(t, path, []byte(tc.marker), tc.delta)
			_, err := Verify(path)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Verify: %v (want ErrCorrupt mentioning %q)", err, tc.want)
			}
			if _, err := Open(path, false); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open (replay) accepted a corrupted case: %v", err)
			}
		})
	}
}

func TestFlippedTipIsCaughtByRoot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	record(t, path)
	// change the recorded object_count's digit in meta without touching objects
	st, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`UPDATE meta SET value = '41' WHERE key = 'tip'`); err != nil {
		t.Fatal(err)
	}
	st.db.Close()
	if _, err := Verify(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "root hash") {
		t.Fatalf("Verify after meta edit: %v", err)
	}
}

// counting counts every call that reaches the live source.
type counting struct {
	trace.AccountSource
	n atomic.Int64
}

func (c *counting) Tip(ctx context.Context) (uint64, error) {
	c.n.Add(1)
	return c.AccountSource.Tip(ctx)
}
func (c *counting) TxTransfers(ctx context.Context, h string) ([]graph.Transfer, error) {
	c.n.Add(1)
	return c.AccountSource.TxTransfers(ctx, h)
}
func (c *counting) History(ctx context.Context, q trace.HistoryQuery) (trace.History, error) {
	c.n.Add(1)
	return c.AccountSource.History(ctx, q)
}
func (c *counting) Balance(ctx context.Context, a string, as graph.Asset, b uint64) (*big.Int, error) {
	c.n.Add(1)
	return c.AccountSource.Balance(ctx, a, as, b)
}

func TestCacheServesFinalisedOnly(t *testing.T) {
	dir := t.TempDir()
	run := func() int64 {
		live := &counting{AccountSource: liveSource(t)}
		st, err := OpenCache(dir, live.Info(), "")
		if err != nil {
			t.Fatal(err)
		}
		src := Cache(live, st, CacheOptions{Confirmations: 12}).(trace.AccountSource)
		ctx := context.Background()
		if _, err := src.TxTransfers(ctx, h(2)); err != nil { // block 2: final at tip 40
			t.Fatal(err)
		}
		if _, err := src.History(ctx, trace.HistoryQuery{Address: thief, ToBlock: 20}); err != nil { // final
			t.Fatal(err)
		}
		if _, err := src.History(ctx, trace.HistoryQuery{Address: thief, ToBlock: 40}); err != nil { // within 12 of the tip
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		return live.n.Load()
	}
	// first run: tip + 3 calls; second: the tip is reused (TTL) and only the
	// unfinalised history goes to the node.
	if n := run(); n != 4 {
		t.Errorf("first run made %d calls, want 4", n)
	}
	if n := run(); n != 1 {
		t.Errorf("second run made %d calls, want 1 (the unfinalised history)", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "eth.sqlite")); err != nil {
		t.Errorf("cache file: %v", err)
	}
}

func TestCacheTipTTL(t *testing.T) {
	dir := t.TempDir()
	live := &counting{AccountSource: liveSource(t)}
	for i := 0; i < 2; i++ {
		st, _ := OpenCache(dir, live.Info(), "")
		src := Cache(live, st, CacheOptions{TipTTL: -time.Second})
		if _, err := src.Tip(context.Background()); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	if live.n.Load() != 2 {
		t.Errorf("with TTL < 0 the tip must be asked every run; calls = %d", live.n.Load())
	}
}

func TestRedactArgs(t *testing.T) {
	got := RedactArgs([]string{"trace", "--rpc", "https://u:p@eth.example/v2/abcdefghijklmnopqrstuvwxyz012345?apikey=XYZ&chain=1",
		"--explorer-key", "SECRET1", "--api-token=SECRET2", "--rpc=http://127.0.0.1:8545", "0x" + strings.Repeat("ab", 32)})
	want := []string{"trace", "--rpc", "https://REDACTED@eth.example/v2/REDACTED?apikey=REDACTED&chain=1",
		"--explorer-key", "REDACTED", "--api-token=REDACTED", "--rpc=http://127.0.0.1:8545", "0x" + strings.Repeat("ab", 32)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("RedactArgs =\n%q\nwant\n%q", got, want)
	}
}

// Every flipped byte is either refused (Verify and Open fail) or harmless (the
// replay answers exactly what was recorded): a sweep over the whole file.
func TestAnyFlippedByteIsRefusedOrHarmless(t *testing.T) {
	if testing.Short() {
		t.Skip("flips bytes across a whole case file")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "c.case")
	want := strings.Join(record(t, path), "\n")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	step := 29 // a prime, so the sample hits every offset class within pages
	detected, harmless := 0, 0
	for i := 0; i < len(orig); i += step {
		b := append([]byte(nil), orig...)
		b[i] ^= 0x04
		p := filepath.Join(dir, fmt.Sprintf("f%d.case", i))
		os.WriteFile(p, b, 0o644)
		_, verr := Verify(p)
		st, oerr := Open(p, false)
		if (verr == nil) != (oerr == nil) {
			t.Fatalf("byte %d: Verify %v but Open %v", i, verr, oerr)
		}
		if verr != nil {
			if !errors.Is(verr, ErrCorrupt) {
				t.Fatalf("byte %d: error %v does not wrap ErrCorrupt", i, verr)
			}
			detected++
			os.Remove(p)
			continue
		}
		rp, err := Replay(st)
		if err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		if got := strings.Join(session(t, rp), "\n"); got != want {
			t.Fatalf("byte %d (page %d, offset %d): undetected flip changed the replay:\n%s", i, i/4096+1, i%4096, got)
		}
		st.Close()
		os.Remove(p)
		harmless++
	}
	t.Logf("%d bytes: %d flips tried, %d refused, %d harmless (unused space)", len(orig), detected+harmless, detected, harmless)
}

// Concurrent calls (the tracer fetches in parallel) are recorded and replayed
// consistently across batch flushes.
func TestConcurrentRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.case")
	st, err := Create(path, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	rec := Record(liveSource(t), st).(trace.AccountSource)
	const workers, per = 8, 200 // 1,600 answers: several flushes of flushEvery
	done := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			for i := 0; i < per; i++ {
				_, err := rec.TxTransfers(context.Background(), h(1000+w*per+i))
				if !errors.Is(err, trace.ErrNotFound) {
					done <- fmt.Errorf("tx %d: %v", w*per+i, err)
					return
				}
				if _, err := rec.History(context.Background(), trace.HistoryQuery{Address: thief, ToBlock: uint64(i)}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}(w)
	}
	for w := 0; w < workers; w++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	sum, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	// 1,600 unknown transactions + 200 distinct history ranges + the tip? (not asked)
	if sum.ByKind[KindTxTransfers] != workers*per || sum.ByKind[KindHistory] != per {
		t.Errorf("by kind = %v", sum.ByKind)
	}
}

// File names with URI metacharacters are stored where they were asked to be.
func TestOddFileNames(t *testing.T) {
	for _, name := range []string{"a b.case", "what?.case", "x#1.case", "100%.case", "é.case"} {
		path := filepath.Join(t.TempDir(), name)
		record(t, path)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if _, err := Verify(path); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
}

// fakeUTXO answers a fixed tip, one spent and one unspent output, and counts
// what it is asked.
type fakeUTXO struct {
	tip           uint64
	tips, spender atomic.Int64
}

var (
	spentOp   = graph.Outpoint{TxID: strings.Repeat("aa", 32), Vout: 0}
	unspentOp = graph.Outpoint{TxID: strings.Repeat("aa", 32), Vout: 1}
)

func (f *fakeUTXO) Info() trace.ChainInfo {
	return trace.ChainInfo{Name: "btc-regtest", Family: graph.FamilyUTXO, Native: graph.Asset{ID: "BTC", Symbol: "BTC", Decimals: 8}}
}
func (f *fakeUTXO) Tip(context.Context) (uint64, error)               { f.tips.Add(1); return f.tip, nil }
func (f *fakeUTXO) NormalizeAddress(a string) (string, error)         { return a, nil }
func (f *fakeUTXO) Tx(context.Context, string) (*graph.UTXOTx, error) { return nil, trace.ErrNotFound }
func (f *fakeUTXO) AddressTxs(context.Context, string, uint64) ([]*graph.UTXOTx, error) {
	return nil, nil
}
func (f *fakeUTXO) Spender(_ context.Context, op graph.Outpoint) (*graph.UTXOTx, error) {
	f.spender.Add(1)
	if op == spentOp {
		return &graph.UTXOTx{TxID: strings.Repeat("bb", 32), Block: 5}, nil
	}
	return nil, nil
}

// "Unspent" is stored with the tip it was seen at and answers a trace whose
// --to-block is at least Confirmations below that tip; a later --to-block asks
// again (and the newer answer, seen at a higher tip, replaces it). With
// --to-block at or below the stored tip, Tip comes from the store too.
func TestCacheUnspentHoldsUpToItsTip(t *testing.T) {
	dir := t.TempDir()
	live := &fakeUTXO{tip: 20}
	ask := func(toBlock uint64) (tips, spenders int64) {
		t.Helper()
		live.tips.Store(0)
		live.spender.Store(0)
		st, err := OpenCache(dir, live.Info(), "")
		if err != nil {
			t.Fatal(err)
		}
		src := Cache(live, st, CacheOptions{Confirmations: 3, TipTTL: -1, ToBlock: toBlock}).(trace.UTXOSource)
		ctx := context.Background()
		if tip, err := src.Tip(ctx); err != nil || tip < toBlock {
			t.Fatalf("tip %d (%v) below --to-block %d", tip, err, toBlock)
		}
		for _, op := range []graph.Outpoint{spentOp, unspentOp} {
			tx, err := src.Spender(ctx, op)
			if err != nil || (tx == nil) != (op == unspentOp) {
				t.Fatalf("spender of %s: %v (%v)", op, tx, err)
			}
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		return live.tips.Load(), live.spender.Load()
	}
	for _, c := range []struct {
		tip, toBlock           uint64
		wantTips, wantSpenders int64
		why                    string
	}{
		{20, 15, 1, 2, "cold: the tip and both outputs are asked"},
		{20, 15, 0, 0, "warm, 15 + 3 <= 20: all from the store"},
		{20, 17, 0, 0, "17 + 3 <= 20: unspent still holds"},
		{20, 18, 0, 1, "18 + 3 > 20: unspent is asked again (the tip comes from the store: 18 <= 20)"},
		{30, 18, 0, 1, "the stored tip (20) answers Tip, so unspent is asked again, and stored at 20 again"},
	} {
		live.tip = c.tip
		tips, sp := ask(c.toBlock)
		if tips != c.wantTips || sp != c.wantSpenders {
			t.Errorf("tip %d, --to-block %d: %d tip and %d spender calls, want %d and %d (%s)", c.tip, c.toBlock, tips, sp, c.wantTips, c.wantSpenders, c.why)
		}
	}
	// --to-block above the stored tip: the node is asked for its tip, and the
	// unspent answer is then stored at the new tip
	live.tip = 30
	if tips, sp := ask(25); tips != 1 || sp != 1 {
		t.Errorf("--to-block 25 over stored tip 20: %d tip and %d spender calls, want 1 and 1", tips, sp)
	}
	if tips, sp := ask(27); tips != 0 || sp != 0 {
		t.Errorf("--to-block 27 with unspent stored at 30: %d tip and %d spender calls, want 0 and 0", tips, sp)
	}
}
