package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/api"
	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/jobs"
	"simplecrm/internal/store/storetest"
	"simplecrm/internal/syncmobile"
)

// syncAPI is the REST API with real Sync Mobile: SQLite, the emulator, the
// service and the job queue.
type syncAPI struct {
	*testAPI
	emu  *googleemu.Server
	sync *syncmobile.Service
}

func mustSyncAPI(t *testing.T, clientID string) *syncAPI {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	if err := db.SetSecretKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	emu := googleemu.NewTestServer(t, googleemu.Options{})
	a := &testAPI{db: db, svc: db.Services(), log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(a.log, nil))
	sync := syncmobile.New(db, google.Config{ClientID: clientID, ClientSecret: "test",
		AuthURL: emu.URL + "/o/oauth2/v2/auth", TokenURL: emu.URL + "/token", RevokeURL: emu.URL + "/revoke",
		APIURL: emu.APIURL(), RedirectURL: "http://crm.example/google/callback"},
		contactsync.New(db, contactsync.Options{}, nil), log)
	q, err := jobs.Start(ctx, db, jobs.Config{RunSync: sync.RunSync, PollInterval: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	sync.SetQueue(q)
	a.srv = httptest.NewServer(api.New(a.svc, sync, log))
	t.Cleanup(a.srv.Close)
	return &syncAPI{testAPI: a, emu: emu, sync: sync}
}

type accountOut struct {
	ID              int64   `json:"id"`
	Email           string  `json:"email"`
	GroupName       string  `json:"group_name"`
	Scope           string  `json:"scope"`
	DeleteMode      string  `json:"delete_mode"`
	SyncInterval    *int64  `json:"sync_interval"`
	ReconnectNeeded bool    `json:"reconnect_needed"`
	LastRunID       *int64  `json:"last_run_id"`
	LastError       *string `json:"last_error"`
	CreatedAt       string  `json:"created_at"`
}

type runOut struct {
	ID        int64          `json:"id"`
	AccountID int64          `json:"account_id"`
	Trigger   string         `json:"trigger"`
	Status    string         `json:"status"`
	Counts    map[string]int `json:"counts"`
	Error     *string        `json:"error"`
	Started   *string        `json:"started_at"`
	Finished  *string        `json:"finished_at"`
	Events    []struct {
		Kind      string `json:"kind"`
		ContactID *int64 `json:"contact_id"`
		Message   string `json:"message"`
	} `json:"events"`
}

var subInput = regexp.MustCompile(`name="sub" value="([^"]+)"`)

// mustConnect runs the OAuth flow the API starts: the authorization URL, the
// emulator's chooser and consent, then the callback's work (FinishConnect,
// which the web UI does at /google/callback).
func (s *syncAPI) mustConnect(t *testing.T, u *crm.User, c *client, email string) (firstRun int64) {
	t.Helper()
	var out struct {
		URL string `json:"authorization_url"`
	}
	c.must(http.StatusOK, "POST", path("/google-accounts/connect"), nil, &out)
	auth, err := url.Parse(out.URL)
	if err != nil || !strings.HasPrefix(out.URL, s.emu.URL) {
		t.Fatalf("authorization_url %q", out.URL)
	}
	params := auth.Query()
	params.Set("email", email)
	consent := postForm(t, s.emu.URL+"/o/oauth2/v2/auth/choose", params)
	m := subInput.FindStringSubmatch(consent)
	if m == nil {
		t.Fatalf("no consent page:\n%s", consent)
	}
	params.Set("sub", m[1])
	params.Set("action", "allow")
	params.Set("granted", googleemu.ScopeContacts)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(s.emu.URL+"/o/oauth2/v2/auth/consent", params)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, _ := url.Parse(resp.Header.Get("Location"))
	done, err := s.sync.FinishConnect(context.Background(), u, cb.Query().Get("state"), cb.Query().Get("code"), "")
	if err != nil {
		t.Fatalf("FinishConnect: %v", err)
	}
	return done.RunID
}

func postForm(t *testing.T, u string, v url.Values) string {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// waitRun polls the run until it is finished.
func waitRun(t *testing.T, c *client, id int64) runOut {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var run runOut
		c.must(http.StatusOK, "GET", path("/sync-runs/%d", id), nil, &run)
		if run.Status == crm.RunSucceeded || run.Status == crm.RunFailed {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still %s", id, run.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestGoogleAccountsAPI(t *testing.T) {
	s := mustSyncAPI(t, "test")
	u, c := s.mustUser(t, "Acme", "ann@acme.example")
	_, other := s.mustUser(t, "Acme", "bob@acme.example")
	_, stranger := s.mustUser(t, "Globex", "eve@globex.example")
	if _, err := s.emu.AddAccount("ann@gmail.example", "Ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.emu.SeedGroup("ann@gmail.example", crm.DefaultGroupName); err != nil {
		t.Fatal(err)
	}

	anon := &client{t: t, base: s.srv.URL}
	if r := anon.do("GET", path("/google-accounts"), nil); r.status != http.StatusUnauthorized {
		t.Errorf("without a token: %d", r.status)
	}
	c.must(http.StatusOK, "GET", path("/google-accounts"), nil, nil).wantBody(t, `{"items":[],"next_cursor":""}`)

	waitRun(t, c, s.mustConnect(t, u, c, "ann@gmail.example"))
	var list struct{ Items []accountOut }
	c.must(http.StatusOK, "GET", path("/google-accounts"), nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("accounts %+v", list.Items)
	}
	a := list.Items[0]
	if a.Email != "ann@gmail.example" || a.GroupName != "SimpleCRM" || a.Scope != "owned" || a.DeleteMode != "trash" ||
		a.SyncInterval != nil || a.ReconnectNeeded || a.LastRunID == nil || a.LastError == nil || a.CreatedAt == "" {
		t.Fatalf("account %+v", a)
	}

	// Sync now: 202 with the run, which ends with its counters and events.
	var started struct {
		RunID int64 `json:"run_id"`
	}
	c.must(http.StatusAccepted, "POST", path("/google-accounts/%d/sync", a.ID), nil, &started)
	run := waitRun(t, c, started.RunID)
	if run.Status != crm.RunSucceeded || run.AccountID != a.ID || run.Events == nil || run.Started == nil || run.Finished == nil {
		t.Errorf("run %+v", run)
	}
	for _, k := range []string{"crm_created", "crm_updated", "crm_deleted", "google_created", "google_updated",
		"google_deleted", "conflicts", "duplicates", "skipped", "errors"} {
		if _, ok := run.Counts[k]; !ok {
			t.Errorf("counts lack %s: %v", k, run.Counts)
		}
	}

	// Settings: refused with the field's reason, then saved.
	r := c.must(http.StatusUnprocessableEntity, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"group_name": " "}, nil)
	if e := r.errorOf(t); e.Error.Fields["group_name"] != "Enter the name of the Google contact group to synchronize." {
		t.Errorf("group_name error %+v", e)
	}
	r = c.must(http.StatusUnprocessableEntity, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"sync_interval": 30}, nil)
	if e := r.errorOf(t); e.Error.Fields["sync_interval"] == "" {
		t.Errorf("sync_interval error %+v", e)
	}
	c.must(http.StatusBadRequest, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"scope": 1}, nil)
	var patched accountOut
	c.must(http.StatusOK, "PATCH", path("/google-accounts/%d", a.ID),
		map[string]any{"group_name": "Phone", "scope": "all", "delete_mode": "unlink", "sync_interval": 3600}, &patched)
	if patched.GroupName != "Phone" || patched.Scope != "all" || patched.DeleteMode != "unlink" ||
		patched.SyncInterval == nil || *patched.SyncInterval != 3600 {
		t.Errorf("patched %+v", patched)
	}
	c.must(http.StatusOK, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"sync_interval": nil}, &patched)
	if patched.SyncInterval != nil || patched.GroupName != "Phone" {
		t.Errorf("back to the default period: %+v", patched)
	}

	// Read-only fields: changing one is a field error that says why (not an
	// unknown field); sent back as read, they are accepted.
	r = c.must(http.StatusUnprocessableEntity, "PATCH", path("/google-accounts/%d", a.ID),
		map[string]any{"email": "x@y", "group_name": "Other"}, nil)
	if e := r.errorOf(t); e.Error.Code != "invalid" || len(e.Error.Fields) != 1 ||
		e.Error.Fields["email"] != "Read-only; it is the Google account's own address." {
		t.Errorf("email error %+v", e)
	}
	r = c.must(http.StatusUnprocessableEntity, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"id": a.ID + 1,
		"reconnect_needed": true, "last_run_id": run.ID + 1000, "last_error": "x", "created_at": "2001-01-01T00:00:00Z"}, nil)
	if e := r.errorOf(t); len(e.Error.Fields) != 5 || !strings.HasPrefix(e.Error.Fields["id"], "Read-only") ||
		!strings.HasPrefix(e.Error.Fields["created_at"], "Read-only") || !strings.HasPrefix(e.Error.Fields["last_run_id"], "Read-only") {
		t.Errorf("read-only errors %+v", e)
	}
	var asRead map[string]any
	c.must(http.StatusOK, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{}, &asRead)
	if asRead["group_name"] != "Phone" {
		t.Fatalf("a refused patch changed the account: %v", asRead)
	}
	asRead["group_name"] = "Phone 2"
	c.must(http.StatusOK, "PATCH", path("/google-accounts/%d", a.ID), asRead, &patched)
	if patched.GroupName != "Phone 2" || patched.Email != a.Email {
		t.Errorf("the account sent back with a new group: %+v", patched)
	}
	c.must(http.StatusBadRequest, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"sub": "1"}, nil)

	// Other users, of the same organization or not, see nothing of it.
	for _, o := range []*client{other, stranger} {
		o.must(http.StatusOK, "GET", path("/google-accounts"), nil, nil).wantBody(t, `{"items":[],"next_cursor":""}`)
		o.must(http.StatusNotFound, "GET", path("/sync-runs/%d", run.ID), nil, nil)
		o.must(http.StatusNotFound, "POST", path("/google-accounts/%d/sync", a.ID), nil, nil)
		o.must(http.StatusNotFound, "PATCH", path("/google-accounts/%d", a.ID), map[string]any{"scope": "all"}, nil)
		o.must(http.StatusNotFound, "DELETE", path("/google-accounts/%d", a.ID), nil, nil)
		o.must(http.StatusNotFound, "POST", path("/google-accounts/connect"), map[string]any{"account_id": a.ID}, nil)
	}

	// Reconnect starts at Google; disconnect forgets the account.
	var again struct {
		URL string `json:"authorization_url"`
	}
	c.must(http.StatusOK, "POST", path("/google-accounts/connect"), map[string]any{"account_id": a.ID}, &again)
	c.must(http.StatusNoContent, "DELETE", path("/google-accounts/%d", a.ID), nil, nil)
	c.must(http.StatusNotFound, "DELETE", path("/google-accounts/%d", a.ID), nil, nil)
	c.must(http.StatusNotFound, "GET", path("/sync-runs/%d", run.ID), nil, nil)
	c.must(http.StatusOK, "GET", path("/google-accounts"), nil, nil).wantBody(t, `{"items":[],"next_cursor":""}`)
	if strings.Contains(s.log.String(), "level=ERROR") {
		t.Errorf("internal errors logged:\n%s", s.log.String())
	}
}

