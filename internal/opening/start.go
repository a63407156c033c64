package opening

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// startValue is --from-block: a block number, or a date/time that the tracer
// resolves to the first block at or after it.
type startValue struct {
	block *uint64
	at    *time.Time
}

// startLayouts are the accepted date/time forms; a time without a zone is UTC.
var startLayouts = []string{
	time.RFC3339Nano,         // 2024-02-21T00:00:00Z, 2024-02-21T01:00:00+01:00
	"2006-01-02T15:04Z07:00", // 2024-02-21T00:00Z
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	time.DateOnly, // 2024-02-21 (midnight UTC)
}

func (f startValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		*f.block, *f.at = n, time.Time{}
		return nil
	}
	t, err := ParseStart(s)
	if err != nil {
		return err
	}
	*f.block, *f.at = 0, t
	return nil
}

// ParseStart reads a --from-block date/time.
func ParseStart(s string) (time.Time, error) {
	for _, l := range startLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a block number nor a date/time (want e.g. 19000000, 2024-02-21, 2024-02-21T00:00Z or RFC 3339)", s)
}

func (f startValue) String() string {
	if f.at == nil || f.block == nil {
		return "0"
	}
	if !f.at.IsZero() {
		return f.at.UTC().Format(time.RFC3339)
	}
	return strconv.FormatUint(*f.block, 10)
}

func (startValue) Type() string { return "block|time" }
