package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// Event topics the adapter decodes.
var (
	topicTransfer   = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	topicDeposit    = crypto.Keccak256Hash([]byte("Deposit(address,uint256)"))
	topicWithdrawal = crypto.Keccak256Hash([]byte("Withdrawal(address,uint256)"))
	selSymbol       = crypto.Keccak256([]byte("symbol()"))[:4]
	selDecimals     = crypto.Keccak256([]byte("decimals()"))[:4]
)

// move is one internal value transfer inside a transaction.
type move struct {
	From, To     common.Address
	Value        *big.Int
	Pos          string // "call 0.1": the path of the call in the trace tree
	SelfDestruct bool   // a SELFDESTRUCT payout, not a CALL
}

// flatTrace is the Parity/OpenEthereum trace format (trace_filter,
// trace_transaction, geth's flatCallTracer).
type flatTrace struct {
	Action struct {
		CallType      string          `json:"callType"`
		From          common.Address  `json:"from"`
		To            *common.Address `json:"to"`
		Value         *hexutil.Big    `json:"value"`
		Address       *common.Address `json:"address"`       // suicide: the contract
		RefundAddress *common.Address `json:"refundAddress"` // suicide: the beneficiary
		Balance       *hexutil.Big    `json:"balance"`       // suicide: what moved
		Author        *common.Address `json:"author"`        // reward: who earned it
		RewardType    string          `json:"rewardType"`    // reward: "block", "uncle"
	} `json:"action"`
	Result *struct {
		Address *common.Address `json:"address"` // create: the new contract
	} `json:"result"`
	TraceAddress []int        `json:"traceAddress"`
	Type         string       `json:"type"`
	Error        string       `json:"error"`
	TxHash       *common.Hash `json:"transactionHash"`
	BlockNumber  uint64       `json:"blockNumber"`
	BlockHash    *common.Hash `json:"blockHash"`
}

func pathString(p []int) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = strconv.Itoa(v)
	}
	return "call " + strings.Join(s, ".")
}

func positive(v *hexutil.Big) bool { return v != nil && (*big.Int)(v).Sign() > 0 }

// movesFromFrame walks a callTracer tree in execution order. A failed frame's
// value, and everything under it, was rolled back.
func movesFromFrame(f *callFrame) []move {
	if f.Error != "" {
		return nil // the whole transaction reverted
	}
	var out []move
	var walk func(f *callFrame, path []int)
	walk = func(f *callFrame, path []int) {
		for i := range f.Calls {
			c := &f.Calls[i]
			if c.Error != "" {
				continue
			}
			p := append(append([]int(nil), path...), i)
			switch typ := strings.ToUpper(c.Type); typ {
			case "CALL", "CREATE", "CREATE2", "SELFDESTRUCT":
				if positive(c.Value) {
					out = append(out, move{From: c.From, To: c.To, Value: new(big.Int).Set((*big.Int)(c.Value)), Pos: pathString(p), SelfDestruct: typ == "SELFDESTRUCT"})
				}
			}
			walk(c, p)
		}
	}
	walk(f, nil)
	return out
}

// movesFromFlat converts flat traces of one transaction (in their DFS order).
func movesFromFlat(ts []flatTrace) []move {
	var out []move
	var failed [][]int
	under := func(p []int) bool {
		for _, f := range failed {
			if len(f) <= len(p) && fmt.Sprint(f) == fmt.Sprint(p[:len(f)]) {
				return true
			}
		}
		return false
	}
	for _, t := range ts {
		if len(t.TraceAddress) == 0 {
			if t.Error != "" {
				return nil
			}
			continue
		}
		if t.Error != "" {
			failed = append(failed, t.TraceAddress)
			continue
		}
		if under(t.TraceAddress) {
			continue
		}
		var m move
		switch t.Type {
		case "call":
			if t.Action.CallType != "call" || t.Action.To == nil || !positive(t.Action.Value) {
				continue
			}
			m = move{From: t.Action.From, To: *t.Action.To, Value: (*big.Int)(t.Action.Value)}
		case "create":
			if t.Result == nil || t.Result.Address == nil || !positive(t.Action.Value) {
				continue
			}
			m = move{From: t.Action.From, To: *t.Result.Address, Value: (*big.Int)(t.Action.Value)}
		case "suicide", "selfdestruct": // Parity/Erigon write "suicide"; Infura's published trace_block example "selfdestruct"
			if t.Action.Address == nil || t.Action.RefundAddress == nil || !positive(t.Action.Balance) {
				continue
			}
			m = move{From: *t.Action.Address, To: *t.Action.RefundAddress, Value: (*big.Int)(t.Action.Balance), SelfDestruct: true}
		default:
			continue
		}
		m.Value = new(big.Int).Set(m.Value)
		m.Pos = pathString(t.TraceAddress)
		out = append(out, m)
	}
	return out
}

