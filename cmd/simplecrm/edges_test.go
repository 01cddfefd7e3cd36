package main

import (
	"os"
	"path/filepath"
	"strings"
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
		want := "simplecrm: no database at " + path + ` (--db / SIMPLECRM_DB): run "simplecrm migrate" or "simplecrm serve" first, or check the path` + "\n"
		if stderr != want {
			t.Errorf("%v: stderr %q, want %q", args, stderr, want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%v created %s (%v)", args, path, err)
		}
	}
}

// TestImportWholeFile: the format comes from the extension (.vcf, .vcard,
// .csv); a file that holds no contact it can import is one line with status
// 1, while a good file's bad rows are listed and the rest is imported.
func TestImportWholeFile(t *testing.T) {
	dir := t.TempDir()
	db := "SIMPLECRM_DB=sqlite:" + filepath.Join(dir, "crm.db")
	mustRun(t, []string{db}, "long-enough\n", "user", "add", "--org", "A", "--email", "a@b.example")
	card := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEND:VCARD\r\n"
	for _, tc := range []struct{ name, content, want string }{
		{"empty.vcf", "", "empty.vcf is empty"},
		{"blank.csv", "\n\n", "blank.csv is empty"},
		{"garbage.vcf", "garbage\n", "garbage.vcf is not a vCard file"},
		{"card.csv", card, "card.csv holds no contact that can be imported: line 1: not a Google Contacts CSV"},
		{"header.csv", "First Name,Last Name\n", "header.csv holds no contact"},
		{"bad.vcard", "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n", "bad.vcard holds no contact that can be imported: line 1:"},
	} {
		file := filepath.Join(dir, tc.name)
		if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := cliRun(t, []string{db}, "import", file, "--email", "a@b.example")
		if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("import %s: status %d, stdout %q, stderr %q, want one line with %q", tc.name, code, stdout, stderr, tc.want)
		}
	}
	good := filepath.Join(dir, "good.vcard")
	if err := os.WriteFile(good, []byte("text\r\n"+card), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cliRun(t, []string{db}, "import", good, "--email", "a@b.example")
	if code != 0 || !strings.HasPrefix(stdout, "created 1,") || stderr != "line 1: text outside a card\n" {
		t.Errorf("import good.vcard: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestErrorsNameTheSetting: a bad database path or listen address names its
// flag and variable, and serve checks the address before it touches the
// database.
func TestErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	stderr := mustFail(t, []string{"SIMPLECRM_DB=sqlite:/nonexistent/dir/x.db"}, "", "migrate")
	if want := "simplecrm: --db / SIMPLECRM_DB sqlite:/nonexistent/dir/x.db: directory /nonexistent/dir does not exist\n"; stderr != want {
		t.Errorf("migrate: stderr %q, want %q", stderr, want)
	}
	db := filepath.Join(dir, "crm.db")
	stderr = mustFail(t, []string{"SIMPLECRM_DB=sqlite:" + db}, "", "serve", "--addr", "bad")
	if !strings.HasPrefix(stderr, "simplecrm: listen on bad (--addr / SIMPLECRM_ADDR): ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("serve --addr bad: stderr %q", stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("serve --addr bad opened the database: %v", err)
	}
	_, stderr, code := cliRun(t, []string{"SIMPLECRM_ADDR=bad"}, "demo")
	if code == 0 || !strings.HasPrefix(stderr, "simplecrm: listen on bad (--addr / SIMPLECRM_ADDR): ") {
		t.Errorf("demo with SIMPLECRM_ADDR=bad: status %d, stderr %q", code, stderr)
	}
}
