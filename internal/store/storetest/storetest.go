// Package storetest opens migrated throwaway databases for tests of any
// package: a SQLite file in the test's temporary directory, or a new database
// on a throwaway PostgreSQL server (see package pgtest).
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
)

// Engines returns the engines to run a suite on: "sqlite" and "postgres".
func Engines() []string { return []string{"sqlite", "postgres"} }

// Open returns a migrated, empty database of the given engine, closed when the
// test ends. On "postgres" it skips the test when no server is available
// (unless SIMPLECRM_REQUIRE_POSTGRES=1).
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "simplecrm.db")
	case "postgres":
		dsn = pgtest.Start(t)
	default:
		t.Fatalf("storetest: unknown engine %q", engine)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engine, err)
	}
	// Registered after pgtest's cleanup, so it runs first: close, then drop.
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: close %s: %v", engine, err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", engine, err)
	}
	return db
}
