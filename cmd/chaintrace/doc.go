// Command chaintrace is the command-line interface: one file per command
// (trace.go, version.go, …), the root command with the IO streams and the
// environment-variable binding in root.go, and the mapping of errors to exit codes
// in errors.go. Commands take their IO through an options struct so tests run
// them with buffers.
package main
