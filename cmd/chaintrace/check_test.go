package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkSpecs copies the casecheck test case and writes a passing and a failing spec.
func checkSpecs(t *testing.T) (pass, fail, bad string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"small.json", "labels.csv", "pass.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "internal", "casecheck", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	pass = filepath.Join(dir, "pass.yaml")
	b, _ := os.ReadFile(pass)
	fail = filepath.Join(dir, "fail.yaml")
	// the exchange received 2000 (hand-checked in pass.yaml); expect 2500 instead
	os.WriteFile(fail, []byte(strings.Replace(string(b), `amount: "2000"`, `amount: "2500"`, 1)), 0o644)
	bad = filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("case: small.json\nexpect:\n  endpoints:\n    - kind: exchange\n      amount: lots\n"), 0o644)
	return pass, fail, bad
}

func TestCheckCommand(t *testing.T) {
	pass, fail, bad := checkSpecs(t)
	junit := filepath.Join(t.TempDir(), "check.xml")

	if r := runCLI(t, nil, "check", pass); r.code != exitOK || !strings.Contains(r.out, "ok   "+pass) {
		t.Errorf("passing spec: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r := runCLI(t, nil, "check", "--junit", junit, pass, fail)
	if r.code != exitCheck {
		t.Errorf("failing spec: exit %d, want %d\n%s%s", r.code, exitCheck, r.out, r.errOut)
	}
	// Base units with the human amount beside them (2500 wei = 2.5e-15 ETH).
	for _, want := range []string{"FAIL " + fail, "- want amount 2500 (0.0000000000000025 ETH)", "+ got  amount 2000 (0.000000000000002 ETH)", "1 of 2 case spec(s) passed"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || doc.Tests != 2 || doc.Failures != 1 {
		t.Errorf("junit: %v %+v\n%s", err, doc, data)
	}
	if r := runCLI(t, nil, "check", bad); r.code != exitInput || !strings.Contains(r.out, "lots") {
		t.Errorf("bad spec: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// A misspelt kind or key is the spec's fault (exit 2, the key named, no Go
	// type name), not a conclusion that changed (exit 3).
	pb, _ := os.ReadFile(pass)
	for _, c := range []struct{ from, to, want string }{
		{"kind: exchange", "kind: exchnage", `expect.endpoints[0].kind "exchnage" is not an endpoint kind`},
		{"label: TestEx", "lable: TestEx", `unknown key "lable"`},
	} {
		p := filepath.Join(filepath.Dir(pass), "typo.yaml")
		os.WriteFile(p, []byte(strings.Replace(string(pb), c.from, c.to, 1)), 0o644)
		r := runCLI(t, nil, "check", p)
		if all := r.out + r.errOut; r.code != exitInput || !strings.Contains(all, c.want) || strings.Contains(all, "casecheck.") {
			t.Errorf("%s: exit %d (want %d)\n%s", c.to, r.code, exitInput, all)
		}
	}
	if r := runCLI(t, nil, "check"); r.code != exitInput {
		t.Errorf("no spec: exit %d", r.code)
	}
	// --update makes the failing spec pass
	if r := runCLI(t, nil, "check", "--update", fail); r.code != exitOK {
		t.Fatalf("update: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := runCLI(t, nil, "check", fail); r.code != exitOK {
		t.Errorf("after update: exit %d\n%s", r.code, r.out)
	}
	// --update edits the wrong value in place: the file is the passing spec
	// again, byte for byte, comments and order included.
	want := string(pb)
	if got, _ := os.ReadFile(fail); string(got) != want {
		t.Errorf("--update rewrote more than the failing value:\n%s", firstDiff(string(got), want))
	}
}

// The known-theft fixtures pass offline, and each case file verifies.
func TestFixturesPassOffline(t *testing.T) {
	specs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "cases", "*.yaml"))
	if len(specs) < 6 {
		t.Fatalf("%d fixture specs, want at least 6", len(specs))
	}
	r := runCLI(t, nil, append([]string{"check"}, specs...)...)
	if r.code != exitOK {
		t.Fatalf("check fixtures: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	cases, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "cases", "*.case"))
	if v := runCLI(t, nil, append([]string{"case", "verify"}, cases...)...); v.code != exitOK || len(cases) != len(specs) {
		t.Fatalf("verify %d cases: exit %d\n%s", len(cases), v.code, v.out)
	}
}
