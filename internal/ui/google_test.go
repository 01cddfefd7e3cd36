package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	people "google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

const gmail = "admin.phone@gmail.example"

// TestSyncMobileJourney is the seed's journey: "Sync Mobile", Google's
// account chooser and consent, the sync page with live progress, the end
// message, and the contacts on both sides.
func TestSyncMobileJourney(t *testing.T) {
	s := newSyncEnv(t)
	ada := mustContact(t, s.svc, s.admin, &crm.Contact{FirstName: "Ada", LastName: "Lovelace", PersonalEmail: "ada@example.org"})
	if _, err := s.emu.AddAccount(gmail, "Admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.emu.SeedGroup(gmail, crm.DefaultGroupName, &people.Person{
		Names:          []*people.Name{{GivenName: "Grace", FamilyName: "Hopper"}},
		EmailAddresses: []*people.EmailAddress{{Value: "grace@example.org", Type: "home"}},
	}); err != nil {
		t.Fatal(err)
	}
	c := s.login(s.admin)
	// The button is a form on the contacts list and on each contact page.
	c.get("/contacts").want(http.StatusOK, `action="/google/connect"`, `id="sync-mobile"`)
	c.get(contactPath(ada.ID)).want(http.StatusOK, `action="/google/connect"`, `value="/contacts/`+itoa(ada.ID)+`"`)

	run := s.connect(c, gmail)
	run.want(http.StatusOK, "Connected "+gmail)
	runID := run.id()
	end, _ := c.waitEnd(runID)
	if end.Status != crm.RunSucceeded {
		t.Fatalf("end event %+v", end)
	}
	if end.Counts.GoogleCreated != 1 || end.Counts.CRMCreated != 1 {
		t.Errorf("counts %+v, want 1 created on each side", end.Counts)
	}

	// The finished run renders its end message on the server.
	p := c.get("/google/runs/"+itoa(runID)).want(http.StatusOK, `id="end-message"`, "Sync finished", `id="duration"`,
		`id="started-by">Connecting the account<`) // words, not the stored "connect"
	for id, want := range map[string]string{"crm-created": "1", "google-created": "1", "crm-deleted": "0", "conflicts": "0"} {
		if !strings.Contains(p.Body, `id="`+id+`">`+want+`<`) {
			t.Errorf("end message: %s is not %s\n%s", id, want, excerpt(p.Body))
		}
	}
	p.lacks("run-live", "google_run.js", "http-equiv")

	// Ada is now in the SimpleCRM group of the Google account.
	if !inGroup(t, s, gmail, crm.DefaultGroupName, "Ada") {
		t.Error("Ada is not in the Google group")
	}
	// Grace came the other way.
	got, _, err := s.svc.Contacts.ListContacts(context.Background(), s.org.ID, crm.ContactFilter{Query: "Grace"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Grace in the CRM: %v, %v", got, err)
	}

	// With one account, the button syncs again at once.
	again := c.post("/google/connect", url.Values{"return_to": {"/contacts"}}).want(http.StatusOK)
	if !strings.HasPrefix(again.URL.Path, "/google/runs/") || again.id() == runID {
		t.Fatalf("second Sync Mobile ended at %s", again.URL)
	}
	if !strings.Contains(again.Body, `href="/contacts"`) {
		t.Error("the run page has no way back to where the user started")
	}
	c.waitEnd(again.id())

	// Accounts and history list the account and both runs.
	c.get("/google/accounts").want(http.StatusOK, gmail, "SimpleCRM", "Contacts you own", "succeeded",
		`action="/google/accounts/`)
	h := c.get("/google/history").want(http.StatusOK, `href="/google/runs/`+itoa(runID)+`"`,
		`href="/google/runs/`+itoa(again.id())+`"`, "Connecting the account", "Sync Mobile button")
	if strings.Index(h.Body, "/google/runs/"+itoa(again.id())) > strings.Index(h.Body, "/google/runs/"+itoa(runID)+`"`) {
		t.Error("history is not newest first")
	}
}

func TestRunningRunPage(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	run := s.connect(c, gmail)
	// Caught before the worker finishes, or not: either page is complete.
	if strings.Contains(run.Body, `id="run-live"`) {
		run.want(http.StatusOK, `<meta http-equiv="refresh"`, `src="/static/google_run.js"`, `<progress`,
			`data-events="/google/runs/`+itoa(run.id())+`/events"`)
	} else {
		run.want(http.StatusOK, `id="end-message"`)
	}
	c.waitEnd(run.id())
	c.get("/static/google_run.js").want(http.StatusOK, "EventSource")
}

