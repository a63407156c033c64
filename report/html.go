package report

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os/exec"
	"regexp"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/render"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"txURL":   func(e explorer, h string) string { return link(e.tx, h) },
	"addrURL": func(e explorer, a string) string { return link(e.addr, a) },
	"inc":     func(i int) int { return i + 1 },
}).Parse(htmlSource))

func link(base, s string) string {
	if base == "" || !hexish(s) {
		return ""
	}
	return base + s
}

// ErrNoGraphviz says Graphviz's dot is not on PATH.
var ErrNoGraphviz = errors.New("graphviz 'dot' not found on PATH")

// GraphvizSVG renders DOT to SVG with Graphviz's dot from PATH, within a minute.
func GraphvizSVG(dot []byte) ([]byte, error) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		return nil, ErrNoGraphviz
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-Tsvg")
	cmd.Stdin = bytes.NewReader(dot)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %v: %s", err, bytes.TrimSpace(errb.Bytes()))
	}
	return out.Bytes(), nil
}

type htmlData struct {
	*view
	SVG       template.HTML
	GraphNote string
	DOTFile   string
	// ExchangeSVG[i] draws how the funds reached Exchanges[i] (empty when the
	// graph is not rendered); ExchangeNote[i] says why it is not drawn.
	ExchangeSVG  []template.HTML
	ExchangeNote []string
}

// svgStart finds the <svg element; the XML prolog and DOCTYPE dot writes before
// it are not allowed inside HTML.
var svgStart = regexp.MustCompile(`(?s)<svg[\s>]`)

// inlineSVG is the <svg> element of a renderer's output, for embedding; ""
// when it has none. Graphviz escapes every label it writes (and
// render.WriteDOT escaped them before), so its SVG is markup we produced, not
// user text.
func inlineSVG(svg []byte) template.HTML {
	loc := svgStart.FindIndex(svg)
	if loc == nil {
		return ""
	}
	return template.HTML(svg[loc[0]:]) //nolint:gosec // see above
}

// exchangeGraphs draws, for each exchange of the freeze requests, only the
// paths the stolen funds took from the theft to its addresses (render.Focus),
// top to bottom, so that the graph the desk reads beside its table stays
// legible on a printed page, where the whole trace's graph is shrunk to fit.
func exchangeGraphs(r *graph.Result, exs []exchangeView, toSVG func([]byte) ([]byte, error)) ([]template.HTML, []string, error) {
	out, notes := make([]template.HTML, len(exs)), make([]string, len(exs))
	for i, ex := range exs {
		f := render.Focus(r, ex.ends)
		if n := len(f.Flow.Nodes()); n > MaxExchangeGraphNodes {
			notes[i] = fmt.Sprintf("The paths to %s pass through %d addresses and transactions, too many to draw legibly on a page (at most %d): they are in the whole graph below and in --format dot.", ex.Name, n, MaxExchangeGraphNodes)
			continue
		}
		var dot bytes.Buffer
		title := "How the stolen funds reached " + ex.Name
		if err := render.WriteDOTWith(&dot, f, render.DOTOptions{Vertical: true, Title: title}); err != nil {
			return nil, nil, err
		}
		svg, err := toSVG(dot.Bytes())
		if err != nil {
			continue // the whole graph rendered; this one is left out, the table stands
		}
		// Graphviz numbers its elements' ids from 1 in every SVG: prefixed, so
		// the page's ids stay unique (its own SVG uses no id references).
		out[i] = inlineSVG(bytes.ReplaceAll(svg, []byte(` id="`), fmt.Appendf(nil, ` id="x%d-`, i+1)))
	}
	return out, notes, nil
}

// MaxExchangeGraphNodes is the most nodes an exchange's own graph is drawn
// with: past that a page cannot show it legibly, and drawing it again per
// exchange would only cost Graphviz time on a large trace.
const MaxExchangeGraphNodes = 150

// HTML writes the report as one self-contained HTML file: inline CSS, no
// scripts, no external resources. The fund-flow graph is embedded as SVG when it
// can be rendered (Options.SVG, else Graphviz from PATH); otherwise the report
// says how to render the DOT file.
func HTML(w io.Writer, r *graph.Result, opts Options) error {
	d := htmlData{view: buildView(r, opts), DOTFile: clean(opts.DOTFile)}
	d.ExchangeSVG, d.ExchangeNote = make([]template.HTML, len(d.Exchanges)), make([]string, len(d.Exchanges))
	if d.DOTFile == "" {
		d.DOTFile = "trace.dot"
	}
	toSVG := opts.SVG
	if toSVG == nil && !opts.NoGraphviz {
		toSVG = GraphvizSVG
	}
	if toSVG != nil && r.Flow != nil {
		var dot bytes.Buffer
		if err := render.WriteDOT(&dot, r); err != nil {
			return err
		}
		svg, err := toSVG(dot.Bytes())
		switch {
		case err == nil:
			d.SVG = inlineSVG(svg)
			if d.SVG == "" {
				d.GraphNote = "The graph renderer returned no SVG."
				break
			}
			if d.ExchangeSVG, d.ExchangeNote, err = exchangeGraphs(r, d.Exchanges, toSVG); err != nil {
				return err
			}
		case errors.Is(err, ErrNoGraphviz):
			d.GraphNote = "Graphviz is not installed, so the graph is not embedded."
		default:
			d.GraphNote = "The graph could not be rendered: " + clean(err.Error())
		}
	} else if r.Flow == nil {
		d.GraphNote = "This result carries no graph."
	} else {
		d.GraphNote = "Graphviz was not used, so the graph is not embedded."
	}
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, d); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
