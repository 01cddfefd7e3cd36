// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// With SIMPLECRM_TEST_POSTGRES set to a server URL, each Start creates a new
// database there. Otherwise the first Start of a test binary runs initdb and
// a postgres server in a temporary directory on a free loopback port (as the
// "postgres" user when running as root, since PostgreSQL refuses root), and
// every Start creates a new database on it. The server stops when the test
// binary ends: at once with Main in TestMain, or within a second of exit by a
// watchdog process otherwise, even when the binary crashes or is killed.
//
// Without server binaries, Start skips the test, unless
// SIMPLECRM_REQUIRE_POSTGRES=1, when it fails it.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

var (
	mu      sync.Mutex
	srv     *server // the local server, once started
	srvErr  error   // why it could not start; not retried
	dbCount atomic.Int64
)

// Start returns the URL of a new, empty database. The database is dropped
// when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	admin, err := adminURL()
	if err != nil {
		var na notAvailableError
		if errors.As(err, &na) && os.Getenv("SIMPLECRM_REQUIRE_POSTGRES") != "1" {
			t.Skipf("PostgreSQL not available: %v (set SIMPLECRM_TEST_POSTGRES or install the server)", err)
		}
		t.Fatalf("pgtest: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: bad server URL: %v", err)
	}
	name := fmt.Sprintf("simplecrm_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, dbCount.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := execAdmin(ctx, admin, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends connections a test left open, so the drop cannot hang.
		if err := execAdmin(ctx, admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Main runs the tests of a package and then stops the server this binary
// started, if any. Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Server returns the URL of the maintenance database of the server Start
// uses (SIMPLECRM_TEST_POSTGRES, or the local server, started on first use),
// for programs that are not tests: "simplecrm bench" creates its databases
// there. Call Stop when done.
func Server() (string, error) { return adminURL() }

// Stop stops the server started by this test binary, if any. Start may not
// be called after Stop.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if srv != nil {
		srv.stop()
		srv = nil
	}
	if srvErr == nil {
		srvErr = errors.New("pgtest: server already stopped")
	}
}

// adminURL returns the URL of the maintenance database of the server to use,
// starting the local server on first use.
func adminURL() (string, error) {
	if env := os.Getenv("SIMPLECRM_TEST_POSTGRES"); env != "" {
		return env, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if srv == nil && srvErr == nil {
		srv, srvErr = startServer()
	}
	if srvErr != nil {
		return "", srvErr
	}
	return srv.url, nil
}

func execAdmin(ctx context.Context, adminURL, stmt string) error {
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// notAvailableError says that no PostgreSQL server binaries were found.
type notAvailableError struct{ msg string }

func (e notAvailableError) Error() string { return e.msg }