func TestConnectRefusals(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)

	// Cancel on Google's consent page.
	consent, params := s.chooseAccount(c, c.post("/google/connect", nil), gmail)
	s.consent(c, consent, params, false, true).want(http.StatusBadRequest, "You cancelled", `id="try-again"`)

	// The contacts permission unticked.
	consent, params = s.chooseAccount(c, c.post("/google/connect", nil), gmail)
	s.consent(c, consent, params, true, false).want(http.StatusBadRequest, "contacts permission", `id="try-again"`)

	// A callback replayed after success is refused, as is one without state.
	consent, params = s.chooseAccount(c, c.post("/google/connect", nil), gmail)
	resp := s.consent(c.noRedirects(), consent, params, true, true)
	callback := resp.Header.Get("Location")
	if !strings.Contains(callback, "/google/callback?") {
		t.Fatalf("consent redirected to %q", callback)
	}
	cb, _ := url.Parse(callback)
	c.get(cb.RequestURI()).want(http.StatusOK)
	c.get(cb.RequestURI()).want(http.StatusBadRequest, "already used", `id="try-again"`)
	c.get("/google/callback?code=x").want(http.StatusBadRequest, "no state")

	// Another user's state is refused as such, connects nothing for them,
	// and leaves the link to its owner, who can still finish.
	consent, params = s.chooseAccount(c, c.post("/google/connect", url.Values{"new": {"1"}}), "second@gmail.example")
	resp = s.consent(c.noRedirects(), consent, params, true, true)
	cb, _ = url.Parse(resp.Header.Get("Location"))
	m := s.login(s.member)
	m.get(cb.RequestURI()).want(http.StatusBadRequest,
		"This Google sign-in was started by another Simple CRM user; sign in as that user, or start Sync Mobile again.",
		`id="try-again"`).lacks("already used")
	m.get("/google/accounts").want(http.StatusOK, "No Google account is connected").lacks(gmail)
	run := c.get(cb.RequestURI()).want(http.StatusOK, "Connected second@gmail.example")
	c.waitEnd(run.id())
	m.get(cb.RequestURI()).want(http.StatusBadRequest, "already used")
}

// TestCallbackAfterLogin: a browser without a session at the callback logs
// in and comes back to finish the connect.
func TestCallbackAfterLogin(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	consent, params := s.chooseAccount(c, c.post("/google/connect", nil), gmail)
	resp := s.consent(c.noRedirects(), consent, params, true, true)
	cb, _ := url.Parse(resp.Header.Get("Location"))

	fresh := s.client()
	login := fresh.get(cb.RequestURI()).want(http.StatusOK)
	if login.URL.Path != "/login" || login.URL.Query().Get("next") != cb.RequestURI() {
		t.Fatalf("not sent to login with the way back: %s", login.URL)
	}
	run := fresh.post("/login", url.Values{"email": {s.admin.Email}, "password": {testPassword},
		"next": {login.URL.Query().Get("next")}}).want(http.StatusOK, "Connected "+gmail)
	if !strings.HasPrefix(run.URL.Path, "/google/runs/") {
		t.Fatalf("after login: %s", run.URL)
	}
	fresh.waitEnd(run.id())
}

func TestAccountSettings(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	c.waitEnd(s.connect(c, gmail).id())
	a := s.onlyAccount(t)
	path := "/google/accounts/" + itoa(a.ID) + "/settings"

	// A refused form comes back with the typed values and the reasons.
	p := c.post(path, url.Values{"group_name": {"  "}, "scope": {"all"}, "delete_mode": {"unlink"},
		"sync_mode": {"custom"}, "sync_minutes": {"30"}}).want(http.StatusUnprocessableEntity,
		"Enter the name of the Google contact group", `id="settings-errors-`+itoa(a.ID)+`"`)
	if p.value("sync_minutes") != "30" || !strings.Contains(p.Body, `<option value="all" selected>`) ||
		!strings.Contains(p.Body, `<option value="unlink" selected>`) {
		t.Errorf("typed values lost\n%s", excerpt(p.Body))
	}
	p = c.post(path, url.Values{"group_name": {"Phone"}, "scope": {"owned"}, "delete_mode": {"trash"},
		"sync_mode": {"custom"}, "sync_minutes": {"soon"}}).want(http.StatusUnprocessableEntity, "Enter a number of minutes")
	if p.value("sync_minutes") != "soon" || p.value("group_name") != "Phone" {
		t.Error("typed values lost")
	}
	if got := s.onlyAccount(t); got.GroupName != crm.DefaultGroupName {
		t.Errorf("a refused form changed the group to %q", got.GroupName)
	}

	c.post(path, url.Values{"group_name": {"Phone"}, "scope": {"all"}, "delete_mode": {"unlink"},
		"sync_mode": {"custom"}, "sync_minutes": {"90"}}).want(http.StatusOK, "Settings of "+gmail+" saved.",
		"Every 90 min", "Every contact of the organization", "Only unlink")
	got := s.onlyAccount(t)
	if got.GroupName != "Phone" || got.Scope != crm.ScopeAll || got.DeleteMode != crm.DeleteUnlink ||
		got.SyncInterval == nil || got.SyncInterval.Minutes() != 90 {
		t.Errorf("stored %+v", got)
	}
	c.post(path, url.Values{"group_name": {"Phone"}, "scope": {"all"}, "delete_mode": {"unlink"},
		"sync_mode": {"off"}}).want(http.StatusOK, "Off")

	// Another user cannot see or change it.
	m := s.login(s.member)
	m.post(path, url.Values{"group_name": {"Mine"}}).want(http.StatusNotFound)
	m.post("/google/accounts/"+itoa(a.ID)+"/sync", nil).want(http.StatusNotFound)
	m.post("/google/accounts/"+itoa(a.ID)+"/disconnect", nil).want(http.StatusNotFound)
	m.get("/google/accounts/" + itoa(a.ID) + "/history").want(http.StatusNotFound)
	m.get("/google/runs/" + itoa(a.LastRunID)).want(http.StatusNotFound)
	m.get("/google/runs/" + itoa(a.LastRunID) + "/events").want(http.StatusNotFound)
}