// needsTrace: only code execution can move value internally, and a plain
// transfer to an account without code costs exactly 21000 gas.
func needsTrace(tx *rpcTx, r *rpcReceipt) bool {
	if r.Status != nil && *r.Status == 0 {
		return false
	}
	return tx.To == nil || uint64(r.GasUsed) > 21000
}

// prefetch loads, in batches, everything transfersOf needs for hashes: the
// transactions, their receipts, block headers, call traces and token metadata.
// Unknown hashes are left out; transfersOf reports them.
func (a *Adapter) prefetch(ctx context.Context, hashes []common.Hash) error {
	return a.prefetchWith(ctx, hashes, nil)
}

// prefetchWith is prefetch with extra calls riding in the request of the
// transactions (TipWithTxs: the tip), each answering a bare quantity. Their
// answers and errors land in extra; an element no request carried keeps its
// Error.
func (a *Adapter) prefetchWith(ctx context.Context, hashes []common.Hash, extra []rpc.BatchElem) error {
	return a.prefetchUntil(ctx, hashes, extra, nil)
}

// prefetchUntil is prefetchWith that stops after the transactions and their
// receipts when enough, given the hashes, says so.
func (a *Adapter) prefetchUntil(ctx context.Context, hashes []common.Hash, extra []rpc.BatchElem, enough func([]common.Hash) bool) error {
	c := a.cache
	// Transactions.
	cl := &claims{c: c}
	defer cl.release()
	c.mu.Lock()
	var need []common.Hash
	for _, h := range hashes {
		if _, ok := c.txs[h]; !ok && cl.try("x"+h.Hex()) {
			need = append(need, h)
		}
	}
	c.mu.Unlock()
	if len(need) > 0 {
		txs := make([]*rpcTx, len(need))
		elems := make([]rpc.BatchElem, len(need))
		for i, h := range need {
			elems[i] = rpc.BatchElem{Method: "eth_getTransactionByHash", Args: []any{h}, Result: &txs[i]}
		}
		// The receipts ride along (a receipt is asked by the transaction's
		// hash alone): one round trip fewer per transaction. Each is checked
		// against its transaction once both are in; one that does not fit is
		// dropped and asked again below, with the check, as before.
		c.mu.Lock()
		var rIdx []int
		for i, h := range need {
			if _, ok := c.receipts[h]; !ok {
				rIdx = append(rIdx, i)
			}
		}
		c.mu.Unlock()
		raws := make([]json.RawMessage, len(rIdx))
		for k, i := range rIdx {
			elems = append(elems, rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{need[i]}, Result: &raws[k]})
		}
		n := len(elems)
		elems = append(elems, extra...)
		var checks []func(json.RawMessage) error
		if len(extra) > 0 {
			// The extra calls answer bare quantities (the tip): nothing else
			// here does, so a quantity check tells their answers apart.
			checks = make([]func(json.RawMessage) error, len(elems))
			for i := n; i < len(elems); i++ {
				checks[i] = quantityCheck
			}
		}
		err := a.batchAllChecked(ctx, elems, checks)
		copy(extra, elems[n:])
		if err != nil {
			return err
		}
		elems = elems[:n]
		c.mu.Lock()
		for i := range need {
			if elems[i].Error == nil && txs[i] != nil {
				c.txs[need[i]] = txs[i]
			}
		}
		for k, i := range rIdx {
			e := elems[len(need)+k]
			if e.Error != nil || txs[i] == nil || txs[i].BlockNumber == nil || len(raws[k]) == 0 || string(raws[k]) == "null" {
				continue
			}
			if receiptCheck(txs[i])(raws[k]) != nil {
				continue
			}
			var r rpcReceipt
			if json.Unmarshal(raws[k], &r) != nil {
				continue
			}
			if _, ok := c.receipts[need[i]]; !ok {
				c.receipts[need[i]] = &r
			}
		}
		c.mu.Unlock()
		for i := range need {
			if elems[i].Error != nil {
				return elems[i].Error
			}
		}
	}
	cl.release()
	if err := cl.wait(ctx); err != nil {
		return err
	}
	if enough != nil && enough(hashes) {
		return nil
	}
	// Receipts and headers of mined transactions.
	need = need[:0]
	var needBlocks []uint64
	blockHash := map[uint64]*common.Hash{}
	c.mu.Lock()
	for _, h := range hashes {
		tx := c.txs[h]
		if tx == nil || tx.BlockNumber == nil {
			continue
		}
		if _, ok := c.receipts[h]; !ok && cl.try("r"+h.Hex()) {
			need = append(need, h)
		}
		if b := uint64(*tx.BlockNumber); c.headers[b] == nil && cl.try(fmt.Sprint("h", b)) {
			needBlocks = append(needBlocks, b)
			blockHash[b] = tx.BlockHash
		}
	}
	c.mu.Unlock()
	rs := make([]*rpcReceipt, len(need))
	hs := make([]*rpcHeader, len(needBlocks))
	var elems []rpc.BatchElem
	for i, h := range need {
		elems = append(elems, rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{h}, Result: &rs[i]})
	}
	checks := make([]func(json.RawMessage) error, len(elems))
	c.mu.Lock()
	for i, h := range need {
		checks[i] = receiptCheck(c.txs[h])
	}
	c.mu.Unlock()
	for i, b := range needBlocks {
		elems = append(elems, rpc.BatchElem{Method: "eth_getBlockByNumber", Args: []any{blockTag(b), false}, Result: &hs[i]})
		checks = append(checks, blockCheck(b, blockHash[b]))
	}
	if err := a.batchAllChecked(ctx, elems, checks); err != nil {
		return err
	}
	for _, e := range elems {
		if e.Error != nil {
			return e.Error
		}
	}
	c.mu.Lock()
	for i, h := range need {
		if rs[i] != nil {
			c.receipts[h] = rs[i]
		}
	}
	for i, b := range needBlocks {
		if hs[i] != nil {
			c.headers[b] = hs[i]
		}
	}
	c.mu.Unlock()
	cl.release()
	if err := cl.wait(ctx); err != nil {
		return err
	}
	// Traces and token metadata.
	var traceNeed []common.Hash
	tokenNeed := map[common.Address]bool{}
	c.mu.Lock()
	for _, h := range hashes {
		tx, r := c.txs[h], c.receipts[h]
		if tx == nil || r == nil {
			continue
		}
		if _, ok := c.traces[h]; !ok && !c.noTrace[h] && needsTrace(tx, r) && cl.try("t"+h.Hex()) {
			traceNeed = append(traceNeed, h)
		}
		for _, l := range r.Logs {
			if a.tokenLog(&l) {
				tokenNeed[l.Address] = true
			}
		}
	}
	c.mu.Unlock()
	if err := a.fetchTraces(ctx, traceNeed); err != nil {
		return err
	}
	cl.release()
	if err := cl.wait(ctx); err != nil {
		return err
	}
	return a.fetchTokens(ctx, tokenNeed)
}

