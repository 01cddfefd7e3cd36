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
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `"code":"too_large"`) {
		t.Fatalf("oversized API body = %d %s, want 413 with the API's JSON error", resp.StatusCode, b)
	}

	db.Close()
	if code, _ := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d with the database closed, want 503", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}
