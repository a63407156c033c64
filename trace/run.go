package trace

import (
	"context"
	"errors"

	"github.com/chaintrace/chaintrace/graph"
)

// Run traces seeds on src under opts. Seeds are transaction hashes, Bitcoin
// outpoints "txid:vout", or addresses (which take opts.FromBlock as the start).
//
// When the trace stops early (a source error, a cancelled ctx) Run returns the
// partial result together with the error: holders not yet followed become endpoints
// of kind incomplete, so what was fetched is kept and the totals still balance.
func Run(ctx context.Context, src Source, seeds []string, opts Options) (*graph.Result, error) {
	return nil, errors.New("trace.Run: not implemented yet")
}
