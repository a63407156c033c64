package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/chaintrace/chaintrace/internal/casecheck"
	"github.com/chaintrace/chaintrace/render"
)

// Every known-theft spec, run by `check`, concludes exactly what `chaintrace
// trace` concludes on the same case with the spec's options given as flags:
// the fixtures run the configuration users run (one options type, one way to
// open a case).
func TestCheckRunsWhatTraceRuns(t *testing.T) {
	specs, _ := filepath.Glob("../../testdata/cases/*.yaml")
	if len(specs) == 0 {
		t.Fatal("no specs in testdata/cases")
	}
	for _, p := range specs {
		t.Run(filepath.Base(p), func(t *testing.T) {
			s, err := casecheck.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := casecheck.Trace(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			res.Tool = "chaintrace " + versionString()
			var want bytes.Buffer
			if err := render.WriteJSON(&want, res); err != nil {
				t.Fatal(err)
			}

			args := []string{"trace", "--case", s.CasePath(), "--format", "json", "-q"}
			for _, l := range s.LabelPaths() {
				args = append(args, "--labels", l)
			}
			if s.Policy != "" {
				args = append(args, "--policy", s.Policy)
			}
			if s.NoBuiltinLabels {
				args = append(args, "--no-builtin-labels")
			}
			m := s.Options
			for i := 0; i+1 < len(m.Content); i += 2 {
				v := m.Content[i+1]
				val := v.Value
				if v.Kind == yaml.SequenceNode {
					var items []string
					for _, it := range v.Content {
						items = append(items, it.Value)
					}
					val = strings.Join(items, ",")
				}
				args = append(args, "--"+m.Content[i].Value+"="+val)
			}
			args = append(args, s.Seeds...)
			r := runCLI(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("chaintrace %s: exit %d\n%s", strings.Join(args, " "), r.code, r.errOut)
			}
			if r.out != want.String() {
				t.Errorf("chaintrace %s differs from check's trace:\n%s", strings.Join(args, " "), firstDiff(r.out, want.String()))
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  trace: %s\n  check: %s", i+1, al[i], bl[i])
		}
	}
	return "lengths differ"
}