func (a *Adapter) tokenLog(l *rpcLog) bool {
	if l.Removed || len(l.Topics) == 0 {
		return false
	}
	if l.Topics[0] == topicTransfer && len(l.Topics) == 3 {
		return true
	}
	return len(l.Topics) == 2 && (l.Topics[0] == topicDeposit || l.Topics[0] == topicWithdrawal)
}

// wrappedNative tells a wrapped-native token by its symbol (WETH, WBNB, WPOL…).
func wrappedNative(sym, native string) bool {
	switch sym {
	case "W" + native, "WETH", "WBNB", "WPOL", "WMATIC", "WAVAX", "WFTM", "WXDAI":
		return true
	}
	return false
}

// fetchTraces gets internal transfers: debug_traceTransaction with callTracer,
// else trace_transaction, else a warning that internal transfers are unseen.
func (a *Adapter) fetchTraces(ctx context.Context, hs []common.Hash) error {
	if len(hs) == 0 {
		return nil
	}
	a.mu.Lock()
	noDebug, noTraceTx := a.noDebug, a.noTraceTx
	a.mu.Unlock()
	rest := hs
	if !noDebug {
		frames := make([]*callFrame, len(hs))
		elems := make([]rpc.BatchElem, len(hs))
		checks := make([]func(json.RawMessage) error, len(hs))
		a.cache.mu.Lock()
		for i, h := range hs {
			elems[i] = rpc.BatchElem{Method: "debug_traceTransaction", Args: []any{h, map[string]any{"tracer": "callTracer"}}, Result: &frames[i]}
			checks[i] = frameCheck(a.cache.txs[h])
		}
		a.cache.mu.Unlock()
		if err := a.cl.batchChecked(ctx, elems, checks); err != nil {
			return err
		}
		rest = nil
		for i, e := range elems {
			switch {
			case e.Error == nil && frames[i] != nil:
				a.putMoves(hs[i], movesFromFrame(frames[i]))
			case errors.Is(e.Error, trace.ErrUnsupported):
				a.mu.Lock()
				a.noDebug = true
				a.mu.Unlock()
				rest = append(rest, hs[i])
			default:
				a.markNoTrace(hs[i])
				a.warn("internal transfers of transaction %s unknown: %v", hs[i].Hex(), e.Error)
			}
		}
	}
	if len(rest) == 0 {
		return nil
	}
	if noTraceTx {
		for _, h := range rest {
			a.markNoTrace(h)
		}
		a.warnNoInternal()
		return nil
	}
	flats := make([][]flatTrace, len(rest))
	elems := make([]rpc.BatchElem, len(rest))
	for i, h := range rest {
		elems[i] = rpc.BatchElem{Method: "trace_transaction", Args: []any{h}, Result: &flats[i]}
	}
	if err := a.cl.batch(ctx, elems); err != nil {
		return err
	}
	for i, e := range elems {
		switch {
		case e.Error == nil:
			a.putMoves(rest[i], movesFromFlat(flats[i]))
		case errors.Is(e.Error, trace.ErrUnsupported):
			a.mu.Lock()
			a.noTraceTx = true
			a.mu.Unlock()
			a.markNoTrace(rest[i])
			a.warnNoInternal()
		default:
			a.markNoTrace(rest[i])
			a.warn("internal transfers of transaction %s unknown: %v", rest[i].Hex(), e.Error)
		}
	}
	return nil
}

