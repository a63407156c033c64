package casestore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chaintrace/chaintrace/graph"
	"github.com/chaintrace/chaintrace/trace"
)

// Interface names stored in meta "interfaces", so a replay offers exactly what the
// recorded source offered (a tracer that sees no Capabilities.Contracts reports
// differently, and replayed output must not change).
const (
	ifaceAccount  = "account"
	ifaceUTXO     = "utxo"
	ifaceContract = "contract_checker"
	ifaceWarner   = "warner"
	// ifaceCrossing: the source decoded cross-chain events. Account wrappers
	// always answer them; without this mark a case that lacks an answer says
	// "not offered" (trace.ErrUnsupported), as the adapter it was recorded
	// from did not offer them.
	ifaceCrossing = "crossing"
)

// Record wraps src so that every answer it gives is stored in st (a store from
// Create, or an opened case to extend). The wrapper implements exactly the
// interfaces src implements. Close st when the trace is done: that seals the case.
func Record(src trace.Source, st *Store) trace.Source {
	info := src.Info()
	c := &core{st: st, mode: modeCase, info: info}
	c.setLive(src)
	native, _ := canonical(info.Native)
	st.setMeta(MetaChain, info.Name)
	st.setMeta(MetaFamily, info.Family)
	st.setMeta(MetaChainID, u64(info.ChainID))
	st.setMeta(MetaNative, string(native))
	st.setMeta(MetaInterfaces, ifaces(src))
	st.mu.Lock()
	st.onClose = append(st.onClose, func() { c.Warnings() })
	st.mu.Unlock()
	return compose(c, ifaces(src))
}

func ifaces(src trace.Source) string {
	var parts []string
	if _, ok := src.(trace.AccountSource); ok {
		parts = append(parts, ifaceAccount)
	}
	if _, ok := src.(trace.UTXOSource); ok {
		parts = append(parts, ifaceUTXO)
	}
	caps := trace.CapabilitiesOf(src)
	if caps.Contracts != nil {
		parts = append(parts, ifaceContract)
	}
	if caps.Warnings != nil {
		parts = append(parts, ifaceWarner)
	}
	if caps.Crossings != nil {
		parts = append(parts, ifaceCrossing)
	}
	return strings.Join(parts, ",")
}

// Replay serves a case with no network. A call the case cannot answer returns an
// error wrapping ErrNotRecorded that names the call and its argument.
func Replay(st *Store) (trace.Source, error) { return ReplayLive(st, nil) }

// ReplayLive serves a case and fetches what it lacks from live, adding it to the
// case (st must then be opened writable). live must serve the recorded chain.
func ReplayLive(st *Store, live trace.Source) (trace.Source, error) {
	m := st.Meta()
	info := trace.ChainInfo{Name: m[MetaChain], Family: m[MetaFamily]}
	if m[MetaChainID] != "" {
		id, err := strconv.ParseUint(m[MetaChainID], 10, 64)
		if err != nil {
			return nil, corrupt(st.path, "meta chain_id is not a number")
		}
		info.ChainID = id
	}
	if err := json.Unmarshal([]byte(m[MetaNative]), &info.Native); err != nil {
		return nil, corrupt(st.path, "meta native_asset does not decode: "+err.Error())
	}
	if info.Name == "" || (info.Family != graph.FamilyAccount && info.Family != graph.FamilyUTXO) {
		return nil, fmt.Errorf("case %s records no chain: it was created but nothing was traced into it", st.path)
	}
	c := &core{st: st, mode: modeCase, info: info, crossing: hasIface(m[MetaInterfaces], ifaceCrossing)}
	if live != nil {
		li := live.Info()
		if li.Name != info.Name || li.ChainID != info.ChainID {
			return nil, fmt.Errorf("%w: case %s was recorded on chain %s (id %d) but --rpc serves %s (id %d)", trace.ErrBadInput, st.path, info.Name, info.ChainID, li.Name, li.ChainID)
		}
		c.setLive(live)
	}
	return compose(c, m[MetaInterfaces]), nil
}

// CacheOptions tune Cache.
type CacheOptions struct {
	// Confirmations: only answers about blocks at least this far below the tip are
	// stored (finalised data). 0 means none: everything mined is final (tests,
	// chains with instant finality); callers usually pass DefaultConfirmations.
	Confirmations uint64
	// TipTTL: a tip seen this recently is reused instead of asking the node, so a
	// repeated trace makes no request at all. Default 60 s. Negative: always ask.
	TipTTL time.Duration
	// ToBlock is the trace's --to-block (0: the tip). When set, the trace reads
	// nothing above it, so (issue 18):
	//   - a stored tip at or above it answers Tip at any age (the tracer only
	//     checks ToBlock against it; finality tests against an older tip are
	//     stricter, never looser);
	//   - an output stored as unspent at tip T answers "unspent" while
	//     ToBlock + Confirmations <= T (no spender up to T, and blocks that deep
	//     no longer change).
	// Leave it 0 when the tip matters beyond that bound (a start given as a
	// date resolves by searching the blocks up to the tip).
	ToBlock uint64
}

