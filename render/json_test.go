package render

import "testing"

func TestRFC3339(t *testing.T) {
	if got := rfc3339(0); got != "" {
		t.Errorf("unknown time = %q, want empty", got)
	}
	if got := rfc3339(1704067200); got != "2024-01-01T00:00:00Z" {
		t.Errorf("got %q", got)
	}
}
