package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/opening"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/chaintrace/chaintrace/watch"
)

// WatchOptions is everything `chaintrace watch` needs.
type WatchOptions struct {
	IO *IOStreams
	opening.Options

	State         string        // --state: the watch's SQLite file (default: a --case SQLite file)
	Interval      time.Duration // --interval between polls of the tip
	Confirmations uint64        // --confirmations before an event is final
	Format        string        // --format: text (stderr lines only), jsonl (also stdout), report or html (refreshed into --out)
	Out           string        // --out: the refreshed report (--format report|html)
	Exec          string        // --exec: a command run per event, the event JSON on stdin
	Until         string        // --until exchange: stop when funds reach an exchange
	UntilBlock    uint64        // --until-block: stop once this block is processed
	Status        bool          // --status: summarise the state and exit

	// tick, when set, replaces the --interval ticker (tests drive the loop).
	tick func() <-chan time.Time
	env  opening.Env
}

// errReachedExchange ends `watch --until exchange` (exit code exitReached).
var errReachedExchange = errors.New("tainted funds reached an exchange")

func newWatchCmd(ios *IOStreams) *cobra.Command {
	o := &WatchOptions{IO: ios, Options: opening.Defaults()}
	cmd := &cobra.Command{
		Use:   "watch [flags] [SEED...]",
		Short: "Keep watching traced funds and alert the moment they move",
		Long: `Trace the seeds (or a case's own), then keep watching the holdings the trace found —
unspent outputs, holders past the hop limit, holders that could not be fetched — on a live
node. On every new block it checks, in one batch, whether a watched holding moved; a
movement is traced onward with the same policy and options, and every step becomes an
event: moved, reached-exchange, reached-mixer, reached-bridge, new-holding, and retracted
when a reorganisation removes a block an event came from.

Each event is one line on standard error; --format jsonl also writes it as JSON on
standard output, --exec runs a command per event with the JSON on its standard input.
The state (holdings, last block, events sent) is kept in --state (default: the --case
file when it is a recorded case), so a watch that is stopped resumes where it left off
without missing or repeating an event. --status summarises it.

Exit codes: 0 stopped (--until-block reached, or interrupted with Ctrl-C),
1 the node failed, 2 bad input, 4 --until exchange: funds reached an exchange.`,
		Example: `  chaintrace watch --chain btc --rpc http://u:p@127.0.0.1:8334 --state theft.db <txid>:0
  chaintrace watch --case theft.db --rpc http://u:p@127.0.0.1:8334 --until exchange
  chaintrace watch --state theft.db --status`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Seeds = args
			o.env = opening.Env{Stderr: ios.ErrOut, Getenv: ios.Getenv, Policy: newPolicy(), Version: "chaintrace " + versionString(), Flags: cmd.Flags()}
			return runWatch(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.AddSourceFlags(f)
	o.AddTraceFlags(f)
	o.AddLabelFlags(f)
	f.StringVar(&o.State, "state", "", "SQLite FILE keeping the watch's state and events (default: the --case file, when it is a recorded case)")
	f.DurationVar(&o.Interval, "interval", 30*time.Second, "time between polls of the chain tip")
	f.Uint64Var(&o.Confirmations, "confirmations", 1, "blocks (the tip counting as 1) a movement needs before its events are sent")
	f.StringVarP(&o.Format, "format", "f", "text", "events: text (one line each on standard error), jsonl (also one JSON object per line on standard output), or report / html: also keep --out FILE a report (Markdown / HTML) of the trace refreshed with the new hops")
	f.StringVarP(&o.Out, "out", "o", "", "with --format report|html: the report FILE, rewritten whole at the start and after every block with events")
	f.StringVar(&o.Exec, "exec", "", "run this command (through sh -c) for every event, the event as JSON on its standard input")
	f.StringVar(&o.Until, "until", "", "stop when: exchange (tainted funds reached an exchange; exit code 4)")
	f.Uint64Var(&o.UntilBlock, "until-block", 0, "stop once this block is processed (0: run until interrupted)")
	f.BoolVar(&o.Status, "status", false, "summarise the watch state in --state and exit (no network)")
	return cmd
}

func (o *WatchOptions) statePath() (string, error) {
	if o.State != "" {
		return o.State, nil
	}
	if o.Case != "" {
		if ok, _ := casestore.IsSQLite(o.Case); ok {
			return o.Case, nil
		}
	}
	return "", badInput("--state FILE is needed to keep the watch's state (or --case a recorded case file, which then keeps it)")
}

// runWatch is `chaintrace watch`.
func runWatch(ctx context.Context, o *WatchOptions) error {
	switch o.Format {
	case "text", "jsonl":
		if o.Out != "" {
			return badInput("--out is for --format report or html (the refreshed report); events go to standard error and, with jsonl, standard output")
		}
	case "report", "html":
		if toStdout(o.Out) {
			return badInput("--format %s needs --out FILE: the report is rewritten whole after every block with events", o.Format)
		}
	default:
		return badInput("--format %q: watch writes text, jsonl, report or html", o.Format)
	}
	if o.Until != "" && o.Until != "exchange" {
		return badInput("--until %q: want exchange", o.Until)
	}
	if o.Interval <= 0 {
		return badInput("--interval %v: want a positive duration such as 30s", o.Interval)
	}
	path, err := o.statePath()
	if err != nil {
		return err
	}
	if o.Status {
		return watchStatus(o, path)
	}
	o.NoCache, o.Record = true, "" // a cached "unspent" is never the current state
	if err := o.Precheck(o.env); err != nil {
		return err
	}
	log, err := casestore.OpenWatchLog(path)
	if err != nil {
		return err
	}
	defer log.Close()
	prev, err := log.State()
	if err != nil {
		return err
	}

	// The trace the watch starts from (unless it resumes).
	src, err := opening.Open(ctx, &o.Options, o.env)
	if err != nil {
		return err
	}
	defer src.Close()
	topts, err := o.Trace(src.Source.Info().Native)
	if err != nil {
		return err
	}
	if topts.Labels, err = src.LoadLabels(&o.Options); err != nil {
		return err
	}
	var res *graph.Result
	if prev == nil {
		seeds := o.Seeds
		if len(seeds) == 0 {
			seeds = src.Seeds
		}
		if len(seeds) == 0 {
			return badInput("no seed given: pass a theft transaction hash, a txid:vout, or an address with --from-block, or a --case with its own seeds")
		}
		r, err := trace.Run(ctx, src.Source, seeds, topts)
		if err != nil {
			return fmt.Errorf("the trace the watch starts from failed: %w", err)
		}
		res = r
	}

	// The live node the watch polls: the case's chain, never through a cache.
	lo := o.Options
	lo.Case = ""
	lo.Chain = src.Source.Info().Name
	live, err := opening.Open(ctx, &lo, o.env)
	if err != nil {
		return err
	}
	defer live.Close()
	em := &emitter{o: o}
	w, err := watch.New(watch.Config{
		Live: live.Source,
		Fresh: func(ctx context.Context) (trace.Source, func(), error) {
			s, err := opening.Open(ctx, &lo, o.env)
			if err != nil {
				return nil, nil, err
			}
			return s.Source, func() { s.Close() }, nil
		},
		Options:       topts,
		Confirmations: o.Confirmations,
		Log:           log,
		Emit:          em.emit,
	}, res, nil)
	if err != nil {
		return err
	}
	if prev == nil {
		fmt.Fprintf(o.IO.ErrOut, "watch: %d holdings of %s at block %d, state in %s\n", len(w.State().Holdings), w.State().Chain, w.Last(), path)
	} else {
		fmt.Fprintf(o.IO.ErrOut, "watch: resuming %d holdings after block %d from %s\n", len(w.State().Holdings), w.Last(), path)
	}
	// --format report|html: the whole trace again, from the seeds up to the
	// last processed block, so the report shows the new hops under the same policy.
	refresh := func() error {
		if o.Format != "report" && o.Format != "html" {
			return nil
		}
		s, err := opening.Open(ctx, &lo, o.env)
		if err != nil {
			return err
		}
		defer s.Close()
		ro := topts
		ro.ToBlock, ro.Progress = w.Last(), nil
		r, err := trace.Run(ctx, s.Source, w.State().Seeds, ro)
		if err != nil {
			return fmt.Errorf("refreshing the report: %w", err)
		}
		r.Tool = "chaintrace " + versionString()
		t := &TraceOptions{IO: o.IO, Options: o.Options, Format: o.Format, Out: o.Out}
		return t.write(r)
	}
	if _, err := w.Flush(); err != nil {
		return err
	}
	if err := refresh(); err != nil {
		return err
	}
	if em.reached && o.Until == "exchange" {
		return errReachedExchange
	}
	tick := o.tick
	if tick == nil {
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		tick = func() <-chan time.Time { return t.C }
	}
	for {
		evs, err := w.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted: the state is committed
			}
			return err
		}
		if len(evs) > 0 {
			if err := refresh(); err != nil {
				return err
			}
		}
		if em.reached && o.Until == "exchange" {
			return errReachedExchange
		}
		if o.UntilBlock != 0 && w.Last() >= o.UntilBlock {
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(o.IO.ErrOut, "watch: stopped after block %d; run the same command to resume\n", w.Last())
			return nil
		case <-tick():
		}
	}
}

