//go:build unix

package deadport

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// The address refuses a dial, and the port stays taken: a listener cannot be
// started on it (as another test process's server could on a port that was
// merely closed), and the kernel hands it to no one asking for any port.
func TestAddrRefusesAndStaysTaken(t *testing.T) {
	addr := Addr(t)
	for i := 0; i < 3; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			c.Close()
			t.Fatalf("dial %s connected, want refused", addr)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial %s: %v, want connection refused", addr, err)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err == nil {
		l.Close()
		t.Fatalf("listening on %s succeeded while it is reserved", addr)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("listen on %s: %v, want address in use", addr, err)
	}
	// What the old pattern did: a closed listener's port can be bound again
	// at once, by anyone.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	old := l.Addr().String()
	l.Close()
	l2, err := net.Listen("tcp", old)
	if err != nil {
		t.Fatalf("rebinding a closed listener's port %s: %v (the race this package avoids needs it to succeed)", old, err)
	}
	l2.Close()
}
