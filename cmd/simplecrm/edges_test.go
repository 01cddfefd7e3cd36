package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestErrorsMissingDatabase: only serve, migrate, user add and demo create a
// SQLite database; the other commands refuse a path with no database, in
// one line, and leave no file behind.
func TestErrorsMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	vcf := filepath.Join(dir, "one.vcf")
	if err := os.WriteFile(vcf, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "nonexist.db")
	for _, args := range [][]string{
		{"token", "create", "--email", "a@b.example"},
		{"app-password", "create", "--email", "a@b.example"},
		{"sync", "--email", "a@b.example"},
		{"import", vcf, "--email", "a@b.example"},
		{"export", "--email", "a@b.example"},
	} {
		stderr := mustFail(t, nil, "", append(args, "--db", "sqlite:"+path)...)
		want := "simplecrm: no database at " + path + ` (SIMPLECRM_DB): run "simplecrm migrate" or "simplecrm serve" first, or check the path` + "\n"
		if stderr != want {
			t.Errorf("%v: stderr %q, want %q", args, stderr, want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%v created %s (%v)", args, path, err)
		}
	}
}
