package npm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// solcDriver feeds solc-js a standard-JSON input on stdin and prints its output.
const solcDriver = `const solc = require(process.argv[1]);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', d => { input += d; });
process.stdin.on('end', () => { process.stdout.write(solc.compile(input)); });
`

// CompileOptions steer Compile. The zero value compiles with the optimizer off
// for the compiler's default EVM version.
type CompileOptions struct {
	Optimize   bool
	Runs       int    // optimizer runs (default 200)
	EVMVersion string // e.g. "cancun"; empty: the compiler's default
}

// Compile compiles Solidity sources (file name → source text) with the pinned
// solc-js and returns every contract by name. Outputs are cached by the hash of
// the input, so a test run compiles each source once per machine.
func Compile(ctx context.Context, cache string, sources map[string]string, o CompileOptions) (map[string]*Artifact, error) {
	if !Solc.Present(cache) {
		return nil, &MissingError{Package: Solc, Cache: cache}
	}
	input, err := compileInput(sources, o)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte(Solc.String()+"\n"), input...))
	outPath := filepath.Join(cache, "solc-out", hex.EncodeToString(sum[:16])+".json")
	out, err := os.ReadFile(outPath)
	if err != nil {
		node, lerr := exec.LookPath("node")
		if lerr != nil {
			return nil, fmt.Errorf("compiling Solidity needs node (Node.js) on PATH: %w", lerr)
		}
		cmd := exec.CommandContext(ctx, node, "-e", solcDriver, Solc.Root(cache))
		cmd.Stdin = bytes.NewReader(input)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err = cmd.Output(); err != nil {
			return nil, fmt.Errorf("solc-js: %w\n%s", err, stderr.String())
		}
		if err := checkSolcErrors(out); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err == nil {
			tmp := outPath + ".tmp"
			if os.WriteFile(tmp, out, 0o644) == nil {
				_ = os.Rename(tmp, outPath)
			}
		}
	}
	return parseSolcOutput(out)
}

func compileInput(sources map[string]string, o CompileOptions) ([]byte, error) {
	type src struct {
		Content string `json:"content"`
	}
	srcs := map[string]src{}
	for name, text := range sources {
		srcs[name] = src{text}
	}
	runs := o.Runs
	if runs == 0 {
		runs = 200
	}
	settings := map[string]any{
		"optimizer":       map[string]any{"enabled": o.Optimize, "runs": runs},
		"outputSelection": map[string]any{"*": map[string]any{"*": []string{"abi", "evm.bytecode.object", "evm.bytecode.linkReferences"}}},
	}
	if o.EVMVersion != "" {
		settings["evmVersion"] = o.EVMVersion
	}
	return json.Marshal(map[string]any{"language": "Solidity", "sources": srcs, "settings": settings})
}

type solcOutput struct {
	Errors []struct {
		Severity         string `json:"severity"`
		FormattedMessage string `json:"formattedMessage"`
	} `json:"errors"`
	Contracts map[string]map[string]json.RawMessage `json:"contracts"`
}

func checkSolcErrors(out []byte) error {
	var o solcOutput
	if err := json.Unmarshal(out, &o); err != nil {
		return fmt.Errorf("solc-js output: %w", err)
	}
	var msgs []string
	for _, e := range o.Errors {
		if e.Severity == "error" {
			msgs = append(msgs, strings.TrimSpace(e.FormattedMessage))
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("solc: %s", strings.Join(msgs, "\n"))
	}
	return nil
}

func parseSolcOutput(out []byte) (map[string]*Artifact, error) {
	if err := checkSolcErrors(out); err != nil {
		return nil, err
	}
	var o solcOutput
	if err := json.Unmarshal(out, &o); err != nil {
		return nil, err
	}
	files := make([]string, 0, len(o.Contracts))
	for f := range o.Contracts {
		files = append(files, f)
	}
	sort.Strings(files)
	res := map[string]*Artifact{}
	for _, f := range files {
		for name, raw := range o.Contracts[f] {
			a, err := parseArtifact(name, raw)
			if err != nil {
				return nil, err
			}
			if _, dup := res[name]; dup {
				return nil, fmt.Errorf("solc: contract name %s appears in two sources", name)
			}
			res[name] = a
		}
	}
	return res, nil
}
