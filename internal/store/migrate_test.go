package store_test

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Engine() != engine {
				t.Fatalf("Engine() = %q", db.Engine())
			}
			cur, latest, err := db.SchemaVersion(ctx)
			if err != nil || cur != 0 || latest < 1 {
				t.Fatalf("fresh database: version %d of %d, %v", cur, latest, err)
			}
			// Several migrators at once, as when instances start together.
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					other, err := store.Open(ctx, dsn)
					if err != nil {
						errs[i] = err
						return
					}
					defer other.Close()
					errs[i] = other.Migrate(ctx)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("concurrent migrate: %v", err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrating twice: %v", err)
			}
			if cur, latest2, _ := db.SchemaVersion(ctx); cur != latest || latest2 != latest {
				t.Fatalf("after migrate: version %d of %d", cur, latest2)
			}
			mustOrg(t, db, "works")

			// A database from a newer simplecrm is refused.
			if _, err := store.WriterDB(db).ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (99, $1)`, "2030-01-01 00:00:00+00:00"); err != nil {
				t.Fatal(err)
			}
			err = db.Migrate(ctx)
			if err == nil || !strings.Contains(err.Error(), "database schema version 99 is newer than this simplecrm") ||
				!strings.Contains(err.Error(), "upgrade simplecrm") {
				t.Fatalf("newer schema: %v", err)
			}
		})
	}
}

func TestOpenBadDSN(t *testing.T) {
	for _, dsn := range []string{"", "simplecrm.db", "mysql://x", "sqlite:", "file:x.db"} {
		_, err := store.Open(ctx, dsn)
		if err == nil || !strings.Contains(err.Error(), "SIMPLECRM_DB must be sqlite:PATH or a postgres:// URL") {
			t.Errorf("Open(%q) = %v", dsn, err)
		}
	}
}
