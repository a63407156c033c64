package opening

import (
	"context"
	"errors"
)

// Watch is what `chaintrace watch` opens: the source its first trace reads
// and the live node it polls.
type Watch struct {
	// Start is what the trace the watch starts from reads: a case replayed
	// offline (Case), or the live node.
	Start *Opened
	// Live is the live node, on the start's chain, never through a cache or a
	// recorder (a cached "unspent" is never the current state).
	Live *Opened
	live Options
	env  Env
}

// PrecheckWatch is Precheck for a watch: a case is read offline, so RPC and the
// other node options are the live node's and not checked against it; a watch
// follows one chain, so Links are refused.
func (o *Options) PrecheckWatch(env Env) error {
	if len(o.Links) > 0 {
		return badInput("--link: a watch follows one chain (the trace's); watch each chain with its own watch and --state")
	}
	if o.Case != "" {
		return o.Check()
	}
	return o.Precheck(env)
}

// OpenWatch opens a watch's sources. A case (Case) replays offline as the
// start, as `trace --case` replays it, the options it recorded applying to
// every one the command line (env.Flags) does not give — they are set in o —
// while RPC and the other node options are the live node's only. Caches,
// recordings and case updates are off.
func OpenWatch(ctx context.Context, o *Options, env Env) (*Watch, error) {
	o.NoCache, o.Record, o.UpdateCase = true, "", false
	start := *o
	if o.Case != "" {
		start.RPC = ""
	}
	src, err := Open(ctx, &start, env)
	if err != nil {
		return nil, err
	}
	start.RPC = o.RPC
	*o = start
	lo := *o
	lo.Case, lo.Chain = "", src.Source.Info().Name
	live, err := Open(ctx, &lo, env)
	if err != nil {
		src.Close()
		return nil, err
	}
	return &Watch{Start: src, Live: live, live: lo, env: env}, nil
}

// OpenLive opens the live node afresh, with empty caches (tracing a movement
// onward, refreshing a report).
func (w *Watch) OpenLive(ctx context.Context) (*Opened, error) {
	lo := w.live
	return Open(ctx, &lo, w.env)
}

// Close closes both sources.
func (w *Watch) Close() error {
	return errors.Join(w.Live.Close(), w.Start.Close())
}
