package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/casestore"
	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/internal/opening"
)

// CaseOptions is `chaintrace case verify|info`.
type CaseOptions struct {
	IO    *IOStreams
	Cases []string
	JSON  bool
}

func newCaseCmd(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "case",
		Short: "Inspect and verify recorded case files",
		Example: `  chaintrace trace --record theft.db --chain eth --rpc http://127.0.0.1:8545 0x<tx hash>
  chaintrace case verify theft.db
  chaintrace case info theft.db`,
		Long: `A recorded case (chaintrace trace --record CASE) is a SQLite file holding everything
a trace fetched, with a SHA-256 content hash of every stored object and a root hash
over all of them. docs/case-store.md documents the schema for sqlite3.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(cmd, args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	v := &CaseOptions{IO: ios}
	verify := &cobra.Command{
		Use:   "verify CASE...",
		Short: "Check every content hash and the root hash of recorded cases",
		Example: `  chaintrace case verify theft.db
  chaintrace case verify testdata/cases/*.case`,
		Args: needCases,
		RunE: func(cmd *cobra.Command, args []string) error {
			v.Cases = args
			return runCaseVerify(v)
		},
	}
	i := &CaseOptions{IO: ios}
	info := &cobra.Command{
		Use:   "info CASE",
		Short: "Summarise a recorded case: chain, tip, command line, objects, root hash",
		Example: `  chaintrace case info theft.db
  chaintrace case info --json theft.db | jq .root`,
		Args: needCases,
		RunE: func(cmd *cobra.Command, args []string) error {
			i.Cases = args
			return runCaseInfo(i)
		},
	}
	info.Flags().BoolVar(&i.JSON, "json", false, "print the summary as JSON")
	cmd.AddCommand(verify, info)
	return cmd
}

func needCases(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return badInput("%s needs a case file", cmd.CommandPath())
	}
	return nil
}

func runCaseVerify(o *CaseOptions) error {
	bad := 0
	for _, p := range o.Cases {
		sum, err := casestore.Verify(p)
		if err != nil {
			fmt.Fprintf(o.IO.Out, "FAIL %s: %s\n", escape.Terminal(p), escape.Line(err.Error(), errMaxLine))
			bad++
			continue
		}
		fmt.Fprintf(o.IO.Out, "ok   %s: %d objects, root sha256 %s\n", escape.Terminal(p), sum.Objects, escape.Terminal(sum.Root))
	}
	if bad > 0 {
		return badInput("%d of %d case file(s) failed verification", bad, len(o.Cases))
	}
	return nil
}

func runCaseInfo(o *CaseOptions) error {
	for n, p := range o.Cases {
		sum, err := casestore.Verify(p)
		if err != nil {
			return opening.CaseErr(err)
		}
		if o.JSON {
			b, _ := json.MarshalIndent(sum, "", "  ")
			fmt.Fprintf(o.IO.Out, "%s\n", b)
			continue
		}
		if n > 0 {
			fmt.Fprintln(o.IO.Out)
		}
		w := o.IO.Out
		// Everything below comes from the case file, which someone else may
		// have written: nothing in it may act on the terminal.
		t := func(s string) string { return escape.Display(s, escape.LineMax) }
		fmt.Fprintf(w, "case:        %s (%d bytes, verified)\n", t(sum.Path), sum.Bytes)
		fmt.Fprintf(w, "format:      %s\n", t(sum.Format))
		fmt.Fprintf(w, "recorded by: %s\n", t(sum.ToolVersion))
		chain := sum.Chain + " (" + sum.Family + ")"
		if sum.ChainID != "" && sum.ChainID != "0" {
			chain += ", chain id " + sum.ChainID
		}
		fmt.Fprintf(w, "chain:       %s\n", t(chain))
		fmt.Fprintf(w, "tip seen:    %s\n", t(sum.Tip))
		fmt.Fprintf(w, "created:     %s\n", t(sum.Created))
		fmt.Fprintf(w, "updated:     %s\n", t(sum.Updated))
		fmt.Fprintf(w, "command:     %s\n", t(strings.Join(sum.Command, " ")))
		if s := sum.Options[casestore.MetaSeeds]; s != "" {
			fmt.Fprintf(w, "seeds:       %s\n", t(s))
		}
		kinds := make([]string, 0, len(sum.ByKind))
		for k := range sum.ByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		var parts []string
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%s %d", t(k), sum.ByKind[k]))
		}
		if sum.TraceOptions != nil {
			opts := "the defaults"
			if nd := opening.NonDefault(sum.TraceOptions); len(nd) > 0 {
				opts = strings.Join(nd, " ") + " (the rest the defaults)"
			}
			fmt.Fprintf(w, "options:     %s\n", t(opts))
			for i, l := range sum.Labels {
				head := "labels:     "
				if i > 0 {
					head = "            "
				}
				fmt.Fprintf(w, "%s %s (%d bytes, sha256 %s)\n", head, t(l.Name), l.Bytes, t(l.SHA256))
			}
			if len(sum.Labels) == 0 {
				fmt.Fprintf(w, "labels:      none\n")
			}
		}
		fmt.Fprintf(w, "objects:     %d (%s)\n", sum.Objects, strings.Join(parts, ", "))
		for _, wn := range sum.Warnings {
			fmt.Fprintf(w, "warning:     %s\n", t(wn))
		}
		fmt.Fprintf(w, "root sha256: %s\n", t(sum.Root))
	}
	return nil
}
