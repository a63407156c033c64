package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A recorded case is self-contained evidence (issue 15): it stores the options
// and the label sets (content and hash) the trace ran with, so `trace --case
// FILE` with no other flag reproduces the recorded result byte for byte, on a
// machine without the label file. `--case FILE --rpc URL` never changes FILE
// silently: it is refused without --update-case or --record NEW, says what it
// fetched and why, and --record NEW leaves FILE byte-identical.
func TestCaseIsSelfContained(t *testing.T) {
	dir := t.TempDir()
	s, labelFile := gethTheft(t, dir)
	chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
	seed := s.TheftETH.Hex()
	casePath := filepath.Join(dir, "theft.case")
	rec := runCLI(t, nil, "trace", "--chain", chain, "--rpc", s.Node.URL(), "--labels", labelFile, "--no-cache",
		"--format", "json", "--record", casePath, "--hops", "4", "--deposit-tau", "100", seed)
	if rec.code != 0 {
		t.Fatalf("record: exit %d: %s", rec.code, rec.errOut)
	}
	if !strings.Contains(rec.out, `"TestExchange"`) {
		t.Fatalf("the recorded trace does not use the label file:\n%.1500s", rec.out)
	}
	os.Remove(labelFile) // the replay must not need it

	alone := runCLI(t, nil, "trace", "--case", casePath, "--format", "json")
	if alone.code != 0 {
		t.Fatalf("replay alone: exit %d: %s", alone.code, alone.errOut)
	}
	if alone.out != rec.out {
		t.Fatalf("`trace --case FILE` alone differs from the recorded run:\n%s", firstDiff(alone.out, rec.out))
	}
	// an option given on the command line wins over the recorded one
	if r := runCLI(t, nil, "trace", "--case", casePath, "--format", "json", "--hops", "1"); r.code != 0 || r.out == rec.out {
		t.Errorf("--hops 1 over a case recorded with --hops 4: exit %d, same output %v: %s", r.code, r.out == rec.out, r.errOut)
	}
	// labels given replace the recorded ones: without the exchange's label the result differs
	if r := runCLI(t, nil, "trace", "--case", casePath, "--format", "json", "--no-builtin-labels"); r.code != 0 || strings.Contains(r.out, `"TestExchange"`) {
		t.Errorf("--no-builtin-labels over the recorded label sets: exit %d, exchange label kept %v: %s", r.code, strings.Contains(r.out, `"TestExchange"`), r.errOut)
	}

	info := runCLI(t, nil, "case", "info", casePath)
	if info.code != 0 || !strings.Contains(info.out, "labels:") || !strings.Contains(info.out, filepath.Base(labelFile)) ||
		!strings.Contains(info.out, "builtin:10-exchanges-eth.csv") || !strings.Contains(info.out, "--hops 4") {
		t.Errorf("case info does not show the recorded inputs: exit %d\n%s%s", info.code, info.out, info.errOut)
	}

	before, _ := os.ReadFile(casePath)
	// --rpc alone would change the case: refused, nothing written
	r := runCLI(t, nil, "trace", "--case", casePath, "--rpc", s.Node.URL(), "--format", "json", "--hops", "6")
	if r.code != exitInput || !strings.Contains(r.errOut, "--update-case") || !strings.Contains(r.errOut, "--record") || r.out != "" {
		t.Errorf("--case --rpc without --update-case: exit %d: %s", r.code, r.errOut)
	}
	// --record NEW: the wider trace's answers go to the new case; the old one is unchanged
	wide := filepath.Join(dir, "wide.case")
	r = runCLI(t, nil, "trace", "--case", casePath, "--rpc", s.Node.URL(), "--record", wide, "--format", "json", "--hops", "6")
	if r.code != 0 {
		t.Fatalf("--case --rpc --record: exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{"case " + casePath + " lacked ", "options differ from the recording: --hops 6 (recorded: 4)",
		"written with the rest to " + wide, casePath + " is unchanged"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	if after, _ := os.ReadFile(casePath); !bytes.Equal(before, after) {
		t.Errorf("--record NEW changed the replayed case %s", casePath)
	}
	if w := runCLI(t, nil, "trace", "--case", wide, "--format", "json"); w.code != 0 || w.out != r.out {
		t.Errorf("the new case alone does not reproduce its run: exit %d: %s", w.code, w.errOut)
	}
	// --update-case: added in place, said so; the case then reproduces the wider run alone
	u := runCLI(t, nil, "trace", "--case", casePath, "--rpc", s.Node.URL(), "--update-case", "--format", "json", "--hops", "6")
	if u.code != 0 || u.out != r.out || !strings.Contains(u.errOut, "added to "+casePath+" (--update-case)") {
		t.Fatalf("--update-case: exit %d, same as the --record run %v: %s", u.code, u.out == r.out, u.errOut)
	}
	if v := runCLI(t, nil, "case", "verify", casePath); v.code != 0 {
		t.Fatalf("the updated case does not verify: %s", v.out)
	}
	if a := runCLI(t, nil, "trace", "--case", casePath, "--format", "json"); a.code != 0 || a.out != r.out {
		t.Errorf("the updated case alone does not reproduce the wider run: exit %d: %s", a.code, a.errOut)
	}
	// nothing missing: said, and nothing changes
	before, _ = os.ReadFile(casePath)
	n := runCLI(t, nil, "trace", "--case", casePath, "--rpc", s.Node.URL(), "--update-case", "--format", "json")
	if n.code != 0 || !strings.Contains(n.errOut, "nothing was fetched from --rpc, and the case is unchanged") {
		t.Errorf("a replay needing nothing: exit %d: %s", n.code, n.errOut)
	}
	if after, _ := os.ReadFile(casePath); !bytes.Equal(before, after) {
		t.Errorf("a replay that fetched nothing changed the case")
	}

	// the label sets are evidence too: a changed label is caught
	b, _ := os.ReadFile(casePath)
	i := bytes.Index(b, []byte("TestExchange,exchange"))
	if i < 0 {
		t.Fatal("the label set's content is not in the case file")
	}
	b[i] ^= 0x20 // testExchange
	os.WriteFile(casePath, b, 0o644)
	if v := runCLI(t, nil, "case", "verify", casePath); v.code != exitInput || !strings.Contains(v.out, "corrupted") {
		t.Errorf("verify of a changed label: exit %d\n%s", v.code, v.out)
	}
}

// A case recorded before chaintrace stored options and label sets (six of the
// known-theft fixtures) replays alone with the defaults and the built-in
// labels: kucoin-2020 then finds no exchange at all, exit 0. The replay says
// so, with the command line it was recorded with; a self-contained case and a
// check spec (which names the options) say nothing.
func TestReplayOfCaseWithoutInputsSaysSo(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "cases")
	old := runCLI(t, nil, "trace", "--case", filepath.Join(dir, "kucoin-2020.case"), "--format", "json")
	if old.code != 0 {
		t.Fatalf("exit %d: %s", old.code, old.errOut)
	}
	for _, want := range []string{"does not hold the options and label sets it was recorded with", "may not give the recorded result",
		"it was recorded with: chaintrace trace --chain=evm:1337 ", "--labels=../../testdata/cases/kucoin-2020.labels.csv"} {
		if !strings.Contains(old.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, old.errOut)
		}
	}
	if strings.Contains(old.out, `"exchange"`) {
		t.Log("kucoin-2020 replayed alone reaches an exchange now; the note still holds for cases without inputs")
	}
	for _, args := range [][]string{
		{"trace", "--case", filepath.Join(dir, "bybit-2025-xchain.case"), "--format", "json"},
		{"check", filepath.Join(dir, "kucoin-2020.yaml")},
		{"trace", "--case", "demo", "--format", "json"},
	} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || strings.Contains(r.errOut, "note:") {
			t.Errorf("%v: exit %d, stderr: %s", args, r.code, r.errOut)
		}
	}
}
