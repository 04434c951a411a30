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
//
// synchronous=FULL: every commit is on disk before it returns. A batch's
// commit is what makes an alert "recorded" and releases it for delivery;
// with NORMAL, WAL mode may lose the last commits on a power or filesystem
// fault, and an alert already delivered would be decided again and posted
// under a new id. The cost is one fsync of the WAL per commit.
type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// sqlitePath is the file path of a SQLite DSN.
func sqlitePath(dsn string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

func (sqliteDialect) open(ctx context.Context, dsn string) (*sql.DB, error) {
	path := sqlitePath(dsn)
	if path == "" {
		return nil, fmt.Errorf("empty sqlite path")
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
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

// lockDecisions is empty for the same reason: a decision transaction is
// IMMEDIATE, so no other writer runs until it ends.
func (sqliteDialect) lockDecisions() string { return "" }

// migrationLock needs nothing beyond the process lock and the IMMEDIATE
// transaction each step runs in.
func (sqliteDialect) migrationLock(context.Context, *sql.DB) (func(), error) { return func() {}, nil }

func (sqliteDialect) lockProcess(dsn, holder string) (func() error, error) {
	path := sqlitePath(dsn)
	if path == "" {
		return nil, fmt.Errorf("empty sqlite path")
	}
	return lockFile(path+".lock", path, holder)
}
