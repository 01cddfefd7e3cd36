package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"simplecrm/internal/store"
)

// The CLI's contracts beyond single commands (DESIGN.md §4), through the
// real binary.

// TestHelp: the full usage is for those who ask, on stdout, with status 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"user", "add", "-h"}, {"serve", "--help"}, {"google-emulator", "-h"}} {
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
