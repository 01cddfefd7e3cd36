package googleemu

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	people "google.golang.org/api/people/v1"
)

func TestPersistenceAcrossRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	ctx := context.Background()
	s1, err := Start("127.0.0.1:0", Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.AddAccount(alice, "Alice"); err != nil {
		t.Fatal(err)
	}
	created, err := s1.SeedGroup(alice, "SimpleCRM", &people.Person{Names: []*people.Name{{GivenName: "Kept"}}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s1.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	svc1, _ := people.NewService(ctx, optionsFor(s1, oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok.OAuth2Token())))...)
	_, syncTok, _ := listAll(t, svc1, "", 100)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no data file: %v", err)
	}

	s2 := NewTestServer(t, Options{DataFile: file})
	svc2, _ := people.NewService(ctx, optionsFor(s2, oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok.OAuth2Token())))...)
	got, err := svc2.People.Get(created[0].ResourceName).PersonFields("names,memberships").Do()
	if err != nil {
		t.Fatalf("contact after restart (old access token): %v", err)
	}
	if got.Names[0].GivenName != "Kept" || len(got.Memberships) != 2 || got.Etag != created[0].Etag {
		t.Fatalf("after restart = %+v", got)
	}
	delta, _, _ := listAll(t, svc2, syncTok, 100)
	if len(delta) != 0 {
		t.Errorf("old sync token sees %d changes", len(delta))
	}
	p := mustCreate(t, svc2, "New", "After", "")
	if p.ResourceName == created[0].ResourceName {
		t.Errorf("id reused")
	}
	if _, err := (&oauth2.Config{ClientID: "any", Endpoint: s2.Endpoint()}).TokenSource(ctx,
		&oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Errorf("refresh after restart: %v", err)
	}
	if got, _ := s2.Groups(alice); len(got) != 3 {
		t.Errorf("groups after restart: %d", len(got))
	}
	// Saved after each mutation, not only on Close.
	b, _ := os.ReadFile(file)
	if !bytes.Contains(b, []byte(`"After"`)) {
		t.Errorf("mutation not saved before Close")
	}
}

func TestCorruptDataFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	if err := os.WriteFile(file, []byte("{nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{DataFile: file}); err == nil || !strings.Contains(err.Error(), "emu.json") {
		t.Fatalf("corrupt file: %v", err)
	}
}

// TestOldDataFileLoads reads a file written when the snapshot still had
// (never used) faults and quota.
func TestOldDataFileLoads(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	old := `{"version": 1, "clock_offset_ns": 0, "faults": [{"method": "", "kind": "status", "status": 503}],
		"quota": {"reads_per_minute": 5}, "state": {"accounts": {}, "next_id": 1, "token_gen": 0}}`
	if err := os.WriteFile(file, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatalf("old file: %v", err)
	}
	if _, err := e.AddAccount(alice, ""); err != nil {
		t.Fatal(err)
	}
	if len(e.Faults()) != 0 || e.Options().Quota != (Quota{}) {
		t.Errorf("faults or quota read from the file")
	}
	b, _ := os.ReadFile(file)
	if bytes.Contains(b, []byte(`"faults"`)) || bytes.Contains(b, []byte(`"quota"`)) {
		t.Errorf("saved file still has faults or quota: %s", b)
	}
}

// TestSaveDropsExpiredTokens: refreshes do not grow the data file.
func TestSaveDropsExpiredTokens(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	s := NewTestServer(t, Options{DataFile: file})
	old, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	s.Advance(2 * time.Hour)
	fresh, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(file)
	if bytes.Contains(b, []byte(old.AccessToken)) || !bytes.Contains(b, []byte(fresh.AccessToken)) {
		t.Errorf("expired access token saved, or live one missing")
	}
	if !bytes.Contains(b, []byte(old.RefreshToken)) {
		t.Errorf("the refresh token was dropped with its expired access token")
	}
}

