package chains

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/chaintrace/chaintrace/chainid"
	"github.com/chaintrace/chaintrace/trace"
)

// The registry serves exactly the chains package chainid names (which labels,
// case files and the report accept too), each through its own adapter family.
func TestRegistryServesChainTable(t *testing.T) {
	for _, c := range append(chainid.All(), chainid.Chain{Name: "evm", Adapter: chainid.AdapterEVM}, chainid.Chain{Name: "evm:1337", Adapter: chainid.AdapterEVM}) {
		var fams []string
		for _, e := range registry {
			if e.Match(c.Name) {
				fams = append(fams, e.Family)
			}
		}
		if len(fams) != 1 || fams[0] != c.Adapter {
			t.Errorf("%s: served by %v, want [%s]", c.Name, fams, c.Adapter)
		}
		for _, a := range c.Aliases {
			if !slices.ContainsFunc(registry, func(e Entry) bool { return e.Match(a) }) {
				t.Errorf("alias %s of %s not served", a, c.Name)
			}
		}
	}
	if got, want := Names(), chainid.Names(""); !slices.Equal(got, want) {
		t.Errorf("Names() = %v\nchainid lists %v", got, want)
	}
}

func TestOpenUnknownChainIsBadInput(t *testing.T) {
	_, err := Open(context.Background(), Config{Chain: "dogecoin"})
	if !errors.Is(err, trace.ErrBadInput) {
		t.Fatalf("err = %v, want ErrBadInput", err)
	}
}
