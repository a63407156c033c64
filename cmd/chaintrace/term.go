package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// Terminal facts: what the streams are, how wide a terminal is, whether to
// colour. They are decided once, in run (from the real files), and live in
// IOStreams so tests can say "a terminal 80 columns wide" with buffers.

// fdOf returns the file descriptor behind w, unwrapping writers that wrap
// another (the redacting stderr), or -1.
func fdOf(w io.Writer) int {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	if !ok {
		return -1
	}
	return int(f.Fd())
}

func isTerminal(w io.Writer) bool {
	fd := fdOf(w)
	return fd >= 0 && term.IsTerminal(fd)
}

// terminalWidth is the width of the terminal w writes to (0: not a terminal,
// or the size is unknown).
func terminalWidth(w io.Writer) int {
	fd := fdOf(w)
	if fd < 0 || !term.IsTerminal(fd) {
		return 0
	}
	cols, _, err := term.GetSize(fd)
	if err != nil || cols <= 0 {
		return 0
	}
	return cols
}

// envColumns is $COLUMNS when it is a positive number of columns.
func envColumns(getenv func(string) string) int {
	if getenv == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS")))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// widthAuto is --width's default: fit the terminal.
const widthAuto = -1

// outputWidth decides how wide text output to standard output may be: --width
// N when given (0: no limit), else $COLUMNS, else the terminal's width when
// standard output is one, else no limit (a pipe or a file gets every digit and
// whole hashes, so goldens and scripts never depend on a window's size).
func (ios *IOStreams) outputWidth(flag int, toFile bool) int {
	if flag >= 0 {
		return flag
	}
	if toFile {
		return 0
	}
	if n := envColumns(ios.Getenv); n > 0 {
		return n
	}
	return ios.OutWidth
}

// colour decides whether standard output gets ANSI colours: --color always or
// never when given; otherwise (auto) only on a terminal, and never when
// NO_COLOR is set (https://no-color.org) or TERM is dumb.
func (ios *IOStreams) colour(mode string, toFile bool) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if toFile || !ios.OutTTY {
		return false
	}
	if ios.Getenv != nil && (ios.Getenv("NO_COLOR") != "" || ios.Getenv("TERM") == "dumb") {
		return false
	}
	return true
}

// colorModes are what --color accepts.
var colorModes = []string{"auto", "always", "never"}

// widthFlag is --width: a number of columns, 0 for no limit, or auto.
type widthFlag struct{ p *int }

func (f widthFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "auto" || s == "" {
		*f.p = widthAuto
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return errWant("a number of columns (e.g. 100), 0 for no limit, or auto")
	}
	*f.p = n
	return nil
}

func (f widthFlag) String() string {
	if f.p == nil || *f.p < 0 {
		return "auto"
	}
	return strconv.Itoa(*f.p)
}

func (widthFlag) Type() string { return "columns" }

// errWant is a flag value's complaint: what the flag wants. The flag error
// handler puts the flag, the value and where it came from in front.
type errWant string

func (e errWant) Error() string { return "want " + string(e) }
