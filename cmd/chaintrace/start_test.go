package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/ethereum/go-ethereum/core/types"
)

// TestFromBlockExitCodes runs the CLI against a real geth: an address seed from
// genesis counts the genesis allocation; a start past the tip, a date after the
// tip and a malformed start are bad input (exit 2) naming the problem.
func TestFromBlockExitCodes(t *testing.T) {
	g := geth.NewAccount("cli/genesis-holder")
	n := geth.Start(t, geth.WithAlloc(types.GenesisAlloc{g.Address: {Balance: geth.Eth(3, 1)}}))
	n.Fund(geth.Eth(1, 1), geth.NewAccount("cli/other"))
	tip := n.Commit() // 2
	base := []string{"trace", "--chain", "evm", "--rpc", n.URL(), "--history", "rpc", "-q"}

	r := runCLI(t, nil, append(base, "--format", "json", "--from-block", "0", g.Hex())...)
	if r.code != exitOK {
		t.Fatalf("from genesis: exit %d: %s", r.code, r.errOut)
	}
	var doc struct {
		Params map[string]json.RawMessage `json:"params"`
		Totals map[string]struct {
			Seed string `json:"seed"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if string(doc.Params["from_block"]) != "0" || doc.Totals["ETH"].Seed != geth.Eth(3, 1).String() {
		t.Errorf("from genesis: params %v, totals %v; want from_block 0 and seed 3 ETH", doc.Params, doc.Totals)
	}

	for _, tc := range []struct {
		name, from string
		want       []string
	}{
		{"past the tip", fmt.Sprint(tip + 1), []string{fmt.Sprintf("--from-block %d is beyond the chain tip %d", tip+1, tip)}},
		{"date after the tip", "2999-01-01", []string{"2999-01-01T00:00:00Z", fmt.Sprintf("block %d", tip)}},
		{"not a block or date", "last-week", []string{`"last-week"`, "2024-02-21T00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, append(base, "--from-block", tc.from, g.Hex())...)
			if r.code != exitInput {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, exitInput, r.errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, r.errOut)
				}
			}
			if r.out != "" {
				t.Errorf("bad input wrote a result: %s", r.out)
			}
		})
	}
	// A case file cannot tell block times: a date start is refused, not guessed.
	r = runCLI(t, nil, "trace", "--case", "demo", "--from-block", "2024-02-21", "0x1111111111111111111111111111111111111111")
	if r.code != exitInput || !strings.Contains(r.errOut, "cannot tell block times") {
		t.Errorf("date on a case file: exit %d, stderr %s", r.code, r.errOut)
	}
}

// TestFromDateRecordReplay: a date start resolves through the recorded case too:
// recording stores the block times the search read, and a replay with the same
// date gives the same bytes without the node.
func TestFromDateRecordReplay(t *testing.T) {
	g := geth.NewAccount("cli/date-holder")
	casePath := filepath.Join(t.TempDir(), "date.case")
	var recorded, date string
	t.Run("record", func(t *testing.T) {
		n := geth.Start(t, geth.WithAlloc(types.GenesisAlloc{g.Address: {Balance: geth.Eth(3, 1)}}))
		n.Fund(geth.Eth(1, 1), geth.NewAccount("cli/date-other"))
		n.Commit()
		h, err := n.Client().HeaderByNumber(context.Background(), big.NewInt(2))
		if err != nil {
			t.Fatal(err)
		}
		date = time.Unix(int64(h.Time), 0).UTC().Format(time.RFC3339)
		r := runCLI(t, nil, "trace", "--chain", "evm", "--rpc", n.URL(), "--history", "rpc", "-q", "--format", "json",
			"--record", casePath, "--from-block", date, g.Hex())
		if r.code != exitOK {
			t.Fatalf("record: exit %d: %s", r.code, r.errOut)
		}
		recorded = r.out
		if !strings.Contains(recorded, `"from_block": 2,`) || !strings.Contains(recorded, `"from_time": "`+date+`"`) {
			t.Errorf("recorded params lack from_block 2 / from_time %s:\n%s", date, recorded)
		}
	}) // the node stops here
	if t.Failed() {
		return
	}
	r := runCLI(t, nil, "trace", "--case", casePath, "-q", "--format", "json", "--from-block", date, g.Hex())
	if r.code != exitOK || r.out != recorded {
		t.Fatalf("replay: exit %d (%s); same bytes: %v", r.code, r.errOut, r.out == recorded)
	}
	r = runCLI(t, nil, "trace", "--case", casePath, "-q", "--from-block", "2001-01-01", g.Hex())
	if r.code != exitInput || !strings.Contains(r.errOut, "not recorded") {
		t.Errorf("replay with a date the recording never resolved: exit %d, stderr %s", r.code, r.errOut)
	}
}

// TestFromDateThroughCache: a date start resolves through the cache, on a
// cold and a warm cache, to the bytes it gives without one. The cache over a
// batching adapter (every EVM and Bitcoin adapter) used to offer no block
// times, so on public chains, where the cache is on by default, every date
// start failed with "cannot tell block times".
func TestFromDateThroughCache(t *testing.T) {
	g := geth.NewAccount("cli/cache-date-holder")
	n := geth.Start(t, geth.WithAlloc(types.GenesisAlloc{g.Address: {Balance: geth.Eth(3, 1)}}))
	n.Fund(geth.Eth(1, 1), geth.NewAccount("cli/cache-date-other"))
	n.Commit()
	h, err := n.Client().HeaderByNumber(context.Background(), big.NewInt(2))
	if err != nil {
		t.Fatal(err)
	}
	date := time.Unix(int64(h.Time), 0).UTC().Format(time.RFC3339)
	base := []string{"trace", "--chain", "evm", "--rpc", n.URL(), "--history", "rpc", "-q", "--format", "json", "--from-block", date}
	plain := runCLI(t, nil, append(base, "--no-cache", g.Hex())...)
	if plain.code != exitOK || !strings.Contains(plain.out, `"from_block": 2,`) {
		t.Fatalf("no cache: exit %d, stderr %s\n%s", plain.code, plain.errOut, plain.out)
	}
	dir := t.TempDir()
	for _, run := range []string{"cold", "warm"} {
		r := runCLI(t, nil, append(base, "--cache", dir, g.Hex())...)
		if r.code != exitOK || r.out != plain.out {
			t.Errorf("%s cache: exit %d, stderr %s; same bytes as without the cache: %v", run, r.code, r.errOut, r.out == plain.out)
		}
	}
}
