package ui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/jobs"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
	"simplecrm/internal/syncmobile"
	"simplecrm/internal/ui"
)

// syncEnv is the UI with real Sync Mobile: SQLite, the Google emulator over
// HTTP, the real service and job queue.
type syncEnv struct {
	*env
	db   *store.DB
	emu  *googleemu.Server
	sync *syncmobile.Service
}

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	if err := db.SetSecretKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatalf("jobs.Migrate: %v", err)
	}
	svc := db.Services()
	e := &env{t: t, svc: svc}
	e.org = mustOrg(t, svc, "Acme Corp")
	e.admin = mustUser(t, svc, e.org, "admin@acme.example", crm.RoleAdmin)
	e.member = mustUser(t, svc, e.org, "member@acme.example", crm.RoleMember)
	log := slog.New(slog.NewTextHandler(t.Output(), nil))

	emu := googleemu.NewTestServer(t, googleemu.Options{})
	// The redirect URL names the UI's own address, known once it listens.
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	gcfg := google.Config{ClientID: "test", ClientSecret: "test", AuthURL: emu.URL + "/o/oauth2/v2/auth",
		TokenURL: emu.URL + "/token", RevokeURL: emu.URL + "/revoke", APIURL: emu.APIURL(),
		RedirectURL: e.srv.URL + "/google/callback"}
	sync := syncmobile.New(db, gcfg, contactsync.New(db, contactsync.Options{}, nil), log)
	q, err := jobs.Start(ctx, db, jobs.Config{RunSync: sync.RunSync, PollInterval: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatalf("jobs.Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("queue stop: %v", err)
		}
	})
	sync.SetQueue(q)
	h = ui.New(ui.Config{Services: svc, Logger: log, Sync: sync, GoogleAuthURL: gcfg.AuthURL})
	return &syncEnv{env: e, db: db, emu: emu, sync: sync}
}

// noRedirects returns a copy of c that stops at the first redirect, to
// look at where it leads.
func (c *client) noRedirects() *client {
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client{t: c.t, base: c.base, hc: &hc, header: c.header}
}

// postURL posts a form to an absolute URL (the emulator's pages).
func (c *client) postURL(u string, form url.Values) *page {
	c.t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// chooseAccount drives the emulator's account chooser from its page p (the
// page the "Sync Mobile" button led to) and returns the consent page.
func (s *syncEnv) chooseAccount(c *client, p *page, email string) (consent *page, params url.Values) {
	s.t.Helper()
	p.want(http.StatusOK, "Choose an account")
	if !strings.HasPrefix(p.URL.String(), s.emu.URL+"/o/oauth2/v2/auth?") {
		s.t.Fatalf("not at the emulator's chooser: %s", p.URL)
	}
	params = p.URL.Query()
	form := cloneValues(params)
	form.Set("email", email)
	return c.postURL(s.emu.URL+"/o/oauth2/v2/auth/choose", form).want(http.StatusOK), params
}

var subInput = regexp.MustCompile(`name="sub" value="([^"]+)"`)

// consent answers the emulator's consent page: allow (with the contacts
// permission ticked or not) or cancel.
func (s *syncEnv) consent(c *client, consent *page, params url.Values, allow, contacts bool) *page {
	s.t.Helper()
	m := subInput.FindStringSubmatch(consent.Body)
	if m == nil {
		s.t.Fatalf("no account on the consent page:\n%s", consent.Body)
	}
	form := cloneValues(params)
	form.Set("sub", m[1])
	form.Set("action", "deny")
	if allow {
		form.Set("action", "allow")
	}
	if contacts {
		form.Set("granted", googleemu.ScopeContacts)
	}
	return c.postURL(s.emu.URL+"/o/oauth2/v2/auth/consent", form)
}

// connect runs the whole flow for c as a first connect of email and returns
// the run page it ends on.
func (s *syncEnv) connect(c *client, email string) *page {
	s.t.Helper()
	p := c.post("/google/connect", url.Values{"return_to": {"/contacts"}})
	consent, params := s.chooseAccount(c, p, email)
	run := s.consent(c, consent, params, true, true).want(http.StatusOK)
	if !strings.HasPrefix(run.URL.Path, "/google/runs/") {
		s.t.Fatalf("connect ended at %s, not a run page\n%s", run.URL, excerpt(run.Body))
	}
	return run
}

// progressEvent is what the run's event stream sends.
type progressEvent struct {
	Status   string         `json:"status"`
	Percent  int            `json:"percent"`
	Counts   crm.SyncCounts `json:"counts"`
	Error    string         `json:"error"`
	Finished bool           `json:"finished"`
}

// waitEnd reads the run's server-sent events until the "end" event and
// returns it with the number of events before it.
func (c *client) waitEnd(runID int64) (progressEvent, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/google/runs/"+itoa(runID)+"/events", nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("events: %v", err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		c.t.Fatalf("events: status %d, type %q", resp.StatusCode, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	kind, n := "", 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			kind = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var ev progressEvent
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
				c.t.Fatalf("events: %q: %v", line, err)
			}
			if kind == "end" {
				if !ev.Finished {
					c.t.Errorf("end event of an unfinished run: %+v", ev)
				}
				return ev, n
			}
			n++
		}
	}
	c.t.Fatalf("events: stream ended without an end event (%v)", sc.Err())
	return progressEvent{}, 0
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
