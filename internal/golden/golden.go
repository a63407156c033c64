package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output (review the diff first)")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// Check compares got with the golden file at path, or rewrites the file (and
// its directory) under -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rerun with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update to rewrite it after review):\n%s", path, Diff(want, got))
	}
}

// context is how many equal lines Diff shows around each change.
const context = 3

// Diff returns a unified-style line diff from want to got ("-" want, "+" got),
// with line numbers of want. Equal inputs give "".
func Diff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	a, b := lines(want), lines(got)
	ops := diffLines(a, b)
	var out strings.Builder
	// Print only the hunks: changed lines with context around them.
	show := make([]bool, len(ops))
	for i, op := range ops {
		if op.kind != ' ' {
			for j := max(0, i-context); j <= min(len(ops)-1, i+context); j++ {
				show[j] = true
			}
		}
	}
	skipped := false
	for i, op := range ops {
		if !show[i] {
			skipped = true
			continue
		}
		if skipped || i == 0 {
			fmt.Fprintf(&out, "@@ want line %d @@\n", op.line)
			skipped = false
		}
		fmt.Fprintf(&out, "%c %s\n", op.kind, op.text)
	}
	if !bytes.HasSuffix(want, []byte("\n")) || !bytes.HasSuffix(got, []byte("\n")) {
		fmt.Fprintf(&out, "(want ends in newline: %v, got: %v)\n", bytes.HasSuffix(want, []byte("\n")), bytes.HasSuffix(got, []byte("\n")))
	}
	return out.String()
}

type op struct {
	kind byte // ' ', '-', '+'
	line int  // 1-based line in want where this op sits
	text string
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// maxCells bounds the LCS table; past it the diff falls back to replacing the
// differing middle wholesale (still exact, just less minimal).
const maxCells = 4 << 20

func diffLines(a, b []string) []op {
	// Common prefix and suffix first: goldens usually differ in a few lines.
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	var ops []op
	for i := 0; i < p; i++ {
		ops = append(ops, op{' ', i + 1, a[i]})
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	if (len(ma)+1)*(len(mb)+1) > maxCells {
		for i, l := range ma {
			ops = append(ops, op{'-', p + i + 1, l})
		}
		for _, l := range mb {
			ops = append(ops, op{'+', p + len(ma) + 1, l})
		}
	} else {
		// lcs[i][j] = LCS length of ma[i:] and mb[j:].
		lcs := make([][]int, len(ma)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(mb)+1)
		}
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				ops = append(ops, op{' ', p + i + 1, ma[i]})
				i++
				j++
			case j < len(mb) && (i == len(ma) || lcs[i][j+1] >= lcs[i+1][j]):
				ops = append(ops, op{'+', p + i + 1, mb[j]})
				j++
			default:
				ops = append(ops, op{'-', p + i + 1, ma[i]})
				i++
			}
		}
	}
	for k := len(a) - s; k < len(a); k++ {
		ops = append(ops, op{' ', k + 1, a[k]})
	}
	return ops
}