// emitter delivers events: a line on stderr, JSON on stdout, --exec.
type emitter struct {
	o       *WatchOptions
	reached bool
}

func (e *emitter) emit(ev watch.Event) error {
	fmt.Fprintf(e.o.IO.ErrOut, "%s\n", ev.Line())
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if e.o.Format == "jsonl" {
		if _, err := e.o.IO.Out.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("writing the event: %w", err)
		}
	}
	if e.o.Exec != "" {
		cmd := exec.Command("sh", "-c", e.o.Exec)
		cmd.Stdin = bytes.NewReader(append(b, '\n'))
		cmd.Stdout, cmd.Stderr = e.o.IO.ErrOut, e.o.IO.ErrOut
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("--exec %q for event %d: %w (the event is sent again when the watch restarts)", e.o.Exec, ev.Seq, err)
		}
	}
	if ev.Kind == watch.ReachedExchange {
		e.reached = true
	}
	return nil
}

// watchStatus prints what the watch state holds, without the network.
func watchStatus(o *WatchOptions, path string) error {
	if _, err := os.Stat(path); err != nil {
		return badInput("--state %s: %v", path, err)
	}
	log, err := casestore.OpenWatchLog(path)
	if err != nil {
		return err
	}
	defer log.Close()
	raw, err := log.State()
	if err != nil {
		return err
	}
	if raw == nil {
		return badInput("%s holds no watch yet", path)
	}
	var st watch.State
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("%w: watch state in %s: %w", casestore.ErrCorrupt, path, err)
	}
	evs, err := log.Events(false)
	if err != nil {
		return err
	}
	return writeStatus(o.IO.Out, &st, evs)
}

func writeStatus(w io.Writer, st *watch.State, evs []casestore.WatchEvent) error {
	fmt.Fprintf(w, "chain %s, seeds %v\n", st.Chain, st.Seeds)
	fmt.Fprintf(w, "watching since block %d, last block processed %d\n", st.Start, st.Last)
	counts := map[string]int{}
	unsent := 0
	for _, le := range evs {
		var e watch.Event
		if json.Unmarshal(le.Value, &e) == nil {
			counts[e.Kind]++
		}
		if !le.Sent {
			unsent++
		}
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "events: %d", len(evs))
	for _, k := range kinds {
		fmt.Fprintf(w, ", %s %d", k, counts[k])
	}
	fmt.Fprintf(w, "; not yet delivered %d\n", unsent)
	fmt.Fprintf(w, "holdings watched: %d\n", len(st.Holdings))
	for _, h := range st.Holdings {
		a := st.Assets[h.Asset]
		at := h.Address
		if h.Outpoint != "" {
			at = h.Outpoint
		}
		fmt.Fprintf(w, "  %s %s  %s (%s)  since block %d\n", graph.FormatUnits(h.Amount, a.Decimals), a.Symbol, at, h.Kind, h.Since)
	}
	return nil
}
