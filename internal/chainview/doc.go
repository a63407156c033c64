// Package chainview keeps, for one adapter's lifetime, the block hashes the
// chain being read has given for each height, so that an answer from another
// fork (a load balancer in front of nodes that disagree, a node behind a stale
// cache, a reorg in the middle of a trace) is caught as a fault instead of
// being mixed into the trace: a height answered with a second hash, or a block
// whose parent hash is not the hash the chain gave the height below.
//
// It only compares what answers claim about each other; it cannot tell which
// of two conflicting answers is the right one, so the answer that arrives
// second is the one refused (and retried by the transport). A conflict that
// persists fails the trace loudly.
package chainview
