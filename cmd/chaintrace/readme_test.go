package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestREADMEBadInputTable runs every row of README.md's bad-input table the way
// the binary runs it (run is main without os.Exit) and checks the exit code and
// that stderr holds the message shown, so the table cannot drift from what
// chaintrace prints. The rows' --rpc http://127.0.0.1:1 has no node behind it:
// a row that made a network call would exit 1, not 2.
func TestREADMEBadInputTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- bad-input table: checked by TestREADMEBadInputTable -->")
	table, _, ok2 := strings.Cut(rest, "<!-- end of bad-input table -->")
	if !ok || !ok2 {
		t.Fatal("README.md lacks the bad-input table markers")
	}
	row := regexp.MustCompile("^\\| `chaintrace ([^`]*)` \\| ([0-9]) \\| `([^`]*)` \\|$")
	dir := t.TempDir()
	writeBadInputFixtures(t, dir)
	t.Chdir(dir)
	n := 0
	for _, line := range strings.Split(table, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("README bad-input row not in the form | `chaintrace …` | code | `message` |: %s", line)
			continue
		}
		n++
		args := strings.Fields(m[1])
		code, _ := strconv.Atoi(m[2])
		want := m[3]
		r := runCLI(t, nil, args...)
		if r.code != code || !strings.Contains(r.errOut, want) {
			t.Errorf("chaintrace %s\n  exit %d, want %d\n  stderr: %s\n  want it to contain: %s", m[1], r.code, code, r.errOut, want)
		}
		if strings.Count(r.errOut, "bad input") > 1 {
			t.Errorf("chaintrace %s: \"bad input\" said more than once: %s", m[1], r.errOut)
		}
	}
	t.Logf("%d rows checked", n)
	if n < 25 {
		t.Errorf("only %d rows in README's bad-input table", n)
	}
}

// writeBadInputFixtures makes the files the README table names.
func writeBadInputFixtures(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"bad-labels.csv": "chain,address,label,category,source,confidence\neth,0x28c6c06298d514db089934071355e5743bf21d60,x,exchange,me,200\n",
		"corrupt.json":   "\x00\x01{not json",
		"corrupt.case":   "SQLite format 3\x00" + strings.Repeat("garbage", 100),
		// Files people pass to --case that are not cases: a result and a check spec.
		"result.json": `{"schema": 1, "tool": "chaintrace", "chain": "eth", "seeds": ["0x` + strings.Repeat("cd", 32) + `"], "endpoints": []}`,
		"spec.yaml":   "name: x\ncase: x.case\nexpect:\n  endpoints: []\n",
		// A theft transaction that moved nothing: 0 ETH and no token transfer.
		"zero-value.json": `{"format":"chaintrace-case/v1","chain":"eth","family":"account",
"native":{"id":"ETH","symbol":"ETH","decimals":18},"tip":2,
"blocks":[{"number":1,"hash":"0x` + strings.Repeat("ab", 32) + `","time":1}],
"seeds":["0x` + strings.Repeat("cd", 32) + `"],
"transfers":[{"asset":"ETH","kind":"value","tx":"0x` + strings.Repeat("cd", 32) + `","block":1,
"from":"0x1111111111111111111111111111111111111111","to":"0x2222222222222222222222222222222222222222","amount":"0"}]}`,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestREADMEReplayExcerpt runs the investigator section's record-and-replay
// excerpt against a real geth node (the theft scenario of record_test.go):
// the node's URL, chain, label file and theft transaction stand in for the
// README's placeholders, every other word is run as written. The replay runs
// after the label file is deleted, and `cmp` must find the files identical.
func TestREADMEReplayExcerpt(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- replay excerpt: checked by TestREADMEReplayExcerpt -->")
	block, _, ok2 := strings.Cut(rest, "<!-- end of replay excerpt -->")
	if !ok || !ok2 {
		t.Fatal("README.md lacks the replay excerpt markers")
	}
	block = strings.ReplaceAll(block, "\\\n", " ")                   // continuation lines
	block = strings.ReplaceAll(block, "0x<theft tx hash>", "<seed>") // one word
	var cmds [][]string
	for _, line := range strings.Split(block, "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "```") {
			cmds = append(cmds, f)
		}
	}
	if len(cmds) < 3 {
		t.Fatalf("replay excerpt has %d commands: %q", len(cmds), cmds)
	}

	dir := t.TempDir()
	s, labelFile := gethTheft(t, dir)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")) // the live run's cache stays in the test
	t.Chdir(dir)
	subst := map[string]string{
		"http://127.0.0.1:8545": s.Node.URL(),
		"ours.csv":              labelFile,
		"<seed>":                s.TheftETH.Hex(),
	}
	var recorded, cmped, labelled bool
	for _, c := range cmds {
		args := slices.Clone(c)
		for i, a := range args {
			if v, ok := subst[a]; ok {
				args[i] = v
			}
			if a == "--chain" && i+1 < len(args) {
				args[i+1] = fmt.Sprintf("evm:%d", s.Node.ChainID()) // the test node's chain
			}
		}
		switch args[0] {
		case "chaintrace":
			r := runCLI(t, nil, args[1:]...)
			if r.code != 0 {
				t.Fatalf("%s: exit %d: %s", strings.Join(c, " "), r.code, r.errOut)
			}
			if slices.Contains(args, "--record") {
				recorded = true
				b, _ := os.ReadFile("live.json")
				labelled = strings.Contains(string(b), `"TestExchange"`)
				os.Remove(labelFile) // the replay must not need it
			}
		case "cmp":
			a, errA := os.ReadFile(args[1])
			b, errB := os.ReadFile(args[2])
			if errA != nil || errB != nil || len(a) == 0 {
				t.Fatalf("%s: %v %v", strings.Join(c, " "), errA, errB)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: the files differ:\n%s", strings.Join(c, " "), firstDiff(string(a), string(b)))
			}
			cmped = true
		default:
			t.Fatalf("replay excerpt: no way to run %q", strings.Join(c, " "))
		}
	}
	if !recorded || !cmped || !labelled {
		t.Errorf("the excerpt did not record (%v) with the label file used (%v) and compare (%v)", recorded, labelled, cmped)
	}

	// The text output replays too, but for its next section (commands rebuilt
	// from the command line): the README says so.
	_, labelFile = gethLabels(t, s, dir)
	live := runCLI(t, nil, "trace", "--chain", fmt.Sprintf("evm:%d", s.Node.ChainID()), "--rpc", s.Node.URL(), "--labels", labelFile, s.TheftETH.Hex())
	replay := runCLI(t, nil, "trace", "--case", "case.db")
	cut := func(s string) string { b, _, _ := strings.Cut(s, "\nnext\n"); return b }
	if live.code != 0 || replay.code != 0 || cut(live.out) != cut(replay.out) || !strings.Contains(replay.out, "TestExchange") {
		t.Errorf("text replay: exit %d/%d, same before next: %v\n%s", live.code, replay.code, cut(live.out) == cut(replay.out), firstDiff(live.out, replay.out))
	}
}
