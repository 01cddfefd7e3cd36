package ui_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"simplecrm/internal/crm"
	"simplecrm/internal/password"
	"simplecrm/internal/store/storetest"
	"simplecrm/internal/ui"
)

// The tests drive the UI over real HTTP against a real SQLite store, the way
// a browser would: a cookie jar, forms posted as application/x-www-form-urlencoded,
// redirects followed.

const testPassword = "correct horse battery"

type env struct {
	t   *testing.T
	svc crm.Services
	srv *httptest.Server
	org *crm.Organization
	// admin and member belong to org.
	admin, member *crm.User
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvConfig(t, false)
}

func newEnvConfig(t *testing.T, secure bool) *env {
	t.Helper()
	db := storetest.Open(t, "sqlite")
	svc := db.Services()
	e := &env{t: t, svc: svc}
	e.org = mustOrg(t, svc, "Acme Corp")
	e.admin = mustUser(t, svc, e.org, "admin@acme.example", crm.RoleAdmin)
	e.member = mustUser(t, svc, e.org, "member@acme.example", crm.RoleMember)
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	e.srv = httptest.NewServer(ui.New(ui.Config{Services: svc, Logger: log, SecureCookies: secure}))
	t.Cleanup(e.srv.Close)
	return e
}

func mustOrg(t *testing.T, svc crm.Services, name string) *crm.Organization {
	t.Helper()
	org, err := svc.Users.EnsureOrganization(context.Background(), name)
	if err != nil {
		t.Fatalf("EnsureOrganization: %v", err)
	}
	return org
}

func mustUser(t *testing.T, svc crm.Services, org *crm.Organization, email string, role crm.Role) *crm.User {
	t.Helper()
	hash, err := password.Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	u := &crm.User{OrgID: org.ID, Email: email, Role: role, PasswordHash: hash}
	if err := svc.Users.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser %s: %v", email, err)
	}
	return u
}

func mustContact(t *testing.T, svc crm.Services, u *crm.User, c *crm.Contact) *crm.Contact {
	t.Helper()
	c.OrgID, c.OwnerID = u.OrgID, u.ID
	if err := svc.Contacts.CreateContact(context.Background(), c); err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	return c
}

func mustCompany(t *testing.T, svc crm.Services, u *crm.User, name string) *crm.Company {
	t.Helper()
	c := &crm.Company{OrgID: u.OrgID, Name: name}
	if err := svc.Companies.CreateCompany(context.Background(), c); err != nil {
		t.Fatalf("CreateCompany: %v", err)
	}
	return c
}

// client is one browser.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	// header is added to every request (Origin, Sec-Fetch-Site).
	header http.Header
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.srv.URL, hc: &http.Client{Jar: jar}, header: http.Header{}}
}

// login returns a client logged in as u.
func (e *env) login(u *crm.User) *client {
	e.t.Helper()
	c := e.client()
	p := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if p.Status != http.StatusOK || p.URL.Path != "/contacts" {
		e.t.Fatalf("login as %s: status %d at %s", u.Email, p.Status, p.URL)
	}
	return c
}

// page is a response after redirects.
type page struct {
	t      *testing.T
	Status int
	URL    *url.URL
	Body   string
	Header http.Header
}

func (c *client) do(req *http.Request) *page {
	c.t.Helper()
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &page{t: c.t, Status: resp.StatusCode, URL: resp.Request.URL, Body: string(b), Header: resp.Header}
}

func (c *client) get(path string) *page {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) *page {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// want fails the test unless the page has status and contains every string.
func (p *page) want(status int, contains ...string) *page {
	p.t.Helper()
	if p.Status != status {
		p.t.Fatalf("%s: status %d, want %d\n%s", p.URL, p.Status, status, excerpt(p.Body))
	}
	for _, s := range contains {
		if !strings.Contains(p.Body, s) {
			p.t.Errorf("%s: page lacks %q\n%s", p.URL, s, excerpt(p.Body))
		}
	}
	return p
}

func (p *page) lacks(strs ...string) *page {
	p.t.Helper()
	for _, s := range strs {
		if strings.Contains(p.Body, s) {
			p.t.Errorf("%s: page contains %q", p.URL, s)
		}
	}
	return p
}

// value returns the value of the input named name, unescaped.
func (p *page) value(name string) string {
	p.t.Helper()
	re := regexp.MustCompile(`name="` + regexp.QuoteMeta(html.EscapeString(name)) + `"[^>]*?value="([^"]*)"`)
	m := re.FindStringSubmatch(p.Body)
	if m == nil {
		// A select's value is its selected option.
		re = regexp.MustCompile(`(?s)<select[^>]*name="` + regexp.QuoteMeta(name) + `".*?<option value="([^"]*)" selected>`)
		m = re.FindStringSubmatch(p.Body)
	}
	if m == nil {
		// Textareas hold their value as content, after a newline.
		re = regexp.MustCompile(`(?s)<textarea[^>]*name="` + regexp.QuoteMeta(name) + `"[^>]*>\n(.*?)</textarea>`)
		if m = re.FindStringSubmatch(p.Body); m == nil {
			p.t.Fatalf("%s: no input %q", p.URL, name)
		}
	}
	return html.UnescapeString(m[1])
}

// id returns the trailing number of the page's path (/contacts/12 → 12).
func (p *page) id() int64 {
	p.t.Helper()
	n, err := strconv.ParseInt(p.URL.Path[strings.LastIndex(p.URL.Path, "/")+1:], 10, 64)
	if err != nil {
		p.t.Fatalf("no id in %s", p.URL)
	}
	return n
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main>"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}
