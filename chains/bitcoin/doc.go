// Package bitcoin is chaintrace's adapter for Bitcoin networks (mainnet,
// testnet3, testnet4, signet, regtest, simnet). It implements trace.UTXOSource
// over three backends:
//
//   - esplora: the REST API of Blockstream's Esplora (blockstream.info,
//     mempool.space). Inputs carry their prevouts and /tx/:txid/outspends names
//     spenders directly, so forward tracing costs one request per transaction.
//   - btcd: JSON-RPC to btcd with --txindex --addrindex. btcd has no spent index:
//     the spender of an output is found with searchrawtransactions on the
//     output's address and matched on its inputs; gettxout first tells whether
//     the output is unspent at all. Requests are batched.
//   - bitcoind: JSON-RPC to Bitcoin Core with txindex=1. Core has neither an
//     address index nor a spent index, so spenders are found by scanning blocks
//     forward from the output's block, bounded by Config.ToBlock and
//     Config.MaxScanBlocks, and the adapter says so in a warning.
//
// Whatever the backend, amounts are exact satoshis decoded from raw
// transactions (hex) or integer JSON, never from the floating-point BTC values
// nodes print, and every script is classified by this package from its bytes,
// so all backends yield identical graph.UTXOTx values for the same chain.
// Every transaction fetched in a run is cached; it is never fetched twice.
package bitcoin
