package bitcoin

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/chaintrace/chaintrace/internal/testnode/btcd"
)

var update = flag.Bool("update", false, "rewrite testdata/bitcoin recordings from a fresh btcd scenario")

// One btcd with the theft scenario serves every test of the package (~1 s).
var shared struct {
	once sync.Once
	node *btcd.Node
	s    *btcd.Theft
	err  error
}

func scenario(t testing.TB) (*btcd.Node, *btcd.Theft) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips tests that start btcd")
	}
	shared.once.Do(func() {
		shared.node, shared.err = btcd.Start(context.Background(), btcd.Options{})
		if shared.err != nil {
			return
		}
		shared.s, shared.err = btcd.BuildTheft(shared.node)
	})
	if shared.err != nil {
		t.Fatalf("btcd scenario: %v", shared.err)
	}
	return shared.node, shared.s
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared.node != nil {
		if err := shared.node.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

func openBtcd(t testing.TB, backend string) *Adapter {
	t.Helper()
	n, _ := scenario(t)
	a, err := Open(context.Background(), Config{Chain: "btc-regtest", Backend: backend, URL: n.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
