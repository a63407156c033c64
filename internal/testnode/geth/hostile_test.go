package geth

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

func TestHostileToken(t *testing.T) {
	n := Start(t)
	owner := NewAccount("owner")
	n.Fund(Eth(10, 1), owner)
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	text := "\x1b[2J\u009b31m=HYPERLINK(\"x\")</script>"
	tok := n.DeployHostileToken(owner, HostileToken{Text: text, Filler: "<script>alert(1)</script>", Repeat: 3200, Decimals: 255, Supply: max})
	rev := n.DeployHostileToken(owner, HostileToken{Text: "R", Decimals: -1})

	call := func(to common.Address, sig string) ([]byte, error) {
		return n.Client().CallContract(context.Background(), ethereum.CallMsg{To: &to, Data: selector(sig)}, nil)
	}
	strT, _ := abi.NewType("string", "", nil)
	for _, sig := range []string{"symbol()", "name()"} {
		out, err := call(tok, sig)
		if err != nil {
			t.Fatalf("%s: %v", sig, err)
		}
		v, err := abi.Arguments{{Type: strT}}.Unpack(out)
		if err != nil {
			t.Fatalf("%s: not an ABI string: %v", sig, err)
		}
		want := text + strings.Repeat("<script>alert(1)</script>       ", 3200)
		if s := v[0].(string); s != want {
			t.Errorf("%s: %d bytes starting %q, want %d bytes", sig, len(s), s[:40], len(want))
		}
	}
	if out, err := call(tok, "decimals()"); err != nil || new(big.Int).SetBytes(out).Int64() != 255 {
		t.Errorf("decimals() = %x, %v; want 255", out, err)
	}
	if _, err := call(rev, "decimals()"); err == nil {
		t.Error("decimals() of the reverting token did not revert")
	}
	if got := n.TokenBalance(tok, owner.Address); got.Cmp(max) != 0 {
		t.Errorf("supply %s, want 2^256-1", got)
	}
	thief := NewAccount("thief")
	n.TransferToken(owner, tok, thief.Address, max)
	n.Commit()
	if got := n.TokenBalance(tok, thief.Address); got.Cmp(max) != 0 {
		t.Errorf("thief holds %s after the transfer of all of it", got)
	}
}
