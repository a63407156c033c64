package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutNeverOverwritesSilently(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo.json")
	if r := runCLI(t, nil, "trace", "--case", "demo", "-f", "json", "-o", out); r.code != 0 {
		t.Fatalf("first write: exit %d: %s", r.code, r.errOut)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("output file mode %v (err %v), want 0644", st.Mode().Perm(), err)
	}
	os.WriteFile(out, []byte("evidence"), 0o640)
	os.Chmod(out, 0o640)
	r := runCLI(t, nil, "trace", "--case", "demo", "-f", "json", "-o", out)
	if b, _ := os.ReadFile(out); r.code != exitInput || !strings.Contains(r.errOut, "exists; add --force") || string(b) != "evidence" {
		t.Errorf("second write without --force: exit %d, stderr %q, file %q", r.code, r.errOut, b)
	}
	r = runCLI(t, nil, "trace", "--case", "demo", "-f", "json", "-o", out, "--force")
	b, _ := os.ReadFile(out)
	st, _ = os.Stat(out)
	if r.code != 0 || !strings.HasPrefix(string(b), "{") || st.Mode().Perm() != 0o640 {
		t.Errorf("--force: exit %d, mode %v (want the old 0640 kept), file %.20q", r.code, st.Mode().Perm(), b)
	}
	// A device is not a file to protect, and stays a device (a rename over
	// it would replace /dev/null with a regular file).
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Skipf("%s is not a device on this machine", os.DevNull)
	}
	if r := runCLI(t, nil, "trace", "--case", "demo", "-o", os.DevNull); r.code != 0 {
		t.Errorf("-o %s: exit %d: %s", os.DevNull, r.code, r.errOut)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("-o %s replaced the device with a regular file", os.DevNull)
	}
}

func TestDepositLabelCategory(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "dep.csv")
	os.WriteFile(f, []byte("chain,address,label,category,source,confidence\neth,0xff6c168573Cc177158D82bfEA8Fa1FF0805c89B4,Exchange Z deposit (demo),deposit,exchange answer,95\n"), 0o644)
	if r := runCLI(t, nil, "labels", "validate", f); r.code != 0 || !strings.Contains(r.out, "OK") {
		t.Fatalf("labels validate with category deposit: exit %d: %s%s", r.code, r.out, r.errOut)
	}
	r := runCLI(t, nil, "trace", "--case", "demo", "--labels", f, "--width", "0")
	if r.code != 0 || !strings.Contains(r.out, "exchange-deposit  0xff6c168573Cc177158D82bfEA8Fa1FF0805c89B4  Exchange Z deposit (demo)") {
		t.Errorf("a labelled deposit is not an exchange-deposit endpoint: exit %d\n%s", r.code, r.out)
	}
}
