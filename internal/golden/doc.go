// Package golden compares test output with golden files, gofmt-style: `go test
// ./pkg -update` rewrites them after a reviewed change, and a mismatch prints a
// line diff instead of the whole output. Every package with golden files uses
// it, so -update and the failure message mean the same thing everywhere.
package golden
