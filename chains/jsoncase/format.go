package jsoncase

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// FormatV1 is the value of the "format" field this package reads.
const FormatV1 = "chaintrace-case/v1"

// file is the top level of a case file. Arrays stay raw so each element can be
// decoded on its own and an error can name its index.
type file struct {
	Format      string            `json:"format"`
	Chain       string            `json:"chain"`
	Family      string            `json:"family"`
	Native      *graph.Asset      `json:"native"`
	Assets      []json.RawMessage `json:"assets"`
	Tip         *uint64           `json:"tip"`
	Description string            `json:"description"`
	Source      string            `json:"source"`
	Seeds       []string          `json:"seeds"`
	Blocks      []json.RawMessage `json:"blocks"`
	Transfers   []json.RawMessage `json:"transfers"`
	Balances    []json.RawMessage `json:"balances"`
	Contracts   []string          `json:"contracts"`
	Reverted    []string          `json:"reverted"`
	Txs         []json.RawMessage `json:"txs"`
}

type blockJSON struct {
	Number *uint64 `json:"number"`
	Hash   string  `json:"hash"`
	Time   int64   `json:"time"`
}

type transferJSON struct {
	Asset    string  `json:"asset"`
	SrcAsset string  `json:"src_asset"`
	Kind     string  `json:"kind"`
	TxHash   string  `json:"tx"`
	TxIndex  int     `json:"tx_index"`
	Seq      int     `json:"seq"`
	Position string  `json:"position"`
	Block    *uint64 `json:"block"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Amount   string  `json:"amount"`
}

type balanceJSON struct {
	Address string  `json:"address"`
	Asset   string  `json:"asset"`
	Block   *uint64 `json:"block"`
	Amount  string  `json:"amount"`
}

type txJSON struct {
	TxID     string       `json:"txid"`
	Block    *uint64      `json:"block"`
	Coinbase bool         `json:"coinbase"`
	Inputs   []inputJSON  `json:"inputs"`
	Outputs  []outputJSON `json:"outputs"`
}

type inputJSON struct {
	Prev    *graph.Outpoint `json:"prev"`
	Address *string         `json:"address"`
	Value   *string         `json:"value"`
}

type outputJSON struct {
	Index      *uint32 `json:"index"`
	Address    string  `json:"address"`
	Value      string  `json:"value"`
	ScriptType string  `json:"script_type"`
}

// Case is a validated case file.
type Case struct {
	Chain       string
	Family      string
	Native      graph.Asset
	Assets      map[string]graph.Asset // by ID, native included
	Tip         uint64
	Description string
	SourceNote  string // the file's "source": where the modelled facts come from
	Seeds       []string

	blocks    map[uint64]blockJSON
	net       network
	transfers []graph.Transfer // sorted by TransferKey
	byAddr    map[string][]int // address → indexes into transfers
	byTx      map[string][]int // tx hash → indexes into transfers
	balances  map[balanceKey]declared
	contracts map[string]bool
	reverted  map[string]bool
	txs       []*graph.UTXOTx // chain order
	txByID    map[string]*graph.UTXOTx
	spender   map[graph.Outpoint]*graph.UTXOTx
	outputs   map[graph.Outpoint]bool
}

type balanceKey struct{ addr, asset string }

type declared struct {
	block  uint64
	amount *big.Int
}

// Load reads and validates the case file at path.
func Load(path string) (*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: case file %q does not exist (want a path to a %s JSON file or the name of an embedded case)", trace.ErrBadInput, path, FormatV1)
		}
		return nil, fmt.Errorf("%w: case file: %w", trace.ErrBadInput, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("case file %s: %w", path, err)
	}
	return c, nil
}

// Parse validates a case file's bytes. Every error wraps trace.ErrBadInput.
func Parse(data []byte) (*Case, error) {
	c, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", trace.ErrBadInput, err)
	}
	return c, nil
}

func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return cleanJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// cleanJSONError drops the "json: " prefix and says where a type error was.
func cleanJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Errorf("%s: got a JSON %s, want %s", te.Field, te.Value, te.Type)
		}
		return fmt.Errorf("got a JSON %s, want %s", te.Value, te.Type)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of input")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func parseAmount(s string) (*big.Int, error) {
	if s == "" {
		return nil, errors.New("missing (want a base-unit integer as a decimal string, e.g. \"1000\")")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return nil, fmt.Errorf("%q is not a non-negative base-unit integer written in decimal digits", s)
		}
	}
	v, _ := new(big.Int).SetString(s, 10)
	return v, nil
}

func parse(data []byte) (*Case, error) {
	var f file
	if err := decodeStrict(data, &f); err != nil {
		return nil, err
	}
	if f.Format != FormatV1 {
		return nil, fmt.Errorf("format: got %q, want %q", f.Format, FormatV1)
	}
	c := &Case{
		Chain:       strings.ToLower(strings.TrimSpace(f.Chain)),
		Family:      f.Family,
		Description: f.Description,
		SourceNote:  f.Source,
		Assets:      map[string]graph.Asset{},
		blocks:      map[uint64]blockJSON{},
		byAddr:      map[string][]int{},
		byTx:        map[string][]int{},
		balances:    map[balanceKey]declared{},
		contracts:   map[string]bool{},
		reverted:    map[string]bool{},
		txByID:      map[string]*graph.UTXOTx{},
		spender:     map[graph.Outpoint]*graph.UTXOTx{},
		outputs:     map[graph.Outpoint]bool{},
	}
	if c.Chain == "" {
		return nil, errors.New("chain: missing (want a chain name such as \"eth\" or \"btc\")")
	}
	var err error
	if c.net, err = networkFor(c.Chain, c.Family); err != nil {
		return nil, err
	}
	if f.Tip == nil {
		return nil, errors.New("tip: missing (want the chain height the file describes)")
	}
	c.Tip = *f.Tip
	if f.Native == nil || f.Native.ID == "" || f.Native.Symbol == "" || f.Native.Contract != "" {
		return nil, errors.New(`native: want {"id","symbol","decimals"} without a contract`)
	}
	c.Native = *f.Native
	c.Assets[c.Native.ID] = c.Native
	for i, raw := range f.Assets {
		var a graph.Asset
		if err := decodeStrict(raw, &a); err != nil {
			return nil, fmt.Errorf("assets[%d]: %w", i, err)
		}
		if c.Family != graph.FamilyAccount {
			return nil, fmt.Errorf("assets[%d]: tokens exist only on account chains", i)
		}
		if a.Contract == "" || a.Symbol == "" {
			return nil, fmt.Errorf("assets[%d]: want id, symbol, decimals and contract", i)
		}
		ct, err := c.net.normalize(a.Contract)
		if err != nil {
			return nil, fmt.Errorf("assets[%d].contract: %w", i, err)
		}
		if !strings.EqualFold(a.ID, ct) {
			return nil, fmt.Errorf("assets[%d].id: got %q, want the contract address %q", i, a.ID, ct)
		}
		a.ID, a.Contract = ct, ct
		if _, dup := c.Assets[a.ID]; dup {
			return nil, fmt.Errorf("assets[%d]: asset %s declared twice", i, a.ID)
		}
		c.Assets[a.ID] = a
	}
	for i, s := range f.Seeds {
		if strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("seeds[%d]: empty", i)
		}
		c.Seeds = append(c.Seeds, s)
	}
	hashes := map[string]uint64{}
	for i, raw := range f.Blocks {
		var b blockJSON
		if err := decodeStrict(raw, &b); err != nil {
			return nil, fmt.Errorf("blocks[%d]: %w", i, err)
		}
		if b.Number == nil {
			return nil, fmt.Errorf("blocks[%d].number: missing", i)
		}
		if *b.Number > c.Tip {
			return nil, fmt.Errorf("blocks[%d].number: %d is above tip %d", i, *b.Number, c.Tip)
		}
		if _, dup := c.blocks[*b.Number]; dup {
			return nil, fmt.Errorf("blocks[%d]: block %d listed twice", i, *b.Number)
		}
		h, err := c.net.hash(b.Hash)
		if err != nil {
			return nil, fmt.Errorf("blocks[%d].hash: %w", i, err)
		}
		if n, dup := hashes[h]; dup {
			return nil, fmt.Errorf("blocks[%d].hash: %s is also block %d", i, h, n)
		}
		hashes[h] = *b.Number
		b.Hash = h
		c.blocks[*b.Number] = b
	}
	switch c.Family {
	case graph.FamilyAccount:
		if len(f.Txs) > 0 {
			return nil, errors.New("txs: UTXO transactions in an account-family case (use transfers)")
		}
		if err := c.parseAccount(&f); err != nil {
			return nil, err
		}
	case graph.FamilyUTXO:
		if len(f.Transfers)+len(f.Balances)+len(f.Contracts)+len(f.Reverted) > 0 {
			return nil, errors.New("transfers, balances, contracts and reverted belong to account-family cases; a utxo case lists txs")
		}
		if err := c.parseUTXO(&f); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Case) block(path string, n *uint64) (blockJSON, error) {
	if n == nil {
		return blockJSON{}, fmt.Errorf("%s: missing", path)
	}
	b, ok := c.blocks[*n]
	if !ok {
		return blockJSON{}, fmt.Errorf("%s: block %d is not listed in blocks", path, *n)
	}
	return b, nil
}

func (c *Case) asset(path, id string) (graph.Asset, error) {
	if a, ok := c.Assets[id]; ok {
		return a, nil
	}
	// Token IDs are checksummed addresses; accept any case in the file.
	for k, a := range c.Assets {
		if strings.EqualFold(k, id) && !a.Native() {
			return a, nil
		}
	}
	known := make([]string, 0, len(c.Assets))
	for k := range c.Assets {
		known = append(known, k)
	}
	sort.Strings(known)
	return graph.Asset{}, fmt.Errorf("%s: unknown asset %q (declared: %s)", path, id, strings.Join(known, ", "))
}

var transferKinds = map[graph.TransferKind]bool{
	graph.KindValue: true, graph.KindInternal: true, graph.KindToken: true,
	graph.KindWrap: true, graph.KindFee: true, graph.KindSelfDestruct: true,
}

func (c *Case) parseAccount(f *file) error {
	type txPlace struct {
		block uint64
		index int
	}
	places := map[string]txPlace{}
	keys := map[graph.TransferKey]int{}
	for i, raw := range f.Transfers {
		p := fmt.Sprintf("transfers[%d]", i)
		var tj transferJSON
		if err := decodeStrict(raw, &tj); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		b, err := c.block(p+".block", tj.Block)
		if err != nil {
			return err
		}
		t := graph.Transfer{
			Chain: c.Chain, Kind: graph.TransferKind(tj.Kind), TxIndex: tj.TxIndex, Seq: tj.Seq,
			Position: tj.Position, Block: *tj.Block, BlockHash: b.Hash, Time: b.Time,
		}
		if !transferKinds[t.Kind] {
			return fmt.Errorf("%s.kind: %q is not one of value, internal, token, wrap, fee", p, tj.Kind)
		}
		if t.Asset, err = c.asset(p+".asset", tj.Asset); err != nil {
			return err
		}
		if t.Kind == graph.KindWrap {
			if tj.SrcAsset == "" {
				return fmt.Errorf("%s.src_asset: a wrap transfer names the asset it debits", p)
			}
			src, err := c.asset(p+".src_asset", tj.SrcAsset)
			if err != nil {
				return err
			}
			t.SrcAsset = &src
		} else if tj.SrcAsset != "" {
			return fmt.Errorf("%s.src_asset: only wrap transfers have one", p)
		}
		if (t.Kind == graph.KindToken) == t.Asset.Native() {
			return fmt.Errorf("%s: kind %s does not fit asset %s", p, t.Kind, t.Asset.ID)
		}
		if t.Kind == graph.KindFee && !t.Asset.Native() {
			return fmt.Errorf("%s: fees are paid in %s", p, c.Native.ID)
		}
		if t.TxHash, err = c.net.hash(tj.TxHash); err != nil {
			return fmt.Errorf("%s.tx: %w", p, err)
		}
		if tj.TxIndex < 0 || tj.Seq < 0 {
			return fmt.Errorf("%s: tx_index and seq must not be negative", p)
		}
		if pl, ok := places[t.TxHash]; ok && (pl.block != t.Block || pl.index != t.TxIndex) {
			return fmt.Errorf("%s: tx %s is also at block %d index %d", p, t.TxHash, pl.block, pl.index)
		}
		places[t.TxHash] = txPlace{t.Block, t.TxIndex}
		if t.From, err = c.net.normalize(tj.From); err != nil {
			return fmt.Errorf("%s.from: %w", p, err)
		}
		if t.Kind == graph.KindFee {
			if tj.To != "" {
				return fmt.Errorf("%s.to: a fee transfer has no recipient", p)
			}
		} else if t.To, err = c.net.normalize(tj.To); err != nil {
			return fmt.Errorf("%s.to: %w", p, err)
		}
		if t.Amount, err = parseAmount(tj.Amount); err != nil {
			return fmt.Errorf("%s.amount: %w", p, err)
		}
		if t.Position == "" {
			t.Position = string(t.Kind)
		}
		k := t.Key()
		k.TxHash = ""
		if j, dup := keys[k]; dup {
			return fmt.Errorf("%s: same block, tx_index and seq as transfers[%d]", p, j)
		}
		keys[k] = i
		c.transfers = append(c.transfers, t)
	}
	// Two transactions may not share a (block, tx_index).
	seen := map[txPlace]string{}
	for h, pl := range places {
		if o, dup := seen[pl]; dup {
			return fmt.Errorf("transfers: txs %s and %s both at block %d index %d", min(h, o), max(h, o), pl.block, pl.index)
		}
		seen[pl] = h
	}
	sort.SliceStable(c.transfers, func(i, j int) bool {
		return c.transfers[i].Key().Less(c.transfers[j].Key())
	})
	for i := range c.transfers {
		t := &c.transfers[i]
		c.byTx[t.TxHash] = append(c.byTx[t.TxHash], i)
		c.byAddr[t.From] = append(c.byAddr[t.From], i)
		if t.To != "" && t.To != t.From {
			c.byAddr[t.To] = append(c.byAddr[t.To], i)
		}
	}
	for i, raw := range f.Balances {
		p := fmt.Sprintf("balances[%d]", i)
		var bj balanceJSON
		if err := decodeStrict(raw, &bj); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		addr, err := c.net.normalize(bj.Address)
		if err != nil {
			return fmt.Errorf("%s.address: %w", p, err)
		}
		a, err := c.asset(p+".asset", bj.Asset)
		if err != nil {
			return err
		}
		if bj.Block == nil {
			return fmt.Errorf("%s.block: missing", p)
		}
		amt, err := parseAmount(bj.Amount)
		if err != nil {
			return fmt.Errorf("%s.amount: %w", p, err)
		}
		k := balanceKey{addr, a.ID}
		if _, dup := c.balances[k]; dup {
			return fmt.Errorf("%s: balance of %s in %s declared twice", p, addr, a.ID)
		}
		c.balances[k] = declared{*bj.Block, amt}
	}
	for i, s := range f.Contracts {
		a, err := c.net.normalize(s)
		if err != nil {
			return fmt.Errorf("contracts[%d]: %w", i, err)
		}
		c.contracts[a] = true
	}
	for i, s := range f.Reverted {
		h, err := c.net.hash(s)
		if err != nil {
			return fmt.Errorf("reverted[%d]: %w", i, err)
		}
		for _, j := range c.byTx[h] {
			if c.transfers[j].Kind != graph.KindFee {
				return fmt.Errorf("reverted[%d]: reverted tx %s moves value (%s); only its fee may be listed", i, h, c.transfers[j].Position)
			}
		}
		c.reverted[h] = true
	}
	return c.checkOverdraft()
}

// checkOverdraft walks every ledger forward from its declared balance: a file in
// which someone spends what they never had is a mistake in the file, and the
// tracer's invariants would silently break on it. The zero address mints tokens.
func (c *Case) checkOverdraft() error {
	const zero = "0x0000000000000000000000000000000000000000"
	bal := map[balanceKey]*big.Int{}
	get := func(addr, asset string) *big.Int {
		k := balanceKey{addr, asset}
		if b := bal[k]; b != nil {
			return b
		}
		b := new(big.Int)
		if d, ok := c.balances[k]; ok {
			b.Set(d.amount)
		}
		bal[k] = b
		return b
	}
	for _, t := range c.transfers {
		src := t.Asset.ID
		if t.SrcAsset != nil {
			src = t.SrcAsset.ID
		}
		// Movements up to a declaration's block are already in the declared figure.
		covered := func(addr, asset string) bool {
			d, ok := c.balances[balanceKey{addr, asset}]
			return ok && t.Block <= d.block
		}
		if t.To != "" && !covered(t.To, t.Asset.ID) {
			to := get(t.To, t.Asset.ID)
			to.Add(to, t.Amount)
		}
		if covered(t.From, src) {
			continue
		}
		from := get(t.From, src)
		from.Sub(from, t.Amount)
		if from.Sign() < 0 && t.From != zero {
			return fmt.Errorf("transfers: %s overdraws %s in tx %s (%s) by %s base units; declare its earlier balance in balances", t.From, src, t.TxHash, t.Position, new(big.Int).Neg(from))
		}
	}
	return nil
}

func (c *Case) parseUTXO(f *file) error {
	// Where each txid is listed, to tell "spends a later tx" from "spends an
	// output outside the file".
	listed := map[string]int{}
	for i, raw := range f.Txs {
		var t struct {
			TxID string `json:"txid"`
		}
		if json.Unmarshal(raw, &t) == nil {
			if _, dup := listed[strings.ToLower(t.TxID)]; !dup {
				listed[strings.ToLower(t.TxID)] = i
			}
		}
	}
	for i, raw := range f.Txs {
		p := fmt.Sprintf("txs[%d]", i)
		var tj txJSON
		if err := decodeStrict(raw, &tj); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		b, err := c.block(p+".block", tj.Block)
		if err != nil {
			return err
		}
		tx := &graph.UTXOTx{Chain: c.Chain, Block: *tj.Block, BlockHash: b.Hash, Time: b.Time, Coinbase: tj.Coinbase}
		if tx.TxID, err = c.net.hash(tj.TxID); err != nil {
			return fmt.Errorf("%s.txid: %w", p, err)
		}
		if _, dup := c.txByID[tx.TxID]; dup {
			return fmt.Errorf("%s.txid: %s listed twice", p, tx.TxID)
		}
		if tj.Coinbase != (len(tj.Inputs) == 0) {
			return fmt.Errorf("%s: a coinbase has no inputs and every other transaction has some", p)
		}
		if len(tj.Outputs) == 0 {
			return fmt.Errorf("%s.outputs: a transaction has at least one output", p)
		}
		for j, ij := range tj.Inputs {
			ip := fmt.Sprintf("%s.inputs[%d]", p, j)
			if ij.Prev == nil {
				return fmt.Errorf("%s.prev: missing", ip)
			}
			prev := graph.Outpoint{TxID: strings.ToLower(ij.Prev.TxID), Vout: ij.Prev.Vout}
			if _, err := c.net.hash(prev.TxID); err != nil {
				return fmt.Errorf("%s.prev.txid: %w", ip, err)
			}
			in := graph.TxIn{Prev: prev}
			if ij.Address != nil && *ij.Address != "" {
				if in.Address, err = c.net.normalize(*ij.Address); err != nil {
					return fmt.Errorf("%s.address: %w", ip, err)
				}
			}
			if ij.Value != nil {
				if in.Value, err = parseAmount(*ij.Value); err != nil {
					return fmt.Errorf("%s.value: %w", ip, err)
				}
			}
			if ptx, ok := c.txByID[prev.TxID]; ok {
				// Spending an output of the file: take (or check) its address and value.
				if int(prev.Vout) >= len(ptx.Outputs) {
					return fmt.Errorf("%s.prev: %s has no output %d", ip, prev.TxID, prev.Vout)
				}
				out := ptx.Outputs[prev.Vout]
				if out.OpReturn() {
					return fmt.Errorf("%s.prev: %s is an OP_RETURN output and cannot be spent", ip, prev)
				}
				if ij.Address != nil && in.Address != out.Address {
					return fmt.Errorf("%s.address: %q, but output %s pays %q", ip, in.Address, prev, out.Address)
				}
				if in.Value != nil && in.Value.Cmp(out.Value) != 0 {
					return fmt.Errorf("%s.value: %s, but output %s holds %s", ip, in.Value, prev, out.Value)
				}
				in.Address, in.Value = out.Address, new(big.Int).Set(out.Value)
			} else {
				if j, ok := listed[prev.TxID]; ok && j >= i {
					return fmt.Errorf("%s.prev: spends %s, which comes later in txs (list transactions in chain order)", ip, prev)
				}
				if in.Value == nil {
					return fmt.Errorf("%s: spends %s from outside the file, so it needs its address and value", ip, prev)
				}
			}
			if o, dup := c.spender[prev]; dup {
				return fmt.Errorf("%s.prev: %s is already spent by %s", ip, prev, o.TxID)
			}
			c.spender[prev] = tx
			tx.Inputs = append(tx.Inputs, in)
		}
		for j, oj := range tj.Outputs {
			op := fmt.Sprintf("%s.outputs[%d]", p, j)
			if oj.Index != nil && int(*oj.Index) != j {
				return fmt.Errorf("%s.index: %d, want %d (outputs are listed in order)", op, *oj.Index, j)
			}
			out := graph.TxOut{Index: uint32(j), ScriptType: oj.ScriptType}
			if out.Value, err = parseAmount(oj.Value); err != nil {
				return fmt.Errorf("%s.value: %w", op, err)
			}
			switch oj.ScriptType {
			case "op_return", "nonstandard":
				if oj.Address != "" {
					return fmt.Errorf("%s.address: a %s output has no address", op, oj.ScriptType)
				}
			case "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "p2pk", "multisig":
				if out.Address, err = c.net.normalize(oj.Address); err != nil {
					return fmt.Errorf("%s.address: %w", op, err)
				}
			default:
				return fmt.Errorf("%s.script_type: %q is not one of p2pkh, p2sh, p2wpkh, p2wsh, p2tr, p2pk, multisig, op_return, nonstandard", op, oj.ScriptType)
			}
			tx.Outputs = append(tx.Outputs, out)
			c.outputs[graph.Outpoint{TxID: tx.TxID, Vout: uint32(j)}] = true
		}
		if !tx.Coinbase && tx.Fee().Sign() < 0 {
			return fmt.Errorf("%s: outputs exceed inputs by %s base units", p, new(big.Int).Neg(tx.Fee()))
		}
		for _, in := range tx.Inputs {
			if ptx := c.txByID[in.Prev.TxID]; ptx != nil && ptx.Block > tx.Block {
				return fmt.Errorf("%s: spends %s from block %d in earlier block %d", p, in.Prev, ptx.Block, tx.Block)
			}
		}
		c.txByID[tx.TxID] = tx
		c.txs = append(c.txs, tx)
	}
	return nil
}
