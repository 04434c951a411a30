// Package storetest opens real stores for tests: a SQLite file in
// t.TempDir(), and a PostgreSQL schema of its own when
// TOCSIN_TEST_POSTGRES_DSN is set. When that variable is set the database
// must be reachable: an unreachable PostgreSQL fails the test instead of
// skipping it, so CI cannot go green without running the suite there.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for schema setup

	"github.com/tocsin-alerts/tocsin/store"
)

// EnvPostgres names the variable holding the test PostgreSQL DSN.
const EnvPostgres = "TOCSIN_TEST_POSTGRES_DSN"

// SQLite opens a fresh SQLite store in a temporary directory and returns it
// with its file path; it is closed at cleanup.
func SQLite(t testing.TB) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tocsin.db")
	s, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// PostgresDSN creates a schema of its own on the test PostgreSQL and returns
// a DSN whose search_path points at it; the schema is dropped at cleanup. ok
// is false when TOCSIN_TEST_POSTGRES_DSN is unset.
func PostgresDSN(t testing.TB) (dsn string, ok bool) {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s is set but unusable: %v", EnvPostgres, err)
	}
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Fatalf("%s is set but PostgreSQL is unreachable: %v", EnvPostgres, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), true
}

// Postgres opens a store in a fresh schema (see PostgresDSN); ok is false
// when TOCSIN_TEST_POSTGRES_DSN is unset.
func Postgres(t testing.TB) (*store.Store, bool) {
	t.Helper()
	dsn, ok := PostgresDSN(t)
	if !ok {
		return nil, false
	}
	s, err := store.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, true
}

// Each runs fn as a subtest against SQLite and, when configured, PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		s, _ := SQLite(t)
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, ok := Postgres(t)
		if !ok {
			t.Skip(EnvPostgres + " not set")
		}
		fn(t, s)
	})
}

// EachDSN runs fn as a subtest with the DSN of a fresh SQLite file and,
// when configured, of a fresh PostgreSQL schema, for tests that open (and
// reopen) stores themselves.
func EachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, filepath.Join(t.TempDir(), "tocsin.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, ok := PostgresDSN(t)
		if !ok {
			t.Skip(EnvPostgres + " not set")
		}
		fn(t, dsn)
	})
}
