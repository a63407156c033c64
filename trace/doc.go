// Package trace is chaintrace's tracer. It starts from seeds (a theft transaction,
// a Bitcoin outpoint, or an address from a block on), walks the fund flow hop by
// hop, and splits taint under a policy (poison, haircut, FIFO, LIFO, TIHO) exactly
// as ../shared/TRACING.md defines them: per transaction on UTXO chains, per address
// ledger in chain order on account chains. It stops at the endpoint kinds of
// graph.EndpointKinds and accounts for every unit of seed value.
//
// The interfaces it consumes (AccountSource, UTXOSource, Labels) are defined here
// and kept small; chain adapters in chains/ satisfy them. The tracer asks a source
// only for what the next hop needs.
package trace
