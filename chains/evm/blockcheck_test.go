package evm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/chainview"
	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// rawBlock fetches block n with its transactions as the node writes it.
func rawBlock(t *testing.T, url string, n uint64) string {
	t.Helper()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["%s",true]}`, blockTag(n))
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Result) < 10 {
		t.Fatalf("block %d: %s (%v)", n, b, err)
	}
	return string(r.Result)
}

// blockCheckIn with a view (one decode of a full block for both checks,
// issue 18) accepts and refuses exactly what the block check before it
// (refBlockCheck, kept here verbatim) followed by observeBlocks did, with the
// same messages, and records the same blocks in the view: real full blocks
// from geth, and the same blocks changed on the way.
func TestBlockCheckInMatchesCheckThenObserve(t *testing.T) {
	n := geth.Start(t)
	s := geth.BuildTheft(t, n)
	fan := rawBlock(t, n.URL(), s.FanBlock)
	theft := rawBlock(t, n.URL(), s.TheftBlock)
	if !strings.Contains(fan, `"transactions":[{`) {
		t.Fatalf("block %d has no transactions to check: %.200s", s.FanBlock, fan)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(fan), &top); err != nil {
		t.Fatal(err)
	}
	hash, parent := strings.Trim(string(top["hash"]), `"`), strings.Trim(string(top["parentHash"]), `"`)
	other := "0x" + strings.Repeat("ab", 32)
	var firstValue string
	if i := strings.Index(fan, `"value":"`); i >= 0 {
		j := strings.Index(fan[i+9:], `"`)
		firstValue = fan[i : i+9+j+1]
	}
	// The first transaction with a malformed hash and another block's hash:
	// the combined decode fails, the checks run one by one as before.
	badTx := fan
	if i := strings.Index(fan, `"transactions":[{`); i >= 0 {
		rest := fan[i:]
		if j := strings.Index(rest, `"hash":"`); j >= 0 {
			k := i + j + len(`"hash":`)
			badTx = fan[:k] + `7` + fan[k+68:]
			badTx = strings.Replace(badTx, `"blockHash":"`+hash, `"blockHash":"`+other, 1)
		}
	}
	cases := []struct {
		name, raw string
		want      uint64
		seen      map[uint64][2]string // recorded in the view before: height -> hash, parent
	}{
		{"full block", fan, s.FanBlock, nil},
		{"another full block", theft, s.TheftBlock, nil},
		{"the number asked is another", fan, s.FanBlock + 1, nil},
		{"a transaction names another block", strings.Replace(fan, `"blockHash":"`+hash, `"blockHash":"`+other, 1), s.FanBlock, nil},
		{"a transaction's value changed", strings.Replace(fan, firstValue, `"value":"0x1"`, 1), s.FanBlock, nil},
		{"a transaction's blockHash malformed", strings.Replace(fan, `"blockHash":"`+hash+`"`, `"blockHash":7`, 1), s.FanBlock, nil},
		{"parent not the block below", fan, s.FanBlock, map[uint64][2]string{s.FanBlock - 1: {other, ""}}},
		{"another hash at this height", fan, s.FanBlock, map[uint64][2]string{s.FanBlock: {other, ""}}},
		{"parent as before", fan, s.FanBlock, map[uint64][2]string{s.FanBlock - 1: {parent, ""}}},
		{"parentHash malformed", strings.Replace(fan, `"parentHash":"`+parent+`"`, `"parentHash":5`, 1), s.FanBlock, map[uint64][2]string{s.FanBlock - 1: {other, ""}}},
		{"parentHash null", strings.Replace(fan, `"parentHash":"`+parent+`"`, `"parentHash":null`, 1), s.FanBlock, map[uint64][2]string{s.FanBlock - 1: {other, ""}}},
		{"not an object", `[1,2]`, s.FanBlock, nil},
		{"a transaction's hash malformed, another block named", badTx, s.FanBlock, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.raw == fan && c.name != "full block" && c.seen == nil && c.want == s.FanBlock {
				t.Fatalf("the change did not apply: nothing is tested")
			}
			views := [2]*chainview.View{chainview.New(), chainview.New()}
			for _, v := range views {
				for h, hp := range c.seen {
					if err := v.Observe(h, hp[0], hp[1]); err != nil {
						t.Fatal(err)
					}
				}
			}
			old := refBlockCheck(c.want, nil)(json.RawMessage(c.raw))
			if old == nil {
				old = observeBlocks(views[0], json.RawMessage(c.raw))
			}
			got := blockCheckIn(views[1], c.want, nil)(json.RawMessage(c.raw))
			var te *json.UnmarshalTypeError
			if errors.As(old, &te) {
				// A decoding error names the Go type decoded into: only that it failed must match.
				if !errors.As(got, &te) {
					t.Fatalf("blockCheckIn: %v, want a decoding error as before (%v)", got, old)
				}
			} else if fmt.Sprint(old) != fmt.Sprint(got) {
				t.Fatalf("blockCheckIn: %v, want (the check before issue 18's change, then observeBlocks) %v", got, old)
			}
			if without := blockCheck(c.want, nil)(json.RawMessage(c.raw)); (without == nil) != (old == nil || errors.As(old, new(*chainview.Conflict))) {
				t.Fatalf("blockCheck without a view: %v (before: %v)", without, old)
			}
			// The views hold the same: both accept or refuse the same next block.
			probe := fmt.Sprintf(`{"number":"%s","hash":"%s","parentHash":"%s"}`, blockTag(c.want+1), other, hash)
			a, b := observeBlocks(views[0], json.RawMessage(probe)), observeBlocks(views[1], json.RawMessage(probe))
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("views differ after the answer: next block %v, want %v", b, a)
			}
			t.Logf("%v", got)
		})
	}
	// Real answers pass and are recorded.
	v := chainview.New()
	if err := blockCheckIn(v, s.FanBlock, nil)(json.RawMessage(fan)); err != nil {
		t.Fatalf("the node's own block refused: %v", err)
	}
	if err := v.Observe(s.FanBlock, other, ""); err == nil {
		t.Fatalf("block %d was not recorded in the view", s.FanBlock)
	}
}

// refBlockCheck is blockCheck as it was before blockCheckIn (0b95c00), the
// reference TestBlockCheckInMatchesCheckThenObserve holds the new one to.
func refBlockCheck(want uint64, hash *common.Hash) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if raw == nil {
			return nil
		}
		var b struct {
			Number *hexutil.Uint64   `json:"number"`
			Hash   common.Hash       `json:"hash"`
			Txs    []json.RawMessage `json:"transactions"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return err
		}
		if b.Number == nil || uint64(*b.Number) != want {
			return fmt.Errorf("not block %d", want)
		}
		if hash != nil && b.Hash != *hash {
			return fmt.Errorf("block %d has hash %s, but the chain read so far has %s (a reorg?)", want, b.Hash.Hex(), hash.Hex())
		}
		for _, t := range b.Txs {
			var tx struct {
				BlockHash *common.Hash `json:"blockHash"`
			}
			if len(t) == 0 || t[0] != '{' {
				continue
			}
			if json.Unmarshal(t, &tx) == nil && tx.BlockHash != nil && *tx.BlockHash != b.Hash {
				return fmt.Errorf("block %d has hash %s, but its transactions name %s (a reorg?)", want, b.Hash.Hex(), tx.BlockHash.Hex())
			}
			if err := txFieldsHash(t); err != nil {
				return fmt.Errorf("block %d: %w", want, err)
			}
		}
		return nil
	}
}
