// Package btcd runs a real btcd process on 127.0.0.1 in regtest mode for tests
// and fixture recording, and builds deterministic Bitcoin scenarios on it.
//
// The binary comes from the module's pinned tool dependency (`go tool -n btcd`,
// btcd v0.24.2), so nothing has to be installed by hand. Blocks are not mined
// with btcd's `generate` (its coinbase carries a random extra nonce, which would
// change every txid on every run); the Node assembles each block itself with a
// fixed coinbase and a fixed timestamp (2024-01-01 + 600 s per height), solves the
// trivial regtest proof of work and submits it. Keys are derived from labels and
// signatures are deterministic (RFC 6979, BIP 340 without aux randomness), so the
// same scenario code yields the same txids, block hashes and times on every run:
// recordings made from one run match a fresh node byte for byte.
//
// It is an ordinary (non-test) package so that tests of several packages can
// import it; it must never be imported by the chaintrace binary itself.
package btcd
