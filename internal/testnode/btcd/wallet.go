package btcd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/integration/rpctest"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// Kind is the script form of a Key's output.
type Kind string

// Script kinds a Key can receive to.
const (
	P2PKH      Kind = "p2pkh"
	P2WPKH     Kind = "p2wpkh"
	P2TR       Kind = "p2tr" // BIP 86 key-path only
	P2SHP2WPKH Kind = "p2sh-p2wpkh"
	P2PK       Kind = "p2pk"
	P2WSH      Kind = "p2wsh"    // witness script: 1-of-1 CHECKMULTISIG
	Multisig   Kind = "multisig" // bare 1-of-2 CHECKMULTISIG (second key from label+"/2")
)

// Key is a deterministic key (derived from its label) and the output script it
// receives to.
type Key struct {
	Label    string
	Kind     Kind
	Priv     *btcec.PrivateKey
	PkScript []byte
	// Address is what a block explorer shows for the output: the encoded address;
	// for P2PK the P2PKH address of the key; "" for bare multisig.
	Address string
	// ScriptType is the chaintrace script type of PkScript (p2sh for P2SHP2WPKH).
	ScriptType string

	redeem  []byte // P2SH redeem script
	witness []byte // P2WSH witness script
}

func privFromLabel(label string) *btcec.PrivateKey {
	h := sha256.Sum256([]byte("chaintrace-testnode/" + label))
	k, _ := btcec.PrivKeyFromBytes(h[:])
	return k
}

// NewKey derives the key for label and builds its output script for params.
func NewKey(label string, kind Kind, params *chaincfg.Params) *Key {
	k := &Key{Label: label, Kind: kind, Priv: privFromLabel(label), ScriptType: string(kind)}
	pub := k.Priv.PubKey()
	must := func(err error) {
		if err != nil {
			panic(fmt.Sprintf("testnode key %s/%s: %v", label, kind, err))
		}
	}
	pkh := btcutil.Hash160(pub.SerializeCompressed())
	switch kind {
	case P2PKH:
		a, err := btcutil.NewAddressPubKeyHash(pkh, params)
		must(err)
		k.Address = a.EncodeAddress()
		k.PkScript, err = txscript.PayToAddrScript(a)
		must(err)
	case P2PK:
		a, err := btcutil.NewAddressPubKey(pub.SerializeCompressed(), params)
		must(err)
		k.Address = a.AddressPubKeyHash().EncodeAddress()
		k.PkScript, err = txscript.PayToAddrScript(a)
		must(err)
	case P2WPKH:
		a, err := btcutil.NewAddressWitnessPubKeyHash(pkh, params)
		must(err)
		k.Address = a.EncodeAddress()
		k.PkScript, err = txscript.PayToAddrScript(a)
		must(err)
	case P2SHP2WPKH:
		w, err := btcutil.NewAddressWitnessPubKeyHash(pkh, params)
		must(err)
		k.redeem, err = txscript.PayToAddrScript(w)
		must(err)
		a, err := btcutil.NewAddressScriptHash(k.redeem, params)
		must(err)
		k.Address = a.EncodeAddress()
		k.PkScript, err = txscript.PayToAddrScript(a)
		must(err)
		k.ScriptType = "p2sh"
	case P2TR:
		out := txscript.ComputeTaprootKeyNoScript(pub)
		a, err := btcutil.NewAddressTaproot(schnorr.SerializePubKey(out), params)
		must(err)
		k.Address = a.EncodeAddress()
		k.PkScript, err = txscript.PayToAddrScript(a)
		must(err)
	case P2WSH:
		pk, err := btcutil.NewAddressPubKey(pub.SerializeCompressed(), params)
		must(err)
		k.witness, err = txscript.MultiSigScript([]*btcutil.AddressPubKey{pk}, 1)
		must(err)
		h := sha256.Sum256(k.witness)
		a, err := btcutil.NewAddressWitnessScriptHash(h[:], params)
		must(err)
		k.Address = a.EncodeAddress()
		k.PkScript, err = txscript.PayToAddrScript(a)
		must(err)
	case Multisig:
		pk1, err := btcutil.NewAddressPubKey(pub.SerializeCompressed(), params)
		must(err)
		pk2, err := btcutil.NewAddressPubKey(privFromLabel(label+"/2").PubKey().SerializeCompressed(), params)
		must(err)
		k.PkScript, err = txscript.MultiSigScript([]*btcutil.AddressPubKey{pk1, pk2}, 1)
		must(err)
	default:
		panic("testnode: unknown key kind " + string(kind))
	}
	return k
}

// MinerKey is the P2PKH key every coinbase of a Node pays.
func MinerKey() *Key { return NewKey("miner", P2PKH, &chaincfg.RegressionNetParams) }

// Coin is a spendable output and the key that can spend it.
type Coin struct {
	OutPoint wire.OutPoint
	Value    int64
	Key      *Key // nil for OP_RETURN outputs
	Coinbase bool
	Height   int32 // block height it was mined in; 0 while unconfirmed
}

// String is "txid:vout".
func (c Coin) String() string { return c.OutPoint.String() }