// syncBuffer is a bytes.Buffer safe for the command goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startCommand runs Command with args in the background; it returns the
// emulator's base URL and a stop function that waits for a clean exit.
func startCommand(t *testing.T, args ...string) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- Command(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), &out, &errOut) }()
	re := regexp.MustCompile(`SIMPLECRM_GOOGLE_API_URL=(http://[^/\s]+)/`)
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("no URL printed: %s %s", out.String(), errOut.String())
	}
	stop := func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("command: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("command did not stop")
		}
	}
	return base, &out, stop
}

func TestCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	base, out, stop := startCommand(t, "--data", file)
	code, body := get(t, base+"/_emulator/accounts")
	if code != 200 || !strings.Contains(body, "alice@example.com") || !strings.Contains(body, "carol@example.com") {
		t.Errorf("accounts: %d %s", code, body)
	}
	for _, want := range []string{"/o/oauth2/v2/auth", "/token", "/revoke", "SIMPLECRM_GOOGLE_AUTH_URL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %s", want)
		}
	}
	stop()
	e, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := e.Contacts("alice@example.com"); err != nil || len(ps) != 3 {
		t.Errorf("sample contacts after restart: %d %v", len(ps), err)
	}
	var sink syncBuffer
	for _, bad := range [][]string{{"--bogus"}, {"--clients", filepath.Join(t.TempDir(), "missing.json")},
		{"--options", `{"nope": 1}`}} {
		if err := Command(context.Background(), bad, &sink, &sink); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestCommandDataDir: a --data file in a directory that does not exist is
// one error that names the flag and the directory, before anything starts.
func TestCommandDataDir(t *testing.T) {
	var sink syncBuffer
	err := Command(context.Background(), []string{"--addr", "127.0.0.1:0", "--data", "/nonexistent/dir/f.json"}, &sink, &sink)
	if want := "google-emulator: --data /nonexistent/dir/f.json: directory /nonexistent/dir does not exist"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestCommandClients registers OAuth clients from files (our array and
// Google's client secret format) and fixed options through --options.
func TestCommandClients(t *testing.T) {
	dir := t.TempDir()
	list, google := filepath.Join(dir, "clients.json"), filepath.Join(dir, "client_secret.json")
	if err := os.WriteFile(list, []byte(`[{"client_id": "crm", "client_secret": "s1", "redirect_uris": ["http://127.0.0.1:9/cb"]}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(google, []byte(`{"web": {"client_id": "web.apps", "project_id": "p", "client_secret": "s2", "redirect_uris": ["http://127.0.0.1:9/web"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, out, stop := startCommand(t, "--clients", list, "--clients", google, "--options", `{"issuer": "https://issuer.example"}`)
	defer stop()
	code, body := get(t, base+"/_emulator/clients")
	if code != 200 || !strings.Contains(body, `"crm"`) || !strings.Contains(body, `"web.apps"`) {
		t.Fatalf("clients: %d %s", code, body)
	}
	if !strings.Contains(out.String(), "SIMPLECRM_GOOGLE_CLIENT_ID=crm SIMPLECRM_GOOGLE_CLIENT_SECRET=s1") {
		t.Errorf("banner does not name the registered client: %s", out.String())
	}
	if _, body := get(t, base+"/_emulator/options"); !strings.Contains(body, `"issuer":"https://issuer.example"`) {
		t.Errorf("issuer from --options not applied: %s", body)
	}
	auth := func(client, redirect string) int {
		code, _ := get(t, base+"/o/oauth2/v2/auth?"+url.Values{"client_id": {client}, "redirect_uri": {redirect},
			"response_type": {"code"}, "scope": {ScopeContacts}}.Encode())
		return code
	}
	if c := auth("web.apps", "http://127.0.0.1:9/web"); c != 200 {
		t.Errorf("registered client: %d", c)
	}
	if c := auth("other", "http://127.0.0.1:9/web"); c != 401 {
		t.Errorf("unknown client: %d", c)
	}
	if c := auth("crm", "http://127.0.0.1:9/web"); c != 400 {
		t.Errorf("unregistered redirect: %d", c)
	}
}
