// Package layering holds only a test: it reads the module's import graph with
// `go list` and fails when a package imports across the layers
// cmd → internal/opening → {chains/*, casestore, labels} → trace → graph,
// with chainid and internal/httpx as leaves (issue 17).
package layering
