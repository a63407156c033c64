// Package rtproxy is a loopback HTTP proxy for benchmarks and tests that counts
// what a client sends to a node — HTTP requests, JSON-RPC calls inside them,
// calls per method — and the round trips those requests needed, and can add a
// fixed latency to every request, as a public node far away would.
//
// A round trip here is one step of the longest chain of requests that could
// not overlap: a request that starts after another one finished may depend on
// its answer, so its depth is one more than the deepest request finished before
// it started. The deepest depth of a run is its round trips: with L of latency
// per request the run cannot finish in less than round trips × L, however its
// requests are spread over connections.
//
// It is an ordinary package so benchmarks in several packages can use it; the
// chaintrace binary never imports it.
package rtproxy
