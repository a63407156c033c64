package casestore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/chaintrace/chaintrace/trace"
)

// The watch log keeps `chaintrace watch`'s state beside a case (or in a file of
// its own): the state as one document the watch defines, and every event in
// the order it was decided, with whether it was delivered. Its tables are not
// part of the case's sealed content (the root hash covers meta and objects
// only), so a case that is watched still verifies.
const watchSchema = `
CREATE TABLE IF NOT EXISTS watch_state (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_events (
	seq   INTEGER PRIMARY KEY,
	id    TEXT NOT NULL UNIQUE,
	block INTEGER NOT NULL,
	value TEXT NOT NULL,
	sent  INTEGER NOT NULL DEFAULT 0
);
`

// WatchLog is the watch state of one case. It is not safe for concurrent use.
type WatchLog struct {
	path string
	db   *sql.DB
	// absent: opened read-only (ReadWatchLog) on a file without the tables:
	// no watch ever ran there.
	absent bool
}

// WatchEvent is one event as the log keeps it. Value is the event document.
type WatchEvent struct {
	Seq   int64
	ID    string
	Block uint64
	Value []byte
	Sent  bool
}

// OpenWatchLog opens the watch state in path, creating the file (an SQLite
// database) or the tables when missing.
func OpenWatchLog(path string) (*WatchLog, error) {
	db, err := openDB(path, false, false)
	if err != nil {
		return nil, fmt.Errorf("open watch state %s: %w", path, err)
	}
	if _, err := db.Exec(watchSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s is not a watch state: %w (is it an SQLite file chaintrace wrote?)", trace.ErrBadInput, path, err)
	}
	return &WatchLog{path: path, db: db}, nil
}

// ReadWatchLog opens the watch state in path read-only, for reading only
// (watch --status): the file is never created or changed, not even by the
// tables a watch adds, so a recorded case stays as it was. A file without
// them holds no watch (State nil, no events).
func ReadWatchLog(path string) (*WatchLog, error) {
	db, err := openDB(path, true, false)
	if err != nil {
		return nil, fmt.Errorf("open watch state %s: %w", path, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('watch_state', 'watch_events')`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s is not a watch state: %w (is it an SQLite file chaintrace wrote?)", trace.ErrBadInput, path, err)
	}
	return &WatchLog{path: path, db: db, absent: n < 2}, nil
}

// Path is the file the log lives in.
func (w *WatchLog) Path() string { return w.path }

// State returns the stored state document, nil when the watch never ran.
func (w *WatchLog) State() ([]byte, error) {
	if w.absent {
		return nil, nil
	}
	var v string
	err := w.db.QueryRow(`SELECT value FROM watch_state WHERE id = 1`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read watch state %s: %w", w.path, err)
	}
	return []byte(v), nil
}

// Commit stores state and appends events (not yet sent) in one transaction,
// so a watch killed at any moment restarts from a state and its events
// together. An event whose ID is already logged is an error: it would be sent twice.
func (w *WatchLog) Commit(state []byte, events []WatchEvent) error {
	tx, err := w.db.Begin()
	if err != nil {
		return fmt.Errorf("write watch state %s: %w", w.path, err)
	}
	if _, err := tx.Exec(`INSERT INTO watch_state (id, value) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value`, string(state)); err != nil {
		tx.Rollback()
		return fmt.Errorf("write watch state %s: %w", w.path, err)
	}
	for _, e := range events {
		if _, err := tx.Exec(`INSERT INTO watch_events (seq, id, block, value, sent) VALUES (?, ?, ?, ?, 0)`, e.Seq, e.ID, e.Block, string(e.Value)); err != nil {
			tx.Rollback()
			return fmt.Errorf("write watch event %d (%s) to %s: %w", e.Seq, e.ID, w.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write watch state %s: %w", w.path, err)
	}
	return nil
}

// Events returns the logged events in order; unsentOnly leaves out those delivered.
func (w *WatchLog) Events(unsentOnly bool) ([]WatchEvent, error) {
	if w.absent {
		return nil, nil
	}
	q := `SELECT seq, id, block, value, sent FROM watch_events`
	if unsentOnly {
		q += ` WHERE sent = 0`
	}
	rows, err := w.db.Query(q + ` ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read watch events %s: %w", w.path, err)
	}
	defer rows.Close()
	var out []WatchEvent
	for rows.Next() {
		var e WatchEvent
		var v string
		var sent int
		if err := rows.Scan(&e.Seq, &e.ID, &e.Block, &v, &sent); err != nil {
			return nil, fmt.Errorf("read watch events %s: %w", w.path, err)
		}
		e.Value, e.Sent = []byte(v), sent != 0
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkSent records that event seq was delivered.
func (w *WatchLog) MarkSent(seq int64) error {
	if _, err := w.db.Exec(`UPDATE watch_events SET sent = 1 WHERE seq = ?`, seq); err != nil {
		return fmt.Errorf("write watch event %d to %s: %w", seq, w.path, err)
	}
	return nil
}

// Close closes the file.
func (w *WatchLog) Close() error { return w.db.Close() }
