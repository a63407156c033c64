package labels

import (
	"fmt"
	"strings"

	"github.com/chaintrace/chaintrace/trace"
)

// FieldError is one problem in a label file. Line is 1-based; 0 means the whole file.
type FieldError struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"message"`
}

func (e FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// FileErrors is every problem found in one label file. It wraps trace.ErrBadInput
// so the CLI maps it to the bad-input exit code.
type FileErrors []FieldError

func (fe FileErrors) Error() string {
	if len(fe) == 1 {
		return fe[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors in %s:", len(fe), fe[0].File)
	for _, e := range fe {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, trace.ErrBadInput) true.
func (fe FileErrors) Unwrap() error { return trace.ErrBadInput }

// errs collects FieldErrors for one file.
type errs struct {
	file string
	list FileErrors
}

func (e *errs) add(line int, field, format string, args ...any) {
	e.list = append(e.list, FieldError{File: e.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	return e.list
}
