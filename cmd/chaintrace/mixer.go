package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/pflag"

	"github.com/chaintrace/chaintrace/demix"
	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// MixerOptions are the candidate-search flags of `chaintrace trace` (docs/mixers.md).
type MixerOptions struct {
	MixerCandidates  bool   // --mixer-candidates: look past mixer endpoints
	MixerWindow      uint64 // --mixer-window: blocks after a deposit searched
	FollowCandidates int    // --follow-candidates: trace on from candidates scoring at least this (0: no)
}

func addMixerFlags(f *pflag.FlagSet, o *MixerOptions) {
	f.BoolVar(&o.MixerCandidates, "mixer-candidates", true, "EVM: list candidate withdrawals past Tornado Cash-style mixer pools (leads scored by published heuristics, never counted as traced funds)")
	f.Uint64Var(&o.MixerWindow, "mixer-window", 50000, "EVM: blocks after a mixer deposit in which withdrawals are examined (0: the default)")
	f.IntVar(&o.FollowCandidates, "follow-candidates", 0, "trace onward from candidate withdrawals scoring at least SCORE (1–100), in a separate section of the output; 0: do not")
}

func (o *MixerOptions) check() error {
	if o.FollowCandidates < 0 || o.FollowCandidates > 100 {
		return badInput("--follow-candidates %d: want a score from 1 to 100 (0: do not follow)", o.FollowCandidates)
	}
	if o.FollowCandidates > 0 && !o.MixerCandidates {
		return badInput("--follow-candidates needs the candidate search: drop --mixer-candidates=false")
	}
	return nil
}

// runDemix looks past the result's mixer endpoints and, with
// --follow-candidates, traces onward from the strongest candidates. A failure
// here never loses the trace: it becomes a note of the candidate section.
func runDemix(ctx context.Context, o *TraceOptions, src *openedSource, res *graph.Result, topts trace.Options) {
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
	if src.logs == nil {
		return
	}
	s := logBacked{acct, src.logs}
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
