package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	a := mustAPI(t, "sqlite")
	u, good := a.mustUser(t, "Acme", "ann@acme.test")
	token := strings.TrimPrefix(good.auth, "Bearer ")
	tok, revoked, err := a.svc.Auth.CreateAPIToken(context.Background(), u.ID, "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.Auth.RevokeAPIToken(context.Background(), u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}

	good.must(http.StatusOK, "GET", "/api/v1/contacts", nil, nil)
	// The scheme is case-insensitive (RFC 9110 §11.1).
	(&client{t: t, base: a.srv.URL, auth: "bearer " + token}).must(http.StatusOK, "GET", "/api/v1/companies", nil, nil)

	for _, auth := range []string{
		"",
		"Bearer ",
		"Basic " + token,
		token,
		"Bearer not-a-token",
		"Bearer " + token + "x",
		"Bearer " + revoked,
	} {
		c := &client{t: t, base: a.srv.URL, auth: auth}
		// Unknown routes too: an anonymous caller learns nothing.
		for _, route := range []string{"GET /api/v1/contacts", "POST /api/v1/companies", "GET /api/v1/contacts/1", "GET /api/v1/nope"} {
			method, p, _ := strings.Cut(route, " ")
			r := c.do(method, p, `{"name":"X"}`)
			if r.status != http.StatusUnauthorized {
				t.Fatalf("%q %s: status %d, want 401: %s", auth, route, r.status, r.body)
			}
			if e := r.errorOf(t); e.Error.Code != "unauthorized" {
				t.Errorf("%q %s: code %q", auth, route, e.Error.Code)
			}
			if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("%q %s: WWW-Authenticate = %q", auth, route, h)
			}
		}
	}
	// Nothing was created by the refused POSTs.
	var pp companyPage
	good.must(http.StatusOK, "GET", "/api/v1/companies", nil, &pp)
	if len(pp.Items) != 0 {
		t.Errorf("refused requests created %d companies", len(pp.Items))
	}
}

// TestOtherOrganization proves that no id route reveals or changes anything
// of another organization: each answers 404 and the data stays as it was.
func TestOtherOrganization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, a *testAPI) {
		_, ann := a.mustUser(t, "Acme", "ann@acme.test")
		_, eve := a.mustUser(t, "Evil Corp", "eve@evil.test")
		co := ann.mustCompany(map[string]any{"name": "Acme Supplies"})
		ct := ann.mustContact(map[string]any{"first_name": "Bob", "employments": []any{map[string]any{"company_id": co.ID}}})
		trashed := ann.mustContact(map[string]any{"first_name": "Tom"})
		ann.must(http.StatusNoContent, "DELETE", path("/contacts/%d", trashed.ID), nil, nil)

		routes := []struct{ method, path, body string }{
			{"GET", path("/companies/%d", co.ID), ""},
			{"PATCH", path("/companies/%d", co.ID), `{"name":"Pwned"}`},
			{"DELETE", path("/companies/%d", co.ID), ""},
			{"GET", path("/contacts/%d", ct.ID), ""},
			{"PATCH", path("/contacts/%d", ct.ID), `{"first_name":"Pwned"}`},
			{"DELETE", path("/contacts/%d", ct.ID), ""},
			{"GET", path("/contacts/%d", trashed.ID), ""},
			{"POST", path("/contacts/%d/restore", trashed.ID), ""},
		}
		for _, rt := range routes {
			var body any
			if rt.body != "" {
				body = rt.body
			}
			r := eve.do(rt.method, rt.path, body)
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s as other org: status %d, want 404: %s", rt.method, rt.path, r.status, r.body)
				continue
			}
			if e := r.errorOf(t); e.Error.Code != "not_found" {
				t.Errorf("%s %s: code %q", rt.method, rt.path, e.Error.Code)
			}
		}
		// Nothing of Acme shows in Evil Corp's listings or filters.
		var cp contactPage
		eve.must(http.StatusOK, "GET", "/api/v1/contacts", nil, &cp)
		if len(cp.Items) != 0 {
			t.Errorf("other org lists %d contacts", len(cp.Items))
		}
		eve.must(http.StatusNotFound, "GET", path("/contacts?company_id=%d", co.ID), nil, nil)
		var pp companyPage
		eve.must(http.StatusOK, "GET", "/api/v1/companies?q=Acme", nil, &pp)
		if len(pp.Items) != 0 {
			t.Errorf("other org lists %d companies", len(pp.Items))
		}
		// Employing a company of another organization is refused too.
		r := eve.do("POST", "/api/v1/contacts", map[string]any{"first_name": "X", "employments": []any{map[string]any{"company_id": co.ID}}})
		if r.status < 400 {
			t.Errorf("employment with another org's company: status %d: %s", r.status, r.body)
		}
		// And Acme's data is untouched.
		var got contact
		ann.must(http.StatusOK, "GET", path("/contacts/%d", ct.ID), nil, &got)
		if got.FirstName != "Bob" || got.DeletedAt != nil {
			t.Errorf("contact changed by other org: %+v", got)
		}
		ann.must(http.StatusOK, "GET", path("/contacts/%d", trashed.ID), nil, &got)
		if got.DeletedAt == nil {
			t.Errorf("trashed contact restored by other org")
		}
		var gotCo company
		ann.must(http.StatusOK, "GET", path("/companies/%d", co.ID), nil, &gotCo)
		if gotCo.Name != "Acme Supplies" {
			t.Errorf("company changed by other org: %+v", gotCo)
		}
	})
}

