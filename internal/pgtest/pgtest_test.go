package pgtest_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"testing"
	"time"

	"simplecrm/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestStart(t *testing.T) {
	a, b := pgtest.Start(t), pgtest.Start(t)
	if a == b {
		t.Fatalf("two Starts gave one database: %s", a)
	}
	// Each database is empty and writable, and they are separate.
	mustExec(t, a, `CREATE TABLE t (x int)`)
	mustExec(t, b, `CREATE TABLE t (x int)`)
	mustExec(t, a, `INSERT INTO t VALUES (1)`)
	if n := count(t, b, `SELECT count(*) FROM t`); n != 0 {
		t.Fatalf("databases share data: %d rows", n)
	}
	if n := count(t, a, `SELECT count(*) FROM pg_settings WHERE name = 'fsync' AND setting = 'off'`); n != 1 &&
		os.Getenv("SIMPLECRM_TEST_POSTGRES") == "" {
		t.Error("the throwaway server runs with fsync on")
	}
}

// TestExternalServer uses the throwaway server as if it were given by
// SIMPLECRM_TEST_POSTGRES.
func TestExternalServer(t *testing.T) {
	u, err := url.Parse(pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/postgres"
	t.Setenv("SIMPLECRM_TEST_POSTGRES", u.String())
	var dsn string
	t.Run("start", func(t *testing.T) {
		dsn = pgtest.Start(t)
		mustExec(t, dsn, `CREATE TABLE t (x int)`)
	})
	// The database went with the subtest.
	name := mustURL(t, dsn).Path[1:]
	if n := count(t, u.String(), `SELECT count(*) FROM pg_database WHERE datname = '`+name+`'`); n != 0 {
		t.Fatalf("database %s not dropped", name)
	}
	if n := count(t, u.String(), `SELECT count(*) FROM pg_database WHERE datname LIKE 'simplecrm_test_%'`); n != 1 {
		t.Fatalf("%d test databases, want 1 (this test's own)", n)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustExec(t *testing.T, dsn, q string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, dsn, q string) int {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
