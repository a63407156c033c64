package labels

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: a label file (CSV or GraphSense TagPack YAML) parses or fails with
// errors, never panics; and whatever parses cleanly from a CSV writes back
// (WriteCSV, formula cells protected) and reads back to the same labels.
func FuzzParse(f *testing.F) {
	f.Add(false, []byte("chain,address,label,category,source,confidence\neth,0x28c6c06298d514db089934071355e5743bf21d60,Binance 14,exchange,https://x,90\n"))
	f.Add(false, []byte("chain,address,label,category,source,confidence,dest_chain\nevm,0x28c6c06298d514db089934071355e5743bf21d60,\"=HYPERLINK(\"\"x\"\")\",bridge,+cmd,50,btc\n"))
	f.Add(false, []byte("chain,address,label,category,source,confidence\nbtc,bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4,\x1b[2J\u009b,mixer,'-x,0\n"))
	f.Add(true, []byte("title: t\ncreator: c\nsource: https://s\nconfidence: forensic\ncurrency: BTC\ncategory: mixing_service\ntags:\n- address: 34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo\n  label: L\n"))
	f.Add(true, []byte("tags: [{address: 1, label: [x]}]\n"))
	if ms, _ := filepath.Glob("testdata/*"); len(ms) > 0 {
		for _, m := range ms {
			if b, err := os.ReadFile(m); err == nil {
				f.Add(filepath.Ext(m) == ".yaml" || filepath.Ext(m) == ".yml", b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, yaml bool, data []byte) {
		name := "fuzz.csv"
		if yaml {
			name = "fuzz.yaml"
		}
		es, _, err := Parse(name, data)
		if err != nil || yaml || len(es) == 0 {
			return
		}
		var b bytes.Buffer
		if err := WriteCSV(&b, es); err != nil {
			t.Fatal(err)
		}
		back, _, err := Parse("back.csv", b.Bytes())
		if err != nil {
			t.Fatalf("labels written by WriteCSV do not read back: %v\n%s", err, b.Bytes())
		}
		if len(back) != len(es) {
			t.Fatalf("%d labels written, %d read back", len(es), len(back))
		}
		for i := range es {
			a, c := es[i].Label, back[i].Label
			if a != c {
				t.Fatalf("label %d changed in a CSV round trip:\n %+v\n %+v", i, a, c)
			}
		}
	})
}