func TestRoutingErrors(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	cases := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/v1/nothing", http.StatusNotFound, "not_found"},
		{"GET", "/api/v1/contacts/1/nothing", http.StatusNotFound, "not_found"},
		{"PUT", "/api/v1/contacts/1", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"DELETE", "/api/v1/contacts", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"GET", "/api/v1/contacts/1/restore", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"GET", "/api/v1/contacts/abc", http.StatusBadRequest, "bad_request"},
		{"GET", "/api/v1/contacts/0", http.StatusBadRequest, "bad_request"},
		{"GET", "/api/v1/contacts/-3", http.StatusBadRequest, "bad_request"},
		{"GET", "/api/v1/contacts/99999999999999999999", http.StatusBadRequest, "bad_request"},
		{"DELETE", "/api/v1/companies/1.5", http.StatusBadRequest, "bad_request"},
		{"GET", "/api/v1/contacts/999999", http.StatusNotFound, "not_found"},
		{"GET", "/api/v1/companies/999999", http.StatusNotFound, "not_found"},
		{"POST", "/api/v1/contacts/999999/restore", http.StatusNotFound, "not_found"},
		{"DELETE", "/api/v1/contacts/999999", http.StatusNotFound, "not_found"},
	}
	for _, tc := range cases {
		r := c.do(tc.method, tc.path, nil)
		if r.status != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, r.status, tc.status, r.body)
			continue
		}
		if e := r.errorOf(t); e.Error.Code != tc.code {
			t.Errorf("%s %s: code %q, want %q", tc.method, tc.path, e.Error.Code, tc.code)
		}
		if tc.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", tc.method, tc.path)
		}
	}
}

// TestInternalError checks that a fault of ours is a 500 with a generic
// message, its detail logged and never shown.
func TestInternalError(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	if err := a.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := c.send("GET", "/api/v1/contacts", nil)
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	e := r.errorOf(t)
	if e.Error.Code != "internal" || e.Error.Message != "Internal error." || strings.Contains(string(r.body), "closed") {
		t.Errorf("internal error shown as %s", r.body)
	}
	if log := a.log.String(); !strings.Contains(log, "api: internal error") || !strings.Contains(log, "closed") {
		t.Errorf("detail not logged:\n%s", log)
	}
}
