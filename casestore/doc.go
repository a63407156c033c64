// Package casestore keeps what a trace fetched in one SQLite file, so an
// investigation can be replayed months later without the node or API it came from,
// and so repeated traces need not fetch finalised data twice.
//
// It works at the level of the tracer's interfaces (trace.AccountSource,
// trace.UTXOSource and the optional ones in trace.Capabilities), storing each normalised
// answer (a transaction's transfers, an address history with the block range it
// covers, a balance, "unspent at the tip" …) under a key made of the call and its
// arguments. One recorder therefore wraps any adapter, and a replayed source answers
// exactly what the adapter answered, which keeps replayed output byte-identical.
//
// Three uses share the file format (docs/case-store.md documents the schema):
//
//   - Record wraps a live source and stores every answer (a case, --record).
//   - Replay answers from a case with no network; a question the case cannot answer
//     is ErrNotRecorded, unless a live source was given to fetch and add it.
//   - Cache serves finalised answers (blocks at least Confirmations below the tip)
//     from a per-chain store across runs (--cache).
//
// Every stored object carries the SHA-256 of its content and a case carries a root
// hash over all objects and metadata; Verify checks both and Open refuses a case that
// fails them, because a case that was altered is no longer evidence.
package casestore
