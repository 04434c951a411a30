package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// postgresDialect talks to PostgreSQL through pgx's database/sql driver.
// Runtime parameters such as search_path may be given in the DSN.
type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

// lockRows makes a claim skip the rows another transaction is claiming.
func (postgresDialect) lockRows() string { return " FOR UPDATE SKIP LOCKED" }

func (postgresDialect) open(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
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
