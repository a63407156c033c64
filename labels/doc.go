// Package labels is chaintrace's address label store: what is known about an
// address (an exchange hot wallet, a Tornado Cash pool, a bridge, a sanctioned
// entity) and where that knowledge came from.
//
// A Store starts from a curated built-in set embedded in the binary
// (builtin/*.csv, every row with its public source) and takes user label files on
// top: CSV (chain,address,label,category,source,confidence) and GraphSense TagPack
// YAML, as ../shared/TRACING.md describes them. Later files override earlier ones;
// every override that changes a label is kept as a Conflict so the CLI can show it.
// The Store satisfies trace.Labels, which is all the tracer sees.
//
// Label files are written by people, so every reader here reports all the errors
// of a file at once, each with its line and field, rather than stopping at the
// first.
package labels
