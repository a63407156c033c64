package casecheck

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/internal/escape"
)

// Outcome is the result of checking one spec.
type Outcome struct {
	Spec     string // spec file
	Name     string
	Failures []Failure
	Err      error // the spec could not be checked (bad spec, unreadable case, trace error)
	Updated  bool  // --update rewrote the expectations
	Duration time.Duration
}

// BadSpec reports whether the spec itself is at fault (exit code 2).
func (o Outcome) BadSpec() bool { return errors.Is(o.Err, ErrBadSpec) }

// Passed reports whether every expectation held.
func (o Outcome) Passed() bool { return o.Err == nil && len(o.Failures) == 0 }

// Check runs one spec; with update it rewrites the spec's expectations from the
// result instead of comparing.
func Check(ctx context.Context, path string, update bool) Outcome {
	start := time.Now()
	out := Outcome{Spec: path, Name: path}
	s, err := Load(path)
	if err != nil {
		out.Err = err
		return out
	}
	out.Name = s.Name
	r, err := Trace(ctx, s)
	if err != nil {
		out.Err = err
		out.Duration = time.Since(start)
		return out
	}
	if update {
		out.Err = Update(s, r)
		out.Updated = out.Err == nil
	} else {
		out.Failures = Evaluate(s, r)
	}
	out.Duration = time.Since(start)
	return out
}

// Report writes a human summary of outcomes to w.
func Report(w io.Writer, outs []Outcome) {
	pass := 0
	for _, o := range outs {
		switch {
		case o.Err != nil:
			fmt.Fprintf(w, "ERROR %s: %s\n", escape.Terminal(o.Spec), escape.Line(o.Err.Error(), escape.LineMax))
		case o.Updated:
			fmt.Fprintf(w, "UPDATED %s: expectations rewritten from the current result; review the diff before committing\n", o.Spec)
			pass++
		case len(o.Failures) > 0:
			fmt.Fprintf(w, "FAIL %s (%s): %d expectation(s) do not hold\n", o.Spec, o.Name, len(o.Failures))
			for _, f := range o.Failures {
				fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(escapeLines(f.String()), "\n", "\n  "))
			}
		default:
			fmt.Fprintf(w, "ok   %s (%s)\n", o.Spec, o.Name)
			pass++
		}
	}
	fmt.Fprintf(w, "%d of %d case spec(s) passed\n", pass, len(outs))
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes outcomes as JUnit XML: one testcase per spec, a failure
// carrying the readable diff, an error for a spec that could not be checked.
func WriteJUnit(w io.Writer, outs []Outcome) error {
	suite := junitSuite{Name: "chaintrace check"}
	var total time.Duration
	for _, o := range outs {
		c := junitCase{Name: o.Name, Classname: "chaintrace.check", File: o.Spec, Time: secs(o.Duration)}
		total += o.Duration
		switch {
		case o.Err != nil:
			c.Error = &junitMessage{Message: firstLine(o.Err.Error()), Type: "error", Body: o.Err.Error()}
			suite.Errors++
		case len(o.Failures) > 0:
			var b strings.Builder
			for _, f := range o.Failures {
				b.WriteString(f.String())
				b.WriteString("\n")
			}
			c.Failure = &junitMessage{Message: fmt.Sprintf("%d expectation(s) do not hold", len(o.Failures)), Type: "expectation", Body: b.String()}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(outs)
	suite.Time = secs(total)
	doc := junitSuites{Name: "chaintrace check", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// escapeLines makes each line of s safe for a terminal (labels and names in a
// failure come from case and label files).
func escapeLines(s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = escape.Terminal(l)
	}
	return strings.Join(ls, "\n")
}
