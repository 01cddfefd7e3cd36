package contactsync_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/password"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

// fixture is one CRM organization with a user who connected one Google
// account of the emulator.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	svc    crm.Services
	emu    *googleemu.Server
	engine *contactsync.Engine
	org    *crm.Organization
	user   *crm.User
	acct   *crm.GoogleAccount
	gmail  string
	client *google.Client
}

func newFixture(t testing.TB, engine string) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, engine)
	if err := db.SetSecretKey([]byte(strings.Repeat("k", 32))); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, db: db, svc: db.Services(), gmail: "ann@gmail.example",
		emu: googleemu.NewTestServer(t, googleemu.Options{DefaultRegion: "FR"})}
	var err error
	if f.org, err = f.svc.Users.EnsureOrganization(ctx, "Acme"); err != nil {
		t.Fatal(err)
	}
	f.user = f.mustUser("ann@acme.example")
	f.acct = f.connect(f.user, f.gmail)
	f.engine = contactsync.New(db, contactsync.Options{Phones: contactsync.Phones{Region: "FR"}}, nil)
	return f
}

func (f *fixture) mustUser(email string) *crm.User {
	hash, _ := password.Hash("password1")
	u := &crm.User{OrgID: f.org.ID, Email: email, Role: crm.RoleAdmin, PasswordHash: hash}
	if err := f.svc.Users.CreateUser(f.ctx, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// connect stores a Google account for u as the OAuth callback would.
func (f *fixture) connect(u *crm.User, gmail string) *crm.GoogleAccount {
	f.t.Helper()
	ea, err := f.emu.AddAccount(gmail, "")
	if err != nil {
		f.t.Fatal(err)
	}
	tok, err := f.emu.IssueToken(gmail, "")
	if err != nil {
		f.t.Fatal(err)
	}
	a := &crm.GoogleAccount{OrgID: f.org.ID, UserID: u.ID, Sub: ea.Sub, Email: gmail, RefreshToken: tok.RefreshToken}
	if err := f.svc.GoogleAccounts.SaveGoogleAccount(f.ctx, a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) googleClient(a *crm.GoogleAccount) *google.Client {
	f.t.Helper()
	cfg := google.Config{ClientID: "test", ClientSecret: "test", AuthURL: f.emu.URL + "/o/oauth2/v2/auth",
		TokenURL: f.emu.URL + "/token", RevokeURL: f.emu.URL + "/revoke", APIURL: f.emu.APIURL()}
	svc, err := cfg.People(f.ctx, a.RefreshToken)
	if err != nil {
		f.t.Fatal(err)
	}
	return google.NewClient(svc)
}

// sync runs the engine once for account a (default: the fixture's) and
// returns the recorded run.
func (f *fixture) sync(accounts ...*crm.GoogleAccount) *crm.SyncRun {
	f.t.Helper()
	a := f.acct
	if len(accounts) > 0 {
		a = accounts[0]
	}
	return f.runOnce(a, nil, nil)
}

// runWith runs the fixture's engine once with the Google client wrapped.
func (f *fixture) runWith(wrap func(contactsync.Google) contactsync.Google) *crm.SyncRun {
	f.t.Helper()
	return f.runOnce(f.acct, wrap, nil)
}

// runOnce runs the engine once for account a, with its Google client
// wrapped by wrap (nil: as it is) and progress reported to progress.
func (f *fixture) runOnce(a *crm.GoogleAccount, wrap func(contactsync.Google) contactsync.Google, progress contactsync.Progress) *crm.SyncRun {
	f.t.Helper()
	full, err := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, a.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var g contactsync.Google = f.googleClient(full)
	if wrap != nil {
		g = wrap(g)
	}
	run := &crm.SyncRun{OrgID: f.org.ID, AccountID: a.ID, Trigger: "test"}
	if err := f.svc.SyncRuns.CreateSyncRun(f.ctx, run); err != nil {
		f.t.Fatal(err)
	}
	if err := f.engine.Run(f.ctx, g, full, run, progress); err != nil {
		f.t.Fatalf("run: %v", err)
	}
	return run
}

func (f *fixture) mustSync() *crm.SyncRun {
	f.t.Helper()
	run := f.sync()
	if run.Status != crm.RunSucceeded {
		f.t.Fatalf("run %s: %s", run.Status, run.Error)
	}
	return run
}

func (f *fixture) crmContact(c crm.Contact) *crm.Contact {
	f.t.Helper()
	c.OrgID, c.OwnerID = f.org.ID, f.user.ID
	if err := f.svc.Contacts.CreateContact(f.ctx, &c); err != nil {
		f.t.Fatal(err)
	}
	return &c
}

// googleContact creates a contact in the account's SimpleCRM group.
func (f *fixture) googleContact(p *people.Person) *people.Person {
	f.t.Helper()
	out, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", p)
	if err != nil {
		f.t.Fatal(err)
	}
	return out[0]
}

func (f *fixture) live() []*crm.Contact {
	f.t.Helper()
	var all []*crm.Contact
	cursor := ""
	for {
		page, next, err := f.svc.Contacts.ListContacts(f.ctx, f.org.ID, crm.ContactFilter{Limit: crm.MaxPageSize, Cursor: cursor})
		if err != nil {
			f.t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		cursor = next
	}
}

// groupMembers returns the Google contacts in the SimpleCRM group.
func (f *fixture) groupMembers() []*people.Person {
	f.t.Helper()
	g := f.groupNamed("SimpleCRM")
	if g == nil {
		return nil
	}
	return f.membersOf(g.ResourceName)
}

func (f *fixture) find(id int64) *crm.Contact {
	f.t.Helper()
	c, err := f.svc.Contacts.FindContact(f.ctx, f.org.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// writes counts the People API write calls since the last ResetRequests.
func (f *fixture) writes() int {
	n := 0
	for method, byStatus := range f.emu.RequestCounts() {
		if isWrite(method) {
			for _, c := range byStatus {
				n += c
			}
		}
	}
	return n
}

// assertNoWrites runs one more sync and fails the test if it writes to
// Google: the two sides had converged.
func (f *fixture) assertNoWrites() {
	f.t.Helper()
	f.emu.ResetRequests()
	f.mustSync()
	if w := f.writes(); w != 0 {
		f.t.Errorf("not converged: a further sync makes %d write calls: %v", w, f.emu.RequestCounts())
	}
}

func (f *fixture) calls() int {
	n := 0
	for method, byStatus := range f.emu.RequestCounts() {
		if strings.HasPrefix(method, "people.") || strings.HasPrefix(method, "contactGroups.") {
			for _, c := range byStatus {
				n += c
			}
		}
	}
	return n
}

func isWrite(method string) bool {
	for _, w := range []string{"create", "Create", "update", "Update", "delete", "Delete", "modify"} {
		if strings.Contains(method, w) {
			return true
		}
	}
	return false
}

func byEmail(persons []*people.Person, email string) *people.Person {
	for _, p := range persons {
		for _, e := range p.EmailAddresses {
			if strings.EqualFold(e.Value, email) {
				return p
			}
		}
	}
	return nil
}

func crmByEmail(cs []*crm.Contact, email string) *crm.Contact {
	for _, c := range cs {
		if strings.EqualFold(c.PersonalEmail, email) {
			return c
		}
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func forEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range storetest.Engines() {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

func sortStrings(s []string) { sort.Strings(s) }

func httpPostForm(u, k, v string) (*http.Response, error) {
	return http.PostForm(u, url.Values{k: {v}})
}
