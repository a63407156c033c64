package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/trace"
	"github.com/ethereum/go-ethereum/common"
)

// explorerRow holds the fields of txlist, txlistinternal and tokentx rows the
// adapter uses (Etherscan's documented account API; Blockscout's /api mirrors it).
type explorerRow struct {
	BlockNumber string `json:"blockNumber"`
	Hash        string `json:"hash"`
	From        string `json:"from"`
	To          string `json:"to"`
	LogIndex    string `json:"logIndex"`
	TraceID     string `json:"traceId"`
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
				if !hexHash.MatchString(r.Hash) {
					return nil, false, fmt.Errorf("explorer %s: %s row with bad hash %q", a.explorerHost(), action, r.Hash)
				}
				set.add(common.HexToHash(r.Hash))
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
// empty result, not an error; rate-limit answers (often HTTP 200 with a message)
// are retried with backoff.
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
	base := a.cfg.Explorer
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	what := fmt.Sprintf("explorer %s %s for %s from block %d", a.explorerHost(), action, addr.Hex(), start)
	wait := 500 * time.Millisecond
	for try := 0; ; try++ {
		u := base + sep + q.Encode()
		if a.cfg.ExplorerKey != "" {
			u += "&apikey=" + url.QueryEscape(a.cfg.ExplorerKey)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: --explorer %q: %v", trace.ErrBadInput, a.cfg.Explorer, err)
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			// The error text includes the URL; strip it so the key never shows.
			return nil, fmt.Errorf("%s: cannot reach the explorer (check --explorer): %v", what, redact(err.Error(), a.cfg.ExplorerKey))
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", what, redact(err.Error(), a.cfg.ExplorerKey))
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, snippet(body))
		}
		var r explorerResponse
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("%s: answer is not Etherscan-style JSON (is --explorer the API URL?): %s", what, snippet(body))
		}
		var rows []explorerRow
		if err := json.Unmarshal(r.Result, &rows); err == nil {
			if r.Status == "1" || len(rows) == 0 {
				return rows, nil
			}
		}
		var msg string
		_ = json.Unmarshal(r.Result, &msg)
		low := strings.ToLower(msg + " " + r.Message)
		switch {
		case strings.Contains(low, "no transactions found") || strings.Contains(low, "no records found"):
			return nil, nil
		case strings.Contains(low, "rate limit") && try < a.cfg.Retries:
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			wait *= 2
			continue
		case strings.Contains(low, "api key") || strings.Contains(low, "apikey"):
			return nil, fmt.Errorf("%w: %s: %s %s (set CHAINTRACE_EXPLORER_KEY to a valid key)", trace.ErrBadInput, what, r.Message, redact(msg, a.cfg.ExplorerKey))
		case strings.Contains(low, "chain") && strings.Contains(low, "not supported"), strings.Contains(low, "invalid module") || strings.Contains(low, "invalid action"):
			return nil, fmt.Errorf("%w: %s: %s %s", trace.ErrUnsupported, what, r.Message, msg)
		}
		return nil, fmt.Errorf("%s: %s %s", what, r.Message, redact(msg, a.cfg.ExplorerKey))
	}
}

func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "REDACTED")
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strconv.Quote(s)
}
