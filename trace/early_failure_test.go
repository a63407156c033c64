package trace

import (
	"context"
	"errors"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// failingSeedTx is a source whose node fails (not "not found") when asked for
// the seed transaction: nothing can be traced, yet the failure is the node's.
type failingSeedTx struct{ AccountSource }

var errNodeDown = errors.New("node keeps failing")

func (failingSeedTx) TxTransfers(context.Context, string) ([]graph.Transfer, error) {
	return nil, errNodeDown
}

// A source failing before anything was traced still gives a result (empty,
// with the error) so the caller can write the partial result it promises;
// only errors about the seeds themselves give none (issue 19 item 3).
func TestEarlySourceFailureKeepsAResult(t *testing.T) {
	m, lb := baseChain()
	r, err := Run(context.Background(), failingSeedTx{m}, []string{hSeed}, Options{Policy: Haircut, Labels: lb})
	if !errors.Is(err, errNodeDown) {
		t.Fatalf("err = %v, want the node's error", err)
	}
	if r == nil {
		t.Fatal("no result for a trace that failed on the node before anything was traced")
	}
	if r.Error == "" || len(r.Endpoints) != 0 {
		t.Errorf("result: error %q, %d endpoints; want the error and no endpoints", r.Error, len(r.Endpoints))
	}
	if _, err := Run(context.Background(), m, []string{"0x" + hex64("nope")}, Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown seed: err = %v, want ErrNotFound and no result", err)
	}
}
