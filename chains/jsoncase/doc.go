// Package jsoncase is the offline data source: a case file is a small, complete
// chain written as JSON, and this package serves it through the same interfaces the
// live adapters implement (trace.AccountSource or trace.UTXOSource, chosen by the
// file's family), so the tracer and the CLI run and are tested without a node.
//
// Layout (docs/case-format.md has the full reference):
//
//	{
//	  "format": "chaintrace-case/v1",
//	  "chain": "eth",                      // a --chain name
//	  "family": "account" | "utxo",
//	  "native": {"id":"ETH","symbol":"ETH","decimals":18},
//	  "assets": [{"id":"0xA0b8…","symbol":"USDC","decimals":6,"contract":"0xA0b8…"}],
//	  "tip": 1000,                         // chain height the file describes up to
//	  "description": "…", "source": "…public facts and where they come from…",
//	  "seeds": ["0x…"],                    // optional: what `trace --case` follows by default
//	  "blocks": [{"number":1,"hash":"0x…","time":1648000000}],
//	  "transfers": [{"asset":"ETH","kind":"value","tx":"0x…","tx_index":0,"seq":1,
//	                 "position":"value","block":1,"from":"0x…","to":"0x…","amount":"1000"}],
//	  "balances": [{"address":"0x…","asset":"ETH","block":0,"amount":"5"}],
//	  "contracts": ["0x…"],
//	  "reverted": ["0x…"],
//	  "txs": [{"txid":"…","block":1,"coinbase":false,
//	           "inputs":[{"prev":{"txid":"…","vout":0},"address":"…","value":"…"}],
//	           "outputs":[{"index":0,"address":"…","value":"…","script_type":"p2wpkh"}]}]
//	}
//
// Amounts are base-unit integers written as decimal strings. A transfer's block hash
// and time come from blocks[], so they cannot disagree. The balance of an address at
// block b is its declared balance plus the net of its transfers between the declared
// block and b; without a declaration the address starts empty, because the file is
// the whole chain as far as the tracer is concerned.
//
// Loading is strict: an unknown field, a malformed amount or address, an asset that
// is not declared, a transfer in a block not listed, an overdrawn balance, a UTXO
// transaction that spends more than its inputs or an output spent twice is an error
// that names the JSON element ("transfers[3].amount") and wraps trace.ErrBadInput.
package jsoncase
