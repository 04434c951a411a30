package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteDialect is the default: a local file, WAL journal so readers never
// block the writer, a busy timeout so concurrent writers wait instead of
// failing, foreign keys on, and IMMEDIATE transactions so a transaction that
// will write takes the lock at BEGIN (no deadlock-prone lock upgrades).
type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

func (sqliteDialect) open(ctx context.Context, dsn string) (*sql.DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if path == "" {
		return nil, fmt.Errorf("empty sqlite path")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's model; a small pool lets readers run
	// alongside it in WAL mode.
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect %s: %w", path, err)
	}
	return db, nil
}

func (sqliteDialect) rebind(q string) string { return q }

// lockRows is empty: an IMMEDIATE transaction already holds SQLite's one
// write lock, so claims are serialised.
func (sqliteDialect) lockRows() string { return "" }
