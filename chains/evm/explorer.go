package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

// explorerRow holds the fields of txlist, txlistinternal and tokentx rows the
// adapter uses (Etherscan's documented account API; Blockscout's /api mirrors
// it, except that its txlistinternal rows name the transaction
// "transactionHash": docs.blockscout.com and its address_view.ex).
type explorerRow struct {
	BlockNumber     string `json:"blockNumber"`
	Hash            string `json:"hash"`
	TransactionHash string `json:"transactionHash"`
}

// hash is the row's transaction hash, under either name.
func (r explorerRow) hash() string {
	if r.Hash != "" {
		return r.Hash
	}
	return r.TransactionHash
}

type explorerResponse struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
}

// explorerPageSize is the offset asked for; Etherscan caps page×offset at 10,000.
const explorerPageSize = 1000

// explorerCandidates lists addr's transactions from an Etherscan-compatible API:
// normal, internal and token transfers. A result set is capped, so each list is
// paged by restarting from the last block seen, as Etherscan's docs recommend;
// that block's rows come again and are de-duplicated.
//
// With limit > 0 it stops once it has more than limit transactions (capped).
func (a *Adapter) explorerCandidates(ctx context.Context, addr common.Address, from, to uint64, limit int) ([]common.Hash, bool, error) {
	var set hashSet
	size := a.cfg.ExplorerPageSize
	if size <= 0 {
		size = explorerPageSize
	}
	for _, action := range []string{"txlist", "txlistinternal", "tokentx"} {
		start, page := from, 1
		for {
			if limit > 0 && len(set.list) > limit {
				return set.list, true, nil
			}
			rows, err := a.explorerPage(ctx, action, addr, start, to, page, size)
			if err != nil {
				return nil, false, err
			}
			last := start
			for _, r := range rows {
				h := r.hash()
				if !hexHash.MatchString(h) {
					return nil, false, fmt.Errorf("explorer %s: %s row with bad hash %q", a.explorerHost(), action, h)
				}
				set.add(common.HexToHash(h))
				if b, err := strconv.ParseUint(r.BlockNumber, 10, 64); err == nil && b > last {
					last = b
				}
			}
			if len(rows) < size {
				break
			}
			if last > start {
				start, page = last, 1 // restart at the last block; its rows repeat and are de-duplicated
				continue
			}
			// A whole page inside one block: the next page of the same query.
			page++
			if page*size > 10000 {
				a.warn("explorer %s: more than 10000 %s rows for %s in block %d; some may be missing", a.explorerHost(), action, addr.Hex(), start)
				break
			}
		}
	}
	return set.list, false, nil
}

func (a *Adapter) explorerHost() string {
	u, err := url.Parse(a.cfg.Explorer)
	if err != nil {
		return "explorer"
	}
	return u.Host
}

// explorerPage fetches one page. "No transactions found" is status 0 with an
// empty result, not an error.
func (a *Adapter) explorerPage(ctx context.Context, action string, addr common.Address, start, end uint64, page, size int) ([]explorerRow, error) {
	q := url.Values{}
	if a.info.ChainID != 0 {
		q.Set("chainid", strconv.FormatUint(a.info.ChainID, 10)) // Etherscan v2; ignored by Blockscout
	}
	q.Set("module", "account")
	q.Set("action", action)
	q.Set("address", strings.ToLower(addr.Hex()))
	q.Set("startblock", strconv.FormatUint(start, 10))
	q.Set("endblock", strconv.FormatUint(end, 10))
	q.Set("page", strconv.Itoa(page))
	q.Set("offset", strconv.Itoa(size))
	q.Set("sort", "asc")
	what := fmt.Sprintf("explorer %s %s for %s from block %d", a.explorerHost(), action, addr.Hex(), start)
	if a.cfg.ExplorerKey != "" {
		q.Set("apikey", a.cfg.ExplorerKey) // sent, never shown: the endpoint's display and Redact drop it
	}
	var r explorerResponse
	var rows []explorerRow
	var msg string
	// A rate-limit answer (often HTTP 200 with a message) is a transient fault
	// under the transport's one retry policy.
	check := func(body []byte) error {
		r, rows, msg = explorerResponse{}, nil, ""
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("answer is not Etherscan-style JSON (is --explorer the API URL?): %s", snippet(body))
		}
		if json.Unmarshal(r.Result, &rows) == nil && (r.Status == "1" || len(rows) == 0) {
			return nil
		}
		rows = nil
		_ = json.Unmarshal(r.Result, &msg)
		if low := strings.ToLower(msg + " " + r.Message); strings.Contains(low, "rate limit") || strings.Contains(low, "max calls per") {
			return &httpx.Fault{Kind: "rate limited", Detail: httpx.OneLine([]byte(msg), 120)}
		}
		return nil
	}
	_, err := a.xc.Do(ctx, httpx.Request{Path: "?" + q.Encode(), What: action, Check: check})
	if err != nil {
		var se *httpx.StatusError
		var g *httpx.GiveUp
		var ne *httpx.NetError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s: HTTP %d: %s", what, se.Status, strconv.Quote(se.Body))
		case errors.As(err, &g):
			return nil, fmt.Errorf("%s: %w; %s", what, g, giveUpHint(g))
		case errors.As(err, &ne):
			return nil, fmt.Errorf("%s: cannot reach the explorer (check --explorer): %w", what, ne)
		}
		return nil, fmt.Errorf("%s: %s", what, httpx.Redact(err.Error()))
	}
	if r.Status == "1" || rows != nil {
		return rows, nil
	}
	low := strings.ToLower(msg + " " + r.Message)
	switch {
	case strings.Contains(low, "no transactions found") || strings.Contains(low, "no records found") || msg == "" && len(r.Result) > 0 && r.Result[0] == '[':
		return nil, nil
	case strings.Contains(low, "api key") || strings.Contains(low, "apikey"):
		return nil, fmt.Errorf("%w: %s: %s %s (set CHAINTRACE_EXPLORER_KEY to a valid key)", trace.ErrBadInput, what, httpx.OneLine([]byte(r.Message), 80), httpx.OneLine([]byte(msg), 200))
	// "… is not supported for this chain", and Etherscan v2's documented
	// "Missing or unsupported chainid parameter …" (Common Error Messages).
	case strings.Contains(low, "chain") && (strings.Contains(low, "not supported") || strings.Contains(low, "unsupported")),
		strings.Contains(low, "invalid module") || strings.Contains(low, "invalid action"):
		return nil, fmt.Errorf("%w: %s: %s %s", trace.ErrUnsupported, what, httpx.OneLine([]byte(r.Message), 80), httpx.OneLine([]byte(msg), 200))
	}
	return nil, fmt.Errorf("%s: %s %s", what, httpx.OneLine([]byte(r.Message), 80), httpx.OneLine([]byte(msg), 200))
}

func snippet(b []byte) string { return strconv.Quote(httpx.OneLine(b, 200)) }
