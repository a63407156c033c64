package jsoncase

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chaintrace/chaintrace/render"
	"github.com/chaintrace/chaintrace/trace"
)

// FuzzCase: a case file either fails validation as bad input or traces (a few
// hops) and renders without a panic; whatever the tracer returns balances to
// something printable.
func FuzzCase(f *testing.F) {
	tx := "0x" + strings.Repeat("cd", 32)
	f.Add([]byte(`{"format":"chaintrace-case/v1","chain":"eth","family":"account",
"native":{"id":"ETH","symbol":"ETH","decimals":18},"tip":2,"seeds":["` + tx + `"],
"blocks":[{"number":1,"hash":"0x` + strings.Repeat("ab", 32) + `","time":1}],
"transfers":[{"asset":"ETH","kind":"value","tx":"` + tx + `","block":1,
"from":"0x1111111111111111111111111111111111111111","to":"0x2222222222222222222222222222222222222222","amount":"1.5"},
{"asset":"ETH","kind":"value","tx":"` + tx + `","block":1,
"from":"0x2222222222222222222222222222222222222222","to":"0x2222222222222222222222222222222222222222","amount":"0"}]}`))
	for _, p := range []string{"../../cases/demo/ronin.json", "../../cases/demo/bitfinex.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if !errors.Is(err, trace.ErrBadInput) {
				t.Fatalf("invalid case is not bad input: %v", err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, _ := trace.Run(ctx, c.Source(), c.Seeds, trace.Options{MaxHops: 3, MaxAddresses: 50, AddressBudget: 50, DepositRule: true, DepositTau: 100})
		if res == nil {
			return
		}
		for _, write := range []func(io.Writer) error{
			func(w io.Writer) error { return render.WriteJSON(w, res) },
			func(w io.Writer) error { return render.WriteDOT(w, res) },
			func(w io.Writer) error { return render.WriteCSV(w, res) },
			func(w io.Writer) error { return render.WriteText(w, res, render.TextOptions{Paths: true}) },
		} {
			if err := write(io.Discard); err != nil {
				t.Fatalf("render: %v", err)
			}
		}
	})
}
