// Package fuzz holds the go test -fuzz targets for what the chain adapters and
// the command line read from outside: seeds and addresses (chains.Precheck),
// JSON-RPC answers (the EVM adapter) and Esplora answers (the Bitcoin adapter).
// They live apart from the adapters' own tests on purpose: those start real
// geth and btcd nodes, and a fuzzing build instruments every package linked
// into the test binary, which for a whole geth node costs many minutes of
// compilation. Here the binary holds only the adapters.
//
// `go test ./chains/fuzz` runs the seed corpus and any crasher kept in
// testdata/fuzz; .ci/run fuzzes each target for a bounded time.
package fuzz
