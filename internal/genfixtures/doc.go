// Package genfixtures regenerates the known-theft fixtures in testdata/cases:
// each scenario reproduces a documented theft's laundering pattern on a real
// local node (in-process geth, btcd regtest), `chaintrace trace --record` records
// the trace, and the spec carries expectations worked out from the scenario.
//
//	go test ./internal/genfixtures -run TestRecordFixtures -record
//
// Without -record the test is skipped: the fixtures are checked offline by
// `chaintrace check testdata/cases/*.yaml`.
package genfixtures
