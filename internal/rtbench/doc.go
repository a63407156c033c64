// Package rtbench measures how many requests and round trips a whole trace costs
// on real local nodes (an in-process geth, a btcd process), against the minimum
// the data needs: one batched round trip per hop level plus one for the seed and
// the tip. Its benchmarks run fan-out laundering trees of more than 1,000
// addresses over 6 hops through rtproxy (counting, and with a fixed latency per
// request as a public node adds) with the batched client and with an unbatched
// sequential one. BENCHMARKS.md quotes the figures with the commands.
//
// It holds only tests and benchmarks.
package rtbench
