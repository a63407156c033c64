package casestore

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/chaintrace/chaintrace/trace"
)

// Format is the value of meta "format" in every case file this package writes.
const Format = "chaintrace-case-store/1"

// sqliteMagic opens every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// IsSQLite reports whether the file at path starts with the SQLite header, which
// tells a recorded case from a hand-written JSON case.
func IsSQLite(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	return string(buf[:n]) == sqliteMagic, nil
}

const schema = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE objects (
	kind       TEXT NOT NULL,
	key        TEXT NOT NULL,
	address    TEXT NOT NULL DEFAULT '',
	from_block INTEGER NOT NULL DEFAULT 0,
	block      INTEGER NOT NULL DEFAULT 0,
	value      TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	PRIMARY KEY (kind, key)
);
CREATE INDEX objects_by_address ON objects (kind, address);
`

// Object kinds, one per source call (docs/case-store.md).
const (
	KindTip         = "tip"
	KindAddress     = "address"      // NormalizeAddress
	KindTxTransfers = "tx_transfers" // AccountSource.TxTransfers
	KindHistory     = "history"      // AccountSource.History
	KindBalance     = "balance"      // AccountSource.Balance
	KindIsContract  = "is_contract"  // ContractChecker.IsContract
	KindTx          = "tx"           // UTXOSource.Tx
	KindSpender     = "spender"      // UTXOSource.Spender
	KindAddressTxs  = "address_txs"  // UTXOSource.AddressTxs
	KindBlockTime   = "block_time"   // BlockTimer.BlockTime
)

// Meta keys.
const (
	MetaFormat      = "format"
	MetaToolVersion = "tool_version"
	MetaChain       = "chain"
	MetaFamily      = "family"
	MetaChainID     = "chain_id"
	MetaNative      = "native_asset"
	MetaInterfaces  = "interfaces"
	MetaCommand     = "command"
	MetaOptions     = "options"
	MetaTip         = "tip"
	MetaWarnings    = "warnings"
	MetaCreated     = "created_at"
	MetaUpdated     = "updated_at"
	MetaObjects     = "object_count"
	MetaRoot        = "root_sha256"
	metaTipAt       = "tip_fetched_at" // cache only: when the cached tip was seen
)

// Meta is what the caller knows about a recording that the source does not.
type Meta struct {
	ToolVersion string
	// Command is the command line; Create removes secrets (RedactArgs) before storing it.
	Command []string
	// Options are the trace options as the CLI resolved them; values that look like
	// secrets are removed too.
	Options map[string]string
}

// object is one stored answer.
type object struct {
	Kind, Key string
	Address   string
	FromBlock uint64
	Block     uint64
	Value     []byte
}

func (o *object) hash() string {
	h := sha256.New()
	for _, s := range []string{o.Kind, o.Key, o.Address, strconv.FormatUint(o.FromBlock, 10), strconv.FormatUint(o.Block, 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(o.Value)
	return hex.EncodeToString(h.Sum(nil))
}

type objKey struct{ kind, key string }

// Store is one case file (or one cache file). It is safe for concurrent use.
type Store struct {
	path     string
	db       *sql.DB
	readOnly bool
	cache    bool

	getOnce sync.Once
	getStmt *sql.Stmt // prepared once: parsing the query cost more than running it
	getErr  error

	mu      sync.Mutex
	pending map[objKey]*object
	meta    map[string]string // every meta row, kept in memory
	dirty   bool
	onClose []func()
	closed  bool
	// fetched counts, by kind, the answers a case lacked and a live source gave.
	fetched map[string]int
}

func (s *Store) noteFetched(kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetched == nil {
		s.fetched = map[string]int{}
	}
	s.fetched[kind]++
}

// Fetched counts, by kind, the answers the case did not hold and the live
// source gave (a replay with --rpc).
func (s *Store) Fetched() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.fetched))
	for k, v := range s.fetched {
		m[k] = v
	}
	return m
}

// ReadOnly reports whether the store was opened read-only (answers a live
// source gives are then not added to it).
func (s *Store) ReadOnly() bool { return s.readOnly }

// flushEvery bounds how many answers wait in memory before one write transaction:
// one transaction per answer would make a 100k-transaction case crawl.
const flushEvery = 512

// openDB opens path read-only, or read-write; fast skips fsync (synchronous=OFF)
// for files whose loss in an OS crash costs nothing: a new recording (unsealed
// until Close, and an unsealed case fails Verify) and the cache. An existing case
// being extended is written with fsync, because it may be the only copy.
func openDB(path string, readOnly, fast bool) (*sql.DB, error) {
	// SQLite URI file names: only %, ? and # need escaping (the query follows ?)
	u := url.URL{Scheme: "file", Opaque: strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)}
	q := url.Values{}
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Set("mode", "rwc")
		// zero freed space, so no stale copy of an answer lingers where the
		// content hashes cannot see it (a flipped byte there would go unnoticed)
		q.Add("_pragma", "secure_delete(1)")
		if fast {
			q.Add("_pragma", "synchronous(OFF)")
		}
	}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "cache_size(-65536)")    // 64 MiB of pages: a replay reads the same pages often
	q.Add("_pragma", "mmap_size(1073741824)") // reads without a syscall per page
	u.RawQuery = q.Encode()
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: SQLite serialises writers anyway
	return db, nil
}

// Create makes a new case file at path for a recording. It refuses to overwrite an
// existing file: a case is evidence.
func Create(path string, m Meta) (*Store, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("case file %s already exists: choose another name or delete it first", path)
	}
	s, err := createAt(path)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Format(time.RFC3339)
	cmd, _ := json.Marshal(RedactArgs(m.Command))
	opts, _ := json.Marshal(RedactOptions(m.Options))
	s.meta[MetaFormat] = Format
	s.meta[MetaToolVersion] = m.ToolVersion
	s.meta[MetaCommand] = string(cmd)
	s.meta[MetaOptions] = string(opts)
	s.meta[MetaCreated] = now
	s.meta[MetaUpdated] = now
	s.dirty = true
	if err := s.flushMeta(); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func createAt(path string) (*Store, error) {
	db, err := openDB(path, false, true)
	if err != nil {
		return nil, fmt.Errorf("create case %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create case %s: %w", path, err)
	}
	return &Store{path: path, db: db, pending: map[objKey]*object{}, meta: map[string]string{}}, nil
}

// Open opens an existing case for replay after verifying it; a case that fails
// verification is refused with an error wrapping ErrCorrupt. With writable set the
// case can take answers fetched live (replay with --rpc); otherwise it is opened
// read-only and never modified.
func Open(path string, writable bool) (*Store, error) {
	if _, err := Verify(path); err != nil {
		return nil, err
	}
	db, err := openDB(path, !writable, false)
	if err != nil {
		return nil, fmt.Errorf("open case %s: %w", path, err)
	}
	s := &Store{path: path, db: db, readOnly: !writable, pending: map[objKey]*object{}}
	if s.meta, err = readMeta(db); err != nil {
		db.Close()
		return nil, corrupt(path, err.Error())
	}
	return s, nil
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

// Meta returns a copy of the metadata.
func (s *Store) Meta() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]string, len(s.meta))
	for k, v := range s.meta {
		m[k] = v
	}
	return m
}

func (s *Store) getMeta(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta[k]
}

func (s *Store) setMeta(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly || s.meta[k] == v {
		return
	}
	s.meta[k] = v
	s.dirty = true
}

func readMeta(db *sql.DB) (map[string]string, error) {
	rows, err := db.Query(`SELECT key, value FROM meta`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// put stores an answer (replacing an older answer to the same call).
func (s *Store) put(o *object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly || s.closed {
		return nil
	}
	s.pending[objKey{o.Kind, o.Key}] = o
	s.dirty = true
	if len(s.pending) >= flushEvery {
		return s.flushLocked()
	}
	return nil
}

// get returns a stored answer, checking its content hash; nil when absent.
func (s *Store) get(kind, key string) (*object, error) {
	s.mu.Lock()
	if o, ok := s.pending[objKey{kind, key}]; ok {
		s.mu.Unlock()
		return o, nil
	}
	s.mu.Unlock()
	s.getOnce.Do(func() {
		s.getStmt, s.getErr = s.db.Prepare(`SELECT address, from_block, block, value, sha256 FROM objects WHERE kind = ? AND key = ?`)
	})
	if s.getErr != nil {
		return nil, fmt.Errorf("read %s: %w", s.path, s.getErr)
	}
	o := &object{Kind: kind, Key: key}
	var sum string
	err := s.getStmt.QueryRow(kind, key).Scan(&o.Address, &o.FromBlock, &o.Block, &o.Value, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s(%s) from %s: %w", kind, key, s.path, err)
	}
	if got := o.hash(); got != sum {
		return nil, corrupt(s.path, fmt.Sprintf("object %s(%s): content hash %s does not match the stored %s", kind, key, got, sum))
	}
	return o, nil
}

// byAddress lists the stored answers of one kind for one address (history ranges).
func (s *Store) byAddress(kind, addr string) ([]*object, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(`SELECT key, from_block, block, value, sha256 FROM objects WHERE kind = ? AND address = ? ORDER BY key`, kind, addr)
	if err != nil {
		return nil, fmt.Errorf("read %s of %s from %s: %w", kind, addr, s.path, err)
	}
	defer rows.Close()
	var out []*object
	for rows.Next() {
		o := &object{Kind: kind, Address: addr}
		var sum string
		if err := rows.Scan(&o.Key, &o.FromBlock, &o.Block, &o.Value, &sum); err != nil {
			return nil, err
		}
		if got := o.hash(); got != sum {
			return nil, corrupt(s.path, fmt.Sprintf("object %s(%s): content hash %s does not match the stored %s", kind, o.Key, got, sum))
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *Store) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *Store) flushLocked() error {
	if len(s.pending) == 0 {
		return nil
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	st, err := tx.Prepare(`INSERT OR REPLACE INTO objects (kind, key, address, from_block, block, value, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	for _, o := range s.pending {
		if _, err := st.Exec(o.Kind, o.Key, o.Address, o.FromBlock, o.Block, string(o.Value), o.hash()); err != nil {
			st.Close()
			tx.Rollback()
			return fmt.Errorf("write %s: %w", s.path, err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	s.pending = map[objKey]*object{}
	return nil
}

func (s *Store) flushMeta() error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	for k, v := range s.meta {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, k, v); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// Close writes what is pending, seals a case with its root hash and closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	hooks := s.onClose
	s.onClose = nil
	s.mu.Unlock()
	for _, h := range hooks {
		h()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.getStmt != nil {
		s.getStmt.Close()
	}
	if s.readOnly || !s.dirty {
		return s.db.Close()
	}
	err := s.flushLocked()
	if err == nil && !s.cache {
		err = s.sealLocked()
	} else if err == nil {
		err = s.flushMeta()
	}
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close case %s: %w", s.path, err)
	}
	return nil
}

// sealLocked recomputes the object count and root hash and writes the metadata,
// then compacts the file so little unused space remains.
func (s *Store) sealLocked() error {
	s.meta[MetaUpdated] = time.Now().UTC().Format(time.RFC3339)
	if err := s.flushMeta(); err != nil {
		return err
	}
	_, n, err := computeRoot(s.db, s.path)
	if err != nil {
		return err
	}
	s.meta[MetaObjects] = strconv.Itoa(n)
	// the object count is covered by the root too: recompute once it is stored.
	if err := s.flushMeta(); err != nil {
		return err
	}
	root, _, err := computeRoot(s.db, s.path)
	if err != nil {
		return err
	}
	s.meta[MetaRoot] = root
	if err := s.flushMeta(); err != nil {
		return err
	}
	_, err = s.db.Exec(`VACUUM`)
	return err
}

// computeRoot hashes, in sorted order, every meta row except the root itself and
// every object's kind, key and content hash, after checking each content hash.
func computeRoot(db *sql.DB, path string) (root string, objects int, err error) {
	h := sha256.New()
	meta, err := readMeta(db)
	if err != nil {
		return "", 0, corrupt(path, "cannot read the meta table: "+err.Error())
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != MetaRoot {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "m\x00%s\x00%s\n", k, meta[k])
	}
	rows, err := db.Query(`SELECT kind, key, address, from_block, block, value, sha256 FROM objects ORDER BY kind, key`)
	if err != nil {
		return "", 0, corrupt(path, "cannot read the objects table: "+err.Error())
	}
	defer rows.Close()
	for rows.Next() {
		var o object
		var sum string
		if err := rows.Scan(&o.Kind, &o.Key, &o.Address, &o.FromBlock, &o.Block, &o.Value, &sum); err != nil {
			return "", 0, corrupt(path, "cannot read an object: "+err.Error())
		}
		if got := o.hash(); got != sum {
			return "", 0, corrupt(path, fmt.Sprintf("object %s(%s): content hash %s does not match the stored %s", o.Kind, o.Key, got, sum))
		}
		fmt.Fprintf(h, "o\x00%s\x00%s\x00%s\n", o.Kind, o.Key, sum)
		objects++
	}
	if err := rows.Err(); err != nil {
		return "", 0, corrupt(path, "cannot read the objects table: "+err.Error())
	}
	return hex.EncodeToString(h.Sum(nil)), objects, nil
}

func corrupt(path, detail string) error {
	return fmt.Errorf("%w: %s: %s; the case can no longer be trusted as a record — restore it from a copy or record it again", ErrCorrupt, path, detail)
}

// Summary describes a verified case (chaintrace case info).
type Summary struct {
	Path        string            `json:"path"`
	Format      string            `json:"format"`
	ToolVersion string            `json:"tool_version"`
	Chain       string            `json:"chain"`
	Family      string            `json:"family"`
	ChainID     string            `json:"chain_id,omitempty"`
	Tip         string            `json:"tip"`
	Command     []string          `json:"command"`
	Options     map[string]string `json:"options"`
	Warnings    []string          `json:"warnings,omitempty"`
	Created     string            `json:"created_at"`
	Updated     string            `json:"updated_at"`
	Root        string            `json:"root_sha256"`
	Objects     int               `json:"objects"`
	ByKind      map[string]int    `json:"by_kind"`
	Bytes       int64             `json:"bytes"`
	// TraceOptions and Labels are the recorded inputs (absent in cases
	// recorded before cases stored them).
	TraceOptions map[string][]string `json:"trace_options,omitempty"`
	Labels       []LabelSetInfo      `json:"label_sets,omitempty"`
}

// LabelSetInfo describes one recorded label set.
type LabelSetInfo struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// Verify checks a case file: the SQLite structure, every object's content hash, the
// object count and the root hash. The error wraps ErrCorrupt and says what failed.
func Verify(path string) (*Summary, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", path, err)
	}
	ok, err := IsSQLite(path)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", path, err)
	}
	if !ok {
		if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '{' {
			return nil, fmt.Errorf("%w: %s is a hand-written JSON case, not a recorded (SQLite) case: it carries no hashes to verify", trace.ErrBadInput, path)
		}
		return nil, corrupt(path, "the file does not start with the SQLite header (\"SQLite format 3\"), so it is not a recorded case or its first bytes were altered")
	}
	db, err := openDB(path, true, false)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", path, err)
	}
	defer db.Close()
	var check []string
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		return nil, corrupt(path, "SQLite cannot read the file: "+err.Error())
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, corrupt(path, "SQLite cannot read the file: "+err.Error())
		}
		check = append(check, line)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, corrupt(path, "SQLite cannot read the file: "+err.Error())
	}
	rows.Close()
	if len(check) != 1 || check[0] != "ok" {
		if len(check) > 3 {
			check = append(check[:3], "…")
		}
		return nil, corrupt(path, "SQLite integrity check failed: "+fmt.Sprint(check))
	}
	meta, err := readMeta(db)
	if err != nil {
		return nil, corrupt(path, "cannot read the meta table: "+err.Error())
	}
	if meta[MetaFormat] != Format {
		return nil, corrupt(path, fmt.Sprintf("meta format is %q, want %q", meta[MetaFormat], Format))
	}
	root, n, err := computeRoot(db, path)
	if err != nil {
		return nil, err
	}
	if meta[MetaRoot] == "" {
		return nil, corrupt(path, "the case has no root hash: the recording was not closed properly")
	}
	if root != meta[MetaRoot] {
		return nil, corrupt(path, fmt.Sprintf("root hash %s does not match the stored %s: metadata or objects were changed, added or removed", root, meta[MetaRoot]))
	}
	if strconv.Itoa(n) != meta[MetaObjects] {
		return nil, corrupt(path, fmt.Sprintf("%d objects found, %s recorded", n, meta[MetaObjects]))
	}
	sum := &Summary{
		Path: path, Format: meta[MetaFormat], ToolVersion: meta[MetaToolVersion],
		Chain: meta[MetaChain], Family: meta[MetaFamily], ChainID: meta[MetaChainID],
		Tip: meta[MetaTip], Created: meta[MetaCreated], Updated: meta[MetaUpdated],
		Root: root, Objects: n, ByKind: map[string]int{}, Bytes: fi.Size(),
	}
	_ = json.Unmarshal([]byte(meta[MetaCommand]), &sum.Command)
	_ = json.Unmarshal([]byte(meta[MetaOptions]), &sum.Options)
	_ = json.Unmarshal([]byte(meta[MetaWarnings]), &sum.Warnings)
	krows, err := db.Query(`SELECT kind, count(*) FROM objects GROUP BY kind ORDER BY kind`)
	if err != nil {
		return nil, corrupt(path, err.Error())
	}
	defer krows.Close()
	for krows.Next() {
		var k string
		var c int
		if err := krows.Scan(&k, &c); err != nil {
			return nil, corrupt(path, err.Error())
		}
		sum.ByKind[k] = c
	}
	if err := krows.Err(); err != nil {
		return nil, corrupt(path, err.Error())
	}
	var raw string
	switch err := db.QueryRow(`SELECT value FROM objects WHERE kind = ? AND key = ''`, KindInputs).Scan(&raw); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, corrupt(path, err.Error())
	default:
		var in Inputs
		if err := json.Unmarshal([]byte(raw), &in); err != nil {
			return nil, corrupt(path, "the recorded inputs do not decode: "+err.Error())
		}
		sum.TraceOptions = in.Options
		for _, l := range in.Labels {
			if NewLabelSet(l.Name, l.Data).SHA256 != l.SHA256 {
				return nil, corrupt(path, fmt.Sprintf("label set %s: its content does not match its recorded hash %s", l.Name, l.SHA256))
			}
			sum.Labels = append(sum.Labels, LabelSetInfo{Name: l.Name, SHA256: l.SHA256, Bytes: len(l.Data)})
		}
	}
	return sum, nil
}

// canonical encodes v as compact JSON without HTML escaping, so stored values read
// naturally in sqlite3 and encode the same way every time.
func canonical(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
