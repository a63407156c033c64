package evm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/chainview"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// History strategies (--history).
const (
	HistoryAuto     = "auto"
	HistoryTrace    = "trace"
	HistoryExplorer = "explorer"
	HistoryRPC      = "rpc"
)

// Config opens an Adapter. Only Chain is required; RPC defaults to the chain's
// public endpoint.
type Config struct {
	Chain       string // eth, bsc, polygon, arbitrum, optimism, base, sepolia, evm, evm:<id>
	RPC         string // JSON-RPC URL; "" = the chain's default public endpoint
	History     string // auto (""), trace, explorer, rpc
	Explorer    string // Etherscan-compatible API base URL; "" with History explorer = Etherscan v2
	ExplorerKey string // API key; sent to the explorer only, never logged
	RPS         float64
	HTTPClient  *http.Client // nil: a client with a 60 s timeout
	Warnings    io.Writer    // each new warning is written here once as it happens (may be nil)

	// Tuning; zero values take the defaults in brackets.
	BatchSize  int    // calls per JSON-RPC batch [1000 on a node on this machine or a private network (geth's own limit), 100 elsewhere]; 1 disables batching; capped at 1000
	ScanBlocks uint64 // rpc history: blocks scanned for incoming native value and internal transfers [256 on named public chains, 5000 on evm/evm:<id>]
	LogRange   uint64 // first eth_getLogs block range, shrunk on refusal [10000]
	Retries    int    // retries of a transient fault (429, 5xx, reset, cut-short answer, …) [4]
	// RequestTimeout bounds one HTTP request [60 s, or HTTPClient.Timeout].
	RequestTimeout time.Duration
	// Policy replaces the retry policy (tests inject one with a fake clock).
	Policy *httpx.Policy
	// Notify receives a line per retried fault (progress; never the result).
	Notify func(string)
	// ExplorerPageSize is the explorer's rows per request [1000].
	ExplorerPageSize int
	// WETH lists extra WETH9-like contracts (Deposit/Withdrawal events) besides the
	// chain table's, e.g. for a local chain.
	WETH []string
}

// Adapter serves one EVM chain. It is safe for concurrent use.
type Adapter struct {
	info      trace.ChainInfo
	params    ChainParams
	cfg       Config
	cl        *client
	hc        *httpx.Client // the node
	xc        *httpx.Client // the explorer (nil without one)
	weth      map[common.Address]bool
	cache     *cache
	scanBlock uint64

	mu        sync.Mutex
	logRange  uint64
	tokens    map[common.Address]graph.Asset
	noDebug   bool // debug_traceTransaction missing
	noTraceTx bool // trace_transaction missing too
	warnings  []string
	warned    map[string]bool
	strategy  string // resolved history strategy
	stratErr  error
	stratOnce sync.Once
	logOnce   sync.Once
	logCache  *logCache // mixer pool events (logs.go)
	// Receipts of whole blocks (batch.go): blocks done, and whether the node lacks
	// eth_getBlockReceipts.
	rcptBlocks  map[uint64]bool
	noBlockRcpt bool
	// undated: the blocks of previewed seed transactions whose header is not
	// read yet, with the hash their transaction names (TxPreview); the next
	// Frontier asks for them in its combined request.
	undated map[uint64]common.Hash
}

var (
	_ trace.AccountSource   = (*Adapter)(nil)
	_ trace.ContractChecker = (*Adapter)(nil)
	_ trace.Warner          = (*Adapter)(nil)
)