func (a *Adapter) warnNoInternal() {
	a.warn("internal transfers (value moved by contract calls) are not visible: the node offers neither debug_traceTransaction nor trace_transaction; use a node with the debug or trace API")
}

// markNoTrace records that a transaction's trace is unavailable, so it is not
// asked for again.
func (a *Adapter) markNoTrace(h common.Hash) {
	a.cache.mu.Lock()
	a.cache.noTrace[h] = true
	a.cache.mu.Unlock()
}

func (a *Adapter) putMoves(h common.Hash, ms []move) {
	a.cache.mu.Lock()
	a.cache.traces[h] = ms
	delete(a.cache.noTrace, h)
	a.cache.mu.Unlock()
}

// fetchTokens reads symbol() and decimals() once per token contract.
func (a *Adapter) fetchTokens(ctx context.Context, want map[common.Address]bool) error {
	cl := &claims{c: a.cache}
	defer cl.release()
	a.cache.mu.Lock()
	a.mu.Lock()
	var need []common.Address
	for t := range want {
		if _, ok := a.tokens[t]; !ok && cl.try("k"+t.Hex()) {
			need = append(need, t)
		}
	}
	a.mu.Unlock()
	a.cache.mu.Unlock()
	sort.Slice(need, func(i, j int) bool { return bytes.Compare(need[i][:], need[j][:]) < 0 })
	if len(need) == 0 {
		cl.release()
		return cl.wait(ctx)
	}
	syms := make([]hexutil.Bytes, len(need))
	decs := make([]hexutil.Bytes, len(need))
	var elems []rpc.BatchElem
	for i, t := range need {
		elems = append(elems,
			rpc.BatchElem{Method: "eth_call", Args: []any{map[string]any{"to": t, "data": hexutil.Bytes(selSymbol)}, "latest"}, Result: &syms[i]},
			rpc.BatchElem{Method: "eth_call", Args: []any{map[string]any{"to": t, "data": hexutil.Bytes(selDecimals)}, "latest"}, Result: &decs[i]})
	}
	if err := a.cl.batch(ctx, elems); err != nil {
		return err
	}
	for i, t := range need {
		as := graph.Asset{ID: t.Hex(), Contract: t.Hex(), Symbol: "?"}
		if s, ok := decodeSymbol(syms[i]); elems[2*i].Error == nil && ok {
			as.Symbol = s
		} else {
			a.warn("token %s: symbol() unreadable; shown as \"?\"", t.Hex())
		}
		if d := new(big.Int).SetBytes(decs[i]); elems[2*i+1].Error == nil && len(decs[i]) >= 32 && d.IsUint64() && d.Uint64() <= 255 {
			as.Decimals = uint8(d.Uint64())
			if as.Decimals > maxSaneDecimals {
				// Not an error (amounts stay exact in base units), but no real token
				// does this, and its human amounts are all "0.000…": say so.
				a.warn("token %s: decimals() returned %d (real tokens use at most %d); human amounts of it are tiny fractions, compare base units", t.Hex(), as.Decimals, maxSaneDecimals)
			}
		} else {
			a.warn("token %s: decimals() unreadable; amounts shown in base units (decimals 0)", t.Hex())
		}
		a.mu.Lock()
		a.tokens[t] = as
		a.mu.Unlock()
	}
	cl.release()
	return cl.wait(ctx)
}

