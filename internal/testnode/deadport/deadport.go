// Package deadport gives tests a local TCP address that refuses connections
// for as long as the test runs.
//
// Picking a free port with net.Listen("tcp", "127.0.0.1:0") and closing the
// listener leaves the port free for anyone: another test process on the
// machine (go test runs packages in parallel, and several runs share a CI
// host) can bind it before the test dials, and the "node down" test then talks
// to someone else's server. Addr instead keeps a socket bound to the port but
// never listening: a dial is refused (the kernel answers the SYN with a reset),
// and no other socket can bind the port until the test ends.
package deadport

import "testing"

// Addr returns "127.0.0.1:PORT" where nothing listens and nothing can start
// listening before t ends.
func Addr(t testing.TB) string {
	t.Helper()
	return reserve(t)
}
