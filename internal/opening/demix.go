package opening

import (
	"context"
	"fmt"
	"sort"

	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Demix looks past the result's mixer endpoints and, with
// --follow-candidates, traces onward from the strongest candidates. A failure
// here never loses the trace: it becomes a note of the candidate section.
func Demix(ctx context.Context, o *Options, src *Opened, res *graph.Result, topts trace.Options) {
	if !o.MixerCandidates || res.Family != graph.FamilyAccount {
		return
	}
	acct, ok := src.Source.(trace.AccountSource)
	if !ok {
		return
	}
	hasMixer := false
	for _, e := range res.Endpoints {
		hasMixer = hasMixer || e.Kind == graph.EndMixer
	}
	if !hasMixer {
		return
	}
	// Log queries go to the live adapter (a cache or recorder in front of it
	// does not store them); everything else through the wrapped source. A
	// source without a live adapter (a case file, an embedded demo) has no
	// pool events: no candidate section, so recorded outputs stay as they were.
	if src.Logs == nil {
		return
	}
	s := logBacked{acct, src.Logs}
	d, err := demix.Find(ctx, s, res, demix.Options{Window: o.MixerWindow, HistoryLimit: topts.AddressBudget, Labels: topts.Labels})
	if err != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("the candidate search stopped early: %v", err))
	}
	d.MinScore = o.FollowCandidates
	res.Demix = d
	if o.FollowCandidates == 0 {
		return
	}
	seen := map[string]bool{}
	var seeds []string
	for _, c := range d.Candidates {
		if c.Score >= o.FollowCandidates && !seen[c.WithdrawalTx] {
			seen[c.WithdrawalTx] = true
			seeds = append(seeds, c.WithdrawalTx)
		}
	}
	if len(seeds) == 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("no candidate scores %d or more: nothing followed", o.FollowCandidates))
		return
	}
	sort.Strings(seeds)
	fo := topts
	fo.Progress = nil
	fo.FromBlock = 0
	f, err := trace.Run(ctx, src.Source, seeds, fo)
	if err != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("following the candidates: %v", err))
	}
	if f != nil {
		f.Tool = res.Tool
		d.Followed = f
	}
}

// logBacked is an account source whose log queries go to another (the live
// adapter behind a cache).
type logBacked struct {
	trace.AccountSource
	demix.LogSource
}
