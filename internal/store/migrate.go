package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationsFS holds one directory of numbered migrations per engine
// (0001_init.sql, 0002_...). A migration is never edited once released; a
// change is a new file.
//
//go:embed migrations
var migrationsFS embed.FS

// migrationLock is the pg_advisory_xact_lock key that serializes migrating
// processes on PostgreSQL ("scrm" in ASCII). SQLite needs none: BEGIN
// IMMEDIATE already admits one writer.
const migrationLock = 0x7363726d

type migration struct {
	version int
	name    string
	sql     string
}

// Migrate brings the schema up to date, one transaction per migration. It is a
// no-op on an up-to-date database, safe to run from several processes at once,
// and refuses a database whose schema is newer than this binary.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := db.migrations()
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	// Each migration re-reads the version under the lock, so a concurrent
	// migrator that got there first turns the rest into no-ops.
	for _, m := range ms {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			current, err := db.lockSchema(ctx, tx)
			if err != nil {
				return err
			}
			if current > latest {
				return newerSchemaError(current, latest)
			}
			if current >= m.version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, m.version, db.clock()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", db.dialect.name, err)
		}
	}
	// With nothing to apply the loop never looked at the database.
	current, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > latest {
		return newerSchemaError(current, latest)
	}
	return nil
}

// SchemaVersion returns the version of the database's schema (0 for an empty
// database) and the latest version this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	exists, err := db.hasMigrationsTable(ctx)
	if err != nil || !exists {
		return 0, latest, err
	}
	var v sql.NullInt64
	if err := db.w.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, latest, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), latest, nil
}

func newerSchemaError(current, latest int) error {
	return fmt.Errorf("database schema version %d is newer than this simplecrm (%d): upgrade simplecrm", current, latest)
}

// lockSchema takes the migration lock, creates the bookkeeping table if
// needed, and returns the current schema version.
func (db *DB) lockSchema(ctx context.Context, tx *sql.Tx) (int, error) {
	if db.dialect == postgresDialect {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return 0, fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at `+db.dialect.timestampType+` NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}

func (db *DB) hasMigrationsTable(ctx context.Context) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.dialect == postgresDialect {
		q = `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := db.w.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("schema version: %w", err)
	}
	return n > 0, nil
}

// migrations returns the engine's migrations in version order.
func (db *DB) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationsFS, db.dialect.migrations)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		b, err := migrationsFS.ReadFile(path.Join(db.dialect.migrations, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}
