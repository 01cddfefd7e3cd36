package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"simplecrm/internal/crm"
)

// TestOrgIsolation: ids of another organization's records are 404 pages on
// every route, read or write, and nothing changes.
func TestOrgIsolation(t *testing.T) {
	e := newEnv(t)
	otherOrg := mustOrg(t, e.svc, "Other Org")
	stranger := mustUser(t, e.svc, otherOrg, "boss@other.example", crm.RoleAdmin)
	ct := mustContact(t, e.svc, stranger, &crm.Contact{FirstName: "Secret", LastName: "Person",
		Employments: []crm.Employment{{CompanyName: "Secret Co"}}})
	co := ct.Employments[0].CompanyID
	emp := ct.Employments[0].ID

	c := e.login(e.admin)
	for _, tc := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/contacts/%d", ct.ID)},
		{"GET", fmt.Sprintf("/contacts/%d/edit", ct.ID)},
		{"POST", fmt.Sprintf("/contacts/%d", ct.ID)},
		{"POST", fmt.Sprintf("/contacts/%d/trash", ct.ID)},
		{"POST", fmt.Sprintf("/contacts/%d/restore", ct.ID)},
		{"POST", fmt.Sprintf("/contacts/%d/employments/%d/primary", ct.ID, emp)},
		{"POST", fmt.Sprintf("/contacts/%d/employments/%d/delete", ct.ID, emp)},
		{"GET", fmt.Sprintf("/companies/%d", co)},
		{"GET", fmt.Sprintf("/companies/%d/edit", co)},
		{"POST", fmt.Sprintf("/companies/%d", co)},
		{"POST", fmt.Sprintf("/companies/%d/delete", co)},
		{"POST", fmt.Sprintf("/users/%d/role", stranger.ID)},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var p *page
			if tc.method == "GET" {
				p = c.get(tc.path)
			} else {
				p = c.post(tc.path, url.Values{"first_name": {"Hacked"}, "name": {"Hacked"}, "role": {"member"}, "employment_rows": {"0"}})
			}
			p.want(http.StatusNotFound, "Not found").lacks("Secret")
		})
	}
	got, err := e.svc.Contacts.FindContact(t.Context(), otherOrg.ID, ct.ID)
	if err != nil || got.FirstName != "Secret" || got.DeletedAt != nil || len(got.Employments) != 1 {
		t.Errorf("other org's contact changed: %+v %v", got, err)
	}
	if u, _ := e.svc.Users.FindUser(t.Context(), otherOrg.ID, stranger.ID); u.Role != crm.RoleAdmin {
		t.Error("other org's user demoted")
	}
	for _, list := range []string{"/contacts", "/companies", "/contacts?q=secret", "/trash", "/users"} {
		c.get(list).want(200).lacks("Secret", "boss@other.example")
	}
}

// TestCrossOriginPostRejected: a form on another site cannot make a logged-in
// browser change anything.
func TestCrossOriginPostRejected(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"other origin", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"cross-site fetch", http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"same origin", http.Header{"Origin": {e.srv.URL}, "Sec-Fetch-Site": {"same-origin"}}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.login(e.member)
			c.header = tc.header
			p := c.post("/contacts", url.Values{"first_name": {"Forged " + tc.name}, "employment_rows": {"0"}})
			if p.Status != tc.status {
				t.Fatalf("status %d, want %d", p.Status, tc.status)
			}
			list, _, _ := e.svc.Contacts.ListContacts(t.Context(), e.org.ID, crm.ContactFilter{Query: "forged"})
			stored := false
			for _, ct := range list {
				stored = stored || ct.FirstName == "Forged "+tc.name
			}
			if stored != (tc.status == http.StatusOK) {
				t.Errorf("contact stored: %v", stored)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(p.Body, "came from another site") {
				t.Errorf("403 page: %s", excerpt(p.Body))
			}
		})
	}
	// Logout and login are state changes too.
	c := e.login(e.member)
	c.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
	c.post("/logout", nil).want(http.StatusForbidden)
	c.header = http.Header{}
	c.get("/contacts").want(200, "Log out")
}

func TestOutputEscaped(t *testing.T) {
	e := newEnv(t)
	const evil = `<script>alert(1)</script>`
	const escaped = `&lt;script&gt;alert(1)&lt;/script&gt;`
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: evil, LastName: `"><img src=x onerror=alert(2)>`,
		Note: evil, Employments: []crm.Employment{{CompanyName: evil + " Inc", Function: evil}}})
	c := e.login(e.member)
	for _, path := range []string{
		"/contacts",
		"/contacts?q=" + url.QueryEscape(evil),
		fmt.Sprintf("/contacts/%d", ct.ID),
		fmt.Sprintf("/contacts/%d/edit", ct.ID),
		fmt.Sprintf("/companies/%d", ct.Employments[0].CompanyID),
		"/companies",
	} {
		p := c.get(path).want(200, escaped).lacks(evil, `<img src=x`)
		if strings.Count(p.Body, "<script") != 1 { // only the page's own app.js
			t.Errorf("%s: %d script tags", path, strings.Count(p.Body, "<script"))
		}
	}
}

func TestSecurityHeadersAndLimits(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	p := c.get("/contacts")
	for k, want := range map[string]string{
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "frame-ancestors 'none'",
	} {
		if !strings.Contains(p.Header.Get(k), want) {
			t.Errorf("%s: %q", k, p.Header.Get(k))
		}
	}
	big := url.Values{"first_name": {"Big"}, "note": {strings.Repeat("x", 2<<20)}}
	c.post("/contacts", big).want(http.StatusRequestEntityTooLarge)
	// GET does not change state: the trash route only answers POST.
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Ann"})
	c.get(fmt.Sprintf("/contacts/%d/trash", ct.ID)).want(http.StatusNotFound, "Not found")
	if got, _ := e.svc.Contacts.FindContact(t.Context(), e.org.ID, ct.ID); got.DeletedAt != nil {
		t.Error("GET trashed a contact")
	}
	// Static assets are served.
	c.get("/static/app.css").want(200, "phone first")
}
