package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/casecheck"
	"github.com/chaintrace/chaintrace/trace"
)

// Exit codes. They are the whole contract with scripts, so they live here and
// nowhere else.
const (
	exitOK      = 0
	exitRuntime = 1 // the data source failed, the trace was interrupted, an output could not be written
	exitInput   = 2 // the command line, a seed, a case or label file is wrong
	exitCheck   = 3 // `chaintrace check`: the trace ran but did not meet its expectations
	exitReached = 4 // `chaintrace watch --until exchange`: tainted funds reached an exchange
	exitBudget  = 5 // a budget (--max-requests, --timeout) ran out: the output holds the partial trace
)

// errCheckFailed is wrapped by commands that compare a trace with expectations.
var errCheckFailed = errors.New("expectations not met")

// badInput returns an error that exits with code 2. The message names the
// value that was wrong and says what was expected.
func badInput(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{trace.ErrBadInput}, a...)...)
}

// inputSentinels mark an error as the user's: a flag, a seed, an amount, a
// spec, a case file or a label file is wrong.
var inputSentinels = []error{
	trace.ErrBadInput, graph.ErrBadAmount, casecheck.ErrBadSpec,
	casestore.ErrCorrupt, casestore.ErrNotRecorded,
}

// exitCode maps an error to the process exit code. This is the one place that
// decides; elsewhere errors are only wrapped (with %w, so every cause stays
// visible here).
func exitCode(err error) int { return classify(err, false) }

// offlineExitCode is exitCode for a trace replayed from a case file with no
// network (chaintrace check): there, a transaction or address the case lacks
// is the case file's fault, not the machine's.
func offlineExitCode(err error) int { return classify(err, true) }

func classify(err error, offline bool) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errCheckFailed):
		return exitCheck
	case errors.Is(err, errReachedExchange):
		return exitReached
	case errors.Is(err, trace.ErrBudget):
		return exitBudget
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Interrupted or timed out, whatever else the error says: a dial that
		// was cancelled while opening a --rpc is not bad input.
		return exitRuntime
	case offline && errors.Is(err, trace.ErrNotFound):
		return exitInput
	}
	for _, s := range inputSentinels {
		if errors.Is(err, s) {
			return exitInput
		}
	}
	return exitRuntime // the data source failed, an output could not be written, …
}
