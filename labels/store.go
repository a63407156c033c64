package labels

import (
	"fmt"
	"sort"
	"strings"

	"github.com/chaintrace/chaintrace/trace"
)

// Categories are the label categories a file may use (../shared/TRACING.md).
var Categories = []string{
	trace.CatDeposit, trace.CatExchange, trace.CatMixer, trace.CatBridge, trace.CatDEX, trace.CatService,
	trace.CatSanctioned, trace.CatScam, trace.CatHacker, trace.CatOther,
}

func validCategory(c string) bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// Entry is one label with where it was read from.
type Entry struct {
	trace.Label
	File string `json:"file"`
	Line int    `json:"line"`
}

// At says where the entry came from, as "file:line".
func (e Entry) At() string { return fmt.Sprintf("%s:%d", e.File, e.Line) }

// Conflict records a later entry that replaced an earlier one with a different
// name or category for the same chain scope and address.
type Conflict struct {
	Old Entry `json:"old"`
	New Entry `json:"new"`
}

func (c Conflict) String() string {
	scope := c.New.Chain
	if scope == "" {
		scope = "every chain"
	}
	return fmt.Sprintf("%s on %s: %q (%s, %s) overrides %q (%s, %s)",
		c.New.Address, scope, c.New.Name, c.New.Category, c.New.At(),
		c.Old.Name, c.Old.Category, c.Old.At())
}

type key struct {
	scope string // chain name, "evm" or ""
	addr  string
}

// Store holds labels and answers trace.Labels lookups. It is built once, before a
// trace starts, and is then only read, so lookups take no lock.
type Store struct {
	m         map[key]Entry
	conflicts []Conflict
	sources   []string // files in load order
}

var _ trace.Labels = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{m: map[key]Entry{}} }

// add puts entries in, later ones replacing earlier ones.
func (s *Store) add(file string, es []Entry) {
	s.sources = append(s.sources, file)
	for _, e := range es {
		k := key{scopeKey(e.Chain), lookupKey(e.Chain, e.Address)}
		if old, ok := s.m[k]; ok && (old.Name != e.Name || old.Category != e.Category) {
			s.conflicts = append(s.conflicts, Conflict{Old: old, New: e})
		}
		s.m[k] = e
	}
}

// Lookup finds the label of address on chain (a --chain name). The most specific
// entry wins: one for that chain, then an "evm" entry (EVM chains only), then one
// for every chain. EVM addresses match case-insensitively; the label carries the
// checksummed address.
func (s *Store) Lookup(chain, address string) (trace.Label, bool) {
	e, ok := s.lookup(chain, address)
	if ok && e.Label.Entity == "" {
		e.Label.Entity = Entity(e.Label.Name)
	}
	return e.Label, ok
}

func (s *Store) lookup(chain, address string) (Entry, bool) {
	if s == nil {
		return Entry{}, false
	}
	chain = strings.ToLower(strings.TrimSpace(chain))
	a := lookupKey(chain, address)
	var buf [3]string
	scopes := append(buf[:0], scopeKey(chain))
	if !IsBitcoin(chain) && chain != ScopeEVM {
		scopes = append(scopes, ScopeEVM)
	}
	if chain != ScopeAll {
		scopes = append(scopes, ScopeAll)
	}
	for _, sc := range scopes {
		if e, ok := s.m[key{sc, a}]; ok {
			return e, true
		}
	}
	return Entry{}, false
}

// Find returns every entry for address on any chain, for `labels show`.
func (s *Store) Find(address string) []Entry {
	var out []Entry
	for k, e := range s.m {
		if k.addr == lookupKey(k.scope, address) {
			out = append(out, e)
		}
	}
	sortEntries(out)
	return out
}

// All returns every entry, sorted by chain, category, label and address.
func (s *Store) All() []Entry {
	out := make([]Entry, 0, len(s.m))
	for _, e := range s.m {
		out = append(out, e)
	}
	sortEntries(out)
	return out
}

// Len is the number of labelled (chain scope, address) pairs.
func (s *Store) Len() int { return len(s.m) }

// Conflicts lists, in load order, every entry that replaced a different label.
func (s *Store) Conflicts() []Conflict { return append([]Conflict(nil), s.conflicts...) }

// Sources lists the files loaded, in order.
func (s *Store) Sources() []string { return append([]string(nil), s.sources...) }

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Chain != b.Chain {
			return a.Chain < b.Chain
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Address < b.Address
	})
}

// Entity names the organisation a label belongs to, so that "Binance 14" and
// "Binance: Hot Wallet 6" are both Binance (the deposit rule attributes a deposit
// address to an exchange, not to one of its wallets). The convention, followed by
// the built-in set: "<Entity>: <detail>" or "<Entity> <number>".
func Entity(label string) string {
	s := strings.TrimSpace(label)
	if i := strings.Index(s, ":"); i > 0 {
		return strings.TrimSpace(s[:i])
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		tail := s[i+1:]
		if strings.Trim(tail, "0123456789") == "" {
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// BridgeAddresses lists the addresses labelled as bridges of kind (a
// bridge_kind value) for chain, sorted: where the tracer looks for a crossing's
// payout on a destination chain (THORChain-style vaults and routers there).
func (s *Store) BridgeAddresses(chain, kind string) []string {
	if s == nil {
		return nil
	}
	chain = strings.ToLower(strings.TrimSpace(chain))
	scopes := map[string]bool{scopeKey(chain): true, ScopeAll: true}
	if !IsBitcoin(chain) {
		scopes[ScopeEVM] = true
	}
	var out []string
	for k, e := range s.m {
		if scopes[k.scope] && e.BridgeKind == kind && e.Category == "bridge" {
			out = append(out, e.Address)
		}
	}
	sort.Strings(out)
	return out
}