// maxSaneDecimals is the most decimals a token may declare before chaintrace
// warns: 10^36 base units per token is beyond any token in use.
const maxSaneDecimals = 36

// decodeSymbol accepts an ABI string or a bytes32 (old tokens such as MKR).
func decodeSymbol(b []byte) (string, bool) {
	clean := func(s string) (string, bool) {
		s = strings.TrimRight(s, "\x00")
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == 0xfffd {
				return "", false
			}
		}
		return s, s != ""
	}
	if len(b) == 32 {
		return clean(string(b))
	}
	if len(b) < 64 {
		return "", false
	}
	off := new(big.Int).SetBytes(b[:32])
	if !off.IsUint64() || off.Uint64()+32 > uint64(len(b)) {
		return "", false
	}
	o := off.Uint64()
	n := new(big.Int).SetBytes(b[o : o+32])
	if !n.IsUint64() || o+32+n.Uint64() > uint64(len(b)) {
		return "", false
	}
	return clean(string(b[o+32 : o+32+n.Uint64()]))
}

// transfersOf builds a prefetched transaction's transfers. For a failed
// transaction it returns only the fee transfer and reverted=true.
func (a *Adapter) transfersOf(h common.Hash) ([]graph.Transfer, bool, error) {
	return a.transfersDated(h, true)
}

