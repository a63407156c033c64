// Package evm is chaintrace's adapter for Ethereum and other EVM chains (BNB Smart
// Chain, Polygon, Arbitrum, Optimism, Base, Sepolia, any local network). It turns
// JSON-RPC data into graph.Transfer values: gas fees, native value, internal value
// transfers (debug_traceTransaction with callTracer), ERC-20 Transfer logs and WETH
// wraps, and finds an address's history with the best method the endpoint offers:
//
//   - rpc: plain JSON-RPC. A plain node has no index of transactions by address,
//     so: token transfers and WETH wraps by eth_getLogs with from/to topic filters
//     (a batch of holders shares one pair, their addresses as the topic list)
//     over block ranges that halve when a node refuses them; native value in and
//     out, internal transfers included, by scanning a bounded number of blocks
//     from the start of the query (Config.ScanBlocks: full blocks plus
//     debug_traceBlockByNumber); beyond the scan, outgoing transactions of an
//     externally owned account by bisecting eth_getTransactionCount over blocks
//     (each nonce step pins one block), with a warning that later incoming
//     transfers are not seen.
//   - trace: trace_filter (Erigon, Nethermind, Reth, Besu) by fromAddress and
//     toAddress; complete, internal transfers included, plus eth_getLogs for tokens.
//   - explorer: an Etherscan-compatible API (Etherscan v2, Blockscout): txlist,
//     txlistinternal and tokentx, paged by restarting from the last block seen.
//
// WETH Deposit/Withdrawal events become wrap transfers on the chain table's WETH,
// on contracts given in Config.WETH, and on any contract whose symbol says
// wrapped native (WETH, WBNB…) when the transaction really moved the same native
// amount; the matching native transfer is then dropped so value is not counted
// twice.
//
// Whatever found a transaction, its transfers are always built the same way from
// the node's receipt, block and call trace, so the three strategies agree where
// their data overlaps. Every block, receipt and trace is fetched at most once per
// Adapter; calls are batched (chunks of at most Config.BatchSize, never above
// geth's limit of 1000: 1000 by default on a node on this machine or a private
// network, 100 on public endpoints). A tracer's hop level leaves as one combined
// request (Frontier: the holders' shared eth_getLogs, the block scan, the balance
// and contract proofs, two proofs of one account told apart by their blocks'
// state roots), the tip rides with the seed transaction (TipWithTxs), and a
// single seed's block header with hop 1's request (TxPreview, dateSeeds). HTTP
// requests are rate-limited (Config.RPS) and retried on
// 429 and 5xx with backoff that honours Retry-After.
package evm
