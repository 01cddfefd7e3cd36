package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store/storetest"
)

// mustStart serves a server on a loopback port until the test ends, and
// returns its base URL and a function that stops it and reports Serve's error.
func mustStart(t *testing.T, cfg Config) (string, func() error) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- New(cfg).Serve(ctx, l) }()
	stop := func() error {
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("server did not stop")
		}
		return nil
	}
	t.Cleanup(func() { cancel() })
	return "http://" + l.Addr().String(), stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOperationsEndpoints(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	base, stop := mustStart(t, Config{Services: db.Services(), DB: db})

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d with the database up", code)
	}
	get(t, base+"/api/v1/contacts") // counted as a 401
	code, body := get(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, `simplecrm_http_requests_total{code="401",route="/api/"}`) ||
		!strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics = %d, lacks the request counter or Go metrics:\n%s", code, body)
	}

	resp, err := http.Post(base+"/api/v1/contacts", "application/json", strings.NewReader(strings.Repeat("x", MaxBodyBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body = %d, want 413", resp.StatusCode)
	}

	db.Close()
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d with the database closed, want 503", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}

// The purge job runs at start and deletes what has been in the trash longer
// than the retention period, nothing else.
func TestPurgeJobRunsAtStart(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	svc := db.Services()
	ctx := context.Background()
	org, err := svc.Users.EnsureOrganization(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	u := &crm.User{OrgID: org.ID, Email: "ann@acme.example", Role: crm.RoleAdmin, PasswordHash: "x"}
	if err := svc.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, name := range []string{"Trashed", "Kept"} {
		c := &crm.Contact{OrgID: org.ID, OwnerID: u.ID, LastName: name}
		if err := svc.Contacts.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := svc.Contacts.TrashContact(ctx, org.ID, ids[0]); err != nil {
		t.Fatal(err)
	}

	// Trashed just now: the purge of today keeps it.
	New(Config{Services: svc, DB: db, Logger: slog.New(slog.DiscardHandler)}).purgeOnce(ctx)
	if _, err := svc.Contacts.FindContact(ctx, org.ID, ids[0]); err != nil {
		t.Fatalf("contact trashed today was purged: %v", err)
	}
	// A server started 31 days later purges it at start; the live contact stays.
	later := time.Now().Add(crm.TrashRetention + 24*time.Hour)
	_, stop := mustStart(t, Config{Services: svc, DB: db, Now: func() time.Time { return later }})
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := svc.Contacts.FindContact(ctx, org.ID, ids[0])
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("contact trashed 31 days ago still there after 10s: err = %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := svc.Contacts.FindContact(ctx, org.ID, ids[1]); err != nil {
		t.Fatalf("live contact lost: %v", err)
	}
}
