package evm

import (
	"testing"

	"github.com/chaintrace/chaintrace/internal/sourcetest"
)

// The shared source contracts, on the in-process geth node (rpc history).
func TestConformanceGeth(t *testing.T) {
	s, a := scenario(t)
	sourcetest.Run(t, a, s.TheftETH.Hex())
	t.Run("usdt", func(t *testing.T) { sourcetest.Run(t, a, s.TheftUSDT.Hex()) })
}
