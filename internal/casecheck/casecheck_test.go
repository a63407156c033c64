package casecheck

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

func TestPassingSpec(t *testing.T) {
	o := Check(context.Background(), "testdata/pass.yaml", false)
	if !o.Passed() {
		t.Fatalf("err %v, failures %v", o.Err, o.Failures)
	}
}

// copySpec copies testdata into a temp dir, applying edits to the spec text.
func copySpec(t *testing.T, edits ...[2]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"small.json", "labels.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	b, _ := os.ReadFile("testdata/pass.yaml")
	s := string(b)
	for _, e := range edits {
		if !strings.Contains(s, e[0]) {
			t.Fatalf("edit %q not in spec", e[0])
		}
		s = strings.Replace(s, e[0], e[1], 1)
	}
	p := filepath.Join(dir, "spec.yaml")
	os.WriteFile(p, []byte(s), 0o644)
	return p
}

func TestFailingSpecDiff(t *testing.T) {
	p := copySpec(t, [2]string{`amount: "2000"`, `amount: "2001"`}, [2]string{`unspent: "3998"`, `unspent: "4000..5000"`})
	o := Check(context.Background(), p, false)
	if o.Err != nil || len(o.Failures) != 2 {
		t.Fatalf("err %v, failures %v", o.Err, o.Failures)
	}
	var b bytes.Buffer
	Report(&b, []Outcome{o})
	out := b.String()
	for _, want := range []string{
		"FAIL " + p,
		"expect.endpoints[0] {kind: exchange, label: TestEx, asset: ETH}",
		"- want amount 2001 (0.000000000000002001 ETH)",
		"+ got  amount 2000 (0.000000000000002 ETH) in 1 endpoint(s) at 0x4444444444444444444444444444444444444444",
		"expect.totals.ETH.by_kind.unspent",
		"- want 4000..5000 (0.000000000000004..0.000000000000005 ETH)",
		"+ got  3998 (0.000000000000003998 ETH)",
		"0 of 1 case spec(s) passed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestUntracedShareAndCount(t *testing.T) {
	p := copySpec(t, [2]string{`count: 2`, `count: 3`}, [2]string{"hops: 5", "hops: 1"})
	o := Check(context.Background(), p, false)
	// with one hop the mule's 1000 is beyond the hop limit: untraced 1000 of 6000 > 0.
	var got []string
	for _, f := range o.Failures {
		got = append(got, f.Where)
	}
	s := strings.Join(got, "|")
	if !strings.Contains(s, "expect.endpoints[1]") || !strings.Contains(s, "max_untraced_share (ETH)") {
		t.Fatalf("failures = %v", o.Failures)
	}
}

func TestBadSpecs(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown field", "policy: haircut", "polcy: haircut", "polcy"},
		{"bad amount", `amount: "2000"`, `amount: "2,000"`, "not a non-negative base-unit integer"},
		{"bad policy", "policy: haircut", "policy: fair", "unknown policy"},
		{"missing case", "case: small.json", "case: nope.json", "nope.json"},
		{"wrong chain", "chain: eth", "chain: btc", `chain "btc"`},
		{"empty range", `amount: "900..1100"`, `amount: "1100..900"`, "empty"},
		// a misspelt key is named with the keys that part takes, no Go type name
		{"misspelt top key", "policy: haircut", "polcy: haircut", `unknown key "polcy" (keys here: name, case, chain, seeds, policy, options`},
		{"misspelt endpoint key", "label: TestEx", "lable: TestEx", `unknown key "lable" (keys here: kind, label, address, asset, amount, count)`},
		{"count not a number", "count: 2", "count: two", `"two" is not a whole number`},
		// an invalid kind is a spec error, not an expectation that fails
		{"invalid kind", "kind: exchange", "kind: exchnage", `expect.endpoints[0].kind "exchnage" is not an endpoint kind (want one of exchange, exchange-deposit`},
		{"invalid by_kind", "exchange: \"2000\"", "exchnage: \"2000\"", `expect.totals.ETH.by_kind.exchnage: "exchnage" is not an endpoint kind`},
		{"misspelt option", "hops: 5", "hopz: 5", "options.hopz (line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Check(context.Background(), copySpec(t, [2]string{tc.from, tc.to}), false)
			if o.Err == nil || !strings.Contains(o.Err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", o.Err, tc.want)
			}
			if tc.name != "missing case" && !o.BadSpec() {
				t.Errorf("not classified as a bad spec: %v", o.Err)
			}
			if strings.Contains(o.Err.Error(), "casecheck.") || strings.Contains(o.Err.Error(), "unmarshal") {
				t.Errorf("a Go name leaks into the message: %v", o.Err)
			}
		})
	}
}

