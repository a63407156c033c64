// Package sourcetest is the conformance suite every trace source runs (restic's
// one-suite-for-every-backend habit): the JSON case files, recorded cases
// replayed from the case store (their linked chains too), the EVM adapter on
// geth, the Bitcoin adapter on btcd (btcd and bitcoind backends) and on the
// Esplora answers synthesised from btcd (testdata/README.md), and the case
// store's cache over the geth and btcd adapters. It asserts the contracts the
// trace package's interfaces document: not-found sentinels, bad-input errors,
// chain order, truncation, and that answers (cached or not) are stable and not
// shared with the caller.
//
// The suite needs one known transaction (tx hash or txid) of the source and
// derives every other probe from the source's own answers, so each backend's
// test only says which source and which transaction.
package sourcetest