// Open connects to the chain's RPC endpoint and checks its chain id.
func Open(ctx context.Context, cfg Config) (*Adapter, error) {
	p, err := LookupChain(cfg.Chain)
	if err != nil {
		return nil, err
	}
	switch cfg.History {
	case "":
		cfg.History = HistoryAuto
	case HistoryAuto, HistoryTrace, HistoryExplorer, HistoryRPC:
	default:
		return nil, fmt.Errorf("%w: --history %q: want auto, trace, explorer or rpc", trace.ErrBadInput, cfg.History)
	}
	if cfg.RPC == "" {
		if p.RPC == "" {
			return nil, fmt.Errorf("%w: chain %s has no default endpoint: give the node's JSON-RPC URL with --rpc", trace.ErrBadInput, p.Name)
		}
		cfg.RPC = p.RPC
	}
	if !strings.HasPrefix(cfg.RPC, "http://") && !strings.HasPrefix(cfg.RPC, "https://") {
		return nil, fmt.Errorf("%w: --rpc %q: want an http:// or https:// JSON-RPC URL", trace.ErrBadInput, cfg.RPC)
	}
	if cfg.History == HistoryExplorer && cfg.Explorer == "" {
		cfg.Explorer = DefaultExplorer
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatch
		if u, err := url.Parse(cfg.RPC); err == nil && httpx.PrivateHost(u.Hostname()) {
			cfg.BatchSize = DefaultPrivateBatch
		}
	}
	cfg.BatchSize = min(max(cfg.BatchSize, 1), maxBatch)
	if cfg.ScanBlocks == 0 {
		// Scanning means full blocks (and their traces): cheap on a local or
		// private chain, heavy on a public mainnet.
		cfg.ScanBlocks = 5000
		if p.RPC != "" {
			cfg.ScanBlocks = 256
		}
	}
	if cfg.LogRange == 0 {
		cfg.LogRange = 10000
	}
	if cfg.Retries == 0 {
		cfg.Retries = 4
	}
	ep, err := httpx.ParseEndpoint(cfg.RPC)
	if err != nil {
		return nil, fmt.Errorf("%w: --rpc %s: %w", trace.ErrBadInput, httpx.RedactURL(cfg.RPC), err)
	}
	policy := cfg.Policy
	if policy == nil {
		policy = &httpx.Policy{Tries: max(cfg.Retries, 0) + 1}
	}
	hopts := httpx.Options{HTTP: cfg.HTTPClient, Timeout: cfg.RequestTimeout, RPS: cfg.RPS, Policy: policy, Notify: cfg.Notify}
	hc := httpx.NewClient(ep, hopts)
	a := &Adapter{
		params: p, cfg: cfg, hc: hc,
		cl:       &client{r: httpx.NewRPC(hc, "2.0", cfg.BatchSize), url: ep.Display(), view: chainview.New()},
		weth:     map[common.Address]bool{},
		cache:    newCache(),
		logRange: cfg.LogRange, scanBlock: cfg.ScanBlocks,
		tokens: map[common.Address]graph.Asset{}, warned: map[string]bool{},
		rcptBlocks: map[uint64]bool{},
		undated:    map[uint64]common.Hash{},
	}
	if cfg.Explorer != "" {
		xep, err := httpx.ParseEndpoint(cfg.Explorer)
		if err != nil {
			return nil, fmt.Errorf("%w: --explorer %s: %w", trace.ErrBadInput, httpx.RedactURL(cfg.Explorer), err)
		}
		httpx.AddSecret(cfg.ExplorerKey)
		a.xc = httpx.NewClient(xep, hopts)
	}
	for _, w := range append([]string{p.WETH}, cfg.WETH...) {
		if w == "" {
			continue
		}
		if !common.IsHexAddress(w) {
			return nil, fmt.Errorf("%w: WETH contract %q is not an address", trace.ErrBadInput, w)
		}
		a.weth[common.HexToAddress(w)] = true
	}
	var id hexutil.Big
	if err := a.cl.call(ctx, &id, "eth_chainId"); err != nil {
		a.Close()
		return nil, fmt.Errorf("connecting to %s: %w", ep.Display(), err)
	}
	got := (*big.Int)(&id).Uint64()
	if p.ChainID != 0 && got != p.ChainID {
		a.Close()
		return nil, fmt.Errorf("%w: --chain %s is chain id %d but the node at %s serves chain id %d; pick the matching --chain (or evm:%d)",
			trace.ErrBadInput, p.Name, p.ChainID, ep.Display(), got, got)
	}
	a.info = trace.ChainInfo{
		Name: p.Name, Family: graph.FamilyAccount, ChainID: got,
		Native: graph.Asset{ID: p.Symbol, Symbol: p.Symbol, Decimals: p.Decimals},
	}
	return a, nil
}

// DefaultBatch is the batch size against a public endpoint: providers cap
// batches (some at 100, or by compute units), and a refused batch costs a
// request before the size halves.
const DefaultBatch = 100

// DefaultPrivateBatch is the batch size against a node on this machine or on a
// private network, which an investigator runs themselves: geth's
// BatchRequestLimit (1000), so a hop level of a large fan-out leaves as one
// request (issue 18). A node with a lower limit refuses the first big batch and
// the size halves (httpx.RPC), as on any endpoint.
const DefaultPrivateBatch = maxBatch

