package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // the database/sql driver
)

// postgresDialect talks to PostgreSQL through pgx's database/sql driver.
// Runtime parameters such as search_path may be given in the DSN.
type postgresDialect struct {
	// appName is the application_name of the store's connections (the
	// replica identity) unless the DSN sets one.
	appName string
}

func (postgresDialect) name() string { return "postgres" }

// lockRows makes a claim skip the rows another transaction is claiming.
func (postgresDialect) lockRows() string { return " FOR UPDATE SKIP LOCKED" }

// advisoryKey is the SQL for the advisory lock key of one purpose: a hash
// of the purpose and the current schema, so deployments in two schemas of
// one database never share a lock.
func advisoryKey(purpose string) string {
	return `hashtextextended('tocsin/` + purpose + `/' || coalesce(current_schema(), ''), 0)`
}

// Advisory lock purposes.
const (
	lockPurposeDecide  = "decide"
	lockPurposeMigrate = "migrate"
	lockPurposeLeader  = "leader"
)

// lockDecisions waits for the decision lock; it is released when the
// transaction ends, commit or rollback (a replica that dies mid-decision
// loses its session, and the lock with it).
func (postgresDialect) lockDecisions() string {
	return `SELECT pg_advisory_xact_lock(` + advisoryKey(lockPurposeDecide) + `)`
}

// lockProcess is a no-op: any number of replicas share a PostgreSQL store.
func (postgresDialect) lockProcess(string, string) (func() error, error) { return nil, nil }

// migrationLock takes the migration lock on a connection of its own and
// holds it until unlock; a second replica starting at the same moment
// waits here, then finds the migrations applied.
func (postgresDialect) migrationLock(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+advisoryKey(lockPurposeMigrate)+`)`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() {
		// A failed unlock leaves the lock with the session: the connection
		// is then discarded rather than returned to the pool, which ends
		// the session and the lock with it.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+advisoryKey(lockPurposeMigrate)+`)`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

func (d postgresDialect) open(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set && d.appName != "" {
		cfg.RuntimeParams["application_name"] = truncate(d.appName, 63)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// rebind turns "?" into "$1", "$2", ... The store's SQL has no "?" inside
// string literals, so a plain scan is enough.
func (postgresDialect) rebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
