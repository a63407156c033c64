package npm_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintrace/chaintrace/internal/testnode/geth"
	"github.com/chaintrace/chaintrace/internal/testnode/npm"
)

func writeTgz(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExtractRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tgz")
	writeTgz(t, good, map[string]string{"package/package.json": `{"name":"x"}`, "package/build/A.json": "{}"})
	if err := npm.ExtractForTest(good, filepath.Join(dir, "out")); err != nil {
		t.Fatalf("extract: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "package", "package.json")); err != nil || string(b) != `{"name":"x"}` {
		t.Fatalf("extracted package.json = %q, %v", b, err)
	}
	bad := filepath.Join(dir, "bad.tgz")
	writeTgz(t, bad, map[string]string{"package/../../evil": "x"})
	err := npm.ExtractForTest(bad, filepath.Join(dir, "out2"))
	if err == nil || !strings.Contains(err.Error(), "leaves the package directory") {
		t.Fatalf("extract of an escaping entry: err = %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "evil")); err == nil {
		t.Fatal("escaping entry was written")
	}
}

// The pinned packages use three layouts; a linked artifact is refused rather
// than deployed with placeholder bytes.
func TestParseArtifactLayouts(t *testing.T) {
	abi := `[{"type":"function","name":"f","inputs":[],"outputs":[{"type":"uint256"}],"stateMutability":"view"}]`
	cases := []struct {
		name, json, wantErr string
		code                []byte
	}{
		{"waffle", `{"abi":` + abi + `,"bytecode":"6001","evm":{"bytecode":{"object":"6001"}}}`, "", []byte{0x60, 0x01}},
		{"hardhat", `{"abi":` + abi + `,"bytecode":"0x6002","linkReferences":{}}`, "", []byte{0x60, 0x02}},
		{"solc", `{"abi":` + abi + `,"evm":{"bytecode":{"object":"6003","linkReferences":{}}}}`, "", []byte{0x60, 0x03}},
		{"linked", `{"abi":` + abi + `,"bytecode":"0x6004","linkReferences":{"L.sol":{"L":[]}}}`, "library linking", nil},
		{"bad hex", `{"abi":` + abi + `,"bytecode":"0xzz"}`, "bytecode", nil},
	}
	for _, c := range cases {
		a, err := npm.ParseArtifactForTest(c.name, []byte(c.json))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !bytes.Equal(a.Bytecode, c.code) || a.ABI.Methods["f"].Name != "f" {
			t.Errorf("%s: code %x methods %v", c.name, a.Bytecode, a.ABI.Methods)
		}
	}
}

// A test that needs an absent package skips and names the script; with
// CHAINTRACE_REQUIRE_ARTIFACTS=1 it would fail instead (not run here: a failing
// subtest fails its parent).
func TestRequireSkipsWhenAbsent(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(npm.EnvCache, empty)
	t.Setenv(npm.EnvRequire, "")
	ok := t.Run("needs-v2", func(st *testing.T) {
		npm.Require(st, npm.UniswapV2Core)
		st.Error("Require returned although the package is absent")
	})
	if !ok {
		t.Fatal("subtest failed instead of skipping")
	}
	if _, err := npm.LoadArtifact(empty, npm.UniswapV2Core, "build/UniswapV2Pair.json"); err == nil ||
		!strings.Contains(err.Error(), "scripts/fetch-test-artifacts.sh") || !strings.Contains(err.Error(), "@uniswap/v2-core@1.0.1") {
		t.Fatalf("missing package error = %v, want the package and the script named", err)
	}
}

func TestCacheDirFromEnv(t *testing.T) {
	d := t.TempDir()
	t.Setenv(npm.EnvCache, d)
	got, err := npm.CacheDir()
	if err != nil || got != d {
		t.Fatalf("CacheDir = %q, %v; want %q", got, err, d)
	}
}

// Every pinned artifact the swap tests deploy parses and has code.
func TestUniswapArtifactsLoad(t *testing.T) {
	for _, c := range []struct {
		p   npm.Package
		rel string
	}{
		{npm.UniswapV2Core, "build/UniswapV2Factory.json"},
		{npm.UniswapV2Core, "build/UniswapV2Pair.json"},
		{npm.UniswapV2Periphery, "build/UniswapV2Router02.json"},
		{npm.UniswapV2Periphery, "build/WETH9.json"},
		{npm.UniswapV3Core, "artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"},
		{npm.UniswapV3Periphery, "artifacts/contracts/SwapRouter.sol/SwapRouter.json"},
	} {
		a := npm.MustArtifact(t, c.p, c.rel)
		if len(a.Bytecode) < 1000 || len(a.ABI.Methods) == 0 {
			t.Errorf("%s %s: %d bytes of code, %d methods", c.p, c.rel, len(a.Bytecode), len(a.ABI.Methods))
		}
	}
}

const counterSol = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Counter {
    uint256 public n;
    constructor(uint256 start) { n = start; }
    function add(uint256 k) external { n += k; }
}
`

// solc-js compiles our own Solidity, and the result runs on the real geth.
func TestCompileAndDeploy(t *testing.T) {
	arts := npm.MustCompile(t, map[string]string{"Counter.sol": counterSol}, npm.CompileOptions{EVMVersion: "cancun"})
	c := arts["Counter"]
	if c == nil {
		t.Fatalf("no Counter in %v", arts)
	}
	n := geth.Start(t)
	data, err := c.DeployData(big.NewInt(40))
	if err != nil {
		t.Fatal(err)
	}
	h := n.Send(n.Faucet(), nil, nil, data, geth.GasDeploy)
	n.Commit()
	n.MustSucceed(h)
	addr := n.Receipt(h).ContractAddress
	add, _ := c.Pack("add", big.NewInt(2))
	h = n.Call(n.Faucet(), addr, nil, add)
	n.Commit()
	n.MustSucceed(h)
	q, _ := c.Pack("n")
	out, err := n.Client().CallContract(context.Background(), ethCall(addr, q), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := new(big.Int).SetBytes(out); got.Int64() != 42 {
		t.Fatalf("n() = %s, want 42 (constructor 40 + add 2)", got)
	}
}

func ethCall(to common.Address, data []byte) ethereum.CallMsg {
	return ethereum.CallMsg{To: &to, Data: data}
}
