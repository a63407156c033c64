package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/internal/casecheck"
)

// CheckOptions is `chaintrace check`.
type CheckOptions struct {
	IO     *IOStreams
	Specs  []string
	JUnit  string
	Update bool
}

func newCheckCmd(ios *IOStreams) *cobra.Command {
	o := &CheckOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "check [--junit FILE] [--update] SPEC.yaml...",
		Short: "Re-run recorded cases offline and compare with their expected conclusions",
		Long: `Run the trace each YAML spec describes on its case file, offline, and compare the
result with the spec's expectations: endpoints by kind, label or address with exact
amounts or ranges (base units: "1234", "1000..2000", ">=1000", "<=2000"), totals per
kind, and a maximum share of the taint left untraced.

Exit code 0 when every expectation holds, 3 when one does not (a readable diff is
printed), 2 for a spec or case that is wrong. --update rewrites the expectations from
the current result, for a change that was reviewed.`,
		Example: `  chaintrace check testdata/cases/*.yaml
  chaintrace check --junit check.xml testdata/cases/*.yaml
  chaintrace check --update testdata/cases/ronin-2022.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput("check needs at least one spec file (SPEC.yaml)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Specs = args
			return runCheck(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.JUnit, "junit", "", "also write the outcome as JUnit XML to FILE (\"-\": standard output, the report then goes to standard error)")
	cmd.Flags().BoolVar(&o.Update, "update", false, "rewrite each spec's expectations from the current result instead of checking")
	return cmd
}

func runCheck(ctx context.Context, o *CheckOptions) error {
	var outs []casecheck.Outcome
	for _, p := range o.Specs {
		outs = append(outs, casecheck.Check(ctx, p, o.Update))
	}
	// With --junit - the XML owns standard output (so it can be piped to a
	// parser) and the readable report moves to standard error.
	human := o.IO.Out
	if o.JUnit == "-" {
		human = o.IO.ErrOut
	}
	casecheck.Report(human, outs)
	if o.JUnit != "" {
		var b bytes.Buffer
		if err := casecheck.WriteJUnit(&b, outs); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
		if err := writeTo(o.IO.Out, o.JUnit, b.Bytes()); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	failed, bad, broken := 0, 0, 0
	for _, out := range outs {
		switch {
		case out.Err != nil && inputProblem(out.Err):
			bad++
		case out.Err != nil:
			broken++
		case len(out.Failures) > 0:
			failed++
		}
	}
	switch {
	case bad > 0:
		return badInput("%d of %d spec(s) could not be checked: the spec or its case is wrong (see above)", bad, len(outs))
	case broken > 0:
		return fmt.Errorf("%d of %d spec(s) could not be checked (see above)", broken, len(outs))
	case failed > 0:
		return fmt.Errorf("%w: %d of %d case spec(s) failed", errCheckFailed, failed, len(outs))
	}
	return nil
}

// inputProblem: the spec, the case or a label file is wrong (exit code 2), as
// opposed to the machine failing; errors.go decides.
func inputProblem(err error) bool { return offlineExitCode(err) == exitInput }
