package httpx

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Fault is a transient failure: the same request may well succeed if asked
// again (a reset connection, a cut-short or garbled answer, a timeout, a rate
// limit, a 5xx, an answer that does not fit its call).
type Fault struct {
	Kind       string        // short name: "reset", "timeout", "HTTP 503", "truncated", "html", "rate limited", "mismatch", …
	Detail     string        // one line, redacted, safe to print
	RetryAfter time.Duration // the server's Retry-After, if it sent one
	HasAfter   bool
	Err        error // the underlying error, if any
}

func (f *Fault) Error() string {
	if f.Detail != "" {
		return f.Kind + ": " + f.Detail
	}
	return f.Kind
}

func (f *Fault) Unwrap() error { return f.Err }

// IsFault reports whether err is (or wraps) a transient Fault.
func IsFault(err error) bool {
	var f *Fault
	return errors.As(err, &f)
}

// Policy is the one retry policy: a transient fault is retried up to Tries
// times in all, waiting Base, 2·Base, 4·Base, … (capped at Cap) with full
// jitter in [d/2, d), or what Retry-After says (capped at MaxAfter).
type Policy struct {
	Tries    int           // attempts in all, the first included [5]
	Base     time.Duration // first backoff [250 ms]
	Cap      time.Duration // longest backoff [8 s]
	MaxAfter time.Duration // longest Retry-After honoured [30 s]
	Clock    Clock         // [Real]
	Seed     uint64        // jitter seed (0: random)
	OnRetry  func(try int, wait time.Duration, f *Fault)

	once sync.Once
	mu   sync.Mutex
	rnd  *rand.Rand
}

// DefaultTries is how many attempts a request gets unless configured.
const DefaultTries = 5

func (p *Policy) init() {
	p.once.Do(func() {
		if p.Tries <= 0 {
			p.Tries = DefaultTries
		}
		if p.Base <= 0 {
			p.Base = 250 * time.Millisecond
		}
		if p.Cap <= 0 {
			p.Cap = 8 * time.Second
		}
		if p.MaxAfter <= 0 {
			p.MaxAfter = 30 * time.Second
		}
		if p.Clock == nil {
			p.Clock = Real
		}
		seed := p.Seed
		if seed == 0 {
			seed = rand.Uint64()
		}
		p.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	})
}

// Backoff is the wait before attempt try+1 (try counts from 1) after f.
func (p *Policy) Backoff(try int, f *Fault) time.Duration {
	p.init()
	if f != nil && f.HasAfter {
		return min(max(f.RetryAfter, 0), p.MaxAfter)
	}
	d := p.Base
	for i := 1; i < try && d < p.Cap; i++ {
		d *= 2
	}
	d = min(d, p.Cap)
	p.mu.Lock()
	j := time.Duration(p.rnd.Int64N(int64(d/2) + 1))
	p.mu.Unlock()
	return d/2 + j
}

// GiveUp is a fault that persisted through every try.
type GiveUp struct {
	Tries int
	Last  *Fault
}

func (g *GiveUp) Error() string {
	return fmt.Sprintf("gave up after %d tries, last: %s", g.Tries, g.Last.Error())
}

func (g *GiveUp) Unwrap() error { return g.Last }

// Do runs fn until it returns something other than a Fault, or the tries are
// spent (then a *GiveUp wrapping the last fault). A *GiveUp that fn returns
// (an inner Do's, as a JSON-RPC call's around its transport's) ends Do too, so
// nested retries do not multiply. try counts from 1.
func (p *Policy) Do(ctx context.Context, fn func(try int) error) error {
	p.init()
	for try := 1; ; try++ {
		err := fn(try)
		var f *Fault
		if err == nil || !errors.As(err, &f) {
			return err
		}
		// A fault that an inner Do (the transport's, under a JSON-RPC call's)
		// already retried to the end is not retried again: the tries do not
		// multiply.
		var g *GiveUp
		if errors.As(err, &g) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if try >= p.Tries {
			return &GiveUp{Tries: try, Last: f}
		}
		wait := p.Backoff(try, f)
		if p.OnRetry != nil {
			p.OnRetry(try, wait, f)
		}
		if err := p.Clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
