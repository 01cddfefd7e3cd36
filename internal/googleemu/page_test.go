package googleemu

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	people "google.golang.org/api/people/v1"
)

func TestContactsPage(t *testing.T) {
	s := NewTestServer(t, Options{})
	if _, err := s.AddAccount(alice, "Alice"); err != nil {
		t.Fatal(err)
	}
	g, err := s.EnsureGroup(alice, "SimpleCRM")
	if err != nil {
		t.Fatal(err)
	}
	c := newPageClient(t)
	do := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		return pageDo(t, c, s, method, path, form)
	}

	// Not signed in: the contacts list sends to the sign-in page.
	if _, body := do("GET", "/contacts", nil); !strings.Contains(body, "Sign in") {
		t.Fatalf("not signed in: %s", body)
	}
	mustPageSignIn(t, c, s)

	// Create, in SimpleCRM.
	form := url.Values{"given": {"Grace"}, "family": {"Hopper"}, "phone_type": {"mobile", "home"},
		"phone_value": {"+1 202 555 0143", ""}, "email_type": {"work"}, "email_value": {"grace@navy.mil"},
		"org_name": {"Navy"}, "note": {"COBOL"}, "addr_city": {"Arlington"},
		"groups": {"myContacts", strings.TrimPrefix(g.ResourceName, "contactGroups/")}}
	if code, body := do("POST", "/contacts/new", form); code != 200 || !strings.Contains(body, "Grace Hopper") {
		t.Fatalf("create: %d %s", code, body)
	}
	ps, _ := s.Contacts(alice)
	if len(ps) != 1 || len(ps[0].Memberships) != 2 || ps[0].PhoneNumbers[0].CanonicalForm != "+12025550143" ||
		ps[0].Addresses[0].City != "Arlington" || ps[0].Biographies[0].Value != "COBOL" {
		t.Fatalf("created = %+v", ps)
	}
	p := ps[0]
	id := strings.TrimPrefix(p.ResourceName, "people/c")

	// Search.
	if _, body := do("GET", "/contacts?q=hop", nil); !strings.Contains(body, "Grace Hopper") {
		t.Errorf("search missed")
	}
	if _, body := do("GET", "/contacts?q=zzz", nil); strings.Contains(body, "Grace Hopper") {
		t.Errorf("search matched too much")
	}

	// Edit: rename, drop from SimpleCRM; unmanaged fields survive.
	p.ClientData = []*people.ClientData{{Key: "simplecrm-id", Value: "1"}}
	if _, err := s.UpdateContact(alice, p, "clientData"); err != nil {
		t.Fatal(err)
	}
	if _, body := do("GET", "/contacts/"+id, nil); !strings.Contains(body, `value="Grace"`) {
		t.Fatalf("edit form: %s", body)
	}
	form.Set("given", "Amazing Grace")
	form["groups"] = []string{"myContacts"}
	do("POST", "/contacts/"+id, form)
	got, _ := s.Contact(alice, p.ResourceName)
	if got.Names[0].GivenName != "Amazing Grace" || len(got.Memberships) != 1 || got.Etag == p.Etag || len(got.ClientData) != 1 {
		t.Fatalf("edited = %+v", got)
	}
	// No label at all is refused.
	delete(form, "groups")
	if code, _ := do("POST", "/contacts/"+id, form); code != 400 {
		t.Errorf("no labels: %d", code)
	}

	// New label, then delete the contact.
	do("POST", "/_page/groups", url.Values{"name": {"Friends"}})
	if _, body := do("GET", "/contacts", nil); !strings.Contains(body, "Friends") {
		t.Errorf("label missing")
	}
	do("POST", "/contacts/"+id+"/delete", nil)
	if ps, _ := s.Contacts(alice); len(ps) != 0 {
		t.Errorf("not deleted")
	}
	do("POST", "/_page/logout", nil)
	if _, body := do("GET", "/contacts", nil); !strings.Contains(body, "Sign in") {
		t.Errorf("still signed in")
	}
}

func newPageClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// pageDo calls the contacts page as a browser with c's cookies.
func pageDo(t *testing.T, c *http.Client, s *Server, method, path string, form url.Values) (int, string) {
	t.Helper()
	var res *http.Response
	var err error
	if method == "GET" {
		res, err = c.Get(s.URL + path)
	} else {
		res, err = c.PostForm(s.URL+path, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// mustPageSignIn signs alice in to the contacts page through the account
// chooser and consent.
func mustPageSignIn(t *testing.T, c *http.Client, s *Server) {
	t.Helper()
	_, body := pageDo(t, c, s, "GET", "/_page/login", nil)
	var choose url.Values
	for _, f := range forms(t, body) {
		if f.fields.Get("client_id") == pageClientID {
			choose = f.fields
			break
		}
	}
	if choose == nil {
		t.Fatalf("no chooser: %s", body)
	}
	choose.Set("email", alice)
	_, body = pageDo(t, c, s, "POST", "/o/oauth2/v2/auth/choose", choose)
	consent := forms(t, body)[0].fields
	consent.Set("action", "allow")
	consent.Add("granted", ScopeContacts)
	code, body := pageDo(t, c, s, "POST", "/o/oauth2/v2/auth/consent", consent)
	if code != 200 || !strings.Contains(body, "Create contact") || !strings.Contains(body, alice) {
		t.Fatalf("after sign-in: %d %s", code, body)
	}
}

func TestContactsPageLabelFilter(t *testing.T) {
	s := NewTestServer(t, Options{})
	if _, err := s.AddAccount(alice, "Alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedGroup(alice, "SimpleCRM", &people.Person{Names: []*people.Name{{GivenName: "Inlabel", FamilyName: "Person"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateContact(alice, &people.Person{Names: []*people.Name{{GivenName: "Outside", FamilyName: "Person"}}}); err != nil {
		t.Fatal(err)
	}
	g, err := s.EnsureGroup(alice, "SimpleCRM")
	if err != nil {
		t.Fatal(err)
	}
	c := newPageClient(t)
	mustPageSignIn(t, c, s)
	_, all := pageDo(t, c, s, "GET", "/contacts", nil)
	_, in := pageDo(t, c, s, "GET", "/contacts?group="+strings.TrimPrefix(g.ResourceName, "contactGroups/"), nil)
	_, mine := pageDo(t, c, s, "GET", "/contacts?group=myContacts", nil)
	if !strings.Contains(all, "Inlabel Person") || !strings.Contains(all, "Outside Person") {
		t.Errorf("unfiltered list lacks a contact")
	}
	if !strings.Contains(in, "Inlabel Person") || strings.Contains(in, "Outside Person") {
		t.Errorf("label filter: %s", in)
	}
	if !strings.Contains(mine, "Inlabel Person") || !strings.Contains(mine, "Outside Person") {
		t.Errorf("myContacts filter lacks a contact")
	}
}

// TestPageSessionSurvivesRestart: sessions are in the data file.
func TestPageSessionSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "emu.json")
	s1, err := Start("127.0.0.1:0", Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.AddAccount(alice, "Alice"); err != nil {
		t.Fatal(err)
	}
	c := newPageClient(t)
	mustPageSignIn(t, c, s1)
	u, _ := url.Parse(s1.URL)
	cookies := c.Jar.Cookies(u)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := NewTestServer(t, Options{DataFile: file})
	u2, _ := url.Parse(s2.URL)
	c2 := newPageClient(t)
	c2.Jar.SetCookies(u2, cookies)
	if _, body := pageDo(t, c2, s2, "GET", "/contacts", nil); !strings.Contains(body, "Create contact") {
		t.Fatalf("signed out by the restart: %s", body)
	}
}
