package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/trace"
)

// progressLine shows a live trace's progress on one terminal line of standard
// error: elapsed time, how far the trace got (holders and transfers on account
// chains, outputs on UTXO chains), and the requests made to the node with
// their rate. It is used only when standard error is a terminal, so logs,
// pipes and CI output stay clean and deterministic.
//
// A ticker redraws it every progressTick, so it appears within the first
// second even while the first answers are slow (a --rps 1 public node), and
// the elapsed time moves while a request waits; the tracer's own callbacks
// redraw it at most every progressMinGap.
type progressLine struct {
	mu       sync.Mutex
	w        io.Writer
	now      func() time.Time
	start    time.Time
	lastDraw time.Time
	width    int    // stderr's width (0: unknown); the line never wraps
	family   string // graph.FamilyAccount or graph.FamilyUTXO, once known
	snap     trace.Progress
	seen     bool // a tracer callback arrived
	requests func() int64
	shown    bool
	done     chan struct{}
	stopped  bool
}

const (
	progressTick   = 500 * time.Millisecond
	progressMinGap = 200 * time.Millisecond
)

// newProgress returns the progress line for a trace, or nil when progress
// should not be shown (--quiet, stderr not a terminal, CI set).
func newProgress(ios *IOStreams, quiet bool, requests func() int64) *progressLine {
	if quiet || !ios.ErrTTY || (ios.Getenv != nil && ios.Getenv("CI") != "") {
		return nil
	}
	now := ios.Now
	if now == nil {
		now = time.Now
	}
	return &progressLine{w: ios.ErrOut, now: now, start: now(), width: ios.ErrWidth, requests: requests, done: make(chan struct{})}
}

// run redraws the line on every tick until stop; production passes a
// time.Ticker's channel, tests a channel they feed.
func (p *progressLine) run(ticks <-chan time.Time) {
	if p == nil {
		return
	}
	for {
		select {
		case <-p.done:
			return
		case <-ticks:
			p.tick()
		}
	}
}

// startTicker runs the line on a real ticker; the returned function stops it
// and clears the line.
func (p *progressLine) startTicker() func() {
	if p == nil {
		return func() {}
	}
	t := time.NewTicker(progressTick)
	go p.run(t.C)
	return func() {
		t.Stop()
		p.stop()
	}
}

// tick redraws the line (the elapsed time and the request count move even
// when the tracer is waiting for an answer).
func (p *progressLine) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.draw()
	}
}

func (p *progressLine) setFamily(f string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.family = f
	p.mu.Unlock()
}

// update is trace.Options.Progress.
func (p *progressLine) update(s trace.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap, p.seen = s, true
	if p.stopped || p.now().Sub(p.lastDraw) < progressMinGap {
		return
	}
	p.draw()
}

// text is the line's content.
func (p *progressLine) text() string {
	el := p.now().Sub(p.start)
	parts := []string{"tracing", formatElapsed(el)}
	switch {
	case !p.seen:
		parts = append(parts, "reading the seeds")
	case p.family == graph.FamilyUTXO:
		parts = append(parts, fmt.Sprintf("hop %d", p.snap.Hop), plural(p.snap.Addresses, "output")+" followed")
	default:
		parts = append(parts, fmt.Sprintf("hop %d", p.snap.Hop), plural(p.snap.Addresses, "holder")+" followed",
			plural(p.snap.Transfers, "transfer")+" examined")
	}
	if p.requests != nil {
		n := p.requests()
		r := plural(int(n), "request")
		if secs := el.Seconds(); secs >= 1 {
			r += fmt.Sprintf(" (%.1f/s)", float64(n)/secs)
		}
		parts = append(parts, r)
	}
	return strings.Join(parts, " · ")
}

func (p *progressLine) draw() {
	p.lastDraw = p.now()
	line := "  " + p.text()
	if p.width > 0 {
		line = escape.Truncate(line, p.width-1) // a wrapped line cannot be redrawn in place
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}

// stop ends the ticker and clears the line (the result or the error follows).
func (p *progressLine) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	close(p.done)
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func formatElapsed(d time.Duration) string {
	d = d.Truncate(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	if d < time.Hour {
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// plural is "1 holder", "3 holders", with thousands separated.
func plural(n int, what string) string {
	s := fmt.Sprintf("%s %s", groupThousands(n), what)
	if n != 1 {
		s += "s"
	}
	return s
}

func groupThousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// writer is w for everything else written to standard error while the line
// is shown: it clears the line first, so a notice starts at the margin; the
// next tick draws the line again below it.
func (p *progressLine) writer(w io.Writer) io.Writer { return progressWriter{p, w} }

type progressWriter struct {
	p *progressLine
	w io.Writer
}

func (pw progressWriter) Write(b []byte) (int, error) {
	pw.p.mu.Lock()
	defer pw.p.mu.Unlock()
	if pw.p.shown {
		fmt.Fprint(pw.w, "\r\033[K")
		pw.p.shown = false
	}
	return pw.w.Write(b)
}

// Unwrap lets isTerminal see the file below.
func (pw progressWriter) Unwrap() io.Writer { return pw.w }
