package chains

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chaintrace/chaintrace/chains/bitcoin"
	"github.com/chaintrace/chaintrace/chains/evm"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
)

// Config is everything the CLI knows that an adapter may need. Adapters take their
// own config types; this registry translates, so adapters never import chains.
type Config struct {
	Chain       string // --chain
	RPC         string // --rpc; empty: the chain's default public endpoint
	Backend     string // --backend (Bitcoin): esplora, btcd, bitcoind, or "" for auto
	History     string // --history (EVM): auto, trace, explorer, rpc
	Explorer    string // --explorer base URL (EVM)
	ExplorerKey string // CHAINTRACE_EXPLORER_KEY; never logged or stored
	RPS         float64
	ToBlock     uint64 // --to-block: bounds forward block scans (bitcoind); 0 = tip
	HTTPClient  *http.Client
	Stderr      io.Writer // warnings and progress

	// RequestTimeout bounds one HTTP request (--request-timeout; 0: 60 s).
	RequestTimeout time.Duration
	// Policy replaces the transport's retry policy (tests: a fake clock).
	Policy *httpx.Policy
}

// notify writes the transport's retry notices to stderr (never to results).
func (c Config) notify() func(string) {
	if c.Stderr == nil {
		return nil
	}
	w := c.Stderr
	return func(msg string) { fmt.Fprintf(w, "chaintrace: notice: %s\n", msg) }
}

// Entry registers one adapter family.
type Entry struct {
	Family string                  // "evm", "bitcoin"
	Match  func(chain string) bool // does this adapter serve --chain?
	Names  func() []string         // chain names to list in help
	Open   func(ctx context.Context, cfg Config) (trace.Source, error)
	// Heads subscribes to new heads at a WebSocket URL; nil: the family's
	// nodes offer no subscription (the watch polls).
	Heads func(ctx context.Context, url string) (HeadFeed, error)
}

// HeadFeed is a new-heads subscription: Heads receives new head numbers
// (merged while unread) and is closed when the subscription ends, Err then
// saying why.
type HeadFeed interface {
	Heads() <-chan uint64
	Err() error
	Close() error
}

// registry is explicit on purpose: no init() side effects decide which chains exist.
var registry = []Entry{
	// evm and bitcoin adapters are added here by their packages' issues.
	{
		Family: "evm",
		Match:  evm.Match,
		Names:  evm.Names,
		Open: func(ctx context.Context, cfg Config) (trace.Source, error) {
			a, err := evm.Open(ctx, evm.Config{
				Chain: cfg.Chain, RPC: cfg.RPC, History: cfg.History,
				Explorer: cfg.Explorer, ExplorerKey: cfg.ExplorerKey, RPS: cfg.RPS,
				HTTPClient: cfg.HTTPClient, Warnings: cfg.Stderr,
				RequestTimeout: cfg.RequestTimeout, Policy: cfg.Policy, Notify: cfg.notify(),
			})
			if err != nil {
				return nil, err // not a typed nil inside the interface
			}
			return a, nil
		},
		Heads: func(ctx context.Context, url string) (HeadFeed, error) {
			h, err := evm.SubscribeHeads(ctx, url)
			if err != nil {
				return nil, err
			}
			return h, nil
		},
	},
	{
		Family: "bitcoin",
		Match:  bitcoin.Match,
		Names:  bitcoin.Names,
		Open: func(ctx context.Context, cfg Config) (trace.Source, error) {
			a, err := bitcoin.Open(ctx, bitcoin.Config{
				Chain: cfg.Chain, Backend: cfg.Backend, URL: cfg.RPC, RPS: cfg.RPS,
				HTTPClient: cfg.HTTPClient, Warnings: cfg.Stderr, ToBlock: cfg.ToBlock,
				RequestTimeout: cfg.RequestTimeout, Policy: cfg.Policy, Notify: cfg.notify(),
			})
			if err != nil {
				return nil, err // not a typed nil inside the interface
			}
			return a, nil
		},
	},
}

// Names lists every chain name the registered adapters accept.
func Names() []string {
	var ns []string
	for _, e := range registry {
		ns = append(ns, e.Names()...)
	}
	sort.Strings(ns)
	return ns
}

// Open returns the source for cfg.Chain.
func Open(ctx context.Context, cfg Config) (trace.Source, error) {
	c := strings.ToLower(strings.TrimSpace(cfg.Chain))
	for _, e := range registry {
		if e.Match(c) {
			cfg.Chain = c
			if cfg.Stderr != nil {
				// Retry notices and warnings come from concurrent requests; one lock
				// keeps their lines whole (and a test's buffer race-free).
				cfg.Stderr = &lockedWriter{w: cfg.Stderr}
			}
			return e.Open(ctx, cfg)
		}
	}
	return nil, fmt.Errorf("%w: unknown chain %q (known: %s)", trace.ErrBadInput, cfg.Chain, strings.Join(Names(), ", "))
}

// SubscribeHeads subscribes to new heads of chain at a WebSocket URL. A
// chain whose nodes offer no subscription is trace.ErrUnsupported.
func SubscribeHeads(ctx context.Context, chain, url string) (HeadFeed, error) {
	c := strings.ToLower(strings.TrimSpace(chain))
	for _, e := range registry {
		if e.Match(c) {
			if e.Heads == nil {
				return nil, fmt.Errorf("%w: %s nodes offer no new-heads subscription here", trace.ErrUnsupported, e.Family)
			}
			return e.Heads(ctx, url)
		}
	}
	return nil, fmt.Errorf("%w: unknown chain %q (known: %s)", trace.ErrBadInput, chain, strings.Join(Names(), ", "))
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Unwrap is the writer underneath (a terminal check looks through it).
func (l *lockedWriter) Unwrap() io.Writer { return l.w }
