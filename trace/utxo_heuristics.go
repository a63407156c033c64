package trace

import "github.com/chaintrace/chaintrace/graph"

// Placeholder until the Bitcoin adapter work lands the real heuristics (same
// signatures); the owner of this file replaces it wholesale.

// DetectChange finds the change output of tx, if a rule identifies one.
func DetectChange(tx *graph.UTXOTx) (vout int, reasons []string, ok bool) { return -1, nil, false }

// IsCoinJoin reports whether tx has the shape of a CoinJoin.
func IsCoinJoin(tx *graph.UTXOTx) bool { return false }
