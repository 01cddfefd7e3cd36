// Package store keeps Simple CRM's data in SQLite (modernc.org/sqlite, the
// embedded default) or PostgreSQL (pgx through database/sql). Both engines run
// the same SQL; the few differences (full-text search, error codes, schema)
// live in a dialect. *DB implements the service interfaces of package crm.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"simplecrm/internal/crm"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DB is an open Simple CRM database. It is safe for concurrent use.
type DB struct {
	dialect *dialect
	// w runs every writing transaction. On SQLite it holds exactly one
	// connection, so writers queue in Go instead of failing with "database is
	// locked"; r is a separate pool of read-only connections that WAL lets run
	// beside the writer. On PostgreSQL both are the same pool.
	w *sql.DB
	r *sql.DB
	// now is the clock; tests may replace it.
	now func() time.Time
	// secret encrypts Google refresh tokens; see SetSecretKey.
	secret secretBox
	// scanWindow and indexCap: see searchContacts; tests make them small to
	// exercise every path on small data.
	scanWindow, indexCap int
}

var (
	_ crm.ContactService = (*DB)(nil)
	_ crm.CompanyService = (*DB)(nil)
	_ crm.UserService    = (*DB)(nil)
	_ crm.AuthService    = (*DB)(nil)
)

// errBadDSN is returned by Open for a DSN it does not understand.
var errBadDSN = errors.New("SIMPLECRM_DB must be sqlite:PATH or a postgres:// URL")

// Open opens the database named by dsn: "sqlite:PATH" or a "postgres://" (or
// "postgresql://") URL. It checks that the database is reachable but does not
// migrate it; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err = openPostgres(dsn)
	default:
		return nil, errBadDSN
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite: %w", errBadDSN)
	}
	// The pragmas run on every new connection. busy_timeout covers other
	// processes (a CLI next to the server); inside this process the single
	// writer connection already serializes writes.
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Set("_time_format", "sqlite")
	params.Add("_pragma", "cache_size(-32768)")
	readParams := params.Encode()
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(NORMAL)")
	// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
	// has to upgrade a read lock, which SQLite cannot wait for.
	params.Set("_txlock", "immediate")

	w, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if path == ":memory:" {
		// Every connection to :memory: is a different database: use one.
		return &DB{dialect: sqliteDialect, w: w, r: w, now: time.Now, scanWindow: defaultScanWindow, indexCap: defaultIndexCap}, nil
	}
	r, err := sql.Open("sqlite", path+"?"+readParams+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{dialect: sqliteDialect, w: w, r: r, now: time.Now, scanWindow: defaultScanWindow, indexCap: defaultIndexCap}, nil
}

func openPostgres(dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(10)
	p.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: postgresDialect, w: p, r: p, now: time.Now, scanWindow: defaultScanWindow, indexCap: defaultIndexCap}, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.dialect == sqliteDialect {
		// SQLite's advice for long-lived connections: refresh the planner's
		// statistics where they went stale. Best effort.
		db.w.Exec(`PRAGMA optimize`)
	}
	err := db.w.Close()
	if db.r != db.w {
		if rerr := db.r.Close(); err == nil {
			err = rerr
		}
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.dialect.name, err)
	}
	if db.r != db.w {
		if err := db.r.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s: %w", db.dialect.name, err)
		}
	}
	return nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// Services returns the crm services backed by this database.
func (db *DB) Services() crm.Services {
	return crm.Services{Contacts: db, Companies: db, Users: db, Auth: db, GoogleAccounts: db, SyncRuns: db}
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a writing transaction and commits it when fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// clock returns the current time as stored: UTC, to the microsecond (what
// PostgreSQL keeps), so values read back equal values written.
func (db *DB) clock() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}

// bumpVersionSQL takes the organization's next change version. The row lock it
// takes is held until commit, so on PostgreSQL the writers of one organization
// run one at a time and their versions become visible in increasing order.
const bumpVersionSQL = `UPDATE organizations SET change_seq = change_seq + 1 WHERE id = $1 RETURNING change_seq`

// nextVersion must be the first statement of every transaction that writes an
// organization's companies or contacts. A missing organization is reported as
// notFound.
func nextVersion(ctx context.Context, tx *sql.Tx, orgID int64, notFound string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, bumpVersionSQL, orgID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.NotFound(notFound)
	}
	if err != nil {
		return 0, fmt.Errorf("next version: %w", err)
	}
	return v, nil
}

// nullTime converts a nullable column to *time.Time in UTC.
func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// placeholders returns "$from, $from+1, ..." for n arguments.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
