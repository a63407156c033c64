package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/internal/escape"
)

// caseFileMistake explains a --case file that is not a case at all but another
// chaintrace file people reach for: a result (--format json output) or a
// check spec (YAML). It returns nil when the file is neither, so the case
// loader's own error stands.
func caseFileMistake(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil
	}
	name := escape.Terminal(path)
	trimmed := bytes.TrimSpace(head)
	if bytes.HasPrefix(trimmed, []byte("{")) {
		if r, ok := resultHead(head); ok {
			return badInput("--case %s is a chaintrace result (the output of --format json), not a case file: a result holds what a trace concluded, a case the chain data a trace reads. "+
				"To trace again, give its seeds (%d in the file) with --chain/--rpc; to replay offline later, record a case with --record CASE.db; "+
				"to check a result in CI, write a check spec (chaintrace check --help)", name, len(r.Seeds))
		}
		return nil
	}
	var spec map[string]any
	if yaml.Unmarshal(head, &spec) != nil || spec == nil {
		return nil
	}
	_, hasCase := spec["case"]
	_, hasExpect := spec["expect"]
	if !hasCase || !hasExpect {
		return nil
	}
	c := fmt.Sprint(spec["case"])
	if !filepath.IsAbs(c) {
		c = filepath.Join(filepath.Dir(path), c) // a spec names its case relative to itself
	}
	return badInput("--case %s is a check spec (YAML: a case to replay and the conclusions expected of it), not a case file: run it with chaintrace check %s, or trace its case with --case %s",
		name, name, escape.Terminal(c))
}

// resultHead reads the start of a file as a chaintrace JSON result (the
// output of --format json); ok is false for anything else.
func resultHead(head []byte) (r struct {
	Schema    any             `json:"schema"`
	Tool      string          `json:"tool"`
	Seeds     []string        `json:"seeds"`
	Endpoints json.RawMessage `json:"endpoints"`
}, ok bool) {
	if json.Unmarshal(head, &r) == nil && r.Schema != nil && r.Endpoints != nil {
		return r, true
	}
	return r, false
}

// isResultFile reports whether path is a chaintrace JSON result.
func isResultFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return false
	}
	_, ok := resultHead(bytes.TrimSpace(head))
	return ok
}

// outpointSeed is a Bitcoin output, txid:vout.
var outpointSeed = regexp.MustCompile(`^(0x)?[0-9a-fA-F]{64}:[0-9]+$`)

// otherFamilyHint adds to a refused seed on an EVM chain that it is a Bitcoin
// output (txid:vout), which the adapter alone cannot know the user meant.
func otherFamilyHint(chain string, seeds []string, err error) error {
	if err == nil || exitCode(err) != exitInput {
		return err
	}
	if chain == "" {
		chain = "eth"
	}
	if c, ok := chainid.Lookup(chain); !ok || c.Family != chainid.FamilyAccount {
		return err
	}
	for _, s := range seeds {
		if outpointSeed.MatchString(strings.TrimSpace(s)) {
			return fmt.Errorf("%w; %s is a Bitcoin output (txid:vout): use --chain btc", err, s)
		}
	}
	return err
}
