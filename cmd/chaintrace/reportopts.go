package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/internal/opening"
	"github.com/chaintrace/chaintrace/report"
)

// ReportOptions are the case-header flags of `chaintrace trace` for the report
// formats (report, html, pdf): who prepared it and about which case. Like every
// flag they can come from the environment (CHAINTRACE_INVESTIGATOR, …), which is
// how an investigator sets their name once.
type ReportOptions struct {
	Investigator    string   // --investigator
	CaseName        string   // --case-name (default: the case file or demo traced)
	CaseDescription string   // --case-description (default: the case file's description)
	CaseSources     []string // --case-source, repeatable (default: the case file's source note)

	// reproduce is the command line that recomputes the result (set by the
	// command from its flags, secrets redacted).
	reproduce string
	// caseInfo is what the opened case file says about itself.
	caseInfo opening.CaseInfo
}

func addReportFlags(f *pflag.FlagSet, o *ReportOptions) {
	f.StringVar(&o.Investigator, "investigator", "", "report: who prepared it (name, organisation, contact), shown in the case header")
	f.StringVar(&o.CaseName, "case-name", "", "report: the case's name or reference (default: the case file or demo traced)")
	f.StringVar(&o.CaseDescription, "case-description", "", "report: what happened, in a sentence or two (default: the case file's description)")
	f.StringArrayVar(&o.CaseSources, "case-source", nil, "report: where the case's facts come from (a URL or document); repeatable (default: the case file's source note)")
}

// now is the report's clock; tests replace it. SOURCE_DATE_EPOCH (Unix
// seconds, the reproducible-builds convention) overrides it, so a report
// generated twice can be byte-identical.
var now = time.Now

// generatedAt is when the report says it was generated.
func (o *TraceOptions) generatedAt() (time.Time, error) {
	if o.IO != nil && o.IO.Getenv != nil {
		if s := o.IO.Getenv("SOURCE_DATE_EPOCH"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return time.Time{}, badInput("environment variable SOURCE_DATE_EPOCH=%q: want Unix seconds (a non-negative integer)", s)
			}
			return time.Unix(n, 0).UTC(), nil
		}
	}
	return now().UTC(), nil
}

// reportOptions is the report package's view of the flags and the case.
func (o *TraceOptions) reportOptions(res *graph.Result) (report.Options, error) {
	at, err := o.generatedAt()
	if err != nil {
		return report.Options{}, err
	}
	ro := report.Options{
		Version:      versionString(),
		Generated:    at,
		Investigator: strings.TrimSpace(o.Investigator),
		CaseName:     strings.TrimSpace(o.CaseName),
		Description:  strings.TrimSpace(o.CaseDescription),
		Reproduce:    o.reproduce,
	}
	for _, s := range o.CaseSources {
		if s = strings.TrimSpace(s); s != "" {
			ro.Sources = append(ro.Sources, s)
		}
	}
	if ro.CaseName == "" {
		ro.CaseName = o.caseInfo.Name
	}
	if ro.Description == "" {
		ro.Description = o.caseInfo.Description
	}
	if len(ro.Sources) == 0 {
		ro.Sources = o.caseInfo.Sources
	}
	return ro, nil
}

// presentationFlags change how a result is shown, not what it is: the
// reproduce command leaves them out.
var presentationFlags = map[string]bool{
	"format": true, "out": true, "nodes-out": true, "paths": true, "width": true, "quiet": true,
	"investigator": true, "case-name": true, "case-description": true, "case-source": true,
	"csv-dialect": true, "help": true,
}

// reproduceCommand is the command line that recomputes what cmd computes: its
// command path, every flag set (on the command line or through the
// environment) that shapes the result, in name order, and the seeds; secrets
// in URLs are redacted (casestore.RedactArgs) and every word shell-quoted.
func reproduceCommand(cmd *cobra.Command, args []string) string {
	words := strings.Fields(cmd.CommandPath())
	var flags []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if presentationFlags[f.Name] {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok && f.Value.Type() != "stringSlice" {
			for _, v := range sv.GetSlice() {
				flags = append(flags, "--"+f.Name+"="+v)
			}
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			flags = append(flags, "--"+f.Name+"="+strings.Join(sv.GetSlice(), ","))
			return
		}
		flags = append(flags, "--"+f.Name+"="+f.Value.String())
	})
	words = append(words, flags...)
	words = append(words, args...)
	words = casestore.RedactArgs(words)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_=.,:/@+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
