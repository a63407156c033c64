// Package graph holds chaintrace's chain-independent model: the transfers and UTXO
// transactions that adapters produce, and the fund-flow graph the tracer builds from
// them (on github.com/dominikbraun/graph, with an adjacency index of our own for the
// hot path), and the finished Result. Turning a Result into JSON, DOT, CSV or text
// is package render's job; this package knows nothing about output formats.
//
// Money is always an exact integer in the asset's base unit (wei, satoshi, token
// units) held in a *big.Int; nothing in this package converts money to float64.
package graph
