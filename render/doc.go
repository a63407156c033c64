// Package render turns a finished trace (a graph.Result) into the machine and
// terminal outputs: JSON (the documented wire format, docs/json-schema.md), DOT for
// Graphviz, edge and node CSV for spreadsheets and graph tools, and the text
// summary. Package report builds the freeze-request documents on top of it (its
// HTML embeds render.WriteDOT through Graphviz).
//
// Every writer is deterministic: the same Result gives the same bytes, whatever
// order the tracer inserted transfers and endpoints in, and no writer reorders
// the Result it is given. Amounts are base-unit integers (graph's exact
// formatting for human units); nothing here uses floating point for money.
package render
