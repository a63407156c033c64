// Package chainid is chaintrace's one table of chain identity: for every chain
// the tool can name, its --chain name and aliases, its family (account or UTXO)
// and adapter, its EVM chain id, native coin, whether it is a local development
// chain, its block explorer, and the network parameters its addresses are
// encoded with. Adapters, labels, case files, the case store and the report all
// read it, so a chain the adapters serve is a chain a label file may name, and
// the reverse.
//
// It is a leaf: it imports no other chaintrace package, so anything may use it.
// Adding an EVM chain is one entry in the EVM table below (CONTRIBUTING.md).
package chainid
