package evm

import (
	"reflect"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/internal/sourcetest"
)

// The shared source contracts, on the in-process geth node (rpc history).
func TestConformanceGeth(t *testing.T) {
	s, a := scenario(t)
	sourcetest.Run(t, a, s.TheftETH.Hex())
	t.Run("usdt", func(t *testing.T) { sourcetest.Run(t, a, s.TheftUSDT.Hex()) })
}

// The cache over the adapter is a source too: the same contracts, and every
// capability the adapter offers (block times and batches included: the cache
// over a batching adapter once lost its block times).
func TestConformanceGethCache(t *testing.T) {
	s, a := scenario(t)
	st, err := casestore.OpenCache(t.TempDir(), a.Info(), "geth")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := casestore.Cache(a, st, casestore.CacheOptions{})
	want := []string{"Contracts", "Warnings", "BlockTimes", "Crossings", "Histories", "Balances", "ContractBatch", "TipSeeds", "Frontier", "Preview"}
	if got := sourcetest.Offered(a); !reflect.DeepEqual(got, want) {
		t.Errorf("the adapter offers %v, want %v", got, want)
	}
	if got := sourcetest.Offered(c); !reflect.DeepEqual(got, want) {
		t.Errorf("the cache offers %v, want %v (the adapter's)", got, want)
	}
	sourcetest.Run(t, c, s.TheftETH.Hex())
	t.Run("usdt", func(t *testing.T) { sourcetest.Run(t, c, s.TheftUSDT.Hex()) })
}
