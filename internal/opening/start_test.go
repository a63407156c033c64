package opening

import (
	"testing"
	"time"
)

func TestParseStart(t *testing.T) {
	for in, want := range map[string]string{
		"2024-02-21":                "2024-02-21T00:00:00Z",
		"2024-02-21T00:00Z":         "2024-02-21T00:00:00Z",
		"2024-02-21T13:05":          "2024-02-21T13:05:00Z",
		"2024-02-21T13:05:09":       "2024-02-21T13:05:09Z",
		"2024-02-21T13:05:09+02:00": "2024-02-21T11:05:09Z",
		"2024-02-21T13:05:09.5Z":    "2024-02-21T13:05:09Z",
		"2024-02-21 13:05":          "2024-02-21T13:05:00Z",
	} {
		got, err := ParseStart(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("ParseStart(%q) = %s, %v; want %s", in, got.Format(time.RFC3339), err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2024-13-01", "21/02/2024", "-5", "0x10"} {
		if _, err := ParseStart(in); err == nil {
			t.Errorf("ParseStart(%q) accepted", in)
		}
	}
}
