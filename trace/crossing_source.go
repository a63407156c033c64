package trace

import (
	"context"

	"github.com/chaintrace/chaintrace/graph"
)

// CrossingSource is optionally implemented by account sources that decode
// cross-chain events (THORChain-style router deposits and outbounds, lock-and-
// mint swap-outs and swap-ins) from transaction logs. Bitcoin memos need no
// extra method: they arrive in graph.TxOut.Data of OP_RETURN outputs.
type CrossingSource interface {
	// TxCrossEvents decodes the cross-chain events of one transaction (none is
	// an empty list). Unknown hash: ErrNotFound.
	TxCrossEvents(ctx context.Context, txHash string) ([]graph.CrossEvent, error)
	// FindCrossEvents returns the events of q.Kind in q's block range, in chain order.
	FindCrossEvents(ctx context.Context, q CrossQuery) ([]graph.CrossEvent, error)
}

// CrossQuery selects cross-chain events in blocks [FromBlock, ToBlock].
type CrossQuery struct {
	Kind      string   // graph.EventMemoOut, graph.EventMintIn, …
	FromBlock uint64   //
	ToBlock   uint64   //
	Contracts []string // emitting contracts; empty: any
	RefTx     string   // EventMintIn: only events naming this source transaction
}
