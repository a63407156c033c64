package labels

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/chaintrace/chaintrace/internal/escape"
)

// CSV columns. dest_chain is optional: for bridges, where the funds go;
// bridge_kind too: how a bridge crosses (BridgeKinds).
var (
	csvRequired = []string{"chain", "address", "label", "category", "source", "confidence"}
	csvOptional = []string{"dest_chain", "bridge_kind"}
)

// BridgeKinds are the values of the bridge_kind column: THORChain-style vaults
// and routers (memo rule), lock-and-mint routers (event rule), same-address
// bridges, and the relayers that pay same-address payouts.
var BridgeKinds = []string{"vault", "router", "event", "same-address", "relayer"}

// ParseCSV reads a CSV label file. name is used in messages. It returns every
// entry and, when the file has problems, a FileErrors listing all of them (the
// entries are then incomplete and should not be used).
func ParseCSV(name string, r io.Reader) ([]Entry, error) {
	e := &errs{file: name}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if err == io.EOF {
		e.add(0, "", "file is empty; want a header line %s", strings.Join(csvRequired, ","))
		return nil, e.err()
	}
	if err != nil {
		e.add(csvLine(err), "", "%v", csvErrMsg(err))
		return nil, e.err()
	}
	hline, _ := cr.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !contains(csvRequired, h) && !contains(csvOptional, h) {
			e.add(hline, h, "unknown column %q (columns: %s, optional %s)", h, strings.Join(csvRequired, ","), strings.Join(csvOptional, ","))
			continue
		}
		if _, dup := col[h]; dup {
			e.add(hline, h, "column %q appears twice", h)
		}
		col[h] = i
	}
	for _, h := range csvRequired {
		if _, ok := col[h]; !ok {
			e.add(hline, h, "missing column %q (header must name %s)", h, strings.Join(csvRequired, ","))
		}
	}
	if len(e.list) > 0 {
		return nil, e.err()
	}

	var out []Entry
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			e.add(csvLine(err), "", "%v", csvErrMsg(err))
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				continue
			}
			if errors.As(err, &pe) {
				// Quoting errors leave the reader in an unknown place; stop here.
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			e.add(line, "", "has %d fields, the header has %d", len(rec), len(header))
			continue
		}
		get := func(h string) string {
			if i, ok := col[h]; ok {
				// A cell chaintrace (or a careful spreadsheet user) protected
				// from formula evaluation with a leading apostrophe reads back
				// as the value itself.
				return escape.UnCSVCell(strings.TrimSpace(rec[i]))
			}
			return ""
		}
		conf := -1
		if s := get("confidence"); s == "" {
			e.add(line, "confidence", "is empty; want an integer 0-100")
		} else if n, err := strconv.Atoi(s); err != nil || n < 0 || n > 100 {
			e.add(line, "confidence", "%q is not an integer from 0 to 100", s)
		} else {
			conf = n
		}
		ent, ok := buildEntry(e, line, fields{
			chain: get("chain"), address: get("address"), label: get("label"),
			category: strings.ToLower(get("category")), source: get("source"),
			destChain: get("dest_chain"), bridgeKind: strings.ToLower(get("bridge_kind")),
		})
		if ok && conf >= 0 {
			ent.Confidence = conf
			ent.File = name
			out = append(out, ent)
		}
	}
	return out, e.err()
}

// fields are the values of one entry before validation.
type fields struct {
	chain, address, label, category, source, destChain, bridgeKind string
}

// buildEntry validates the parts every format shares, adding errors to e.
func buildEntry(e *errs, line int, f fields) (Entry, bool) {
	ok := true
	chain, err := normChain(f.chain)
	if err != nil {
		e.add(line, "chain", "%v", err)
		ok = false
	}
	var addr string
	if ok {
		if addr, _, err = normAddress(chain, f.address); err != nil {
			e.add(line, "address", "%v", err)
			ok = false
		}
	}
	if f.label == "" {
		e.add(line, "label", "is empty")
		ok = false
	}
	if !validCategory(f.category) {
		e.add(line, "category", "%q is not one of %s", f.category, strings.Join(Categories, ", "))
		ok = false
	}
	if f.source == "" {
		e.add(line, "source", "is empty; say where the label comes from (a URL or a document)")
		ok = false
	}
	dest := ""
	if f.destChain != "" {
		if dest, err = normChain(f.destChain); err != nil {
			e.add(line, "dest_chain", "%v", err)
			ok = false
		}
	}
	if f.bridgeKind != "" && !contains(BridgeKinds, f.bridgeKind) {
		e.add(line, "bridge_kind", "%q is not one of %s", f.bridgeKind, strings.Join(BridgeKinds, ", "))
		ok = false
	}
	if f.bridgeKind != "" && f.category != "bridge" {
		e.add(line, "bridge_kind", "is for category bridge, not %q", f.category)
		ok = false
	}
	ent := Entry{Line: line}
	ent.BridgeKind = f.bridgeKind
	ent.Chain, ent.Address, ent.Name, ent.Category, ent.Source, ent.DestChain = chain, addr, f.label, f.category, f.source, dest
	return ent, ok
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func csvLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

func csvErrMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