// Close releases the connection (io.Closer).
func (a *Adapter) Close() error {
	a.hc.Close()
	if a.xc != nil {
		a.xc.Close()
	}
	return nil
}

// Info describes the chain.
func (a *Adapter) Info() trace.ChainInfo { return a.info }

// Stats counts the work done so far: HTTP requests (retries included), JSON-RPC
// calls, and requests that were batches or single calls.
type Stats struct {
	HTTPRequests int64
	Retries      int64
	Calls        int64
	RPCRequests  int64
}

// Stats reports the adapter's request counters.
func (a *Adapter) Stats() Stats {
	st := Stats{HTTPRequests: a.hc.Requests(), Retries: a.hc.Retries(), Calls: a.cl.r.Calls(), RPCRequests: a.cl.r.Posts()}
	if a.xc != nil {
		st.HTTPRequests += a.xc.Requests()
		st.Retries += a.xc.Retries()
	}
	return st
}

// Warnings lists what the adapter could not see (missing tracer API, pruned
// state, bounded scans), each once, in the order they arose.
func (a *Adapter) Warnings() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.warnings...)
}

func (a *Adapter) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.warned[msg] {
		return
	}
	a.warned[msg] = true
	a.warnings = append(a.warnings, msg)
	if a.cfg.Warnings != nil {
		fmt.Fprintf(a.cfg.Warnings, "warning: %s: %s\n", a.info.Name, escape.Line(msg, 0)) // node text may be in it
	}
}

// ForgetBlocks drops what the adapter learnt of block hashes at and above
// height, for a caller that has seen a reorg and reads that part of the
// chain again (a watch). Until then, an answer from another fork is a fault.
func (a *Adapter) ForgetBlocks(height uint64) { a.cl.view.Forget(height) }

