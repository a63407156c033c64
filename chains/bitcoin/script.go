package bitcoin

import (
	"encoding/hex"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
)

// Script types as graph.TxOut.ScriptType reports them.
const (
	TypeP2PKH       = "p2pkh"
	TypeP2SH        = "p2sh"
	TypeP2WPKH      = "p2wpkh"
	TypeP2WSH       = "p2wsh"
	TypeP2TR        = "p2tr"
	TypeP2PK        = "p2pk"
	TypeMultisig    = "multisig"
	TypeOpReturn    = "op_return"
	TypeNonstandard = "nonstandard"
)

// classify returns the chaintrace script type of pkScript and the address an
// investigator would look it up by: the encoded address; for P2PK the P2PKH
// address of the key (what block explorers and btcd's address index show); ""
// for bare multisig (no single owner), OP_RETURN and non-standard scripts.
//
// searchAddr is the address btcd's address index files the output under, used
// to find its spender: the same as addr, except for bare multisig, which btcd
// indexes under the P2PKH address of each key (the first is used).
func classify(pkScript []byte, params *chaincfg.Params) (typ, addr, searchAddr string) {
	class, addrs, _, err := txscript.ExtractPkScriptAddrs(pkScript, params)
	if err != nil {
		return TypeNonstandard, "", ""
	}
	switch class {
	case txscript.PubKeyHashTy:
		typ = TypeP2PKH
	case txscript.ScriptHashTy:
		typ = TypeP2SH
	case txscript.WitnessV0PubKeyHashTy:
		typ = TypeP2WPKH
	case txscript.WitnessV0ScriptHashTy:
		typ = TypeP2WSH
	case txscript.WitnessV1TaprootTy:
		typ = TypeP2TR
	case txscript.PubKeyTy:
		if len(addrs) == 1 {
			if pk, ok := addrs[0].(*btcutil.AddressPubKey); ok {
				a := pk.AddressPubKeyHash().EncodeAddress()
				return TypeP2PK, a, a
			}
		}
		return TypeNonstandard, "", ""
	case txscript.MultiSigTy:
		if len(addrs) > 0 {
			if pk, ok := addrs[0].(*btcutil.AddressPubKey); ok {
				return TypeMultisig, "", pk.AddressPubKeyHash().EncodeAddress()
			}
		}
		return TypeMultisig, "", ""
	case txscript.NullDataTy:
		return TypeOpReturn, "", ""
	default:
		return TypeNonstandard, "", ""
	}
	if len(addrs) != 1 {
		return TypeNonstandard, "", ""
	}
	a := addrs[0].EncodeAddress()
	return typ, a, a
}

// opReturnData returns the data an OP_RETURN script pushes, concatenated, as hex
// (THORChain-style memos are one push of ASCII text; longer memos are split over
// several pushes by some wallets). A script that does not parse gives what was
// read before the error.
func opReturnData(pkScript []byte) string {
	var data []byte
	tok := txscript.MakeScriptTokenizer(0, pkScript)
	for tok.Next() {
		data = append(data, tok.Data()...)
	}
	return hex.EncodeToString(data)
}
