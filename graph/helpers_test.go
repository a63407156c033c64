package graph

import "math/big"

// n parses a base-unit decimal; the tests write every amount out in full.
func n(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad number " + s)
	}
	return v
}

var ethAsset = Asset{ID: "ETH", Symbol: "ETH", Decimals: 18}
