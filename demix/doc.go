// Package demix looks past mixers. For every mixer endpoint of a trace whose pool
// is Tornado Cash-style (recognised by Tornado Cash's Deposit and Withdrawal
// events, so forks count too), it fetches the pool's events in a bounded window
// and lists candidate withdrawals: withdrawals that published linking heuristics
// tie to a tainted deposit, each with the heuristics that matched, their
// evidence and a score.
//
// Candidates are leads, never traced amounts: Find does not touch a result's
// endpoints or totals. docs/mixers.md gives each heuristic's source and the
// ways it is wrong.
//
// The package consumes a small LogSource interface (log queries and transaction
// metadata) that the EVM adapter implements; sources without it (recorded cases)
// get a note instead of candidates.
package demix
