package main

import (
	"testing"

	"github.com/chaintrace/chaintrace/internal/faultproxy"
)

func TestTmpSwap(t *testing.T) {
	c := gethChain(t)
	for _, n := range []int{2, 3, 6} {
		r, p := c.run(t, faultproxy.Config{Plan: func(_ int, r *faultproxy.Request) faultproxy.Kind {
			if len(r.Methods) == n && r.Methods[0] == "eth_getTransactionReceipt" {
				return faultproxy.Swap
			}
			return faultproxy.None
		}})
		t.Logf("n=%d %s: %s exit %d %s", n, p, c.classify(r), r.code, r.errOut)
	}
}
