// Package jsonshape describes the shape of JSON answers — every field path with
// the kinds of value seen at it — so that two answers of one API can be compared
// field by field without comparing their values. Tests use it to hold the
// synthesised provider answers (testdata/*/*_synth.json) against the examples the
// providers publish (testdata/providerdocs).
//
// A path joins object keys with "." and marks array elements with "[]":
// "result[].value", "vin[].prevout.value", "[].status.confirmed".
package jsonshape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Kind is the kind of one JSON value. Strings are split by what they hold,
// because a provider's amounts are "123" on one API and "0x7b" on another.
type Kind string

// The kinds of JSON values.
const (
	Null    Kind = "null"
	Bool    Kind = "bool"
	Number  Kind = "number"
	Object  Kind = "object"
	Array   Kind = "array"
	Empty   Kind = "string(empty)"   // ""
	Decimal Kind = "string(decimal)" // "123"
	HexQty  Kind = "string(0x-hex)"  // "0x7b", "0xabc…" (quantities, hashes, addresses)
	BareHex Kind = "string(hex)"     // "00ab…" (Bitcoin txids, scripts)
	Text    Kind = "string(text)"    // anything else
)

var (
	decimalRE = regexp.MustCompile(`^[0-9]+$`)
	hexQtyRE  = regexp.MustCompile(`^0x[0-9a-fA-F]*$`)
	bareHexRE = regexp.MustCompile(`^[0-9a-fA-F]+$`)
)

func stringKind(s string) Kind {
	switch {
	case s == "":
		return Empty
	case decimalRE.MatchString(s):
		return Decimal
	case hexQtyRE.MatchString(s):
		return HexQty
	case bareHexRE.MatchString(s):
		return BareHex
	}
	return Text
}

func isString(k Kind) bool { return strings.HasPrefix(string(k), "string") }

// compatible reports whether a value of kind a where the other answer has b is
// the same type: equal kinds, an empty string where the other has a string, or
// a bare-hex string that happens to be all digits.
func compatible(a, b Kind) bool {
	switch {
	case a == b:
		return true
	case (a == Empty && isString(b)) || (b == Empty && isString(a)):
		return true
	case (a == Decimal && b == BareHex) || (a == BareHex && b == Decimal):
		return true
	}
	return false
}

// Shape maps each path to the kinds seen there.
type Shape map[string]map[Kind]bool

// Of returns the shape of JSON data (one or more documents may be merged with Add).
func Of(data []byte) (Shape, error) {
	s := Shape{}
	return s, s.Add(data)
}

// Add merges the shape of data into s. Numbers are read as json.Number, so a
// float is a number like any other (the Kind does not tell 1 from 1.5).
func (s Shape) Add(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("jsonshape: %w", err)
	}
	s.walk("", v)
	return nil
}

// AddValue merges the shape of an already decoded value (from json.Unmarshal
// into any, or built by hand) into s.
func (s Shape) AddValue(v any) { s.walk("", v) }

func (s Shape) put(path string, k Kind) {
	if path == "" {
		path = "$"
	}
	if s[path] == nil {
		s[path] = map[Kind]bool{}
	}
	s[path][k] = true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (s Shape) walk(path string, v any) {
	switch x := v.(type) {
	case nil:
		s.put(path, Null)
	case bool:
		s.put(path, Bool)
	case json.Number, float64, int, int64, uint64:
		s.put(path, Number)
	case string:
		s.put(path, stringKind(x))
	case []any:
		s.put(path, Array)
		for _, e := range x {
			s.walk(path+"[]", e)
		}
	case map[string]any:
		s.put(path, Object)
		for k, e := range x {
			s.walk(join(path, k), e)
		}
	default:
		panic(fmt.Sprintf("jsonshape: unexpected %T at %s", v, path))
	}
}

// Sub returns the part of s under prefix (a path such as "result[]"), with
// paths relative to it. The prefix itself becomes "$".
func (s Shape) Sub(prefix string) Shape {
	out := Shape{}
	for p, ks := range s {
		var rel string
		switch {
		case p == prefix:
			rel = "$"
		case strings.HasPrefix(p, prefix+"."):
			rel = p[len(prefix)+1:]
		case strings.HasPrefix(p, prefix+"[]"):
			rel = p[len(prefix):]
		default:
			continue
		}
		for k := range ks {
			out.put(rel, k)
		}
	}
	return out
}

// Known lists differences that are expected and explained: fields the
// published example has and the synthesised answers lack (SynthLacks), and the
// reverse (SynthAdds). A listed path covers the paths under it. Each entry says
// why, so the test output explains itself.
type Known struct {
	SynthLacks map[string]string
	SynthAdds  map[string]string
	// SynthKinds lists kinds the synthesised answers have at a path where the
	// published example shows another, keyed "path kind" ("vin[].prevout null").
	SynthKinds map[string]string
}

func covered(path string, list map[string]string) (string, bool) {
	for p := range list {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[]") {
			return p, true
		}
	}
	return "", false
}

func kinds(m map[Kind]bool) string {
	var l []string
	for k := range m {
		l = append(l, string(k))
	}
	sort.Strings(l)
	return strings.Join(l, "|")
}

// Compare checks synth against published: every published field must be in
// synth (unless known), every synth field must be in published (unless known),
// and every kind synth has at a path must be compatible with a kind published
// has there. A Known entry that covers no actual difference is reported too, so
// the list cannot go stale. The result is sorted; empty means they agree.
func Compare(published, synth Shape, known Known) []string {
	var out []string
	used := map[string]bool{}
	for p, pk := range published {
		sk, ok := synth[p]
		if !ok {
			if k, ok := covered(p, known.SynthLacks); ok {
				used["lacks "+k] = true
				continue
			}
			out = append(out, fmt.Sprintf("synthesised answers lack %s (published: %s)", p, kinds(pk)))
			continue
		}
		for k := range sk {
			match := false
			for q := range pk {
				if compatible(k, q) {
					match = true
				}
			}
			if key := p + " " + string(k); !match && known.SynthKinds[key] != "" {
				used["kind "+key] = true
			} else if !match {
				out = append(out, fmt.Sprintf("%s: synthesised %s, published %s", p, k, kinds(pk)))
			}
		}
	}
	for p, sk := range synth {
		if _, ok := published[p]; ok {
			continue
		}
		if k, ok := covered(p, known.SynthAdds); ok {
			used["adds "+k] = true
			continue
		}
		out = append(out, fmt.Sprintf("synthesised answers add %s (%s), not in the published example", p, kinds(sk)))
	}
	for k, why := range known.SynthLacks {
		if !used["lacks "+k] {
			out = append(out, fmt.Sprintf("known difference no longer seen: synthesised answers lack %s (%s)", k, why))
		}
	}
	for k, why := range known.SynthAdds {
		if !used["adds "+k] {
			out = append(out, fmt.Sprintf("known difference no longer seen: synthesised answers add %s (%s)", k, why))
		}
	}
	for k, why := range known.SynthKinds {
		if !used["kind "+k] {
			out = append(out, fmt.Sprintf("known difference no longer seen: synthesised kind %s (%s)", k, why))
		}
	}
	sort.Strings(out)
	return out
}