// Output is one output to create: to Key, or an OP_RETURN carrying Data when Key is nil.
type Output struct {
	Key   *Key
	Value int64
	Data  []byte
}

type chainState struct {
	params *chaincfg.Params
	prev   *btcutil.Block // nil: genesis
	height int32
	miner  *Key
	coins  []Coin // the miner's spendable coins
}

func newChainState(p *chaincfg.Params) *chainState {
	return &chainState{params: p, miner: MinerKey()}
}

// BlockVersion signals CSV (bit 0), segwit (bit 1) and taproot (bit 2) so the
// BIP 9 deployments activate on regtest at height 432 (3 × 144).
const BlockVersion = 0x20000007

// SegwitHeight is the first regtest height at which btcd accepts witness spends.
const SegwitHeight = 432

// BaseTime is the timestamp of a Node's block 0 for timing purposes: the regtest
// genesis (2011) predates BIP 16's switch-over (April 2012), and btcd only
// enforces P2SH, and so allows witness spends, in blocks stamped after it.
var BaseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// BlockTime is the fixed timestamp of the block at height h: BaseTime + 10 min × h.
func BlockTime(p *chaincfg.Params, h int32) time.Time {
	return BaseTime.Add(time.Duration(h) * 10 * time.Minute)
}

// Height is the current tip height.
func (n *Node) Height() int32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.chain.height
}

// Mine builds the next block with txs (in order, after the coinbase paying the
// miner), submits it and returns it. Outputs of txs that pay the miner key are
// not added to the miner's coins; Fund's change is.
func (n *Node) Mine(txs ...*wire.MsgTx) (*btcutil.Block, error) {
	return n.MineAt(time.Time{}, txs...)
}

// MineAt is Mine with the block stamped ts instead of BlockTime (zero ts:
// BlockTime). btcd accepts a time after the median of the last 11 blocks and
// at most two hours ahead of its clock; a fixed ts keeps the block hash the
// same on every run.
func (n *Node) MineAt(ts time.Time, txs ...*wire.MsgTx) (*btcutil.Block, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.chain
	minerAddr, err := btcutil.DecodeAddress(c.miner.Address, c.params)
	if err != nil {
		return nil, err
	}
	var utxs []*btcutil.Tx
	for _, tx := range txs {
		utxs = append(utxs, btcutil.NewTx(tx))
	}
	h := c.height + 1
	if ts.IsZero() {
		ts = BlockTime(c.params, h)
	}
	b, err := rpctest.CreateBlock(c.prev, utxs, BlockVersion, ts, minerAddr, nil, c.params)
	if err != nil {
		return nil, fmt.Errorf("building block %d: %w", h, err)
	}
	// rpctest solves the header with racing goroutines, so the nonce it finds
	// varies; search again from 0 so the block hash is the same on every run.
	hdr := &b.MsgBlock().Header
	target := blockchain.CompactToBig(hdr.Bits)
	for hdr.Nonce = 0; ; hdr.Nonce++ {
		hash := hdr.BlockHash()
		if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
			break
		}
	}
	b = btcutil.NewBlock(b.MsgBlock())
	b.SetHeight(h)
	if err := n.Client.SubmitBlock(b, nil); err != nil {
		return nil, fmt.Errorf("submitting block %d: %w", h, err)
	}
	c.prev, c.height = b, h
	cb := b.MsgBlock().Transactions[0]
	c.coins = append(c.coins, Coin{OutPoint: wire.OutPoint{Hash: cb.TxHash(), Index: 0},
		Value: cb.TxOut[0].Value, Key: c.miner, Coinbase: true, Height: h})
	for i := range c.coins {
		if c.coins[i].Height == 0 {
			for _, tx := range txs {
				if tx.TxHash() == c.coins[i].OutPoint.Hash {
					c.coins[i].Height = h
				}
			}
		}
	}
	return b, nil
}

// MineTo mines empty blocks until the tip is at height.
func (n *Node) MineTo(height int32) error {
	for n.Height() < height {
		if _, err := n.Mine(); err != nil {
			return err
		}
	}
	return nil
}

// Fund pays outs from the miner's mature coins (largest first) with the given
// fee; change goes back to the miner as the last output. It returns the tx and
// one Coin per element of outs. The tx is not mined: pass it to Mine.
func (n *Node) Fund(fee int64, outs ...Output) (*wire.MsgTx, []Coin, error) {
	n.mu.Lock()
	c := n.chain
	need := fee
	for _, o := range outs {
		need += o.Value
	}
	next := c.height + 1
	sort.SliceStable(c.coins, func(i, j int) bool {
		if c.coins[i].Value != c.coins[j].Value {
			return c.coins[i].Value > c.coins[j].Value
		}
		return c.coins[i].Height < c.coins[j].Height
	})
	var ins []Coin
	var have int64
	var keep []Coin
	for _, coin := range c.coins {
		mature := !coin.Coinbase || next-coin.Height >= 100
		if have < need && mature {
			ins = append(ins, coin)
			have += coin.Value
		} else {
			keep = append(keep, coin)
		}
	}
	if have < need {
		n.mu.Unlock()
		return nil, nil, fmt.Errorf("miner has %d sat mature, need %d: mine more blocks", have, need)
	}
	c.coins = keep
	miner := c.miner
	n.mu.Unlock()
	all := append([]Output(nil), outs...)
	if have > need {
		all = append(all, Output{Key: miner, Value: have - need})
	}
	tx, coins, err := n.Spend(ins, all)
	if err != nil {
		return nil, nil, err
	}
	if have > need {
		n.mu.Lock()
		n.chain.coins = append(n.chain.coins, coins[len(coins)-1])
		n.mu.Unlock()
		coins = coins[:len(outs)]
	}
	return tx, coins, nil
}

