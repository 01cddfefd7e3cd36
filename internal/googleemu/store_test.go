package googleemu

import (
	"bytes"
	"context"
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

func TestCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- Command(ctx, []string{"--addr", "127.0.0.1:0", "--data", file}, &out, &errOut) }()
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
	code, body := get(t, base+"/_emulator/accounts")
	if code != 200 || !strings.Contains(body, "alice@example.com") || !strings.Contains(body, "carol@example.com") {
		t.Errorf("accounts: %d %s", code, body)
	}
	for _, want := range []string{"/o/oauth2/v2/auth", "/token", "/revoke", "SIMPLECRM_GOOGLE_AUTH_URL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %s", want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("command: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("command did not stop")
	}
	e, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := e.Contacts("alice@example.com"); err != nil || len(ps) != 3 {
		t.Errorf("sample contacts after restart: %d %v", len(ps), err)
	}
	if err := Command(context.Background(), []string{"--bogus"}, &out, &errOut); err == nil {
		t.Errorf("bad flag accepted")
	}
}
