package main

import (
	"errors"
	"fmt"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Exit codes. They are the whole contract with scripts, so they live here and
// nowhere else.
const (
	exitOK      = 0
	exitRuntime = 1 // the data source failed, the trace was interrupted, an output could not be written
	exitInput   = 2 // the command line, a seed, a case or label file is wrong
	exitCheck   = 3 // `chaintrace check`: the trace ran but did not meet its expectations
)

// errCheckFailed is wrapped by commands that compare a trace with expectations.
var errCheckFailed = errors.New("expectations not met")

// badInput returns an error that exits with code 2. The message names the
// value that was wrong and says what was expected.
func badInput(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{trace.ErrBadInput}, a...)...)
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errCheckFailed):
		return exitCheck
	case errors.Is(err, trace.ErrBadInput), errors.Is(err, graph.ErrBadAmount):
		return exitInput
	default: // including context.Canceled: an interrupted trace

		return exitRuntime
	}
}
