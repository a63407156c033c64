package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
)

// Secrets in the --rpc URL (user:password, ?apikey=, a /v3/KEY path) and
// CHAINTRACE_EXPLORER_KEY never reach any output byte: stdout, stderr, the
// recorded case or the cache's SQLite files, for succeeding and failing
// traces. The proxy authenticates to geth itself, so the client can use
// secrets of its own; the fake explorer echoes the key back in its errors,
// raw and URL-escaped, as real explorers do.
func TestNoSecretInAnyOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts geth")
	}
	withFakeClock(t)
	dir := t.TempDir()
	s, labels := gethTheft(t, dir)
	const (
		pass    = "Pa55w0rdXYZ"
		apiKey  = "QueryKey123456"
		pathKey = "0123456789abcdef0123456789abcdef" // 32 hex: an Infura project id
		expKey  = "ExpK3y/+=&secret"                 // needs escaping in a URL
	)
	env := map[string]string{"CHAINTRACE_EXPLORER_KEY": expKey}
	secrets := []string{pass, apiKey, pathKey, expKey, url.QueryEscape(expKey), url.PathEscape(expKey), "user:" + pass}
	explorer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Echo what the request carried, as explorers' error pages do.
		fmt.Fprintf(w, `{"status":"0","message":"NOTOK","result":"Invalid API Key %s (request %s)"}`, r.URL.Query().Get("apikey"), r.URL.RawQuery)
	}))
	defer explorer.Close()
	chain := fmt.Sprintf("evm:%d", s.Node.ChainID())
	var outputs []string // every byte written, by where it went
	check := func(name string, data []byte) {
		t.Helper()
		for _, sec := range secrets {
			if bytes.Contains(data, []byte(sec)) {
				t.Errorf("%s contains the secret %q:\n%.3000s", name, sec, data)
			}
		}
		outputs = append(outputs, name)
	}
	for i, c := range []struct {
		name  string
		cfg   faultproxy.Config
		extra []string
		code  int
	}{
		{name: "succeeds", code: 0},
		{name: "succeeds through faults", cfg: faultproxy.Config{Seed: 9, Rate: 0.3, MaxInRow: 2, Kinds: transient[2:]}, code: 0}, // no delay, no stall
		{name: "node keeps failing", cfg: faultproxy.Config{Plan: func(n int, _ *faultproxy.Request) faultproxy.Kind {
			if n > 5 {
				return faultproxy.Status502
			}
			return faultproxy.None
		}}, code: exitRuntime},
		{name: "node down after open", cfg: faultproxy.Config{Plan: func(n int, _ *faultproxy.Request) faultproxy.Kind {
			if n > 3 {
				return faultproxy.Reset
			}
			return faultproxy.None
		}}, code: exitRuntime},
		{name: "explorer refuses the key", extra: []string{"--history", "explorer", "--explorer", explorer.URL + "/api"}, code: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.StripPrefix = "/v3/" + pathKey
			p, err := faultproxy.New(strings.Replace(s.Node.URL(), "http://", "http://x:y@", 1), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			rpc := strings.Replace(p.URL(), "http://", "http://user:"+pass+"@", 1) + "?apikey=" + apiKey
			cache := filepath.Join(dir, fmt.Sprint("cache", i))
			rec := filepath.Join(dir, fmt.Sprint("rec", i, ".case"))
			args := append([]string{"trace", "--chain", chain, "--rpc", rpc, "--labels", labels, "--format", "json", "--hops", "6",
				"--request-timeout", "2s", "--cache", cache, "--record", rec, s.TheftETH.Hex()}, c.extra...)
			r := runCLI(t, env, args...)
			if c.code >= 0 && r.code != c.code {
				t.Fatalf("exit %d, want %d: %s", r.code, c.code, r.errOut)
			}
			if c.code != 0 && r.errOut == "" {
				t.Errorf("a failing trace said nothing")
			}
			t.Logf("exit %d, stderr: %.400s", r.code, r.errOut)
			check("stdout", []byte(r.out))
			check("stderr", []byte(r.errOut))
			for _, f := range []string{"text", "report", "csv", "dot"} {
				rf := runCLI(t, env, append(append([]string{}, args[:len(args)-1]...), "--format", f, "--no-cache", s.TheftETH.Hex())...)
				check("stdout --format "+f, []byte(rf.out+rf.errOut))
			}
			// every file the trace left: the recorded case, the cache (SQLite
			// database, journal, WAL)
			for _, root := range []string{cache, dir} {
				filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
					if err != nil || info.IsDir() || strings.HasSuffix(path, ".csv") {
						return nil
					}
					f, _ := os.Open(path)
					defer f.Close()
					data, _ := io.ReadAll(f)
					check(path, data)
					return nil
				})
			}
		})
	}
	if len(outputs) < 20 {
		t.Errorf("only %d outputs checked: %v", len(outputs), outputs)
	}
}
