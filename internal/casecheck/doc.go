// Package casecheck runs `chaintrace check`: each YAML spec names a case file,
// the trace to run on it offline (seeds, policy, options, labels) and what the
// trace must conclude (endpoints, totals, a bound on the untraced share). It
// compares, renders readable differences, writes JUnit XML for CI and rewrites
// expectations on --update. It lives outside cmd/chaintrace so it can be tested
// on its own; the command is a thin layer over Check and WriteJUnit.
package casecheck
