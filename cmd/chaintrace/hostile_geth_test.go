package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"golang.org/x/net/html"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
)

// hostileChain is a chain an attacker wrote: three tokens whose symbol() and
// name() carry terminal escape sequences, C1 controls, spreadsheet formulas,
// HTML and 100 kB of text; one decimals() returns 255, one reverts; amounts of
// 2^256−1; a zero-value seed, a self-transfer and a zero-value token transfer;
// and a label file whose exchange name is just as hostile.
type hostileChain struct {
	node       *geth.Node
	chain      string
	seeds      []string
	last       uint64
	labels     string
	tokB, tokC common.Address
	h1         *geth.Account
}

const (
	hostileESC = "\x1b]0;pwned\x07\x1b[2J\x1b[31m=HYPERLINK(\"http://evil.example/\",\"open\")"
	hostileC1  = "\u009b2J\u0085=HYPERLINK(\"http://evil.example/\",\"x\")</script>" + domPwn
	hostileLbl = "\x1b]0;owned\x07=cmd|' /C calc'!A0 \u202e</script>" + domPwn + "\u009b31m"
	// domPwn changes the page when it runs, which headless Chromium's DOM dump shows.
	domPwn = `<script>document.title='PWNED'</script><img src=x onerror="document.body.setAttribute('data-pwned','1')">`
)

func buildHostileChain(t *testing.T) *hostileChain {
	t.Helper()
	n := geth.Start(t)
	victim, thief, h1, h2 := geth.NewAccount("victim"), geth.NewAccount("thief"), geth.NewAccount("h1"), geth.NewAccount("h2")
	n.Fund(geth.Eth(10, 1), victim, thief, h1, h2)
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	tokB := n.DeployHostileToken(victim, geth.HostileToken{Text: hostileC1, Filler: "</script><img src=x onerror=alert(1)>", Repeat: 3200, Decimals: 255, Supply: max})
	tokC := n.DeployHostileToken(victim, geth.HostileToken{Text: "+cmd|' /C calc'!A0", Decimals: -1, Supply: big.NewInt(1000)})
	tokA := n.DeployHostileToken(victim, geth.HostileToken{Text: hostileESC, Decimals: 18, Supply: max})

	t1 := n.TransferToken(victim, tokB, thief.Address, max)
	t2 := n.TransferToken(victim, tokC, thief.Address, big.NewInt(1000))
	t3 := n.TransferToken(victim, tokA, thief.Address, max)
	t4 := n.SendValue(victim, thief.Address, new(big.Int)) // a zero-value seed among the others
	n.Commit()
	n.MustSucceed(t1, t2, t3, t4)
	half := new(big.Int).Rsh(max, 1)
	hs := []common.Hash{
		n.TransferToken(thief, tokB, thief.Address, big.NewInt(5)), // self-transfer
		n.TransferToken(thief, tokB, h1.Address, half),
		n.TransferToken(thief, tokB, h2.Address, new(big.Int)), // zero-value token transfer
		n.TransferToken(thief, tokC, h1.Address, big.NewInt(400)),
		n.TransferToken(thief, tokA, h1.Address, big.NewInt(7)),
	}
	last := n.Commit()
	n.MustSucceed(hs...)
	for i := 0; i < 2; i++ {
		n.Commit()
	}
	dir := t.TempDir()
	lf := filepath.Join(dir, "hostile-labels.csv")
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write([]string{"chain", "address", "label", "category", "source", "confidence"})
	cw.Write([]string{"evm", h1.Hex(), hostileLbl, "exchange", "=WEBSERVICE(\"http://evil\")", "90"})
	cw.Flush()
	os.WriteFile(lf, b.Bytes(), 0o644)
	return &hostileChain{node: n, chain: fmt.Sprintf("evm:%d", n.ChainID()), last: last, labels: lf,
		seeds: []string{t1.Hex(), t2.Hex(), t3.Hex(), t4.Hex()}, tokB: tokB, tokC: tokC, h1: h1}
}

