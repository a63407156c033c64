// Package e2e holds end-to-end tests of exchange deposit-address detection
// (issue 5) on real nodes: an in-process geth and a btcd regtest process, each
// driven through its chaintrace adapter, the tracer, the JSON exporter and the
// Markdown report, with only the exchanges' hot wallets labelled (a CSV label
// set loaded through the labels package, as a user's --labels file would be).
//
// Every expected amount, fee and confidence is worked out in the tests from the
// amounts the scenarios send and the nodes' receipts, never from the code under
// test. The package has no non-test code; this file exists to say what it is for.
package e2e
