package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "-" names standard output for every output flag. These used to panic on a nil
// writer (and exit 2): --nodes-out - and check --junit -.
func TestDashMeansStandardOutput(t *testing.T) {
	want := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	edgesCSV, nodesCSV := want("demo.csv"), want("demo-nodes.csv")
	pass, fail, _ := checkSpecs(t)

	for _, tc := range []struct {
		name     string
		args     func(dir string) []string
		code     int
		stdout   func(t *testing.T, out string) // nil: not checked
		stderr   []string                       // substrings
		file     string                         // written into dir, compared with fileWant
		fileWant string
	}{
		{
			name: "nodes to stdout, edges to a file",
			args: func(d string) []string {
				return []string{"trace", "--case", "demo", "-f", "csv", "--out", filepath.Join(d, "e.csv"), "--nodes-out", "-"}
			},
			code:     exitOK,
			stdout:   func(t *testing.T, out string) { equal(t, "stdout", out, nodesCSV) },
			file:     "e.csv",
			fileWant: edgesCSV,
		},
		{
			name: "edges to stdout as -, nodes to a file",
			args: func(d string) []string {
				return []string{"trace", "--case", "demo", "-f", "csv", "--out", "-", "--nodes-out", filepath.Join(d, "n.csv")}
			},
			code:     exitOK,
			stdout:   func(t *testing.T, out string) { equal(t, "stdout", out, edgesCSV) },
			file:     "n.csv",
			fileWant: nodesCSV,
		},
		{
			name:   "both on stdout (default --out)",
			args:   func(string) []string { return []string{"trace", "--case", "demo", "-f", "csv", "--nodes-out", "-"} },
			code:   exitInput,
			stdout: func(t *testing.T, out string) { equal(t, "stdout", out, "") },
			stderr: []string{"--nodes-out -", "standard output", "--out FILE"},
		},
		{
			name: "both on stdout (--out -)",
			args: func(string) []string {
				return []string{"trace", "--case", "demo", "-f", "csv", "--out", "-", "--nodes-out", "-"}
			},
			code:   exitInput,
			stderr: []string{"--nodes-out -"},
		},
		{
			name: "junit to stdout, passing spec",
			args: func(string) []string { return []string{"check", "--junit", "-", pass} },
			code: exitOK,
			stdout: func(t *testing.T, out string) {
				junitCounts(t, out, 1, 0)
			},
			stderr: []string{"ok   " + pass},
		},
		{
			name: "junit to stdout, failing spec",
			args: func(string) []string { return []string{"check", "--junit", "-", pass, fail} },
			code: exitCheck,
			stdout: func(t *testing.T, out string) {
				junitCounts(t, out, 2, 1)
			},
			stderr: []string{"FAIL " + fail, "1 of 2 case spec(s) passed"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runCLI(t, nil, tc.args(dir)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.out, r.errOut)
			}
			if tc.stdout != nil {
				tc.stdout(t, r.out)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.errOut)
				}
			}
			if tc.file != "" {
				b, err := os.ReadFile(filepath.Join(dir, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				equal(t, tc.file, string(b), tc.fileWant)
			}
		})
	}
}

func equal(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %d bytes, want %d:\n%s", what, len(got), len(want), got)
	}
}

func junitCounts(t *testing.T, out string, tests, failures int) {
	t.Helper()
	var doc struct {
		XMLName  xml.Name
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one XML document: %v\n%s", err, out)
	}
	if doc.Tests != tests || doc.Failures != failures {
		t.Errorf("junit: %d tests, %d failures; want %d, %d\n%s", doc.Tests, doc.Failures, tests, failures, out)
	}
}
