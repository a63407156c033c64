package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	got := "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\n"
	d := Diff([]byte(want), []byte(got))
	for _, line := range []string{"- e", "+ E", "+ k", "  d", "  f"} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("diff lacks %q:\n%s", line, d)
		}
	}
	if strings.Contains(d, "  a\n") {
		t.Errorf("diff shows lines far from any change:\n%s", d)
	}
	if !strings.HasPrefix(d, "@@ want line 2 @@\n") {
		t.Errorf("diff does not start with the hunk header:\n%s", d)
	}
	if Diff([]byte(want), []byte(want)) != "" {
		t.Error("equal inputs must give no diff")
	}
	if d := Diff([]byte("x"), []byte("x\n")); !strings.Contains(d, "newline") {
		t.Errorf("a missing final newline must be said: %q", d)
	}
}

// Check passes on equal bytes and fails (through the testing.TB) on others.
func TestCheck(t *testing.T) {
	p := filepath.Join(t.TempDir(), "g.txt")
	os.WriteFile(p, []byte("one\ntwo\n"), 0o644)
	Check(t, p, []byte("one\ntwo\n"))
	ft := &fakeT{TB: t}
	Check(ft, p, []byte("one\n2\n"))
	if !strings.Contains(ft.msg, "- two") || !strings.Contains(ft.msg, "+ 2") || !strings.Contains(ft.msg, "-update") {
		t.Errorf("mismatch message: %q", ft.msg)
	}
}

type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Errorf(format string, a ...any) { f.msg = sprintf(format, a...) }

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
