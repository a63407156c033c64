package evm

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/trace"
)

// SubscribeHeads on a real geth over WebSocket: every mined block is
// announced, announcements not yet read merge into the newest, Close ends
// the feed without an error; an http:// URL is bad input and a node without
// WebSocket an error.
func TestSubscribeHeads(t *testing.T) {
	ctx := context.Background()
	n := geth.Start(t, geth.WithWebSocket())
	h, err := SubscribeHeads(ctx, n.WSURL())
	if err != nil {
		t.Fatal(err)
	}
	next := func() uint64 {
		t.Helper()
		select {
		case b, ok := <-h.C:
			if !ok {
				t.Fatalf("feed closed: %v", h.Err())
			}
			return b
		case <-time.After(time.Minute): // a failure guard only
			t.Fatal("no head announced")
		}
		return 0
	}
	b := n.Commit()
	if got := next(); got != b {
		t.Fatalf("head %d, want %d", got, b)
	}
	var last uint64
	for i := 0; i < 3; i++ {
		last = n.Commit()
	}
	for got := next(); got != last; got = next() {
		if got <= b || got > last {
			t.Fatalf("head %d after %d, want up to %d", got, b, last)
		}
	}
	h.Close()
	for range h.C { // drains, then closed
	}
	if h.Err() != nil {
		t.Fatalf("Err after Close: %v", h.Err())
	}
	if _, err := SubscribeHeads(ctx, n.URL()); !errors.Is(err, trace.ErrBadInput) {
		t.Fatalf("http:// URL: %v, want bad input", err)
	}
	plain := geth.Start(t)
	if _, err := SubscribeHeads(ctx, "ws://"+plain.URL()[len("http://"):]); err == nil || errors.Is(err, trace.ErrBadInput) {
		t.Fatalf("a node without WebSocket: %v, want a connection error", err)
	}
}
