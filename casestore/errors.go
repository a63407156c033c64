package casestore

import (
	"errors"
	"fmt"
)

// ErrNotRecorded: a replayed case has no answer for a call the trace made.
var ErrNotRecorded = errors.New("not recorded in the case")

// ErrCorrupt: a case file fails its integrity checks (content hashes, root hash,
// SQLite structure) or is not a case at all.
var ErrCorrupt = errors.New("case file is corrupted")

// notRecorded names the missing call so the analyst knows what to fetch.
func notRecorded(call, arg string) error {
	return fmt.Errorf("%w: %s(%s) was not fetched when the case was recorded; run again with --rpc URL and --record NEW.case (a new case holding it) or --update-case (add it to this case) to fetch it from a node", ErrNotRecorded, call, arg)
}

// storedErr replays an error the live source returned while recording, with the
// same message (so output stays byte-identical) and the same sentinel.
type storedErr struct {
	msg      string
	sentinel error
}

func (e *storedErr) Error() string { return e.msg }
func (e *storedErr) Unwrap() error { return e.sentinel }