func TestGoogleNotConfiguredAPI(t *testing.T) {
	s := mustSyncAPI(t, "")
	_, c := s.mustUser(t, "Acme", "ann@acme.example")
	r := c.must(http.StatusUnprocessableEntity, "POST", path("/google-accounts/connect"), nil, nil)
	if e := r.errorOf(t); !strings.Contains(e.Error.Message, "SIMPLECRM_GOOGLE_CLIENT_ID") {
		t.Errorf("message %q", e.Error.Message)
	}
	c.must(http.StatusBadRequest, "POST", path("/google-accounts/connect"), `{"account":1}`, nil)
}

func TestGoogleRoutesWithoutSync(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.example")
	for _, p := range []string{"/google-accounts", "/sync-runs/1"} {
		r := c.must(http.StatusNotFound, "GET", path(p), nil, nil)
		if e := r.errorOf(t); !strings.Contains(e.Error.Message, "not available") {
			t.Errorf("%s: %q", p, e.Error.Message)
		}
	}
}

// wantBody fails unless the response body is exactly want (as JSON).
func (r *response) wantBody(t *testing.T, want string) {
	t.Helper()
	var got, exp any
	if json.Unmarshal(r.body, &got) != nil || json.Unmarshal([]byte(want), &exp) != nil {
		t.Fatalf("body %s", r.body)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if string(g) != string(e) {
		t.Errorf("body %s, want %s", g, e)
	}
}
