package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// fakeClock is the progress line's clock in tests: time moves when the test says.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lastLine is what a terminal shows after the carriage returns and clears.
func lastLine(s string) string {
	parts := strings.Split(s, "\r\033[K")
	return parts[len(parts)-1]
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		name string
		ios  IOStreams
		quit bool
	}{
		{"buffer", IOStreams{ErrOut: &buf}, false},
		{"quiet", IOStreams{ErrOut: &buf, ErrTTY: true}, true},
		{"CI", IOStreams{ErrOut: &buf, ErrTTY: true, Getenv: func(k string) string { return map[string]string{"CI": "true"}[k] }}, false},
	} {
		if p := newProgress(&c.ios, c.quit, nil); p != nil {
			t.Errorf("%s: progress shown", c.name)
		}
	}
	if p := newProgress(&IOStreams{ErrOut: &buf, ErrTTY: true}, false, nil); p == nil {
		t.Error("no progress on a terminal")
	}
	// The whole command on a terminal: the line is drawn, then cleared before
	// the result; standard output never sees it.
	r := runTerm(t, tty{err: true}, nil, "trace", "--case", "demo")
	if r.code != 0 || strings.Contains(r.out, "tracing") || !strings.Contains(r.errOut, "tracing") || !strings.HasSuffix(r.errOut, "\r\033[K") {
		t.Errorf("exit %d; stderr %q", r.code, r.errOut)
	}
}

func TestProgressLine(t *testing.T) {
	if progressTick > time.Second {
		t.Fatalf("progress ticks every %v: the first line would come after more than a second", progressTick)
	}
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	var reqs int64
	ios := &IOStreams{ErrOut: &buf, ErrTTY: true, Now: clock.Now}
	p := newProgress(ios, false, func() int64 { return reqs })

	// Before the tracer says anything (a slow first answer), a tick still
	// shows that the trace is alive, how long it has run and what it asked.
	clock.Add(500 * time.Millisecond)
	reqs = 1
	p.tick()
	if got := lastLine(buf.String()); got != "  tracing · 0s · reading the seeds · 1 request" {
		t.Errorf("first tick: %q", got)
	}
	clock.Add(7 * time.Second)
	p.tick()
	if got := lastLine(buf.String()); got != "  tracing · 7s · reading the seeds · 1 request (0.1/s)" {
		t.Errorf("a slow node: %q", got)
	}

	// Account chains: holders and transfers.
	p.setFamily(graph.FamilyAccount)
	reqs = 30
	clock.Add(500 * time.Millisecond)
	p.update(trace.Progress{Addresses: 3, Transfers: 1240, Hop: 2})
	if got := lastLine(buf.String()); got != "  tracing · 8s · hop 2 · 3 holders followed · 1,240 transfers examined · 30 requests (3.8/s)" {
		t.Errorf("account: %q", got)
	}
	// Within 200 ms of the last draw a callback does not redraw.
	before := buf.Len()
	clock.Add(100 * time.Millisecond)
	p.update(trace.Progress{Addresses: 4, Transfers: 1300, Hop: 2})
	if buf.Len() != before {
		t.Error("redrawn within 200 ms")
	}

	// UTXO chains count outputs, and no transfers (which they do not have).
	p.setFamily(graph.FamilyUTXO)
	clock.Add(time.Minute)
	p.update(trace.Progress{Addresses: 1, Hop: 4})
	if got := lastLine(buf.String()); got != "  tracing · 1m08s · hop 4 · 1 output followed · 30 requests (0.4/s)" {
		t.Errorf("utxo: %q", got)
	}

	// A notice written meanwhile starts at the margin, not after the line.
	w := p.writer(&buf)
	buf.Reset()
	w.Write([]byte("chaintrace: notice: retrying\n"))
	if buf.String() != "\r\033[Kchaintrace: notice: retrying\n" {
		t.Errorf("notice: %q", buf.String())
	}

	// Never wider than the terminal (a wrapped line cannot be redrawn).
	p.width = 30
	p.tick()
	if l := lastLine(buf.String()); utf8.RuneCountInString(l) > 29 {
		t.Errorf("line of %d runes on a 30-column terminal: %q", utf8.RuneCountInString(l), l)
	}

	// Stopping clears it once; later ticks draw nothing.
	buf.Reset()
	p.stop()
	p.stop()
	p.tick()
	if buf.String() != "\r\033[K" {
		t.Errorf("stop: %q", buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A node that never answers: the line appears (with the request it is waiting
// on) while the first answer is still missing, and Ctrl-C says interrupted,
// not that the node is slow — on either family and every Bitcoin backend.
func TestProgressWhileTheNodeIsSilentAndInterrupt(t *testing.T) {
	txid := strings.Repeat("ab", 32)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"evm", []string{"--chain", "eth", "0x" + txid}},
		{"esplora", []string{"--chain", "btc", "--backend", "esplora", txid + ":0"}},
		{"btcd", []string{"--chain", "btc", "--backend", "btcd", txid + ":0"}},
	} {
		t.Run(c.name, func(t *testing.T) { silentNodeInterrupt(t, c.args) })
	}
}

func silentNodeInterrupt(t *testing.T, args []string) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	var out bytes.Buffer
	errOut := &syncBuffer{}
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: errOut, ErrTTY: true, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- runIO(ctx, append([]string{"trace", "--rpc", srv.URL, "--no-cache"}, args...), ios)
	}()
	deadline := time.After(2 * time.Minute) // a bound for a hung test, not a timing assertion
	for !strings.Contains(errOut.String(), "reading the seeds · 1 request") {
		select {
		case <-deadline:
			cancel()
			t.Fatalf("no progress line while the node is silent; stderr: %q", errOut.String())
		case code := <-done:
			t.Fatalf("exit %d before any answer; stderr: %q", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel() // what Ctrl-C does (run's signal context)
	code := <-done
	msg := lastLine(errOut.String())
	if code != exitRuntime || !strings.Contains(msg, "interrupted") || strings.Contains(msg, "did not answer in time") {
		t.Errorf("exit %d, stderr after the line: %q", code, msg)
	}
}
