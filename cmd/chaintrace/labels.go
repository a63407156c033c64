package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/labels"
)

// LabelsOptions is `chaintrace labels list|show|validate`.
type LabelsOptions struct {
	IO        *IOStreams
	Files     []string // --labels, in order; later files win
	NoBuiltin bool
	Chain     string // list/show: only this chain (with its evm and every-chain entries)
	Category  string // list: only this category
	Format    string // list/show: text, csv, json
}

var labelFormats = []string{"text", "csv", "json"}

func newLabelsCmd(ios *IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "labels",
		Short: "List, look up and validate address labels",
		Example: `  chaintrace labels list --category exchange
  chaintrace labels show 0x28C6c06298d514Db089934071355E5743bf21d60
  chaintrace labels validate mine.csv`,
		Long: `Labels say who owns an address: an exchange's hot wallet, a mixer pool, a bridge.
chaintrace ships a curated built-in set (every entry with its public source and a
confidence) and reads label files given with --labels: CSV with the header
chain,address,label,category,source,confidence (optionally dest_chain), or
GraphSense TagPack YAML. Later files override earlier ones; overrides that change a
label are printed as conflicts.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(cmd, args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}

	lo := &LabelsOptions{IO: ios}
	list := &cobra.Command{
		Use:   "list",
		Short: "Print every label (built-in and from --labels files)",
		Example: `  chaintrace labels list --chain eth --category mixer
  chaintrace labels list --labels mine.csv --no-builtin --format csv > all.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabelsList(cmd.Context(), lo)
		},
	}
	addLabelSetFlags(list, lo)
	list.Flags().StringVar(&lo.Category, "category", "", "only this category: "+strings.Join(labels.Categories, ", "))
	list.Flags().StringVarP(&lo.Format, "format", "f", "text", "output format: text, csv (a label file), json")

	so := &LabelsOptions{IO: ios}
	show := &cobra.Command{
		Use:   "show ADDRESS",
		Short: "Print what is known about one address, on every chain or on --chain",
		Example: `  chaintrace labels show 0x28C6c06298d514Db089934071355E5743bf21d60
  chaintrace labels show --chain btc --labels mine.csv 1KEPBdtT97u3H9WiJUjHjtyLdQYFFhT3VG`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return badInput("labels show takes one ADDRESS, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabelsShow(cmd.Context(), so, args[0])
		},
	}
	addLabelSetFlags(show, so)
	show.Flags().StringVarP(&so.Format, "format", "f", "text", "output format: text, csv, json")

	vo := &LabelsOptions{IO: ios}
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check label files; print every error with its line and field (exit 2 if any)",
		Example: `  chaintrace labels validate mine.csv
  chaintrace labels validate tagpacks/*.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput("labels validate needs at least one FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			vo.Files = args
			return runLabelsValidate(cmd.Context(), vo)
		},
	}
	cmd.AddCommand(list, show, validate)
	return cmd
}

func addLabelSetFlags(cmd *cobra.Command, o *LabelsOptions) {
	f := cmd.Flags()
	f.StringArrayVar(&o.Files, "labels", nil, "label file (CSV or GraphSense TagPack YAML); repeatable, later files win")
	f.BoolVar(&o.NoBuiltin, "no-builtin", false, "leave out the built-in labels")
	f.StringVar(&o.Chain, "chain", "", "only labels that apply on this chain (eth, bsc, btc, evm:1337, …)")
}

func loadLabelSet(o *LabelsOptions) (*labels.Store, error) {
	s := labels.New()
	if !o.NoBuiltin {
		if err := s.AddBuiltin(); err != nil {
			return nil, err
		}
	}
	for _, f := range o.Files {
		if err := s.AddFile(f); err != nil {
			return nil, fmt.Errorf("--labels %s: %w", f, err)
		}
	}
	for _, c := range s.Conflicts() {
		fmt.Fprintf(o.IO.ErrOut, "chaintrace: label conflict: %s\n", c)
	}
	return s, nil
}

func checkLabelFormat(f string) error {
	for _, k := range labelFormats {
		if f == k {
			return nil
		}
	}
	return badInput("--format %q: want one of %s", f, strings.Join(labelFormats, ", "))
}

// labelApplies: every entry applies when no --chain is given; otherwise the
// labels package's own scope rule decides.
func labelApplies(scope, chain string) bool {
	return strings.TrimSpace(chain) == "" || labels.Applies(scope, chain)
}

func runLabelsList(_ context.Context, o *LabelsOptions) error {
	if err := checkLabelFormat(o.Format); err != nil {
		return err
	}
	if o.Category != "" && !labelContains(labels.Categories, o.Category) {
		return badInput("--category %q: want one of %s", o.Category, strings.Join(labels.Categories, ", "))
	}
	s, err := loadLabelSet(o)
	if err != nil {
		return err
	}
	var es []labels.Entry
	for _, e := range s.All() {
		if labelApplies(e.Chain, o.Chain) && (o.Category == "" || e.Category == o.Category) {
			es = append(es, e)
		}
	}
	return writeEntries(o.IO.Out, o.Format, es)
}

func runLabelsShow(_ context.Context, o *LabelsOptions, addr string) error {
	if err := checkLabelFormat(o.Format); err != nil {
		return err
	}
	if err := labels.CheckAddress(o.Chain, addr); err != nil {
		return badInput("labels show %q: %v", addr, err)
	}
	s, err := loadLabelSet(o)
	if err != nil {
		return err
	}
	var es []labels.Entry
	if o.Chain != "" {
		// What the tracer would see on this chain: the most specific entry.
		if l, ok := s.Lookup(o.Chain, addr); ok {
			for _, e := range s.Find(l.Address) {
				if e.Chain == l.Chain {
					es = append(es, e)
				}
			}
		}
	} else {
		es = s.Find(addr)
	}
	if len(es) == 0 {
		where := "any chain"
		if o.Chain != "" {
			where = o.Chain
		}
		return fmt.Errorf("no label for %s on %s", addr, where)
	}
	return writeEntries(o.IO.Out, o.Format, es)
}

func writeEntries(w io.Writer, format string, es []labels.Entry) error {
	switch format {
	case "csv":
		return labels.WriteCSV(w, es)
	case "json":
		if es == nil {
			es = []labels.Entry{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(es)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHAIN\tADDRESS\tCATEGORY\tCONF\tLABEL\tSOURCE")
	for _, e := range es {
		chain := e.Chain
		if chain == "" {
			chain = "*"
		}
		label := e.Name
		if e.DestChain != "" {
			label += " (→ " + e.DestChain + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", chain, e.Address, e.Category, e.Confidence,
			escape.Display(label, labelMaxDisplay), escape.Display(e.Source, labelMaxDisplay))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d label%s\n", len(es), labelPlural(len(es)))
	return err
}

// labelOneLine keeps a message on one line and harmless to the terminal
// whatever a label file contains.
func labelOneLine(s string) string { return escape.Line(s, errMaxLine) }

// labelMaxDisplay is the most characters a label or source shows in the text
// table (the CSV and JSON formats keep them whole).
const labelMaxDisplay = 120

func runLabelsValidate(_ context.Context, o *LabelsOptions) error {
	var bad, errCount int
	for _, f := range o.Files {
		r, err := labels.Validate(f)
		if err != nil {
			fmt.Fprintf(o.IO.Out, "%s: cannot read: %s\n", f, labelOneLine(err.Error()))
			bad++
			errCount++
			continue
		}
		for _, e := range r.Errors {
			fmt.Fprintf(o.IO.Out, "%s\n", labelOneLine(e.Error()))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(o.IO.Out, "%s (note)\n", labelOneLine(n.Error()))
		}
		for _, c := range r.Conflicts {
			fmt.Fprintf(o.IO.Out, "%s: conflict: %s\n", f, labelOneLine(c.String()))
		}
		if r.OK() {
			fmt.Fprintf(o.IO.Out, "%s: OK (%s, %d labels)\n", f, r.Format, r.Entries)
		} else {
			bad++
			errCount += len(r.Errors)
		}
	}
	if bad > 0 {
		return badInput("%d error%s in %d of %d label file%s", errCount, labelPlural(errCount), bad, len(o.Files), labelPlural(len(o.Files)))
	}
	return nil
}

func labelPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func labelContains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
