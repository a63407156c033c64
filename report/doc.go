// Package report renders a finished trace as the document an investigator sends
// on: Markdown (--format report) and a single self-contained HTML file
// (--format html). Both say the same things in the same order: the case (seeds,
// chain, policy, parameters, tool version, the block height the trace saw), where
// the stolen funds went as exact amounts and shares, one freeze-request table per
// exchange (deposit address, the transaction into it, amount, UTC time, hops from
// the theft, sweep transaction, confidence), and the full transaction path of
// every endpoint.
//
// Amounts come from the graph package's exact big.Int formatting; nothing here
// converts money to floating point. Output is deterministic for a given Result
// and Options, so reports can be kept as golden files and diffed.
package report
