// Package watch keeps watching the holdings a trace found (unspent outputs,
// addresses that still hold taint, holders the trace did not follow past its
// hop limit or could not fetch) and turns every movement of them into events:
// moved, reached-exchange, reached-mixer, reached-bridge, new-holding, and
// retracted when a reorganisation removes a block an event came from.
//
// On every new block it asks the node only what tells whether a watched holding
// moved, in one batch (UTXO chains: gettxout per watched output; account chains: the
// balance of each watched address and asset at the new block, against its balance
// at the block it was last seen (read once and kept in the state: a past block's
// balance does not change) — any change may hide a movement (funds in and out in
// one window), so the address is traced onward over the new blocks, the holding's
// asset only, amounts scaled by the holding's share of what the address had,
// ⌊x × taint / (balance then + received)⌋, and what stays is
// ⌊balance now × taint / (balance then + received)⌋). A holding that
// moved is traced onward with the trace's own policy and options, on a source
// with empty caches, up to the newest block that has the confirmations asked
// for; the endpoints of that onward trace become the events and the next
// watched holdings. Amounts are exact base units: the onward trace starts from
// the whole output, so its amounts are scaled by the holding's tainted share
// (⌊x × taint / value⌋), exact under poison (share 1) and haircut (proportional).
//
// State (holdings, the last block processed and its recent hashes, snapshots for
// rolling back a reorg, events and whether each was delivered) lives in a
// casestore.WatchLog and is committed before events are delivered, so a watch
// that is killed and restarted sends every event, at least once, and a
// delivered event is never sent again.
package watch