// transfersDated is transfersOf; without dated, a block header not fetched yet
// leaves the transfers' Time 0 instead of failing (TxPreview).
func (a *Adapter) transfersDated(h common.Hash, dated bool) ([]graph.Transfer, bool, error) {
	c := a.cache
	c.mu.Lock()
	tx, r := c.txs[h], c.receipts[h]
	var hdr *rpcHeader
	if tx != nil && tx.BlockNumber != nil {
		hdr = c.headers[uint64(*tx.BlockNumber)]
	}
	moves := c.traces[h]
	c.mu.Unlock()
	switch {
	case tx == nil:
		return nil, false, fmt.Errorf("%w: transaction %s is not known to %s (chain %s, id %d): check the hash and --chain",
			trace.ErrNotFound, h.Hex(), a.cl.url, a.info.Name, a.info.ChainID)
	case tx.BlockNumber == nil:
		return nil, false, fmt.Errorf("%w: transaction %s is pending (not yet in a block); trace it once it is mined", trace.ErrNotFound, h.Hex())
	case r == nil:
		return nil, false, fmt.Errorf("%w: no receipt for transaction %s from %s", trace.ErrNotFound, h.Hex(), a.cl.url)
	case hdr == nil && dated:
		return nil, false, fmt.Errorf("%w: block %d of transaction %s not returned by %s", trace.ErrNotFound, uint64(*tx.BlockNumber), h.Hex(), a.cl.url)
	}
	native := a.info.Native
	base := graph.Transfer{
		Chain: a.info.Name, TxHash: strings.ToLower(h.Hex()), TxIndex: int(r.TxIndex),
		Block: uint64(r.BlockNumber), BlockHash: strings.ToLower(r.BlockHash.Hex()),
	}
	if hdr != nil {
		base.Time = int64(hdr.Timestamp)
	}
	var out []graph.Transfer
	add := func(t graph.Transfer) { out = append(out, t) }

	price := r.EffectiveGasPrice
	if price == nil {
		price = tx.GasPrice
	}
	fee := new(big.Int)
	if price != nil {
		fee.Mul(new(big.Int).SetUint64(uint64(r.GasUsed)), (*big.Int)(price))
	}
	if r.L1Fee != nil {
		fee.Add(fee, (*big.Int)(r.L1Fee))
	}
	from := tx.From.Hex()
	if fee.Sign() > 0 {
		t := base
		t.Asset, t.Kind, t.Position, t.From, t.Amount = native, graph.KindFee, "fee", from, fee
		add(t)
	}
	if r.Status != nil && *r.Status == 0 {
		for i := range out {
			out[i].Seq = i
		}
		return out, true, nil
	}
	type nat struct {
		t       graph.Transfer
		dropped bool
	}
	var nats []nat
	if (*big.Int)(&tx.Value).Sign() > 0 {
		to := tx.To
		if to == nil {
			to = r.ContractAddress
		}
		t := base
		t.Asset, t.Kind, t.Position, t.From, t.Amount = native, graph.KindValue, "value", from, new(big.Int).Set((*big.Int)(&tx.Value))
		if to != nil {
			t.To = to.Hex()
		}
		nats = append(nats, nat{t: t})
	}
	for _, m := range moves {
		t := base
		t.Asset, t.Kind, t.Position, t.From, t.To, t.Amount = native, graph.KindInternal, m.Pos, m.From.Hex(), m.To.Hex(), new(big.Int).Set(m.Value)
		if m.SelfDestruct {
			t.Kind = graph.KindSelfDestruct
		}
		nats = append(nats, nat{t: t})
	}
	var logs []graph.Transfer
	for i := range r.Logs {
		l := &r.Logs[i]
		if !a.tokenLog(l) || len(l.Data) != 32 {
			continue
		}
		amt := new(big.Int).SetBytes(l.Data)
		if amt.Sign() == 0 {
			continue
		}
		a.mu.Lock()
		tok, ok := a.tokens[l.Address]
		a.mu.Unlock()
		if !ok {
			tok = graph.Asset{ID: l.Address.Hex(), Contract: l.Address.Hex(), Symbol: "?"}
		}
		t := base
		t.Kind, t.Position, t.Amount = graph.KindToken, fmt.Sprintf("log %d", uint64(l.Index)), amt
		holder := common.BytesToAddress(l.Topics[1][12:]).Hex()
		// A Deposit/Withdrawal counts as a wrap on a WETH contract of the chain
		// table or the config, or on a contract whose symbol says wrapped native
		// and that really took (gave) the same native amount from (to) the holder
		// in this transaction; the native transfer is then dropped, so the value
		// is not counted twice.
		find := func(from, to string) int {
			for j := range nats {
				if !nats[j].dropped && nats[j].t.From == from && nats[j].t.To == to && nats[j].t.Amount.Cmp(amt) == 0 {
					return j
				}
			}
			return -1
		}
		wrap := func(from, to string) bool {
			known := a.weth[l.Address]
			if !known && !wrappedNative(tok.Symbol, native.Symbol) {
				return false
			}
			j := find(from, to)
			if j < 0 && !known {
				return false
			}
			if j >= 0 {
				nats[j].dropped = true
			}
			return true
		}
		switch l.Topics[0] {
		case topicTransfer:
			t.Asset = tok
			t.From, t.To = holder, common.BytesToAddress(l.Topics[2][12:]).Hex()
		case topicDeposit: // native → WETH for the same holder
			if !wrap(holder, l.Address.Hex()) {
				continue
			}
			src := native
			t.Kind, t.Asset, t.SrcAsset, t.From, t.To = graph.KindWrap, tok, &src, holder, holder
		case topicWithdrawal: // WETH → native
			if !wrap(l.Address.Hex(), holder) {
				continue
			}
			src := tok
			t.Kind, t.Asset, t.SrcAsset, t.From, t.To = graph.KindWrap, native, &src, holder, holder
		}
		logs = append(logs, t)
	}
	for _, n := range nats {
		if !n.dropped {
			add(n.t)
		}
	}
	out = append(out, logs...)
	for i := range out {
		out[i].Seq = i
	}
	return out, false, nil
}

