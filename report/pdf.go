package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chaintrace/chaintrace/graph"
)

// ErrNoChromium says no headless Chromium is on PATH.
var ErrNoChromium = errors.New("--format pdf prints the HTML report with headless Chromium, and none is on PATH (install it: apt-get install chromium; or write --format html and print that)")

// chromiumNames are the executables tried, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ChromiumPDF prints an HTML page to PDF with headless Chromium from PATH:
// A4 portrait, the graph on landscape pages (the page's @page rules), no
// browser header or footer, within five minutes (Chromium starts slowly on a
// loaded machine). The page is our own report: no scripts, no external
// resources (the HTML tests check it), and the profile is a fresh temporary
// directory. (Switching scripts off with --blink-settings stops Chromium from
// printing at all.)
func ChromiumPDF(page []byte) ([]byte, error) {
	var bin string
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		return nil, ErrNoChromium
	}
	dir, err := os.MkdirTemp("", "chaintrace-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// --no-sandbox: Chromium refuses to start as root (containers, CI) without
	// it; what it renders is the script-free page written above.
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+in)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &errb, &errb
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no PDF after %v", 5*time.Minute)
		}
		return nil, fmt.Errorf("%s --print-to-pdf: %v: %s", filepath.Base(bin), err, lastLines(errb.Bytes(), 5))
	}
	pdf, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, fmt.Errorf("%s wrote no PDF: %s", filepath.Base(bin), lastLines(errb.Bytes(), 5))
	}
	return pdf, nil
}

func lastLines(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return clean(string(bytes.Join(lines, []byte("; "))))
}

// PDF writes the HTML report (HTML, graph included when Graphviz renders it)
// printed to PDF by Options.PDF, else headless Chromium (ChromiumPDF). The
// PDF's text is the HTML's: every address and hash is one unbroken word, so it
// can be searched for and copied whole. Chromium stamps the creation time into
// the file, so two PDFs of one report differ in those bytes; the HTML is the
// byte-identical form.
func PDF(w io.Writer, r *graph.Result, opts Options) error {
	var page bytes.Buffer
	if err := HTML(&page, r, opts); err != nil {
		return err
	}
	print := opts.PDF
	if print == nil {
		print = ChromiumPDF
	}
	pdf, err := print(page.Bytes())
	if err != nil {
		return err
	}
	_, err = w.Write(pdf)
	return err
}
