// Package chains is the registry of chain adapters (all.go): it maps a --chain name
// to the adapter that serves it. Each adapter lives in its own subpackage, pulls
// transactions from a node or a public API, and turns them into graph's transfer
// model; none of them contains tracing logic.
package chains
