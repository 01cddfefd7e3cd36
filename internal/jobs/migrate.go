package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"simplecrm/internal/store"
)

// sqlTx is the transaction type of both River drivers we use.
type sqlTx = *sql.Tx

// migrateLock is the pg_advisory_lock key that serializes instances migrating
// River's schema at once ("rvmg" in ASCII); the store's own key differs.
const migrateLock = 0x72766d67

// Migrate creates or updates River's tables (river_job, river_leader, ...) in
// db. It is a no-op on an up-to-date database and safe to run from several
// instances at once.
func Migrate(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(driverFor(db), nil)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if db.Engine() == "postgres" {
		// rivermigrate reads the applied versions before its transactions;
		// a session lock on a connection of its own makes that atomic.
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
			return fmt.Errorf("jobs: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLock)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate %s: %w", db.Engine(), err)
	}
	return nil
}

// driverFor returns River's driver for the store's engine. Both run on the
// store's writer handle: on SQLite that is its single write connection, so
// River's writes and the store's queue behind each other in Go.
func driverFor(db *store.DB) riverdriver.Driver[sqlTx] {
	if db.Engine() == "postgres" {
		return riverdatabasesql.New(db.SQL())
	}
	return riversqlite.New(db.SQL())
}
