// Package faultproxy is a loopback HTTP proxy for tests that breaks requests
// on their way to a real node (the in-process geth, a btcd process, a recorded
// Esplora): per request by a plan, or at random from a seed, it delays,
// stalls past the client's timeout, resets the connection, answers 429 with
// and without Retry-After, a JSON-RPC -32005 rate limit, 500/502/503, an HTML
// error page with HTTP 200, JSON cut short, a wrong id, a batch with an
// element missing, duplicated or with ids swapped, HTTP 413 to a batch, or a
// block with another hash (a reorg).
//
// MaxInRow bounds the faults in a row for one request (the same method and
// parameters, ids aside), so a client that retries enough always gets
// through; with MaxInRow 0 every request may fault forever (persistent
// faults). It listens on 127.0.0.1 only and forwards only to a loopback
// upstream. The chaintrace binary never imports it.
package faultproxy