// frameCheck ties a callTracer answer to its transaction: the top frame's
// sender, recipient and value are the transaction's. nil (tx unknown): the
// answer goes unchecked, so it is asked alone.
func frameCheck(tx *rpcTx) func(json.RawMessage) error {
	if tx == nil {
		return nil
	}
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var f struct {
			From  common.Address  `json:"from"`
			To    *common.Address `json:"to"`
			Value *hexutil.Big    `json:"value"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
		if f.From != tx.From || tx.To != nil && (f.To == nil || *f.To != *tx.To) ||
			f.Value != nil && (*big.Int)(f.Value).Cmp((*big.Int)(&tx.Value)) != 0 {
			return fmt.Errorf("the call trace is not of transaction %s", tx.Hash.Hex())
		}
		return nil
	}
}

// receiptCheck: the receipt is of the transaction asked for, in the block the
// transaction names.
func receiptCheck(tx *rpcTx) func(json.RawMessage) error {
	if tx == nil {
		return nil
	}
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var r struct {
			TxHash      common.Hash     `json:"transactionHash"`
			BlockHash   common.Hash     `json:"blockHash"`
			BlockNumber *hexutil.Uint64 `json:"blockNumber"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		switch {
		case r.TxHash != tx.Hash:
			return fmt.Errorf("a receipt of %s answered for %s", r.TxHash.Hex(), tx.Hash.Hex())
		case tx.BlockHash != nil && r.BlockHash != *tx.BlockHash, tx.BlockNumber != nil && (r.BlockNumber == nil || *r.BlockNumber != *tx.BlockNumber):
			return fmt.Errorf("the receipt of %s is in block %s, the transaction in %s (a reorg?)", tx.Hash.Hex(), r.BlockHash.Hex(), tx.BlockHash.Hex())
		}
		return nil
	}
}
