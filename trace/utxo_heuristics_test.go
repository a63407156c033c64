package trace

import (
	"math/big"
	"reflect"
	"testing"

	"github.com/chaintrace/chaintrace/graph"
)

// Regtest-style addresses of each kind (spellings only matter for AddressKind).
const (
	hPKH1  = "mkHS9ne12qx9pS9VojpwU5xtRd4T7X7ZUt"
	hPKH2  = "n1LKejAadN6hg2FrBXoU1KrwX4uK16mco9"
	hSH    = "2N3oefVeg6stiTb5Kh3ozCSkaqmx91FDbsm"
	hWPKH1 = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
	hWPKH2 = "bcrt1q9kgn4pwwqkwyxhhm7wyfxwjegk2j7psx0t5hsu"
	hWPKH3 = "bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	hTR    = "bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqc8gma6"
	hWSH   = "bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry"
)

func hin(addr string, v int64) graph.TxIn {
	return graph.TxIn{Prev: graph.Outpoint{TxID: "aa", Vout: 0}, Address: addr, Value: big.NewInt(v)}
}

func hout(i uint32, addr string, v int64, typ string) graph.TxOut {
	return graph.TxOut{Index: i, Address: addr, Value: big.NewInt(v), ScriptType: typ}
}

func TestAddressKind(t *testing.T) {
	for addr, want := range map[string]string{
		hPKH1: "p2pkh", hPKH2: "p2pkh", hSH: "p2sh", hWPKH1: "p2wpkh", hWPKH3: "p2wpkh", hTR: "p2tr", hWSH: "p2wsh",
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa":                             "p2pkh",
		"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy":                             "p2sh",
		"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq":                     "p2wpkh",
		"BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ":                     "p2wpkh",
		"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx":                     "p2wpkh",
		"bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297": "p2tr",
		"": "", "0xdead": "", "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj": "",
	} {
		if got := AddressKind(addr); got != want {
			t.Errorf("AddressKind(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestDetectChange(t *testing.T) {
	for _, c := range []struct {
		name    string
		tx      graph.UTXOTx
		vout    int
		reasons []string
		ok      bool
	}{
		{
			// A peel hop: P2WPKH in, a round P2PKH payment, non-round P2WPKH change.
			name: "peel: script type and amount agree",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hWPKH1, 400_000_000)},
				Outputs: []graph.TxOut{hout(0, hPKH1, 1_000_000, "p2pkh"), hout(1, hWPKH2, 398_998_766, "p2wpkh")}},
			vout: 1, reasons: []string{ChangeScriptType, ChangeRoundAmount}, ok: true,
		},
		{
			name: "same types: the amount decides",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hWPKH1, 400_000_000)},
				Outputs: []graph.TxOut{hout(0, hWPKH3, 397_998_766, "p2wpkh"), hout(1, hWPKH2, 2_000_000, "p2wpkh")}},
			vout: 0, reasons: []string{ChangeRoundAmount}, ok: true,
		},
		{
			name: "address reuse",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hPKH1, 50_000_000)},
				Outputs: []graph.TxOut{hout(0, hPKH2, 12_345_678, "p2pkh"), hout(1, hPKH1, 37_644_322, "p2pkh")}},
			vout: 1, reasons: []string{ChangeAddressReuse}, ok: true,
		},
		{
			// Script type says output 1, amount says output 0: no answer.
			name: "rules disagree",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hWPKH1, 100_000_000)},
				Outputs: []graph.TxOut{hout(0, hPKH1, 1_234_567, "p2pkh"), hout(1, hWPKH2, 98_700_000, "p2wpkh")}},
			vout: -1, ok: false,
		},
		{
			name: "both round, both same type: cannot tell",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hWPKH1, 300_010_000)},
				Outputs: []graph.TxOut{hout(0, hWPKH2, 100_000_000, "p2wpkh"), hout(1, hWPKH3, 200_000_000, "p2wpkh")}},
			vout: -1, ok: false,
		},
		{
			name: "mixed input types: the script rule is silent, the amount speaks",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hWPKH1, 1e8), hin(hTR, 1e8)},
				Outputs: []graph.TxOut{hout(0, hSH, 150_000_000, "p2sh"), hout(1, hWPKH2, 49_990_000+1, "p2wpkh")}},
			vout: 1, reasons: []string{ChangeRoundAmount}, ok: true,
		},
		{
			name: "P2PK input counts as P2PKH",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hPKH1, 149_990_000)},
				Outputs: []graph.TxOut{hout(0, hTR, 50_000_000, "p2tr"), hout(1, hPKH2, 99_980_000, "p2pk")}},
			vout: 1, reasons: []string{ChangeScriptType, ChangeRoundAmount}, ok: true,
		},
		{
			name: "single spendable output (OP_RETURN ignored): a sweep has no change",
			tx: graph.UTXOTx{Inputs: []graph.TxIn{hin(hWPKH1, 1e8)},
				Outputs: []graph.TxOut{hout(0, hPKH1, 99_990_000, "p2pkh"), hout(1, "", 0, "op_return")}},
			vout: -1, ok: false,
		},
		{
			name: "coinbase",
			tx:   graph.UTXOTx{Coinbase: true, Outputs: []graph.TxOut{hout(0, hPKH1, 1, "p2pkh"), hout(1, hWPKH1, 100_000, "p2wpkh")}},
			vout: -1, ok: false,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, r, ok := DetectChange(&c.tx)
			if v != c.vout || ok != c.ok || !reflect.DeepEqual(r, c.reasons) {
				t.Errorf("DetectChange = %d %q %v, want %d %q %v", v, r, ok, c.vout, c.reasons, c.ok)
			}
		})
	}
}

