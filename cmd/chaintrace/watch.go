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
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/internal/httpx"
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
	Result        string        // --result: start from a JSON result (trace --format json) instead of tracing
	Address       []string      // --address: addresses watched by hand, besides (or instead of) a trace's holdings
	Heads         string        // --heads: a WebSocket URL whose newHeads wake the watch (default: --rpc when it is ws://)

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

Instead of tracing, --result FILE starts from a result written earlier by trace --format
json (its chain, holdings, policy and options); --address ADDR (repeatable) also
watches an address by hand: its whole balance of the chain's coin (account chains) or
its unspent outputs (Bitcoin), with or without seeds.

It polls the tip every --interval; on an EVM node serving WebSocket, --rpc ws://HOST:PORT
(queries to http://HOST:PORT) or --heads ws://... subscribes to newHeads and checks each
new block at once, polling as the fallback.

Each event is one line on standard error; --format jsonl also writes it as JSON on
standard output, --exec runs a command per event with the JSON on its standard input.
The state (holdings, last block, events sent) is kept in --state (default: the --case
file when it is a recorded case), so a watch that is stopped resumes where it left off
without missing or repeating an event. --status summarises it.

Exit codes: 0 stopped (--until-block reached, or interrupted with Ctrl-C),
1 the node failed, 2 bad input, 4 --until exchange: funds reached an exchange.`,
		Example: `  chaintrace watch --chain btc --rpc http://u:p@127.0.0.1:8334 --state theft.db <txid>:0
  chaintrace watch --case theft.db --rpc http://u:p@127.0.0.1:8334 --until exchange
  chaintrace watch --result theft.json --rpc http://127.0.0.1:8545 --state theft.db
  chaintrace watch --chain eth --rpc http://127.0.0.1:8545 --state w.db --address 0x… --address 0x…
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
	f.StringVar(&o.Result, "result", "", "start from this JSON result (trace --format json) instead of tracing: its chain, watched holdings, policy and options")
	f.StringVar(&o.Heads, "heads", "", "EVM: subscribe to newHeads at this ws:// or wss:// URL and check each new block at once (--interval polling stays as the fallback); default: --rpc when it is a ws:// URL, whose queries then go to the same host and port over http://")
	f.StringArrayVar(&o.Address, "address", nil, "also watch this address by hand (repeatable): its balance of the chain's coin, or on Bitcoin its unspent outputs")
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
	if err := o.wsRPC(); err != nil {
		return err
	}
	if o.Case != "" && isResultFile(o.Case) {
		return badInput("--case %s is a chaintrace result (the output of --format json), not a case file: start the watch from it with --result %s (and --rpc for the live node)", escape.Terminal(o.Case), escape.Terminal(o.Case))
	}
	var given *graph.Result
	if o.Result != "" {
		if given, err = o.readResult(); err != nil {
			return err
		}
	}
	if err := o.PrecheckWatch(o.env); err != nil {
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

	// What the trace the watch starts from reads (a case offline, or the
	// node) and the live node it polls.
	ws, err := opening.OpenWatch(ctx, &o.Options, o.env)
	if err != nil {
		if o.Case != "" && exitCode(err) == exitInput {
			if m := caseFileMistake(o.Case); m != nil {
				return m // a check spec given as a case
			}
		}
		return err
	}
	defer ws.Close()
	src, live := ws.Start, ws.Live
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
		switch {
		case given != nil:
			if err := sameChain(given, src.Source.Info()); err != nil {
				return err
			}
			res = given
		case len(seeds) > 0:
			ro := topts
			if o.Case == "" && o.Confirmations > 1 && ro.ToBlock == 0 {
				// The trace ends at the newest block with the confirmations asked
				// for: a movement in the blocks above is the watch's to report,
				// once final (and to retract, should they be replaced).
				tip, err := src.Source.Tip(ctx)
				if err != nil {
					return fmt.Errorf("reading the chain tip: %w", err)
				}
				if tip >= o.Confirmations {
					// never below the seeds' own blocks: a theft with fewer
					// confirmations is traced to where it is
					ro.ToBlock = max(tip+1-o.Confirmations, seedsBlock(ctx, src.Source, seeds))
				}
			}
			r, err := trace.Run(ctx, src.Source, seeds, ro)
			if err != nil {
				return fmt.Errorf("the trace the watch starts from failed: %w", err)
			}
			res = r
		case len(o.Address) > 0:
			if o.Format == "report" || o.Format == "html" {
				return badInput("--format %s refreshes a trace's report, and addresses given by hand alone have no trace: add the theft's seeds (or --result)", o.Format)
			}
			info := src.Source.Info()
			tip, err := src.Source.Tip(ctx)
			if err != nil {
				return fmt.Errorf("reading the chain tip: %w", err)
			}
			res = &graph.Result{Chain: info.Name, Family: info.Family, Seeds: []string{}, Tip: tip,
				Assets: map[string]graph.Asset{info.Native.ID: info.Native}}
		default:
			return badInput("no seed given: pass a theft transaction hash, a txid:vout, or an address with --from-block, a --case with its own seeds, a --result FILE, or --address ADDR")
		}
	}

	var manual []watch.Holding
	if prev == nil && len(o.Address) > 0 {
		if manual, err = watch.ManualHoldings(ctx, live.Source, o.Address, res.Tip); err != nil {
			return err
		}
	}
	em := &emitter{o: o}
	w, err := watch.New(watch.Config{
		Live: live.Source,
		Fresh: func(ctx context.Context) (trace.Source, func(), error) {
			s, err := ws.OpenLive(ctx)
			if err != nil {
				return nil, nil, err
			}
			return s.Source, func() { s.Close() }, nil
		},
		Options:       topts,
		Confirmations: o.Confirmations,
		Log:           log,
		Emit:          em.emit,
	}, res, manual)
	if err != nil {
		return err
	}
	if prev != nil {
		if err := o.sameAddresses(live.Source, w.State()); err != nil {
			return err
		}
	}
	if (o.Format == "report" || o.Format == "html") && len(w.State().Seeds) == 0 {
		return badInput("--format %s refreshes a trace's report, and the watch in %s has no seeds (addresses given by hand only)", o.Format, path)
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
		s, err := ws.OpenLive(ctx)
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
	// newHeads where the node offers them; polling every --interval regardless.
	var heads <-chan uint64
	var feed opening.HeadFeed
	if o.Heads != "" {
		feed, err = opening.SubscribeHeads(ctx, live.Source.Info().Name, o.Heads)
		switch {
		case err == nil:
			defer feed.Close()
			heads = feed.Heads()
		case exitCode(err) == exitInput && !errors.Is(err, trace.ErrUnsupported):
			return fmt.Errorf("--heads: %w", err)
		default:
			fmt.Fprintf(o.IO.ErrOut, "watch: no new heads from %s (%v): polling every %v\n", httpx.RedactURL(o.Heads), err, o.Interval)
		}
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
	announced := false
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
		if heads != nil && !announced {
			announced = true
			fmt.Fprintf(o.IO.ErrOut, "watch: block %d processed; following new heads at %s (and polling every %v)\n", w.Last(), httpx.RedactURL(o.Heads), o.Interval)
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(o.IO.ErrOut, "watch: stopped after block %d; run the same command to resume\n", w.Last())
			return nil
		case <-tick():
		case _, ok := <-heads:
			if !ok {
				heads = nil // ended: polling only
				fmt.Fprintf(o.IO.ErrOut, "watch: %v: polling every %v from now on\n", feed.Err(), o.Interval)
			}
		}
	}
}

// wsRPC: --rpc ws://HOST:PORT means new heads from it and queries to
// http://HOST:PORT (geth serves both on one port when --ws.port is --http.port);
// --heads must be a WebSocket URL.
func (o *WatchOptions) wsRPC() error {
	for _, p := range [][2]string{{"ws://", "http://"}, {"wss://", "https://"}} {
		if rest, ok := strings.CutPrefix(o.RPC, p[0]); ok {
			if o.Heads == "" {
				o.Heads = o.RPC
			}
			o.RPC = p[1] + rest
		}
	}
	if o.Heads != "" && !strings.HasPrefix(o.Heads, "ws://") && !strings.HasPrefix(o.Heads, "wss://") {
		return badInput("--heads %s: want a ws:// or wss:// WebSocket URL (the node's, e.g. geth --ws)", httpx.RedactURL(o.Heads))
	}
	return nil
}

// seedsBlock is the newest block among the seeds that are transactions or
// outputs (0: none, or the node could not say; the trace reports that).
func seedsBlock(ctx context.Context, src trace.Source, seeds []string) uint64 {
	var top uint64
	for _, sd := range seeds {
		sd = strings.TrimSpace(sd)
		switch s := src.(type) {
		case trace.UTXOSource:
			txid, _, _ := strings.Cut(sd, ":")
			if len(txid) != 64 {
				continue
			}
			if tx, err := s.Tx(ctx, txid); err == nil && tx.Block > top {
				top = tx.Block
			}
		case trace.AccountSource:
			if len(sd) != 66 || !strings.HasPrefix(sd, "0x") {
				continue
			}
			if trs, err := s.TxTransfers(ctx, sd); err == nil && len(trs) > 0 && trs[0].Block > top {
				top = trs[0].Block
			}
		}
	}
	return top
}

// readResult reads --result and makes its chain and recorded options the
// watch's, for every option the command line does not give.
func (o *WatchOptions) readResult() (*graph.Result, error) {
	if len(o.Seeds) > 0 {
		return nil, badInput("--result %s and seeds exclude each other: the result's seeds are the watch's", o.Result)
	}
	if o.Case != "" {
		return nil, badInput("--result and --case exclude each other: --result starts from a trace's conclusions, --case traces again (give --rpc for the live node)")
	}
	f, err := os.Open(o.Result)
	if err != nil {
		return nil, badInput("--result: %v", err)
	}
	defer f.Close()
	res, err := watch.ReadResult(f, o.Result)
	if err != nil {
		return nil, err
	}
	if o.Chain == "" {
		o.Chain = res.Chain
	} else if chainid.Key(o.Chain) != chainid.Key(res.Chain) {
		return nil, badInput("--chain %s does not match the chain of --result %s (%s)", o.Chain, o.Result, res.Chain)
	}
	given := func(name string) bool { return o.env.Flags != nil && o.env.Flags.Changed(name) }
	differ, err := o.ApplyResult(res, given)
	if err != nil {
		return nil, badInput("--result %s: %v", o.Result, err)
	}
	if len(differ) > 0 {
		fmt.Fprintf(o.IO.ErrOut, "watch: onward movements are traced with %s, not the result's options\n", strings.Join(differ, ", "))
	}
	if res.Error != "" {
		fmt.Fprintf(o.IO.ErrOut, "watch: --result %s is of a trace that stopped early (%s): only the holdings it found are watched\n", o.Result, res.Error)
	}
	return res, nil
}

// sameChain refuses a result of another chain than the node's.
func sameChain(res *graph.Result, info trace.ChainInfo) error {
	if chainid.Key(res.Chain) != chainid.Key(info.Name) || res.Family != info.Family {
		return badInput("the result is of chain %s (%s), but the node serves %s (%s)", res.Chain, res.Family, info.Name, info.Family)
	}
	return nil
}

// sameAddresses: a resumed watch keeps its holdings; an --address it was not
// started with is refused rather than silently not watched.
func (o *WatchOptions) sameAddresses(live trace.Source, st watch.State) error {
	for _, a := range o.Address {
		n, err := live.NormalizeAddress(a)
		if err != nil {
			return fmt.Errorf("--address %s is not an address of %s: %w", a, live.Info().Name, err)
		}
		if !slices.Contains(st.Manual, n) {
			return badInput("--address %s: the watch in its --state file was started without it and resumes with its own holdings; start a new watch (another --state) to watch it", n)
		}
	}
	return nil
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
	log, err := casestore.ReadWatchLog(path) // a status never changes the file
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
	seeds := "none"
	if len(st.Seeds) > 0 {
		seeds = strings.Join(st.Seeds, " ")
	}
	fmt.Fprintf(w, "chain %s, seeds %s\n", st.Chain, seeds)
	if len(st.Manual) > 0 {
		fmt.Fprintf(w, "addresses watched by hand (--address): %s\n", strings.Join(st.Manual, " "))
	}
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
