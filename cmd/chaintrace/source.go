package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/chaintrace/chaintrace/cases"
	"github.com/chaintrace/chaintrace/chains"
	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/internal/httpx"
	"github.com/chaintrace/chaintrace/labels"
	"github.com/chaintrace/chaintrace/trace"
)

// openedSource is a data source ready for the tracer, with what came with it.
type openedSource struct {
	Source  trace.Source
	Seeds   []string    // a case file's own seeds, used when the command line gives none
	Labels  []labelData // label files that came with the source (an embedded demo's)
	closers []func() error
	logs    demix.LogSource // the live adapter's log queries, when it has them
	Info    caseInfo        // what a case file says about itself (the report's case header)
}

type labelData struct {
	Name string
	Data []byte
}

// Close releases what the source holds (files, connections), first opened last.
func (s *openedSource) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// openSource opens the data source the flags name: a case file or embedded demo
// (--case), otherwise the live adapter for --chain. Wrappers (recording,
// caching) belong here, around src.Source, so every command gets them.
func openSource(ctx context.Context, o *TraceOptions) (*openedSource, error) {
	if o.Case != "" {
		if src, ok, err := openRecordedCase(ctx, o); ok {
			return src, err
		}
		src, err := openCase(o)
		if err == nil {
			err = wrapRecord(o, src)
		}
		return src, err
	}
	chain := o.Chain
	if chain == "" {
		chain = "eth"
	}
	if o.RPS < 0 {
		return nil, badInput("--rps %v: want 0 (the default) or a positive rate", o.RPS)
	}
	if len(chains.Names()) == 0 {
		return nil, badInput("--chain %s: this build has no live chain adapters yet; trace an offline case with --case FILE or --case demo", chain)
	}
	src, err := chains.Open(ctx, o.chainConfig(chain))
	if err != nil {
		return nil, fmt.Errorf("--chain %s: %w", chain, err)
	}
	opened := &openedSource{Source: src}
	opened.logs, _ = src.(demix.LogSource)
	return opened, wrapSource(o, opened)
}

// newPolicy returns the transport's retry policy for a live source (nil: the
// default). Tests replace it with one on a fake clock.
var newPolicy = func() *httpx.Policy { return nil }

// chainConfig is what the live adapters get from the flags and the environment.
// The explorer API key comes only from the environment, so it never appears in
// a command line, a shell history or a recorded case.
func (o *TraceOptions) chainConfig(chain string) chains.Config {
	cfg := chains.Config{
		Chain: chain, RPC: o.RPC, Backend: o.Backend, History: o.History,
		Explorer: o.Explorer, RPS: o.RPS, Stderr: o.IO.ErrOut, ToBlock: o.ToBlock,
		RequestTimeout: o.RequestTimeout, Policy: newPolicy(),
	}
	if o.IO.Getenv != nil {
		cfg.ExplorerKey = o.IO.Getenv(envPrefix + "EXPLORER_KEY")
		httpx.AddSecret(cfg.ExplorerKey) // never printed, in any encoding
	}
	return cfg
}

func openCase(o *TraceOptions) (*openedSource, error) {
	if o.RPC != "" {
		return nil, badInput("--rpc and --case exclude each other: a case file is the whole chain")
	}
	var c *jsoncase.Case
	var err error
	var lab []labelData
	name := caseName(o.Case)
	if _, statErr := os.Stat(o.Case); statErr == nil || strings.ContainsAny(o.Case, `/\.`) {
		c, err = jsoncase.Load(o.Case)
	} else if d, ok := cases.Lookup(o.Case); ok {
		c, err = jsoncase.Parse(d.JSON)
		if err != nil {
			err = fmt.Errorf("embedded case %s (a bug in chaintrace): %w", d.File, err)
		}
		lab = append(lab, labelData{Name: "demo:" + d.Name, Data: d.Labels})
		name = d.Name + " (embedded demo)"
	} else {
		return nil, badInput("--case %q: no such file and no embedded demo of that name (demos: %s)", o.Case, strings.Join(cases.Names(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("--case: %w", err)
	}
	if o.Chain != "" && !strings.EqualFold(o.Chain, c.Chain) {
		return nil, badInput("--chain %s does not match the case file's chain %s", o.Chain, c.Chain)
	}
	info := caseInfo{Name: name, Description: strings.TrimSpace(c.Description)}
	if n := strings.TrimSpace(c.SourceNote); n != "" {
		info.Sources = []string{n}
	}
	return &openedSource{Source: c.Source(), Seeds: c.Seeds, Labels: lab, Info: info}, nil
}

// loadLabels builds the label set: the built-in labels, then the source's own
// (an embedded demo's), then each --labels file in order, later ones winning.
func loadLabels(src *openedSource, files []string) (trace.Labels, error) {
	s := labels.New()
	if err := s.AddBuiltin(); err != nil {
		return nil, err
	}
	for _, l := range src.Labels {
		if err := s.AddData(l.Name, l.Data); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := s.AddFile(f); err != nil {
			return nil, fmt.Errorf("--labels %s: %w", f, err)
		}
	}
	return s, nil
}
