// Package escape makes untrusted text safe for the place it is written to.
//
// Every string chaintrace shows comes, in the end, from someone who may be an
// attacker: a token contract's symbol() and name(), a label file, a node's
// error message, an OP_RETURN payload. Such a string must not move the cursor,
// clear the screen or set the window title in the investigator's terminal,
// break or blow up the DOT file (Graphviz refuses HTML-like labels longer than
// 16,384 characters), run as a formula when a CSV is opened in a spreadsheet, or
// become markup in the Markdown or HTML report. There is one function per
// destination here, and every exporter, the report, the labels commands and the
// error output go through them, so the rules live in one place:
//
//   - Terminal: invalid UTF-8 becomes U+FFFD; escape sequences (ESC and the C1
//     CSI/OSC/DCS introducers with their parameters) are removed; every other C0
//     and C1 control character, DEL, and the Unicode line and paragraph
//     separators become a space; bidirectional overrides and isolates are
//     dropped, so a label cannot visually reorder the address printed next to it.
//   - Line: Terminal, then runs of white space folded into one space and the
//     result capped, for a node's error text quoted in one stderr line.
//   - Display: Terminal, then truncated to a number of characters with "…".
//   - DOTHTML / DOTQuoted: text inside a Graphviz HTML-like label or a quoted
//     attribute (entities, backslash escapes); long values are capped by the
//     caller with Display, and DOTLabelMax is Graphviz's limit.
//   - CSVCell: a cell that a spreadsheet would evaluate (starting with = + - @,
//     tab or CR) gets a leading apostrophe; UnCSVCell undoes exactly that when a
//     label file written by chaintrace is read back. Quoting (RFC 4180) is left
//     to encoding/csv.
//   - Markdown / MarkdownCode: CommonMark text and code spans in which no
//     emphasis, link, table pipe or HTML tag can start.
//
// HTML itself is escaped by html/template; its input goes through Terminal first
// so no control character reaches the page either.
package escape
