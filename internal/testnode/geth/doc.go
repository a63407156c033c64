// Package geth runs a real, in-process go-ethereum node on 127.0.0.1 for tests and
// builds tracing scenarios on it: funded accounts with deterministic keys, value
// transfers, and hand-assembled contracts (an ERC-20 with a real Transfer LOG3, a
// forwarder that CALLs on with value, a WETH9-like wrapper).
//
// It is a normal (non-test) package so that every package needing EVM fixtures
// (chains/evm, the CLI's end-to-end tests) builds on the same node. The node serves
// HTTP JSON-RPC with the eth, net, web3, debug and txpool namespaces, tracers
// included (debug_traceTransaction with callTracer), and keeps all historical state.
//
// Transactions are signed with fixed fee caps and fixed gas limits so the same
// sequence of calls yields the same transaction hashes and block numbers on every
// run; only block hashes and times differ.
package geth
