package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/chaintrace/chaintrace/trace"
)

// progressLine shows a live trace's progress on one terminal line of standard
// error, at most a few times a second. It is used only when standard error is a
// terminal, so logs, pipes and CI output stay clean and deterministic.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	shown bool
}

// newProgress returns the callback for trace.Options.Progress and a function
// that clears the line, or nils when progress should not be shown.
func newProgress(ios *IOStreams, quiet bool) (func(trace.Progress), func()) {
	if quiet || !isTerminal(ios.ErrOut) || (ios.Getenv != nil && ios.Getenv("CI") != "") {
		return nil, func() {}
	}
	p := &progressLine{w: ios.ErrOut}
	return p.update, p.clear
}

func (p *progressLine) update(s trace.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	p.shown = true
	fmt.Fprintf(p.w, "\r\033[K  tracing: %d holders followed, %d transfers examined, hop %d", s.Addresses, s.Transfers, s.Hop)
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
