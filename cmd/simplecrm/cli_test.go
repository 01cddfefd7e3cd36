package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
)

// The CLI's contracts beyond single commands (DESIGN.md §4), through the
// real binary.

// TestHelp: the full usage is for those who ask, on stdout, with status 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"user", "add", "-h"}, {"serve", "--help"}, {"google-emulator", "-h"},
		{"user", "-h"}, {"token", "--help"}, {"app-password", "-h"}} {
		cmd := exec.Command(mustBuild(t), args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 || !strings.Contains(stdout.String(), "Usage") {
			t.Errorf("simplecrm %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, &stdout, &stderr)
		}
	}
}

// TestUserAddOrganization: --org finds an existing organization whatever
// its case, says when it creates one, and a refused user leaves no
// organization behind.
func TestUserAddOrganization(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
	env := []string{"SIMPLECRM_DB=" + dsn}
	out := mustRun(t, env, "long-enough\n", "user", "add", "--org", "Acme", "--email", "ann@acme.example", "--admin")
	if out != "created organization \"Acme\"\ncreated admin ann@acme.example in organization \"Acme\"\n" {
		t.Fatalf("first user printed %q", out)
	}
	out = mustRun(t, env, "long-enough\n", "user", "add", "--org", "  aCME ", "--email", "bob@acme.example")
	if out != "created member bob@acme.example in organization \"Acme\"\n" {
		t.Fatalf("user of the existing organization printed %q", out)
	}
	mustFail(t, env, "long-enough\n", "user", "add", "--org", "Other", "--email", "ANN@acme.example")

	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var orgs, users int
	if err := db.SQL().QueryRow(`SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM users)`).Scan(&orgs, &users); err != nil {
		t.Fatal(err)
	}
	if orgs != 1 || users != 2 {
		t.Fatalf("%d organizations and %d users, want 1 and 2: the refused user left its organization behind", orgs, users)
	}
}

// TestNewerDatabaseRefused: a database migrated by a newer simplecrm is
// refused by migrate and by serve, with one line and a non-zero status,
// and is left as it was.
func TestNewerDatabaseRefused(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			env := []string{"SIMPLECRM_DB=" + dsn, "SIMPLECRM_SECRET_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32))}
			mustRun(t, env, "", "migrate")
			db, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.SQL().Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, $1)`, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}} {
				stderr := mustFail(t, env, "", args...)
				if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "database schema version 9999 is newer than this simplecrm") ||
					!strings.Contains(stderr, "upgrade simplecrm") {
					t.Errorf("simplecrm %s: stderr %q, want one line saying the database is newer", args[0], stderr)
				}
			}
			if cur, _, err := db.SchemaVersion(t.Context()); err != nil || cur != 9999 {
				t.Errorf("schema version after the refusals: %d, %v", cur, err)
			}
		})
	}
}

// TestFlagsOverrideEnvironment: every configuration flag wins over its
// variable, here set to values that would each stop the command.
func TestFlagsOverrideEnvironment(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "crm.db")
	bad := []string{"SIMPLECRM_DB=mysql://nowhere", "SIMPLECRM_ADDR=not-an-address", "SIMPLECRM_BASE_URL=ftp://bad",
		"SIMPLECRM_SYNC_INTERVAL=soon", "SIMPLECRM_SYNC_LEASE=10ms"}
	// The variables are read: without the flags, they stop the commands.
	if stderr := mustFail(t, bad, "", "migrate"); !strings.Contains(stderr, "SIMPLECRM_DB") {
		t.Fatalf("migrate with a bad SIMPLECRM_DB: %q", stderr)
	}
	mustRun(t, bad, "long-enough\n", "user", "add", "--db", dsn, "--org", "Acme", "--email", "ann@acme.example")
	token := strings.TrimSpace(mustRun(t, bad, "", "token", "create", "--db", dsn, "--email", "ann@acme.example"))
	srv := startServe(t, bad, "127.0.0.1:0", "--db", dsn, "--base-url", "http://crm.example",
		"--sync-interval", "0", "--sync-lease", "5s", "--google-api-url", "http://127.0.0.1:1/")
	if logs := srv.Logs(); !strings.Contains(logs, "url=http://crm.example") || !strings.Contains(logs, "db=sqlite") {
		t.Errorf("serve's log does not show the flags' values:\n%s", logs)
	}
	// The token made with --db works against the server started with --db.
	(apiClient{t: t, base: srv.base, token: token}).do("GET", "/api/v1/contacts", "", http.StatusOK, nil)
}
