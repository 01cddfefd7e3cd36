package googleemu

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
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
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(method, path string, form url.Values) (int, string) {
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

	// Not signed in: the contacts list sends to the sign-in page.
	if _, body := do("GET", "/contacts", nil); !strings.Contains(body, "Sign in") {
		t.Fatalf("not signed in: %s", body)
	}
	// Sign in through the account chooser and consent.
	_, body := do("GET", "/_page/login", nil)
	fs := forms(t, body)
	var choose url.Values
	for _, f := range fs {
		if strings.Contains(body, alice) && f.fields.Get("client_id") == pageClientID {
			choose = f.fields
			break
		}
	}
	choose.Set("email", alice)
	_, body = do("POST", "/o/oauth2/v2/auth/choose", choose)
	consent := forms(t, body)[0].fields
	consent.Set("action", "allow")
	consent.Add("granted", ScopeContacts)
	code, body := do("POST", "/o/oauth2/v2/auth/consent", consent)
	if code != 200 || !strings.Contains(body, "Create contact") || !strings.Contains(body, alice) {
		t.Fatalf("after sign-in: %d %s", code, body)
	}

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