func TestIsCoinJoin(t *testing.T) {
	peers := []string{hWPKH1, hTR, hPKH1, hPKH2, hSH}
	whirl := graph.UTXOTx{}
	for i, a := range peers {
		whirl.Inputs = append(whirl.Inputs, hin(a, 150_000_000))
		whirl.Outputs = append(whirl.Outputs, hout(uint32(i), a+"x", 100_000_000, "p2wpkh"))
	}
	for i, a := range peers {
		whirl.Outputs = append(whirl.Outputs, hout(uint32(5+i), a+"c", 49_998_000, "p2wpkh"))
	}
	three := graph.UTXOTx{Inputs: []graph.TxIn{hin(hPKH1, 1e8), hin(hPKH2, 1e8), hin(hSH, 1e8)},
		Outputs: []graph.TxOut{hout(0, "a", 9e7, ""), hout(1, "b", 9e7, ""), hout(2, "c", 9e7, ""), hout(3, "d", 29_990_000, "")}}
	two := three
	two.Outputs = []graph.TxOut{hout(0, "a", 9e7, ""), hout(1, "b", 9e7, ""), hout(2, "c", 1e8, ""), hout(3, "d", 29_990_000, "")}
	batch := graph.UTXOTx{Inputs: []graph.TxIn{hin(hPKH1, 1e9)},
		Outputs: []graph.TxOut{hout(0, "a", 1e8, ""), hout(1, "b", 1e8, ""), hout(2, "c", 1e8, ""), hout(3, "d", 1e8, "")}}
	oneOwner := graph.UTXOTx{Inputs: []graph.TxIn{hin(hPKH1, 1e8), hin(hPKH1, 1e8), hin(hPKH1, 1e8)},
		Outputs: []graph.TxOut{hout(0, "a", 9e7, ""), hout(1, "b", 9e7, ""), hout(2, "c", 9e7, "")}}
	sameAddr := three
	sameAddr.Outputs = []graph.TxOut{hout(0, "a", 9e7, ""), hout(1, "a", 9e7, ""), hout(2, "a", 9e7, "")}
	fewInputs := graph.UTXOTx{Inputs: []graph.TxIn{hin(hPKH1, 2e8), hin(hPKH2, 2e8)},
		Outputs: []graph.TxOut{hout(0, "a", 1e8, ""), hout(1, "b", 1e8, ""), hout(2, "c", 1e8, "")}}
	for name, c := range map[string]struct {
		tx   graph.UTXOTx
		want bool
	}{
		"whirlpool-like 5×5 with change":  {whirl, true},
		"three equal of three owners":     {three, true},
		"only two equal outputs":          {two, false},
		"batch payout from one input":     {batch, false},
		"all inputs from one address":     {oneOwner, false},
		"equal outputs to one address":    {sameAddr, false},
		"fewer inputs than equal outputs": {fewInputs, false},
	} {
		if got := IsCoinJoin(&c.tx); got != c.want {
			t.Errorf("%s: IsCoinJoin = %v, want %v", name, got, c.want)
		}
	}
	// DetectChange refuses CoinJoins.
	if _, _, ok := DetectChange(&whirl); ok {
		t.Error("change detected inside a CoinJoin")
	}
}