// Tip returns the latest block number.
func (a *Adapter) Tip(ctx context.Context) (uint64, error) {
	var n hexutil.Uint64
	if err := a.cl.call(ctx, &n, "eth_blockNumber"); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

var (
	hexAddr = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`)
	hexHash = regexp.MustCompile(`^0[xX][0-9a-fA-F]{64}$`)
)

// NormalizeAddress returns the EIP-55 form of a 0x address. Mixed-case input
// must carry a valid checksum, so a mistyped address is caught.
func (a *Adapter) NormalizeAddress(s string) (string, error) {
	addr, err := parseAddress(s)
	if err != nil {
		return "", err
	}
	return addr.Hex(), nil
}

// NormalizeAddress is Adapter.NormalizeAddress without an adapter: the same
// check, made before any node is contacted.
func NormalizeAddress(s string) (string, error) {
	addr, err := parseAddress(s)
	if err != nil {
		return "", err
	}
	return addr.Hex(), nil
}

func parseAddress(s string) (common.Address, error) {
	s = strings.TrimSpace(s)
	if !hexAddr.MatchString(s) {
		hint := "want 0x followed by 40 hex digits"
		switch {
		case strings.HasPrefix(s, "bc1") || strings.HasPrefix(s, "tb1") || strings.HasPrefix(s, "bcrt1") ||
			len(s) >= 26 && len(s) <= 35 && (s[0] == '1' || s[0] == '3' || s[0] == 'm' || s[0] == 'n' || s[0] == '2'):
			hint = "this looks like a Bitcoin address; use --chain btc"
		case hexHash.MatchString(s):
			hint = "this is a transaction hash, not an address"
		case strings.HasPrefix(strings.ToLower(s), "0x"):
			hint = fmt.Sprintf("want 0x followed by 40 hex digits, got %d characters after 0x", len(s)-2)
		}
		return common.Address{}, fmt.Errorf("%w: address %q: %s", trace.ErrBadInput, s, hint)
	}
	addr := common.HexToAddress(s)
	body := s[2:]
	if body != strings.ToLower(body) && body != strings.ToUpper(body) && addr.Hex()[2:] != body {
		return common.Address{}, fmt.Errorf("%w: address %q has an invalid EIP-55 checksum (a typo?); expected %s", trace.ErrBadInput, s, addr.Hex())
	}
	return addr, nil
}

func parseHash(s string) (common.Hash, error) {
	s = strings.TrimSpace(s)
	if !hexHash.MatchString(s) {
		if hexAddr.MatchString(s) {
			return common.Hash{}, fmt.Errorf("%w: %q is an address, not a transaction hash (use it as an address seed with --from-block)", trace.ErrBadInput, s)
		}
		return common.Hash{}, fmt.Errorf("%w: transaction hash %q: want 0x followed by 64 hex digits", trace.ErrBadInput, s)
	}
	return common.HexToHash(s), nil
}

// TxTransfers returns every transfer of one transaction in Seq order, its gas fee
// first.
func (a *Adapter) TxTransfers(ctx context.Context, txHash string) ([]graph.Transfer, error) {
	h, err := parseHash(txHash)
	if err != nil {
		return nil, err
	}
	if err := a.prefetch(ctx, []common.Hash{h}); err != nil {
		return nil, err
	}
	ts, reverted, err := a.transfersOf(h)
	if err != nil {
		return nil, err
	}
	if reverted {
		fee := "0"
		if len(ts) > 0 {
			fee = ts[0].Amount.String()
		}
		return nil, fmt.Errorf("%w: transaction %s failed on chain (status 0) in block %d: it moved nothing; only its gas fee of %s wei was spent by %s",
			trace.ErrReverted, h.Hex(), ts[0].Block, fee, ts[0].From)
	}
	return ts, nil
}

var _ trace.TxPreviewer = (*Adapter)(nil)

// TxPreview is TxTransfers answered from what the adapter holds, without a
// request: after TipWithTxs the transaction and its receipt are in and only
// the block header that dates the transfers is missing (their Time is left
// 0). That header then rides in the next Frontier's combined request, checked
// against the block hash the transaction names, as prefetch checks it. false
// when anything else TxTransfers would fetch is missing too (a call trace, a
// token's metadata), or the transaction failed on chain.
func (a *Adapter) TxPreview(txHash string) ([]graph.Transfer, bool) {
	h, err := parseHash(txHash)
	if err != nil {
		return nil, false
	}
	c := a.cache
	c.mu.Lock()
	tx, r := c.txs[h], c.receipts[h]
	ok := tx != nil && tx.BlockNumber != nil && r != nil
	if ok {
		if _, traced := c.traces[h]; !traced && !c.noTrace[h] && needsTrace(tx, r) {
			ok = false
		}
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	for i := range r.Logs {
		if a.tokenLog(&r.Logs[i]) {
			a.mu.Lock()
			_, known := a.tokens[r.Logs[i].Address]
			a.mu.Unlock()
			if !known {
				return nil, false
			}
		}
	}
	ts, reverted, err := a.transfersDated(h, false)
	if err != nil || reverted {
		return nil, false
	}
	b := uint64(*tx.BlockNumber)
	c.mu.Lock()
	dated := c.headers[b] != nil
	c.mu.Unlock()
	if !dated && tx.BlockHash != nil {
		a.mu.Lock()
		a.undated[b] = *tx.BlockHash
		a.mu.Unlock()
	}
	return ts, true
}

// History returns the transfers in which q.Address is sender or recipient.
func (a *Adapter) History(ctx context.Context, q trace.HistoryQuery) (trace.History, error) {
	addr, err := parseAddress(q.Address)
	if err != nil {
		return trace.History{}, err
	}
	to := q.ToBlock
	if to == 0 {
		if to, err = a.Tip(ctx); err != nil {
			return trace.History{}, err
		}
	}
	if q.FromBlock > to {
		return trace.History{}, nil
	}
	strat, err := a.resolveStrategy(ctx)
	if err != nil {
		return trace.History{}, err
	}
	var cands []common.Hash
	var rewards []flatTrace // trace_filter's block/uncle rewards to addr
	capped := false         // an indexed source had more than q.Limit transactions
	switch strat {
	case HistoryTrace:
		cands, capped, err = a.traceCandidates(ctx, addr, q.FromBlock, to, q.Limit, &rewards)
	case HistoryExplorer:
		cands, capped, err = a.explorerCandidates(ctx, addr, q.FromBlock, to, q.Limit)
	default:
		cands, err = a.rpcCandidates(ctx, addr, q.FromBlock, to, q.Limit)
	}
	if err != nil {
		return trace.History{}, err
	}
	if err := a.prefetch(ctx, cands); err != nil {
		return trace.History{}, err
	}
	var out []graph.Transfer
	ah := addr.Hex() // once, not per transfer (a checksum is a Keccak hash)
	for _, h := range cands {
		ts, _, err := a.transfersOf(h)
		if err != nil {
			return trace.History{}, err
		}
		for _, t := range ts {
			if t.Block < q.FromBlock || t.Block > to {
				continue
			}
			if t.From == ah || t.To == ah {
				out = append(out, t)
			}
		}
	}
	if len(rewards) > 0 {
		rs, err := a.rewardTransfers(ctx, addr, rewards)
		if err != nil {
			return trace.History{}, err
		}
		out = append(out, rs...)
	}
	if strat == HistoryRPC {
		// The scan fetched these blocks whole: their fee recipient and withdrawals
		// are known without another request (credits.go).
		end := to
		if to-q.FromBlock+1 > a.scanBlock {
			end = q.FromBlock + a.scanBlock - 1
		}
		credits, err := a.blockCredits(ctx, addr, q.FromBlock, end)
		if err != nil {
			return trace.History{}, err
		}
		out = append(out, credits...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key().Less(out[j].Key()) })
	h := trace.History{Transfers: out, Truncated: capped}
	if q.Limit > 0 && len(out) > q.Limit {
		h.Transfers, h.Truncated = out[:q.Limit+1], true
	}
	return h, nil
}

// blockTag renders a block number for JSON-RPC.
func blockTag(n uint64) string { return hexutil.EncodeUint64(n) }

var selBalanceOf = common.FromHex("0x70a08231")

// Balance returns addr's balance of asset at the end of block (archive state
// needed for old blocks).
func (a *Adapter) Balance(ctx context.Context, addr string, asset graph.Asset, block uint64) (*big.Int, error) {
	ad, err := parseAddress(addr)
	if err != nil {
		return nil, err
	}
	if asset.Native() {
		var b hexutil.Big
		if err := a.cl.call(ctx, &b, "eth_getBalance", ad, blockTag(block)); err != nil {
			return nil, a.stateErr(err, block)
		}
		return (*big.Int)(&b), nil
	}
	tok, err := parseAddress(asset.Contract)
	if err != nil {
		return nil, err
	}
	var out hexutil.Bytes
	data := append(append([]byte(nil), selBalanceOf...), common.LeftPadBytes(ad.Bytes(), 32)...)
	if err := a.cl.call(ctx, &out, "eth_call", map[string]any{"to": tok, "data": hexutil.Bytes(data)}, blockTag(block)); err != nil {
		return nil, a.stateErr(err, block)
	}
	if len(out) < 32 {
		return nil, fmt.Errorf("balanceOf(%s) on token %s at block %d returned %d bytes: not an ERC-20 token?", ad.Hex(), tok.Hex(), block, len(out))
	}
	return new(big.Int).SetBytes(out[:32]), nil
}

func (a *Adapter) stateErr(err error, block uint64) error {
	if errors.Is(err, trace.ErrUnsupported) {
		return err
	}
	if historicalStateMissing(strings.ToLower(err.Error())) {
		return fmt.Errorf("%w: state at block %d is not available from %s (%w): an archive node is needed for historical balances", trace.ErrUnsupported, block, a.cfg.RPC, err)
	}
	return err
}

// IsContract reports whether addr has code at block. An EIP-7702 delegation
// designator is not a contract: the account is still an externally owned one.
func (a *Adapter) IsContract(ctx context.Context, addr string, block uint64) (bool, error) {
	ad, err := parseAddress(addr)
	if err != nil {
		return false, err
	}
	key := fmt.Sprintf("%s@%d", ad.Hex(), block)
	a.cache.mu.Lock()
	v, ok := a.cache.code[key]
	a.cache.mu.Unlock()
	if ok {
		return v, nil
	}
	var code hexutil.Bytes
	if err := a.cl.call(ctx, &code, "eth_getCode", ad, blockTag(block)); err != nil {
		return false, a.stateErr(err, block)
	}
	is := len(code) > 0 && !(len(code) == 23 && code[0] == 0xef && code[1] == 0x01 && code[2] == 0x00)
	a.cache.mu.Lock()
	a.cache.code[key] = is
	a.cache.mu.Unlock()
	return is, nil
}
