package casestore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chaintrace/chaintrace/chains/jsoncase"
	"github.com/chaintrace/chaintrace/trace"
)

// MetaSeeds is the Meta.Options key the CLI stores a recording's seeds under
// (comma-separated), so `trace --case` can default to them.
const MetaSeeds = "seeds"

// CaseFile is an opened case of either kind.
type CaseFile struct {
	Source trace.Source
	// Seeds the case suggests (a JSON case's "seeds", a recording's seeds).
	Seeds []string
	// Store is the SQLite store behind a recorded case; nil for a JSON case.
	Store *Store
}

// Close closes the store behind a recorded case (sealing anything a live source
// added); a JSON case has nothing to close.
func (c *CaseFile) Close() error {
	if c.Store == nil {
		return nil
	}
	return c.Store.Close()
}

// OpenCase opens a case file of either kind, told apart by the SQLite header: a
// hand-written JSON case (chains/jsoncase) or a recorded SQLite case, verified
// before use. With live non-nil a recorded case is opened writable and what it
// lacks is fetched from live and added; a JSON case is a whole chain and cannot be
// extended.
func OpenCase(path string, live trace.Source) (*CaseFile, error) {
	isDB, err := IsSQLite(path)
	if err != nil {
		return nil, fmt.Errorf("%w: case file %s: %w", trace.ErrBadInput, path, err)
	}
	if !isDB {
		if live != nil {
			return nil, fmt.Errorf("%w: %s is a JSON case, a complete chain in itself: it cannot be extended from --rpc", trace.ErrBadInput, path)
		}
		c, err := jsoncase.Load(path)
		if err != nil {
			return nil, err
		}
		return &CaseFile{Source: c.Source(), Seeds: c.Seeds}, nil
	}
	st, err := Open(path, live != nil)
	if err != nil {
		return nil, err
	}
	src, err := ReplayLive(st, live)
	if err != nil {
		st.Close()
		return nil, err
	}
	cf := &CaseFile{Source: src, Store: st}
	var opts map[string]string
	if json.Unmarshal([]byte(st.Meta()[MetaOptions]), &opts) == nil && opts[MetaSeeds] != "" {
		cf.Seeds = strings.Split(opts[MetaSeeds], ",")
	}
	return cf, nil
}
