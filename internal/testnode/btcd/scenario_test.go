package btcd

import (
	"context"
	"testing"
	"time"
)

func TestTheftScenarioIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	ids := make([]string, 2)
	for i := range ids {
		start := time.Now()
		n, err := Start(context.Background(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := BuildTheft(n)
		if err != nil {
			n.Close()
			t.Fatal(err)
		}
		tip, err := n.Client.GetBestBlockHash()
		n.Close()
		if err != nil {
			t.Fatal(err)
		}
		if s.Tip != 475 {
			t.Fatalf("tip %d, want 475", s.Tip)
		}
		ids[i] = s.Consolidate.TxHash().String() + "/" + tip.String()
		t.Logf("run %d: %v, %s", i, time.Since(start), ids[i])
	}
	if ids[0] != ids[1] {
		t.Fatalf("scenario differs between runs: %s vs %s", ids[0], ids[1])
	}
}
