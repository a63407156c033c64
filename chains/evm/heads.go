package evm

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
)

// Heads is a newHeads subscription over WebSocket (eth_subscribe): C receives
// the number of each new head the node announces. Announcements that arrive
// while the last one is still unread are merged into it (the watch processes
// every block up to the tip whichever head woke it). C is closed when the
// subscription ends; Err then says why.
type Heads struct {
	C      <-chan uint64
	client *rpc.Client
	sub    *rpc.ClientSubscription
	done   chan struct{}
	mu     sync.Mutex
	err    error
	once   sync.Once
}

// SubscribeHeads subscribes to newHeads at a ws:// or wss:// JSON-RPC URL. A
// URL of another scheme is bad input; a node that refuses the connection or
// the subscription is an error the caller may fall back from (to polling).
func SubscribeHeads(ctx context.Context, url string) (*Heads, error) {
	if !strings.HasPrefix(url, "ws://") && !strings.HasPrefix(url, "wss://") {
		return nil, fmt.Errorf("%w: %q: new heads need a ws:// or wss:// WebSocket URL", trace.ErrBadInput, httpx.RedactURL(url))
	}
	c, err := rpc.DialContext(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %v", httpx.RedactURL(url), httpx.Redact(err.Error()))
	}
	type header struct {
		Number *hexutil.Big `json:"number"`
	}
	in := make(chan header, 16)
	sub, err := c.EthSubscribe(ctx, in, "newHeads")
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("eth_subscribe newHeads at %s: %v", httpx.RedactURL(url), httpx.Redact(err.Error()))
	}
	out := make(chan uint64, 1)
	h := &Heads{C: out, client: c, sub: sub, done: make(chan struct{})}
	go func() {
		defer close(out)
		for {
			select {
			case <-h.done:
				return
			case err, ok := <-sub.Err():
				select {
				case <-h.done:
					return // closed by Close: no error
				default:
				}
				h.mu.Lock()
				if ok && err != nil {
					h.err = fmt.Errorf("newHeads at %s: %v", httpx.RedactURL(url), httpx.Redact(err.Error()))
				} else {
					h.err = fmt.Errorf("newHeads at %s: the node ended the subscription", httpx.RedactURL(url))
				}
				h.mu.Unlock()
				return
			case hd := <-in:
				if hd.Number == nil {
					continue
				}
				n := hd.Number.ToInt().Uint64()
				select {
				case out <- n:
				default: // one unread already: the watch reads up to the tip anyway
					select {
					case <-out:
					default:
					}
					out <- n
				}
			}
		}
	}()
	return h, nil
}

// Heads returns C (for interfaces that cannot name the field).
func (h *Heads) Heads() <-chan uint64 { return h.C }

// Err says why C was closed (nil while it is open, or after Close).
func (h *Heads) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Close ends the subscription and the connection.
func (h *Heads) Close() error {
	h.once.Do(func() {
		close(h.done)
		h.sub.Unsubscribe()
		h.client.Close()
	})
	return nil
}
