//go:build unix

package deadport

import (
	"fmt"
	"syscall"
	"testing"
)

// reserve binds a TCP socket to 127.0.0.1:0 without listening on it. It sets
// no SO_REUSEADDR, so no other socket may bind the port while it is held
// (Linux lets two sockets share a port only when both set it).
func reserve(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("deadport: socket: %v", err)
	}
	syscall.CloseOnExec(fd)
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("deadport: bind: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("deadport: getsockname: %v", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok || in4.Port == 0 {
		t.Fatalf("deadport: bound to %#v, not a 127.0.0.1 port", sa)
	}
	return fmt.Sprintf("127.0.0.1:%d", in4.Port)
}
