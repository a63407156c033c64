// Package opening turns what a user asked for — command-line flags, or the
// options of a `check` spec — into what a trace runs on: a source (a live
// adapter behind the cache and recorder, a recorded case, a JSON case or an
// embedded demo), the tracer's options and the label set.
//
// Options is the one options type of `trace`, `check` and `watch`: one set of
// names (the flag names, which are also the spec keys), one set of units (human
// units of the asset, as typed on the command line) and one set of defaults,
// so a spec runs the configuration a user runs. Flags are registered here
// (AddSourceFlags, AddTraceFlags, …) and a spec's options are applied through
// the very same flag values (ApplySpec), so the two cannot drift.
package opening