func TestDisconnect(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	c.waitEnd(s.connect(c, gmail).id())
	a := s.onlyAccount(t)
	stored, err := s.db.FindGoogleAccount(context.Background(), s.org.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !s.refreshes(stored.RefreshToken) {
		t.Fatal("the token does not refresh before disconnecting")
	}
	c.post("/google/accounts/"+itoa(a.ID)+"/disconnect", nil).
		want(http.StatusOK, "Disconnected "+gmail, "No Google account is connected")
	if s.refreshes(stored.RefreshToken) {
		t.Error("the token still refreshes after disconnecting")
	}
	if _, err := s.db.FindGoogleAccount(context.Background(), s.org.ID, a.ID); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Errorf("account after disconnect: %v", err)
	}
	// The button now starts a new connect.
	p := c.post("/google/connect", nil).want(http.StatusOK, "Choose an account")
	if !strings.HasPrefix(p.URL.String(), s.emu.URL) {
		t.Errorf("Sync Mobile after disconnect went to %s", p.URL)
	}
}

func TestSeveralAccountsAndReconnect(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	c.waitEnd(s.connect(c, gmail).id())
	// "Add a Google account" connects another even though one exists.
	p := c.post("/google/connect", url.Values{"new": {"1"}, "return_to": {"/google/accounts"}})
	consent, params := s.chooseAccount(c, p, "work.phone@gmail.example")
	run := s.consent(c, consent, params, true, true).want(http.StatusOK, "Connected work.phone@gmail.example")
	c.waitEnd(run.id())
	// With two, the button lets the user choose.
	c.post("/google/connect", nil).want(http.StatusOK, gmail, "work.phone@gmail.example", `id="add-account"`)

	// A revoked authorization shows "Reconnect needed" with its button, and
	// reconnecting goes back to Google for that account.
	accounts, _ := s.sync.Accounts(context.Background(), s.admin)
	a := accounts[0]
	if err := s.db.MarkGoogleAccountReconnect(context.Background(), a.ID, true, "Google revoked the access."); err != nil {
		t.Fatal(err)
	}
	c.get("/google/accounts").want(http.StatusOK, "Reconnect needed", `id="reconnect-`+itoa(a.ID)+`"`)
	c.post("/google/accounts/"+itoa(a.ID)+"/sync", nil).want(http.StatusOK, "Reconnect "+a.Email+" first")
	c.post("/google/accounts/"+itoa(a.ID)+"/reconnect", nil).want(http.StatusOK, "Choose an account")
}

func TestSyncMobileUnavailable(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.admin)
	c.get("/google/accounts").want(http.StatusNotFound, "Sync Mobile is not available")
	c.post("/google/connect", nil).want(http.StatusNotFound, "Sync Mobile is not available")
}

func TestFormActionAllowsGoogle(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	csp := c.get("/contacts").Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' "+s.emu.URL) {
		t.Errorf("CSP %q does not let the Sync Mobile form reach Google", csp)
	}
}

// onlyAccount returns the admin's one account.
func (s *syncEnv) onlyAccount(t *testing.T) *crm.GoogleAccount {
	t.Helper()
	accounts, err := s.sync.Accounts(context.Background(), s.admin)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts: %v, %v", accounts, err)
	}
	return accounts[0]
}

// refreshes reports whether the emulator still accepts the refresh token.
func (s *syncEnv) refreshes(token string) bool {
	s.t.Helper()
	resp, err := http.PostForm(s.emu.URL+"/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {token}, "client_id": {"test"}, "client_secret": {"test"}})
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// inGroup reports whether a Google contact with that given name is a member
// of the named group.
func inGroup(t *testing.T, s *syncEnv, email, group, given string) bool {
	t.Helper()
	groups, err := s.emu.Groups(email)
	if err != nil {
		t.Fatal(err)
	}
	var groupRN string
	for _, g := range groups {
		if g.Name == group {
			groupRN = g.ResourceName
		}
	}
	persons, err := s.emu.Contacts(email)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range persons {
		if len(p.Names) == 0 || p.Names[0].GivenName != given {
			continue
		}
		for _, m := range p.Memberships {
			if m.ContactGroupMembership != nil && m.ContactGroupMembership.ContactGroupResourceName == groupRN {
				return true
			}
		}
	}
	return false
}

func contactPath(id int64) string { return "/contacts/" + itoa(id) }
