package bitcoin

import (
	"reflect"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/internal/sourcetest"
)

// The shared source contracts, on btcd and on the Esplora answers synthesised from btcd (testdata/README.md).
func TestConformanceBtcd(t *testing.T) {
	_, s := scenario(t)
	sourcetest.Run(t, openBtcd(t, "btcd"), id(s.Theft))
}

// The bitcoind backend (Core's methods only, served here by btcd).
func TestConformanceBitcoind(t *testing.T) {
	_, s := scenario(t)
	sourcetest.Run(t, openBtcd(t, "bitcoind"), id(s.Theft))
}

// The cache over the adapter: the same contracts and the adapter's
// capabilities (it once lost the block times, so a date start failed on every
// cached Bitcoin chain).
func TestConformanceBtcdCache(t *testing.T) {
	_, s := scenario(t)
	a := openBtcd(t, "btcd")
	st, err := casestore.OpenCache(t.TempDir(), a.Info(), "btcd")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := casestore.Cache(a, st, casestore.CacheOptions{})
	want := []string{"Warnings", "BlockTimes", "Spenders", "TipSeeds"}
	if got := sourcetest.Offered(a); !reflect.DeepEqual(got, want) {
		t.Errorf("the adapter offers %v, want %v", got, want)
	}
	// The cache answers Tip from the store while it may, and otherwise reads
	// it live together with the seeds it lacks: the adapter's TipSeeds too.
	if got := sourcetest.Offered(c); !reflect.DeepEqual(got, want) {
		t.Errorf("the cache offers %v, want %v (the adapter's)", got, want)
	}
	sourcetest.Run(t, c, id(s.Theft))
}

func TestConformanceEsploraSynth(t *testing.T) {
	_, s := scenario(t)
	r := newReplay(t)
	ea, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
	if err != nil {
		t.Fatal(err)
	}
	// The recording holds the address histories of the theft's parties: the
	// suite found that a 404 there used to read as "no transactions" (now an
	// error, TestEsploraAddressHistory404IsAnError).
	sourcetest.Run(t, ea, id(s.Theft))
}

// Esplora answers 200 [] for an unused address; a 404 on an address's history
// (a wrong base path, a proxy, here the replay's "not recorded") is an error,
// never an empty history that would end a trace at an address holding funds.
func TestEsploraAddressHistory404IsAnError(t *testing.T) {
	_, s := scenario(t)
	r := newReplay(t)
	ea, err := Open(ctx, Config{Chain: "btc-regtest", Backend: "esplora", URL: r.url()})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Peers[len(s.Peers)-1].Address // no recorded history
	txs, err := ea.AddressTxs(ctx, addr, 0)
	if err == nil || !strings.Contains(err.Error(), "the Esplora API answered 404 for the transactions of address "+addr) {
		t.Fatalf("AddressTxs on a 404 = %d txs, %v; want an error naming the 404", len(txs), err)
	}
	// a recorded history still reads
	if txs, err := ea.AddressTxs(ctx, s.E1.Address, 0); err != nil || len(txs) == 0 {
		t.Fatalf("recorded history: %d txs, %v", len(txs), err)
	}
}
