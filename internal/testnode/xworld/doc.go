// Package xworld runs a three-chain test world on 127.0.0.1 for the
// cross-chain tests and fixtures (issue 11): a btcd regtest process and two
// in-process geth nodes with different chain ids (A = 1337, B = 31337), with
// our own Solidity contracts (contracts/*.sol, compiled by the pinned solc-js
// from the npm cache; see package npm) deployed on them:
//
//   - XRouter on A: THORChain's EVM router shapes — deposit(vault, asset,
//     amount, memo) emitting Deposit, transferOut(to, asset, amount, memo)
//     emitting TransferOut with vault = msg.sender;
//   - XMultichain on A and B (same address): the Multichain router's
//     LogAnySwapOut on the source and, when the MPC relayer calls anySwapIn on
//     the destination, LogAnySwapIn carrying the source tx hash;
//   - XSameAddressBridge on A: takes plain payments; a relayer EOA on B pays
//     the sender's own address there, minus a fee.
//
// THORChain's vaults are played by keys the scenario controls: an EOA on A
// (paying outbounds through XRouter) and a P2WPKH key on btcd (paying with an
// OP_RETURN memo). Build runs a theft in the pattern of the Bybit 2025
// laundering (see Scenario): ETH swapped to BTC through the router, a BTC peel
// chain to an exchange, a BTC inbound swapped back to ETH, a refund, a
// lock-and-mint and a same-address crossing into B, a crossing to a chain that
// is not run (BSC), and for each matched crossing a decoy payout of the same
// amount at the same time to someone else.
//
// All three chains share one timeline: step k of the scenario happens at
// T0 + 60 s·k (T0 about 30 minutes after Start), so every outbound is later
// than its inbound on whichever chain it lands. Transaction hashes and txids
// are the same on every run; block hashes and times depend on T0.
//
// Like the geth and btcd packages this is an ordinary (non-test) package so
// tests of several packages can share it; the chaintrace binary never imports
// it. Helpers fail the test on error; Start skips it when solc-js is not in the
// npm cache (and fails it under CHAINTRACE_REQUIRE_ARTIFACTS=1).
package xworld