// DefaultConfirmations is CacheOptions.Confirmations' default.
const DefaultConfirmations = 12

// Cache wraps src so finalised answers are served from st (from OpenCache) and
// new finalised answers are stored. The wrapper implements exactly the interfaces
// src implements.
func Cache(src trace.Source, st *Store, o CacheOptions) trace.Source {
	if o.TipTTL == 0 {
		o.TipTTL = 60 * time.Second
	}
	c := &core{st: st, mode: modeCache, info: src.Info(), conf: o.Confirmations, tipTTL: o.TipTTL, toBlock: o.ToBlock}
	c.setLive(src)
	return compose(c, ifaces(src))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// DefaultCacheDir is where --cache points unless told otherwise.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (%w): pass --cache DIR or --no-cache", err)
	}
	return filepath.Join(d, "chaintrace"), nil
}

// OpenCache opens (creating if needed) the cache file for one chain in dir. scope
// separates caches of chains that share a name but not their data — local dev
// chains (regtest, chain id 1337) restarted with new blocks: pass the node's
// endpoint for those, "" for public chains where any provider serves the same data.
func OpenCache(dir string, info trace.ChainInfo, scope string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory %s: %w", dir, err)
	}
	name := unsafeName.ReplaceAllString(info.Name, "_")
	if info.ChainID != 0 {
		name += "-" + u64(info.ChainID)
	}
	if scope != "" {
		h := sha256.Sum256([]byte(scope))
		name += "-" + hex.EncodeToString(h[:4])
	}
	path := filepath.Join(dir, name+".sqlite")
	db, err := openDB(path, false, true)
	if err != nil {
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	s := &Store{path: path, db: db, cache: true, pending: map[objKey]*object{}}
	if _, err := db.Exec(strings.ReplaceAll(strings.ReplaceAll(schema, "CREATE TABLE", "CREATE TABLE IF NOT EXISTS"), "CREATE INDEX", "CREATE INDEX IF NOT EXISTS")); err != nil {
		db.Close()
		return nil, fmt.Errorf("open cache %s: %w (delete the file to start a new cache)", path, err)
	}
	if s.meta, err = readMeta(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open cache %s: %w (delete the file to start a new cache)", path, err)
	}
	if c := s.meta[MetaChain]; c != "" && c != info.Name {
		db.Close()
		return nil, fmt.Errorf("cache %s holds chain %s, not %s: delete it", path, c, info.Name)
	}
	if s.meta[MetaFormat] == "" {
		s.meta[MetaFormat] = Format
		s.meta[MetaChain] = info.Name
		s.meta[MetaChainID] = u64(info.ChainID)
		s.meta[MetaCreated] = time.Now().UTC().Format(time.RFC3339)
		s.dirty = true
	}
	return s, nil
}

// The wrappers embed one family interface value, so each has exactly that
// family's method set although core implements every method; what else the
// wrapped source offers it states as trace.Capabilities (trace.Capable), each
// offered capability answered by core. Every wrapper offers BlockTimes (core
// answers from the case, or says the live source cannot) and every account
// wrapper Crossings (core says "not offered" when the recorded source was not a
// CrossingSource); the rest follows the interfaces listed in ifs (what the
// recorded source offered).
type (
	acct struct {
		trace.AccountSource
		caps trace.Capabilities
	}
	utxo struct {
		trace.UTXOSource
		caps trace.Capabilities
	}
	plain struct {
		trace.Source
		caps trace.Capabilities
	}
)

func (w acct) Capabilities() trace.Capabilities  { return w.caps }
func (w utxo) Capabilities() trace.Capabilities  { return w.caps }
func (w plain) Capabilities() trace.Capabilities { return w.caps }

func compose(c *core, ifs string) trace.Source {
	caps := trace.Capabilities{BlockTimes: c}
	if hasIface(ifs, ifaceContract) {
		caps.Contracts = c
	}
	if hasIface(ifs, ifaceWarner) {
		caps.Warnings = c
	}
	if c.mode == modeCache {
		batchCaps(c, &caps)
	}
	switch {
	case hasIface(ifs, ifaceAccount):
		caps.Crossings = c
		return acct{c, caps}
	case hasIface(ifs, ifaceUTXO):
		return utxo{c, caps}
	}
	return plain{c, caps}
}

var (
	_ trace.AccountSource = (*core)(nil)
	_ trace.UTXOSource    = (*core)(nil)
	_ trace.Capable       = acct{}
	_ trace.Capable       = utxo{}
	_ trace.Capable       = plain{}
)