func (h *hostileChain) run(t *testing.T, extra ...string) result {
	t.Helper()
	args := append([]string{"trace", "--chain", h.chain, "--rpc", h.node.URL(), "--labels", h.labels,
		"--to-block", fmt.Sprint(h.last), "--no-cache", "--quiet"}, extra...)
	r := runCLI(t, nil, append(args, h.seeds...)...)
	if r.code != 0 {
		t.Fatalf("chaintrace %s: exit %d\n%s", strings.Join(extra, " "), r.code, r.errOut)
	}
	return r
}

// noRawHostile fails when out carries any byte of a hostile payload that a
// terminal, spreadsheet or browser would act on.
func noRawHostile(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8", what)
	}
	for _, r := range out {
		if (r < 0x20 && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f) || (r >= '\u202a' && r <= '\u202e') {
			t.Errorf("%s: control character %U reaches the output", what, r)
			return
		}
	}
}

func TestHostileChainData(t *testing.T) {
	h := buildHostileChain(t)

	// JSON: exact amounts (2^256−1 and half of it), the odd decimals kept, a note
	// for each odd token, no raw control character.
	js := h.run(t, "--format", "json")
	noRawHostile(t, "json", js.out)
	var res struct {
		Assets map[string]struct {
			ID       string `json:"id"`
			Symbol   string `json:"symbol"`
			Decimals int    `json:"decimals"`
		} `json:"assets"`
		Totals   map[string]struct{ Seed string } `json:"totals"`
		Warnings []string                         `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(js.out), &res); err != nil {
		t.Fatalf("json: %v", err)
	}
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	if got := res.Totals[h.tokB.Hex()].Seed; got != max.String() {
		t.Errorf("seed of the 255-decimals token = %s, want 2^256-1", got)
	}
	if !strings.Contains(js.out, new(big.Int).Rsh(max, 1).String()) {
		t.Error("json lacks the exact half of 2^256-1 paid to h1")
	}
	for _, a := range res.Assets {
		if a.ID == h.tokB.Hex() && a.Decimals != 255 {
			t.Errorf("token B decimals %d, want 255", a.Decimals)
		}
		if a.ID == h.tokC.Hex() && a.Decimals != 0 {
			t.Errorf("token C (decimals() reverts) decimals %d, want 0", a.Decimals)
		}
	}
	warn := strings.Join(res.Warnings, "\n")
	for _, want := range []string{
		"token " + h.tokC.Hex() + ": decimals() unreadable",
		"token " + h.tokB.Hex() + ": decimals() returned 255",
	} {
		if !strings.Contains(warn, want) {
			t.Errorf("warnings lack %q:\n%s", want, warn)
		}
	}

	// Terminal text: nothing a terminal interprets, the 100 kB symbol cut.
	txt := h.run(t, "--paths")
	noRawHostile(t, "text", txt.out)

	for _, l := range strings.Split(txt.out, "\n") {
		if n := utf8.RuneCountInString(l); n > 1200 {
			t.Errorf("text line of %d characters: the 100 kB symbol was not truncated for display", n)
			break
		}
	}

	// DOT: every HTML-like label under Graphviz's cap, and dot renders it cleanly.
	dotOut := h.run(t, "--format", "dot")
	noRawHostile(t, "dot", dotOut.out)
	for _, m := range regexp.MustCompile(`label=<(.*?)>[,\]]`).FindAllStringSubmatch(dotOut.out, -1) {
		if len(m[1]) >= 16384 {
			t.Errorf("DOT label of %d bytes (Graphviz refuses ≥ 16384)", len(m[1]))
		}
	}
	if strings.Contains(dotOut.out, "<script") || strings.Contains(dotOut.out, "<img") {
		t.Error("dot carries raw markup")
	}
	if _, err := exec.LookPath("dot"); err == nil {
		cmd := exec.Command("dot", "-Tsvg")
		cmd.Stdin = strings.NewReader(dotOut.out)
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		if err := cmd.Run(); err != nil || se.Len() > 0 || !strings.Contains(so.String(), "</svg>") {
			t.Errorf("dot -Tsvg: %v: %s", err, se.String())
		}
	} else {
		t.Log("graphviz dot not on PATH: DOT rendering not checked here (.ci/run installs it)")
	}

	// CSV (edges and --nodes-out): RFC 4180, no formula cell.
	nodes := filepath.Join(t.TempDir(), "nodes.csv")
	csvOut := h.run(t, "--format", "csv", "--nodes-out", nodes)
	nb, _ := os.ReadFile(nodes)
	neoNodes := filepath.Join(t.TempDir(), "neo4j-nodes.csv")
	neoOut := h.run(t, "--format", "csv", "--csv-dialect", "neo4j-admin", "--nodes-out", neoNodes)
	neoNB, _ := os.ReadFile(neoNodes)
	for name, data := range map[string]string{"edges": csvOut.out, "nodes": string(nb),
		"neo4j relationships": neoOut.out, "neo4j nodes": string(neoNB)} {
		noRawHostile(t, name+" csv", data)
		recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s csv: %v (%d rows)", name, err, len(recs))
		}
		for _, rec := range recs[1:] {
			for _, c := range rec {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%s csv cell %.60q would run as a formula", name, c)
				}
			}
		}
	}

	// Markdown: no control character, no raw tag.
	md := h.run(t, "--format", "report")
	noRawHostile(t, "report", md.out)
	for _, tag := range []string{"<script", "</script", "<img"} {
		if i := strings.Index(md.out, tag); i >= 0 && (i == 0 || md.out[i-1] != '\\') {
			t.Errorf("report carries a raw %s tag: …%s…", tag, md.out[max0(i-40):min(len(md.out), i+40)])
		}
	}

	// HTML: no script element, no event handler, no javascript: URL.
	page := h.run(t, "--format", "html")
	noRawHostile(t, "html", page.out)
	checkHTMLInert(t, page.out)
	checkHTMLInChromium(t, page.out)
}

// checkHTMLInChromium loads page in headless Chromium and fails when the
// hostile payloads ran (they set the title or a body attribute). A control page
// with the same payloads unescaped must trip the check, so it can fail. Without
// Chromium on PATH it only says so (.ci/run installs it).
func checkHTMLInChromium(t *testing.T, page string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Log("chromium not on PATH: HTML checked by parsing only (.ci/run installs chromium)")
		return
	}
	dir := t.TempDir()
	dump := func(html string) string {
		f := filepath.Join(dir, fmt.Sprintf("p%d.html", len(html)))
		os.WriteFile(f, []byte(html), 0o644)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--virtual-time-budget=2000", "--dump-dom", "file://"+f).Output()
		if err != nil || !strings.Contains(string(out), "</html>") {
			t.Fatalf("chromium --dump-dom: %v\n%.400s", err, out)
		}
		return string(out)
	}
	ran := func(dom string) bool {
		return strings.Contains(dom, "<title>PWNED</title>") || strings.Contains(dom, `data-pwned="1"`)
	}
	if !ran(dump("<!DOCTYPE html><html><head><title>t</title></head><body>" + domPwn + "</body></html>")) {
		t.Fatal("chromium check cannot fail: the unescaped control payload did not run")
	}
	if ran(dump(page)) {
		t.Error("a hostile payload ran in the HTML report (headless Chromium)")
	}
}

func max0(i int) int { return max(i, 0) }

// checkHTMLInert parses page as a browser would and fails on anything that
// could run: a script element, an event-handler attribute, a javascript: or
// data: URL, an iframe/object/embed, or a <foreignObject> inside the SVG.
func checkHTMLInert(t *testing.T, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch strings.ToLower(tok.Data) {
		case "script", "iframe", "object", "embed", "foreignobject", "base", "meta":
			if strings.ToLower(tok.Data) == "meta" && !hasAttr(tok, "http-equiv") {
				break
			}
			t.Errorf("html: <%s> element: %s", tok.Data, tok.String())
		}
		for _, a := range tok.Attr {
			k, v := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(k, "on") {
				t.Errorf("html: event handler %s=%q on <%s>", a.Key, a.Val, tok.Data)
			}
			if (k == "href" || k == "src" || k == "xlink:href" || k == "action") &&
				(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")) {
				t.Errorf("html: %s=%q on <%s>", a.Key, a.Val, tok.Data)
			}
		}
	}
}

func hasAttr(tok html.Token, key string) bool {
	for _, a := range tok.Attr {
		if strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}
