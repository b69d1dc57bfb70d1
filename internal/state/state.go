// Package state persists berth's objects in one SQLite database (WAL mode).
// It stores what the engine hands it as opaque JSON documents plus the few
// columns it must index or keep unique (IDs and names). It knows nothing of
// the engine's types: the engine marshals, this package stores.
package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Errors returned by the store; callers test them with errors.Is.
var (
	ErrNotFound  = errors.New("no such object")
	ErrExists    = errors.New("object already exists")
	ErrAmbiguous = errors.New("more than one object matches")
)

// schemaVersion is stored in PRAGMA user_version. Bump it and add a
// migration step when the schema changes.
const schemaVersion = 2

// migrations[v] upgrades a database at schema v to v+1; schema (below)
// creates the newest schema in one go for a new database.
var migrations = map[int]string{
	1: objectsTable,
}

// objects holds every other kind of engine object (volumes, networks,
// pods, exec sessions, ...) as JSON documents keyed by kind and ID, with
// names unique within a kind. New kinds need no schema change.
const objectsTable = `
CREATE TABLE IF NOT EXISTS objects (
	kind    TEXT NOT NULL,
	id      TEXT NOT NULL,
	name    TEXT NOT NULL,
	created INTEGER NOT NULL,
	data    BLOB NOT NULL,
	PRIMARY KEY (kind, id),
	UNIQUE (kind, name)
);
`

const schema = objectsTable + `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS containers (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	created INTEGER NOT NULL,
	config  BLOB NOT NULL,
	state   BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS artifacts (
	ctr_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
	name   TEXT NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (ctr_id, name)
);
`

// DB is an open state database. It is safe for concurrent use.
type DB struct {
	db *sql.DB
}

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	// busy_timeout lets concurrent berth processes queue for the write
	// lock instead of failing; _txlock=immediate takes that lock at BEGIN,
	// so a read-then-write transaction can never deadlock on upgrade.
	// synchronous=NORMAL is durable across process crashes in WAL mode.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// With the WAL file kept (driver.go), a checkpoint truncates it to
	// nothing; otherwise the next command's first connection would find
	// the old, already copied frames still valid and copy them again.
	q.Add("_pragma", "journal_size_limit(0)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db := sql.OpenDB(&connector{drv: newDriver(), dsn: dsn})
	db.SetMaxOpenConns(4)
	s := &DB{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *DB) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("reading state schema version: %w", err)
	}
	switch {
	case v == schemaVersion:
		return nil
	case v > schemaVersion:
		return fmt.Errorf("state database has schema %d, newer than this berth understands (%d)", v, schemaVersion)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		stmt := schema
		if v > 0 {
			stmt = ""
			for from := v; from < schemaVersion; from++ {
				stmt += migrations[from]
			}
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating state schema: %w", err)
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// tx runs fn in one write transaction.
func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning state transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing state: %w", err)
	}
	return nil
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Meta returns the value stored under key; ok is false when absent.
func (s *DB) Meta(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading %s: %w", key, err)
	}
	return value, true, nil
}

// SetMeta stores value under key.
func (s *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		key, value)
	if err != nil {
		return fmt.Errorf("writing %s: %w", key, err)
	}
	return nil
}

// isHex reports whether s could be an ID prefix; only those are matched by
// prefix, which also keeps LIKE wildcards out of the query.
func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func isForeignKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