func TestJUnitWellFormed(t *testing.T) {
	pass := Check(context.Background(), "testdata/pass.yaml", false)
	fail := Check(context.Background(), copySpec(t, [2]string{`amount: "2000"`, `amount: "1"`}), false)
	bad := Check(context.Background(), filepath.Join(t.TempDir(), "missing.yaml"), false)
	var b bytes.Buffer
	if err := WriteJUnit(&b, []Outcome{pass, fail, bad}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("junit = %+v", doc)
	}
	cs := doc.Suites[0].Cases
	if cs[0].Name != "small-pass" || cs[0].Failure != nil || cs[0].Error != nil {
		t.Errorf("passing case = %+v", cs[0])
	}
	if cs[1].Failure == nil || !strings.Contains(cs[1].Failure.Body, "- want amount 1") {
		t.Errorf("failing case = %+v", cs[1])
	}
	if cs[2].Error == nil || !strings.Contains(cs[2].Error.Message, "missing.yaml") {
		t.Errorf("error case = %+v", cs[2])
	}
}

func TestUpdateRewritesExpectations(t *testing.T) {
	p := copySpec(t, [2]string{`amount: "2000"`, `amount: "1" # was wrong`}, [2]string{`count: 2`, `count: 7`},
		[2]string{`unspent: "3998"`, `unspent: "1"`}, [2]string{"    - address:", "    # the mule, by hand\n    - address:"})
	if o := Check(context.Background(), p, false); o.Passed() {
		t.Fatal("edited spec passes")
	}
	if o := Check(context.Background(), p, true); o.Err != nil || !o.Updated {
		t.Fatalf("update: %+v", o)
	}
	b, _ := os.ReadFile(p)
	s := string(b)
	for _, want := range []string{
		"# A passing spec", // comments are kept, outside expect and in it
		"# was wrong",
		"# the mule, by hand",
		"max_untraced_share: \"0\"",
		"amount: \"2000\"", // what no longer held is set exactly
		"count: 2",
		"unspent: \"3998\"",
		"amount: \"900..1100\"", // a range that still holds stays a range
		"exchange: \"2000\"",
		"seed: \"6000\"",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("updated spec lacks %q:\n%s", want, s)
		}
	}
	// the expectations keep their order: exchange, unspent, the mule
	if i, j, k := strings.Index(s, "label: TestEx"), strings.Index(s, "kind: unspent"), strings.Index(s, "0x2222"); !(i < j && j < k) {
		t.Errorf("the expectations were reordered:\n%s", s)
	}
	if o := Check(context.Background(), p, false); !o.Passed() {
		t.Fatalf("updated spec fails: %v %v", o.Err, o.Failures)
	}
}

// The same spec holds on a SQLite recording of the JSON case: recording and
// replay do not change what the trace concludes.
func TestSpecOnRecordedCase(t *testing.T) {
	dir := t.TempDir()
	c, err := jsoncase.Load("testdata/small.json")
	if err != nil {
		t.Fatal(err)
	}
	casePath := filepath.Join(dir, "small.case")
	st, err := casestore.Create(casePath, casestore.Meta{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := labels.Load(true, "testdata/labels.csv")
	if _, err := trace.Run(context.Background(), casestore.Record(c.Source(), st), []string{"0x0000000000000000000000000000000000000000000000000000000000000002"}, trace.Options{Labels: ls}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	p := copySpec(t, [2]string{"case: small.json", "case: " + casePath})
	if o := Check(context.Background(), p, false); !o.Passed() {
		t.Fatalf("on the recorded case: %v %v", o.Err, o.Failures)
	}
	if errors.Is(nil, casestore.ErrCorrupt) {
		t.Fatal()
	}
}

// --update appends what no expectation covers and drops what selects nothing.
func TestUpdateAppendsUncovered(t *testing.T) {
	p := copySpec(t, [2]string{"    - kind: unspent\n      asset: ETH\n      amount: \"3998\"\n      count: 2\n", "    - kind: mixer\n      amount: \"5\"\n"})
	if o := Check(context.Background(), p, true); o.Err != nil || !o.Updated {
		t.Fatalf("update: %+v", o)
	}
	b, _ := os.ReadFile(p)
	s := string(b)
	if strings.Contains(s, "kind: mixer") || !strings.Contains(s, "kind: unspent") || strings.Index(s, "label: TestEx") > strings.Index(s, "kind: unspent") {
		t.Errorf("update did not drop the empty selection and append the uncovered unspent endpoints after the kept ones:\n%s", s)
	}
	if o := Check(context.Background(), p, false); !o.Passed() {
		t.Fatalf("updated spec fails: %v %v", o.Err, o.Failures)
	}
}
