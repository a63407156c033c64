package layering

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/chaintrace/chaintrace/"

// imports maps every package of the module to the module packages it imports
// (tests excluded: a test may reach across layers to check them).
func imports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", mod+"...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		p := strings.TrimPrefix(f[0], mod)
		m[p] = []string{}
		for _, i := range f[1:] {
			if strings.HasPrefix(i, mod) {
				m[p] = append(m[p], strings.TrimPrefix(i, mod))
			}
		}
	}
	return m
}

func under(p, prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }

func TestLayering(t *testing.T) {
	m := imports(t)
	for _, must := range []string{"chainid", "internal/httpx", "graph", "trace", "casestore", "labels", "chains", "chains/evm", "chains/bitcoin", "internal/opening", "cmd/chaintrace"} {
		if _, ok := m[must]; !ok {
			t.Fatalf("go list does not show %s: the test reads the wrong module", must)
		}
	}
	// allowed lists, for each guarded package, the module packages it may import.
	allowed := map[string][]string{
		"chainid":        {},
		"internal/httpx": {},
		"graph":          {"chainid", "internal/escape"},
		"trace":          {"chainid", "graph", "internal/escape"},
	}
	for p, want := range allowed {
		for _, i := range m[p] {
			ok := false
			for _, w := range want {
				ok = ok || i == w
			}
			if !ok {
				t.Errorf("%s imports %s: %s may import only %v", p, i, p, want)
			}
		}
	}
	// forbidden: the data layer (adapters, case store, labels) never reaches up
	// to the opening layer or the commands, nor sideways into each other.
	upper := []string{"cmd", "internal/opening", "internal/casecheck", "report", "render", "watch"}
	data := []string{"chains", "casestore", "labels"}
	for p, is := range m {
		for _, i := range is {
			for _, d := range data {
				if !under(p, d) {
					continue
				}
				for _, u := range upper {
					if under(i, u) {
						t.Errorf("%s imports %s: the data layer (chains/*, casestore, labels) must not import %s", p, i, u)
					}
				}
				for _, other := range data {
					if other != d && under(i, other) && !(d == "chains" && p == "chains") {
						t.Errorf("%s imports %s: chains/*, casestore and labels are siblings", p, i)
					}
				}
			}
			if under(p, "internal/opening") {
				for _, u := range []string{"cmd", "internal/casecheck", "report", "render", "watch"} {
					if under(i, u) {
						t.Errorf("internal/opening imports %s: the opening layer sits below the commands", i)
					}
				}
			}
			// the commands open sources only through the opening layer
			if under(p, "cmd") && under(i, "chains") {
				t.Errorf("%s imports %s: commands open sources through internal/opening", p, i)
			}
		}
	}
}
