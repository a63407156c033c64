package labels

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/internal/escape"
	"github.com/chaintrace/chaintrace/trace"
)

//go:embed builtin/*.csv
var builtinFS embed.FS

// Format of a label file.
type Format string

// The label file formats.
const (
	FormatCSV     Format = "csv"
	FormatTagPack Format = "tagpack"
)

// DetectFormat decides by extension (.csv; .yaml/.yml), else by content: a first
// line naming the CSV columns means CSV, anything else is taken as a TagPack.
func DetectFormat(name string, head []byte) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return FormatCSV
	case ".yaml", ".yml":
		return FormatTagPack
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.Contains(strings.ToLower(l), "chain,address") {
			return FormatCSV
		}
		break
	}
	return FormatTagPack
}

// Parse reads a label file of either format. notes are tags deliberately skipped
// (TagPack only); err is a FileErrors when the file is invalid.
func Parse(name string, data []byte) (entries []Entry, notes []FieldError, err error) {
	if DetectFormat(name, data) == FormatCSV {
		entries, err = ParseCSV(name, bytes.NewReader(data))
		return entries, nil, err
	}
	return ParseTagPack(name, bytes.NewReader(data))
}

// AddFile loads a label file on top of what the store holds. A file with any
// error adds nothing: a half-loaded label file would make a trace silently
// depend on which lines happened to parse.
func (s *Store) AddFile(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("%w: label file: %w", trace.ErrBadInput, err)
	}
	return s.AddData(file, data)
}

// AddData is AddFile for content already in memory; name is used in messages.
func (s *Store) AddData(name string, data []byte) error {
	es, _, err := Parse(name, data)
	if err != nil {
		return err
	}
	s.add(name, es)
	return nil
}

// Builtin returns a store holding only the curated built-in labels.
func Builtin() (*Store, error) {
	s := New()
	if err := s.AddBuiltin(); err != nil {
		return nil, err
	}
	return s, nil
}

// Set is one label file's content under the name it is loaded as (a path,
// "builtin:10-exchanges-eth.csv", "demo:ronin"): what a recorded case keeps so
// that its replay labels exactly what the recording labelled.
type Set struct {
	Name string
	Data []byte
}

// BuiltinSets are the embedded label files (builtin/*.csv, in name order).
func BuiltinSets() ([]Set, error) {
	names, err := builtinFS.ReadDir("builtin")
	if err != nil {
		return nil, err
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Name() < names[j].Name() })
	var out []Set
	for _, n := range names {
		data, err := builtinFS.ReadFile(path.Join("builtin", n.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Set{Name: "builtin:" + n.Name(), Data: data})
	}
	return out, nil
}

// AddBuiltin loads the embedded label set (builtin/*.csv, in name order).
func (s *Store) AddBuiltin() error {
	sets, err := BuiltinSets()
	if err != nil {
		return err
	}
	for _, set := range sets {
		if err := s.AddData(set.Name, set.Data); err != nil {
			return fmt.Errorf("built-in labels are broken (a bug in chaintrace): %w", err)
		}
	}
	return nil
}

// Load builds the store a trace uses: the built-in set unless noBuiltin, then each
// file in order, later files overriding earlier ones (see Conflicts).
func Load(noBuiltin bool, files ...string) (*Store, error) {
	s := New()
	if !noBuiltin {
		if err := s.AddBuiltin(); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := s.AddFile(f); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Report is what Validate found in one file.
type Report struct {
	File    string       `json:"file"`
	Format  Format       `json:"format"`
	Entries int          `json:"entries"` // valid entries (when Errors is empty)
	Errors  []FieldError `json:"errors"`
	Notes   []FieldError `json:"notes,omitempty"` // tags skipped on purpose
	// Conflicts inside the file: an address labelled twice, differently.
	Conflicts []Conflict `json:"conflicts,omitempty"`
}

// OK reports whether the file has no errors.
func (r Report) OK() bool { return len(r.Errors) == 0 }

// Validate checks a label file and reports every problem with its line and
// field. The error is only for a file that cannot be read.
func Validate(file string) (Report, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Report{}, fmt.Errorf("%w: %w", trace.ErrBadInput, err)
	}
	return ValidateData(file, data), nil
}

// ValidateData is Validate for content already in memory.
func ValidateData(name string, data []byte) Report {
	r := Report{File: name, Format: DetectFormat(name, data)}
	es, notes, err := Parse(name, data)
	r.Notes = notes
	if fe, ok := err.(FileErrors); ok {
		r.Errors = fe
	} else if err != nil {
		r.Errors = []FieldError{{File: name, Msg: err.Error()}}
	}
	r.Entries = len(es)
	s := New()
	s.add(name, es)
	r.Conflicts = s.Conflicts()
	return r
}

// WriteCSV writes entries as a CSV label file (the format ParseCSV reads).
func WriteCSV(w io.Writer, es []Entry) error {
	var b strings.Builder
	kinds := false // the bridge_kind column only when an entry has one, so older files keep their bytes
	for _, e := range es {
		kinds = kinds || e.BridgeKind != ""
	}
	b.WriteString("chain,address,label,category,source,confidence,dest_chain")
	if kinds {
		b.WriteString(",bridge_kind")
	}
	b.WriteString("\n")
	for _, e := range es {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%d,%s", csvField(e.Chain), csvField(e.Address),
			csvField(e.Name), csvField(e.Category), csvField(e.Source), e.Confidence, csvField(e.DestChain))
		if kinds {
			b.WriteString("," + csvField(e.BridgeKind))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// csvField writes one cell: a value a spreadsheet would run as a formula
// (=HYPERLINK(…), +cmd…, -…, @…) gets a leading apostrophe (escape.CSVCell),
// which ParseCSV removes again, so the file reads back to the same labels; then
// RFC 4180 quoting where the value needs it.
func csvField(s string) string {
	s = escape.CSVCell(s)
	if strings.ContainsAny(s, ",\"\n\r") || strings.HasPrefix(s, "#") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
