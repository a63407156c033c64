// Package httpx is chaintrace's one HTTP transport, used by every adapter and
// backend (geth JSON-RPC, btcd/bitcoind JSON-RPC, Esplora REST, Etherscan-style
// explorers). It owns what all of them need and none should copy:
//
//   - Endpoint: a URL split into what is sent (credentials in headers) and a
//     display-safe form for messages (Redact, RedactURL: the one redaction
//     function; every secret an endpoint carries is registered with it);
//   - Policy: the one retry policy (capped exponential backoff with jitter,
//     Retry-After honoured and capped) over an injectable Clock, so tests run
//     retries without real sleeps;
//   - Client: rate limit, per-request timeout, single-flight of identical GETs,
//     and the classification of transient faults (connection reset, EOF, a
//     truncated or non-JSON body where JSON is expected, timeouts, 429, 5xx);
//   - RPC: JSON-RPC calls and batches whose answers are matched to their calls
//     by id, each exactly once, with per-call shape checks; an answer that does
//     not fit its call is a transient fault, retried singly, never used; a
//     batch the server refuses as too large is halved.
//
// Reads are idempotent, which is what makes retrying them safe.
package httpx
