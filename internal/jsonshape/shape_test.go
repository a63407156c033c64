package jsonshape

import (
	"reflect"
	"testing"
)

func mustOf(t *testing.T, s string) Shape {
	t.Helper()
	sh, err := Of([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func TestKinds(t *testing.T) {
	sh := mustOf(t, `{"a":"","b":"123","c":"0x7b","d":"00ab","e":"OK","f":1.5,"g":true,"h":null,"i":[{"j":1}]}`)
	want := map[string]Kind{"a": Empty, "b": Decimal, "c": HexQty, "d": BareHex, "e": Text, "f": Number, "g": Bool, "h": Null, "i": Array, "i[]": Object, "i[].j": Number, "$": Object}
	if len(sh) != len(want) {
		t.Errorf("paths %v", sh)
	}
	for p, k := range want {
		if !sh[p][k] || len(sh[p]) != 1 {
			t.Errorf("%s: %v, want %s", p, sh[p], k)
		}
	}
	if _, err := Of([]byte(`{"a":`)); err == nil {
		t.Error("broken JSON accepted")
	}
}

func TestCompare(t *testing.T) {
	pub := mustOf(t, `{"status":"1","result":[{"value":"5","to":"0xab","fn":"x()","blk":3}]}`)
	cases := []struct {
		name  string
		synth string
		known Known
		want  []string
	}{
		{"same", `{"status":"0","result":[{"value":"7","to":"","fn":"","blk":9}]}`, Known{}, nil},
		{"hex amount", `{"status":"1","result":[{"value":"0x5","to":"0xab","fn":"y()","blk":3}]}`, Known{},
			[]string{"result[].value: synthesised string(0x-hex), published string(decimal)"}},
		{"number as string", `{"status":"1","result":[{"value":"5","to":"0xab","fn":"x()","blk":"3"}]}`, Known{},
			[]string{"result[].blk: synthesised string(decimal), published number"}},
		{"lacks and adds", `{"status":"1","result":[{"value":"5","to":"0xab","blk":3,"extra":null}]}`, Known{},
			[]string{"synthesised answers add result[].extra (null), not in the published example",
				"synthesised answers lack result[].fn (published: string(text))"}},
		{"known", `{"status":"1","result":[{"value":"5","to":"0xab","blk":3,"extra":{"x":1}}]}`,
			Known{SynthLacks: map[string]string{"result[].fn": "why"}, SynthAdds: map[string]string{"result[].extra": "why"}}, nil},
		{"known kind", `{"status":"1","result":[{"value":"5","to":"0xab","fn":"x()","blk":null}]}`,
			Known{SynthKinds: map[string]string{"result[].blk null": "why"}}, nil},
		{"stale kind", `{"status":"1","result":[{"value":"5","to":"0xab","fn":"x()","blk":3}]}`,
			Known{SynthKinds: map[string]string{"result[].blk null": "why"}},
			[]string{"known difference no longer seen: synthesised kind result[].blk null (why)"}},
		{"stale known", `{"status":"1","result":[{"value":"5","to":"0xab","fn":"x()","blk":3}]}`,
			Known{SynthLacks: map[string]string{"result[].fn": "because"}},
			[]string{"known difference no longer seen: synthesised answers lack result[].fn (because)"}},
	}
	for _, c := range cases {
		got := Compare(pub, mustOf(t, c.synth), c.known)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestSub(t *testing.T) {
	sh := mustOf(t, `{"calls":{"k":{"result":[{"a":1}]}}}`)
	sub := sh.Sub("calls.k.result")
	if !sub["$"][Array] || !sub["[]"][Object] || !sub["[].a"][Number] || len(sub) != 3 {
		t.Errorf("sub %v", sub)
	}
}
