package watch_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"
	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/chaintrace/chaintrace/watch"
)

type labelMap map[string]trace.Label

func (m labelMap) Lookup(_, addr string) (trace.Label, bool) { l, ok := m[addr]; return l, ok }

// world is a small Bitcoin theft on a real btcd, moved block by block by the test.
type world struct {
	n                  *btcd.Node
	thief, exch, mixer *btcd.Key
	theft              *wire.MsgTx
	labels             labelMap
}

func key(label string) *btcd.Key {
	return btcd.NewKey(label, btcd.P2PKH, &chaincfg.RegressionNetParams)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	n, err := btcd.Start(context.Background(), btcd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.MineTo(101); err != nil {
		t.Fatal(err)
	}
	w := &world{n: n, thief: key("thief"), exch: key("exchange-hot"), mixer: key("mixer")}
	w.labels = labelMap{
		w.exch.Address:  {Address: w.exch.Address, Name: "ExchangeX hot wallet", Category: trace.CatExchange, Entity: "ExchangeX", Confidence: 100},
		w.mixer.Address: {Address: w.mixer.Address, Name: "MixerY", Category: trace.CatMixer, Confidence: 100},
	}
	tx, _, err := n.Fund(btcd.TxFee, btcd.Output{Key: w.thief, Value: 5_0000_0000})
	if err != nil {
		t.Fatal(err)
	}
	w.theft = tx
	w.mine(t, tx)
	return w
}

func (w *world) mine(t *testing.T, txs ...*wire.MsgTx) {
	t.Helper()
	if _, err := w.n.Mine(txs...); err != nil {
		t.Fatal(err)
	}
}

func (w *world) spend(t *testing.T, in btcd.Coin, outs ...btcd.Output) (*wire.MsgTx, []btcd.Coin) {
	t.Helper()
	tx, coins, err := w.n.Spend([]btcd.Coin{in}, outs)
	if err != nil {
		t.Fatal(err)
	}
	return tx, coins
}

func (w *world) source(t *testing.T) *bitcoin.Adapter {
	t.Helper()
	a, err := bitcoin.Open(context.Background(), bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendBtcd, URL: w.n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (w *world) options() trace.Options {
	return trace.Options{Policy: trace.Haircut, Labels: w.labels}
}

// watcher opens a watch with its state in path, starting from a trace of the
// theft's first output when the state is new; got collects the events delivered.
func (w *world) watcher(t *testing.T, path string, res *graph.Result, got *[]watch.Event) (*watch.Watcher, func()) {
	return w.watcherConf(t, path, res, got, 1)
}

func (w *world) watcherConf(t *testing.T, path string, res *graph.Result, got *[]watch.Event, conf uint64) (*watch.Watcher, func()) {
	t.Helper()
	log, err := casestore.OpenWatchLog(path)
	if err != nil {
		t.Fatal(err)
	}
	live := w.source(t)
	wt, err := watch.New(watch.Config{
		Live: live,
		Fresh: func(ctx context.Context) (trace.Source, func(), error) {
			a := w.source(t)
			return a, func() {}, nil
		},
		Options:       w.options(),
		Confirmations: conf,
		Log:           log,
		Emit:          func(e watch.Event) error { *got = append(*got, e); return nil },
	}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Flush(); err != nil {
		t.Fatal(err)
	}
	return wt, func() { log.Close() }
}

func poll(t *testing.T, wt *watch.Watcher) {
	t.Helper()
	if _, err := wt.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// brief renders the parts of an event the test pins down.
func brief(e watch.Event) string {
	s := fmt.Sprintf("%s block=%d tx=%s amount=%s holding=%s", e.Kind, e.Block, short(e.Tx), e.Amount, short(e.Holding))
	if e.At != "" {
		s += " at=" + short(e.At) + " endpoint=" + e.Endpoint
	}
	if e.Exchange != "" {
		s += " exchange=" + e.Exchange
	}
	if e.Retracts != 0 {
		s += fmt.Sprintf(" retracts=%d", e.Retracts)
	}
	return s
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func briefs(evs []watch.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(brief(e) + "\n")
	}
	return b.String()
}

// TestWatchBitcoin moves watched funds on btcd block by block — a peel step, a
// payment to an exchange, a mixer deposit, a reorg — and checks every event,
// amount and order; the watch is stopped and restarted in the middle.
func TestWatchBitcoin(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	src := w.source(t)
	seed := w.theft.TxHash().String() + ":0"
	res, err := trace.Run(ctx, src, []string{seed}, w.options())
	if err != nil {
		t.Fatal(err)
	}
	start := uint64(w.n.Height())
	path := filepath.Join(t.TempDir(), "watch.db")
	var got []watch.Event
	wt, done := w.watcher(t, path, res, &got)
	if hs := wt.State().Holdings; len(hs) != 1 || hs[0].Key != seed || hs[0].Amount.Int64() != 5_0000_0000 {
		t.Fatalf("holdings = %+v, want %s with 5 BTC", hs, seed)
	}
	poll(t, wt)
	if len(got) != 0 {
		t.Fatalf("no block mined, events: %s", briefs(got))
	}

	thiefCoin := btcd.Coin{OutPoint: wire.OutPoint{Hash: w.theft.TxHash(), Index: 0}, Value: 5_0000_0000, Key: w.thief}
	payee, change := key("payee-1"), key("change-1")
	// block start+1: a peel step, 0.1 BTC paid off, the rest (minus a fee) to change
	peel, pc := w.spend(t, thiefCoin, btcd.Output{Key: payee, Value: 1000_0000}, btcd.Output{Key: change, Value: 4_8999_0000})
	w.mine(t, peel)
	poll(t, wt)
	p := peel.TxHash().String()
	want := fmt.Sprintf(`moved block=%d tx=%s amount=500000000 holding=%s
new-holding block=%d tx=%s amount=489990000 holding=%s at=%s endpoint=unspent
new-holding block=%d tx=%s amount=10000000 holding=%s at=%s endpoint=unspent
`, start+1, short(p), short(seed), start+1, short(p), short(seed), short(p), start+1, short(p), short(seed), short(p))
	if g := briefs(got); g != want {
		t.Fatalf("after the peel step:\n%s\nwant\n%s", g, want)
	}
	if got[1].At != p+":1" || got[2].At != p+":0" || got[0].Seq != 1 || got[2].Seq != 3 {
		t.Fatalf("peel events: %+v", got)
	}

	// stop the watch; block start+2 pays the exchange from the change; restart
	done()
	change2 := key("change-2")
	pay, pay2 := w.spend(t, pc[1], btcd.Output{Key: w.exch, Value: 2_0000_0000}, btcd.Output{Key: change2, Value: 2_8998_0000})
	w.mine(t, pay)
	var got2 []watch.Event
	wt, done = w.watcher(t, path, nil, &got2)
	defer func() { done() }()
	poll(t, wt)
	q := pay.TxHash().String()
	want = fmt.Sprintf(`moved block=%d tx=%s amount=489990000 holding=%s
new-holding block=%d tx=%s amount=289980000 holding=%s at=%s endpoint=unspent
reached-exchange block=%d tx=%s amount=200000000 holding=%s at=%s endpoint=exchange exchange=ExchangeX hot wallet
`, start+2, short(q), short(p), start+2, short(q), short(p), short(q), start+2, short(q), short(p), short(w.exch.Address))
	if g := briefs(got2); g != want {
		t.Fatalf("after the restart and the exchange payment:\n%s\nwant\n%s", g, want)
	}
	if got2[0].Seq != 4 {
		t.Fatalf("first event after restart has seq %d, want 4 (nothing repeated)", got2[0].Seq)
	}

	// block start+3: the payee deposits into the mixer
	mix, _ := w.spend(t, pc[0], btcd.Output{Key: w.mixer, Value: 999_0000})
	w.mine(t, mix)
	got2 = nil
	poll(t, wt)
	m := mix.TxHash().String()
	want = fmt.Sprintf(`moved block=%d tx=%s amount=10000000 holding=%s
reached-mixer block=%d tx=%s amount=9990000 holding=%s at=%s endpoint=mixer
`, start+3, short(m), short(p), start+3, short(m), short(p), short(w.mixer.Address))
	if g := briefs(got2); g != want {
		t.Fatalf("after the mixer deposit:\n%s\nwant\n%s", g, want)
	}

	// block start+4 moves the last change; then a reorg replaces that block
	// with two empty ones: the movement is retracted, the change watched again
	last := key("last")
	mv, _ := w.spend(t, pay2[1], btcd.Output{Key: last, Value: 2_8997_0000})
	w.mine(t, mv)
	got2 = nil
	poll(t, wt)
	if len(got2) != 2 || got2[0].Kind != watch.Moved || got2[1].Kind != watch.NewHolding {
		t.Fatalf("before the reorg: %s", briefs(got2))
	}
	moveSeq := got2[0].Seq
	if err := w.n.Reorg(int32(start + 3)); err != nil {
		t.Fatal(err)
	}
	w.mine(t)
	w.mine(t)
	got2 = nil
	poll(t, wt)
	r := mv.TxHash().String()
	want = fmt.Sprintf(`retracted block=%d tx=%s amount=289970000 holding=%s at=%s endpoint=unspent retracts=%d
retracted block=%d tx=%s amount=289980000 holding=%s retracts=%d
`, start+4, short(r), short(q), short(r), moveSeq+1, start+4, short(r), short(q), moveSeq)
	if g := briefs(got2); g != want {
		t.Fatalf("after the reorg:\n%s\nwant\n%s", g, want)
	}
	hs := wt.State().Holdings
	if len(hs) != 1 || hs[0].Key != q+":1" || hs[0].Amount.Int64() != 2_8998_0000 {
		t.Fatalf("holdings after the reorg = %+v, want only %s:1", hs, q)
	}
	if wt.Last() != start+5 {
		t.Fatalf("last block %d, want %d", wt.Last(), start+5)
	}
}

// TestWatchConfirmations: with --confirmations 3 a movement's events wait until
// its block has two more on top, and then come with the block they happened in.
func TestWatchConfirmations(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	seed := w.theft.TxHash().String() + ":0"
	res, err := trace.Run(ctx, w.source(t), []string{seed}, w.options())
	if err != nil {
		t.Fatal(err)
	}
	start := uint64(w.n.Height())
	var got []watch.Event
	wt, done := w.watcherConf(t, filepath.Join(t.TempDir(), "w.db"), res, &got, 3)
	defer done()
	coin := btcd.Coin{OutPoint: wire.OutPoint{Hash: w.theft.TxHash(), Index: 0}, Value: 5_0000_0000, Key: w.thief}
	tx, _ := w.spend(t, coin, btcd.Output{Key: w.exch, Value: 4_9999_0000})
	w.mine(t, tx)
	for i := 0; i < 2; i++ {
		poll(t, wt)
		if len(got) != 0 {
			t.Fatalf("%d confirmation(s): events already: %s", i+1, briefs(got))
		}
		w.mine(t)
	}
	poll(t, wt)
	want := fmt.Sprintf(`moved block=%d tx=%s amount=500000000 holding=%s
reached-exchange block=%d tx=%s amount=499990000 holding=%s at=%s endpoint=exchange exchange=ExchangeX hot wallet
`, start+1, short(tx.TxHash().String()), short(seed), start+1, short(tx.TxHash().String()), short(seed), short(w.exch.Address))
	if g := briefs(got); g != want {
		t.Fatalf("after 3 confirmations:\n%s\nwant\n%s", g, want)
	}
	if wt.Last() != start+1 {
		t.Fatalf("last processed block %d, want %d (tip %d minus 2)", wt.Last(), start+1, start+3)
	}
}

// TestWatchEsplora: the per-block checks over Esplora (btcd served as Esplora
// live: tip, block hashes, outspends), the onward trace on btcd: a spend still
// in the mempool sends nothing, the same spend mined sends moved and
// reached-exchange; a block with nothing moving costs 4 Esplora requests
// (tip, the reorg check, the new block's hash, one outspends).
func TestWatchEsplora(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	seed := w.theft.TxHash().String() + ":0"
	res, err := trace.Run(ctx, w.source(t), []string{seed}, w.options())
	if err != nil {
		t.Fatal(err)
	}
	es := btcd.NewEsploraLive(w.n)
	defer es.Close()
	live, err := bitcoin.Open(ctx, bitcoin.Config{Chain: "btc-regtest", Backend: bitcoin.BackendEsplora, URL: es.URL})
	if err != nil {
		t.Fatal(err)
	}
	log, err := casestore.OpenWatchLog(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var got []watch.Event
	wt, err := watch.New(watch.Config{
		Live:    live,
		Fresh:   func(context.Context) (trace.Source, func(), error) { return w.source(t), func() {}, nil },
		Options: w.options(), Confirmations: 1, Log: log,
		Emit: func(e watch.Event) error { got = append(got, e); return nil },
	}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.mine(t)
	poll(t, wt) // the first: no hash to check yet
	w.mine(t)
	before := es.Requests()
	poll(t, wt)
	if r := es.Requests() - before; r != 4 || len(got) != 0 {
		t.Fatalf("a quiet block: %d Esplora requests (want 4), events %s", r, briefs(got))
	}
	coin := btcd.Coin{OutPoint: wire.OutPoint{Hash: w.theft.TxHash(), Index: 0}, Value: 5_0000_0000, Key: w.thief}
	tx, _ := w.spend(t, coin, btcd.Output{Key: w.exch, Value: 4_9999_0000})
	if err := w.n.Send(tx); err != nil {
		t.Fatal(err)
	}
	w.mine(t) // a block without it: the spend waits in the mempool
	poll(t, wt)
	if len(got) != 0 {
		t.Fatalf("a spend in the mempool: events %s", briefs(got))
	}
	w.mine(t, tx)
	poll(t, wt)
	b := uint64(w.n.Height())
	id := tx.TxHash().String()
	want := fmt.Sprintf(`moved block=%d tx=%s amount=500000000 holding=%s
reached-exchange block=%d tx=%s amount=499990000 holding=%s at=%s endpoint=exchange exchange=ExchangeX hot wallet
`, b, short(id), short(seed), b, short(id), short(seed), short(w.exch.Address))
	if g := briefs(got); g != want {
		t.Fatalf("after the spend was mined:\n%s\nwant\n%s", g, want)
	}
}