// Spend builds and signs a version-2 transaction spending ins (in order) to outs
// (in order). The fee is whatever the values leave. It returns one Coin per output.
func (n *Node) Spend(ins []Coin, outs []Output) (*wire.MsgTx, []Coin, error) {
	tx := wire.NewMsgTx(2)
	fetcher := txscript.NewMultiPrevOutFetcher(nil)
	for _, in := range ins {
		if in.Key == nil {
			return nil, nil, fmt.Errorf("coin %s has no key", in)
		}
		tx.AddTxIn(wire.NewTxIn(&in.OutPoint, nil, nil))
		fetcher.AddPrevOut(in.OutPoint, wire.NewTxOut(in.Value, in.Key.PkScript))
	}
	for _, o := range outs {
		if o.Key == nil {
			s, err := txscript.NullDataScript(o.Data)
			if err != nil {
				return nil, nil, err
			}
			tx.AddTxOut(wire.NewTxOut(o.Value, s))
			continue
		}
		tx.AddTxOut(wire.NewTxOut(o.Value, o.Key.PkScript))
	}
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, in := range ins {
		if err := sign(tx, hashes, i, in); err != nil {
			return nil, nil, fmt.Errorf("signing input %d (%s, %s): %w", i, in, in.Key.Kind, err)
		}
	}
	id := tx.TxHash()
	coins := make([]Coin, len(outs))
	for i, o := range outs {
		coins[i] = Coin{OutPoint: wire.OutPoint{Hash: id, Index: uint32(i)}, Value: o.Value, Key: o.Key}
	}
	return tx, coins, nil
}

func sign(tx *wire.MsgTx, hashes *txscript.TxSigHashes, i int, in Coin) error {
	k := in.Key
	switch k.Kind {
	case P2PKH:
		s, err := txscript.SignatureScript(tx, i, k.PkScript, txscript.SigHashAll, k.Priv, true)
		tx.TxIn[i].SignatureScript = s
		return err
	case P2PK:
		sig, err := txscript.RawTxInSignature(tx, i, k.PkScript, txscript.SigHashAll, k.Priv)
		if err != nil {
			return err
		}
		tx.TxIn[i].SignatureScript, err = txscript.NewScriptBuilder().AddData(sig).Script()
		return err
	case Multisig:
		sig, err := txscript.RawTxInSignature(tx, i, k.PkScript, txscript.SigHashAll, k.Priv)
		if err != nil {
			return err
		}
		tx.TxIn[i].SignatureScript, err = txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(sig).Script()
		return err
	case P2WPKH:
		w, err := txscript.WitnessSignature(tx, hashes, i, in.Value, k.PkScript, txscript.SigHashAll, k.Priv, true)
		tx.TxIn[i].Witness = w
		return err
	case P2SHP2WPKH:
		w, err := txscript.WitnessSignature(tx, hashes, i, in.Value, k.redeem, txscript.SigHashAll, k.Priv, true)
		if err != nil {
			return err
		}
		tx.TxIn[i].Witness = w
		tx.TxIn[i].SignatureScript, err = txscript.NewScriptBuilder().AddData(k.redeem).Script()
		return err
	case P2TR:
		w, err := txscript.TaprootWitnessSignature(tx, hashes, i, in.Value, k.PkScript, txscript.SigHashDefault, k.Priv)
		tx.TxIn[i].Witness = w
		return err
	case P2WSH:
		sig, err := txscript.RawTxInWitnessSignature(tx, hashes, i, in.Value, k.witness, txscript.SigHashAll, k.Priv)
		if err != nil {
			return err
		}
		tx.TxIn[i].Witness = wire.TxWitness{nil, sig, k.witness}
		return nil
	}
	return fmt.Errorf("cannot sign kind %q", k.Kind)
}

// Send puts tx into btcd's mempool without mining it. Do not Mine a sent
// transaction later: the fixed 2024 block times make btcd consider itself not
// current, and then it does not evict mined transactions from its mempool
// (netsync skips that step), so getrawtransaction keeps showing it unconfirmed.
func (n *Node) Send(tx *wire.MsgTx) error {
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return err
	}
	raw, err := jsonString(hex.EncodeToString(buf.Bytes()))
	if err != nil {
		return err
	}
	_, err = n.Client.RawRequest("sendrawtransaction", []json.RawMessage{raw})
	return err
}

func jsonString(s string) (json.RawMessage, error) { return json.Marshal(s) }
