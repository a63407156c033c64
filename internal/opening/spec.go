package opening

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// renamed are the option keys of specs written before the options were one
// type, with what to write now. deposit_alpha changed its unit as well.
var renamed = map[string]string{
	"max_hops":           "hops",
	"min_amount":         "min-amount",
	"from_block":         "from-block",
	"to_block":           "to-block",
	"address_budget":     "address-budget",
	"max_addresses":      "max-addresses",
	"stop_at":            "stop-at",
	"deposit_rule":       "deposit-rule",
	"deposit_alpha":      `deposit-alpha, in native units as the flag takes it ("0.01", not "10000000000000000")`,
	"deposit_tau":        "deposit-tau",
	"change_heuristic":   "heuristics: [change, coinjoin] (or [] for none; both are on by default)",
	"coinjoin_heuristic": "heuristics: [change, coinjoin] (or [] for none; both are on by default)",
}

// notSpecOptions are trace flags that have their own place in a spec.
var notSpecOptions = map[string]string{
	"labels":            `give label files as the spec's top-level "labels" (relative to the spec)`,
	"no-builtin-labels": `this is the spec's top-level "no_builtin_labels"`,
}

// ApplySpec sets the options a check spec's "options" mapping gives. The keys
// are the trace flags' names and the values what the flags take, parsed by the
// flags' own values, so a spec and a command line mean the same. Unset keys
// keep o's values (start from Defaults()). Errors name the key.
func (o *Options) ApplySpec(m *yaml.Node) error {
	o.spec = true
	if m == nil || m.Kind == 0 {
		return nil
	}
	if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
		return nil
	}
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("options (line %d): want a mapping of trace flag names to values, e.g. hops: 6", m.Line)
	}
	fs := pflag.NewFlagSet("spec", pflag.ContinueOnError)
	o.AddTraceFlags(fs)
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := k.Value
		if seen[key] {
			return fmt.Errorf("options.%s (line %d): given twice", key, k.Line)
		}
		seen[key] = true
		if why, ok := notSpecOptions[key]; ok {
			return fmt.Errorf("options.%s (line %d): %s", key, k.Line, why)
		}
		f := fs.Lookup(key)
		if f == nil {
			return unknownKey(fs, key, k.Line)
		}
		if err := setNode(f, v); err != nil {
			return fmt.Errorf("options.%s (line %d): %w", key, v.Line, err)
		}
	}
	return nil
}

func setNode(f *pflag.Flag, v *yaml.Node) error {
	_, list := f.Value.(pflag.SliceValue)
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return fmt.Errorf("no value: give one, or drop the key for the default (%s)", f.DefValue)
		}
		return set(f, v.Value)
	case yaml.SequenceNode:
		if !list {
			return fmt.Errorf("want one value, not a list")
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			var items []string
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					return fmt.Errorf("line %d: want a plain value in the list", it.Line)
				}
				items = append(items, it.Value)
			}
			if items == nil {
				items = []string{}
			}
			return sv.Replace(items)
		}
	}
	return fmt.Errorf("want a value such as %s", f.DefValue)
}

func set(f *pflag.Flag, s string) error {
	if err := f.Value.Set(s); err != nil {
		return fmt.Errorf("%q: %w", s, plainErr(err))
	}
	return nil
}

// plainErr keeps strconv's wording out of a spec error ("strconv.ParseInt:
// parsing "x": invalid syntax").
func plainErr(err error) error {
	s := err.Error()
	if strings.Contains(s, "strconv.") {
		switch {
		case strings.Contains(s, "ParseBool"):
			return fmt.Errorf("want true or false")
		case strings.Contains(s, "out of range"):
			return fmt.Errorf("number out of range")
		case strings.Contains(s, "ParseUint"):
			return fmt.Errorf("want a whole number, 0 or more")
		case strings.Contains(s, "ParseInt"):
			return fmt.Errorf("want a whole number")
		case strings.Contains(s, "ParseFloat"):
			return fmt.Errorf("want a number")
		}
	}
	return err
}

func unknownKey(fs *pflag.FlagSet, key string, line int) error {
	if to, ok := renamed[key]; ok {
		return fmt.Errorf("options.%s (line %d): renamed to the flag's name: write %s", key, line, to)
	}
	if f := fs.Lookup(strings.ReplaceAll(key, "_", "-")); f != nil {
		return fmt.Errorf("options.%s (line %d): unknown option; did you mean %s (the --%s flag)?", key, line, f.Name, f.Name)
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if _, no := notSpecOptions[f.Name]; !no {
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	return fmt.Errorf("options.%s (line %d): unknown option (the options are the trace flags: %s)", key, line, strings.Join(names, ", "))
}
