package npm

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

// Artifact is one compiled contract: its ABI and creation bytecode.
type Artifact struct {
	Name     string
	ABI      abi.ABI
	Bytecode []byte // creation code, constructor arguments not appended
}

// Pack encodes a call of method with args.
func (a *Artifact) Pack(method string, args ...any) ([]byte, error) {
	return a.ABI.Pack(method, args...)
}

// DeployData is the creation code with the ABI-encoded constructor arguments.
func (a *Artifact) DeployData(args ...any) ([]byte, error) {
	enc, err := a.ABI.Pack("", args...)
	if err != nil {
		return nil, fmt.Errorf("%s constructor: %w", a.Name, err)
	}
	return append(append([]byte(nil), a.Bytecode...), enc...), nil
}

// rawArtifact covers the three layouts the pinned packages use: waffle
// (bytecode as bare hex, also under evm.bytecode.object), hardhat (bytecode
// with 0x, linkReferences) and solc's standard JSON output.
type rawArtifact struct {
	ABI      json.RawMessage `json:"abi"`
	Bytecode json.RawMessage `json:"bytecode"`
	EVM      struct {
		Bytecode struct {
			Object         string                     `json:"object"`
			LinkReferences map[string]json.RawMessage `json:"linkReferences"`
		} `json:"bytecode"`
	} `json:"evm"`
	LinkReferences map[string]json.RawMessage `json:"linkReferences"`
}

func parseArtifact(name string, data []byte) (*Artifact, error) {
	var r rawArtifact
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("artifact %s: %w", name, err)
	}
	code := r.EVM.Bytecode.Object
	var s string
	if len(r.Bytecode) > 0 && json.Unmarshal(r.Bytecode, &s) == nil && s != "" {
		code = s
	}
	if len(r.LinkReferences) > 0 || len(r.EVM.Bytecode.LinkReferences) > 0 {
		return nil, fmt.Errorf("artifact %s needs library linking, which this loader does not do", name)
	}
	bin, err := hex.DecodeString(strings.TrimPrefix(code, "0x"))
	if err != nil {
		return nil, fmt.Errorf("artifact %s: bytecode: %w", name, err)
	}
	var abiJSON []byte = r.ABI
	if len(abiJSON) > 0 && abiJSON[0] == '"' { // some tools store the ABI as a JSON string
		var inner string
		if err := json.Unmarshal(abiJSON, &inner); err == nil {
			abiJSON = []byte(inner)
		}
	}
	parsed, err := abi.JSON(strings.NewReader(string(abiJSON)))
	if err != nil {
		return nil, fmt.Errorf("artifact %s: abi: %w", name, err)
	}
	return &Artifact{Name: name, ABI: parsed, Bytecode: bin}, nil
}

// LoadArtifact reads a compiled artifact (a path relative to the package root,
// e.g. "build/UniswapV2Pair.json") of a fetched package.
func LoadArtifact(cache string, p Package, rel string) (*Artifact, error) {
	if !p.Present(cache) {
		return nil, &MissingError{Package: p, Cache: cache}
	}
	data, err := os.ReadFile(filepath.Join(p.Root(cache), filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(rel), ".json")
	return parseArtifact(name, data)
}

// MissingError says a package is not in the cache and how to get it.
type MissingError struct {
	Package Package
	Cache   string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("npm package %s is not in the test-artifact cache %s: run scripts/fetch-test-artifacts.sh (needs Node.js, npm and the npm registry; %s sets the cache directory)",
		e.Package, e.Cache, EnvCache)
}
