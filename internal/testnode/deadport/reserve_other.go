//go:build !unix

package deadport

import (
	"net"
	"testing"
)

// reserve, without Unix sockets, falls back to a port that was free a moment
// ago: another process may bind it before the test dials (the race Addr
// avoids on Unix, where CI runs).
func reserve(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("deadport: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
