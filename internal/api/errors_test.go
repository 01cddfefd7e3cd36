package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"simplecrm/internal/server"
)

// TestContactErrors feeds the contact routes bad input of every kind: each
// must be answered with a 4xx JSON error naming the field, never a 500.
func TestContactErrors(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	globex := c.mustCompany(map[string]any{"name": "Globex"})
	existing := c.mustContact(map[string]any{"first_name": "Ann"})
	patch := fmt.Sprintf("/contacts/%d", existing.ID)
	long := strings.Repeat("é", 201)
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"no name", "POST", "/contacts", `{"note":"x"}`, 422, "invalid", "last_name"},
		{"bad email", "POST", "/contacts", `{"first_name":"A","personal_email":"ann@"}`, 422, "invalid", "personal_email"},
		{"display-name email", "POST", "/contacts", `{"first_name":"A","personal_email":"Ann <ann@x.test>"}`, 422, "invalid", "personal_email"},
		{"long first name", "POST", "/contacts", `{"first_name":"` + long + `"}`, 422, "invalid", "first_name"},
		{"long city", "PATCH", patch, `{"address":{"city":"` + long + `"}}`, 422, "invalid", "address.city"},
		{"long note", "POST", "/contacts", `{"first_name":"A","note":"` + strings.Repeat("n", 20001) + `"}`, 422, "invalid", "note"},
		{"bad phone", "POST", "/contacts", `{"first_name":"A","home_phone":"abc"}`, 422, "invalid", "home_phone"},
		{"bad work email", "POST", "/contacts", `{"first_name":"A","employments":[{"company_name":"X","work_email":"nope"}]}`, 422, "invalid", "employments.0.work_email"},
		{"employment without company", "POST", "/contacts", `{"first_name":"A","employments":[{"function":"CTO"}]}`, 422, "invalid", "employments.0.company_id"},
		{"employment with company 0", "POST", "/contacts", `{"first_name":"A","employments":[{"company_id":0}]}`, 422, "invalid", "employments.0.company_id"},
		{"two primaries", "POST", "/contacts", `{"first_name":"A","employments":[{"company_name":"X","primary":true},{"company_name":"Y","primary":true}]}`, 422, "invalid", "employments.1.primary"},
		{"same company twice", "PATCH", patch, fmt.Sprintf(`{"employments":[{"company_id":%d},{"company_id":%d}]}`, globex.ID, globex.ID), 422, "invalid", "employments.1.company_name"},
		{"patch clears every name", "PATCH", patch, `{"first_name":null}`, 422, "invalid", "last_name"},
		{"malformed JSON", "POST", "/contacts", `{"first_name":"A",}`, 400, "bad_request", ""},
		{"truncated JSON", "PATCH", patch, `{"first_name":"A"`, 400, "bad_request", ""},
		{"empty patch body", "PATCH", patch, ``, 400, "bad_request", ""},
		{"string body", "POST", "/contacts", `"Ann"`, 400, "bad_request", ""},
		{"wrong type", "POST", "/contacts", `{"first_name":1}`, 400, "bad_request", "first_name"},
		{"wrong type in patch", "PATCH", patch, `{"last_name":false}`, 400, "bad_request", "last_name"},
		{"address not an object", "POST", "/contacts", `{"first_name":"A","address":"1 Elm St"}`, 400, "bad_request", "address"},
		{"wrong type in address", "PATCH", patch, `{"address":{"city":12}}`, 400, "bad_request", "address.city"},
		{"employments not a list", "POST", "/contacts", `{"first_name":"A","employments":{"company_name":"X"}}`, 400, "bad_request", "employments"},
		{"company id as string", "POST", "/contacts", `{"first_name":"A","employments":[{"company_id":"5"}]}`, 400, "bad_request", "employments.0.company_id"},
		{"company id too big", "POST", "/contacts", `{"first_name":"A","employments":[{"company_id":1e99}]}`, 400, "bad_request", "employments.0.company_id"},
		{"primary as string", "PATCH", patch, `{"employments":[{"company_name":"X"},{"company_name":"Y","primary":"yes"}]}`, 400, "bad_request", "employments.1.primary"},
		{"unknown field", "POST", "/contacts", `{"first_name":"A","frist_name":"B"}`, 400, "bad_request", ""},
		{"unknown address field", "PATCH", patch, `{"address":{"zip":"1"}}`, 400, "bad_request", ""},
		{"unknown employment field", "POST", "/contacts", `{"first_name":"A","employments":[{"company_name":"X","title":"CTO"}]}`, 400, "bad_request", ""},
		{"unknown company id", "POST", "/contacts", `{"first_name":"A","employments":[{"company_id":999999}]}`, 422, "invalid", "employments.0.company_id"},
		{"negative company id", "PATCH", patch, `{"employments":[{"company_id":-1}]}`, 422, "invalid", "employments.0.company_id"},
		{"bad cursor", "GET", "/contacts?cursor=not-a-cursor", ``, 400, "bad_request", ""},
		{"forged cursor", "GET", "/contacts?cursor=" + strings.Repeat("A", 64), ``, 400, "bad_request", ""},
		{"bad trashed", "GET", "/contacts?trashed=maybe", ``, 400, "bad_request", ""},
		{"bad company filter", "GET", "/contacts?company_id=abc", ``, 400, "bad_request", ""},
		{"negative limit", "GET", "/contacts?limit=-1", ``, 400, "bad_request", ""},
		{"unknown owner filter", "GET", "/contacts?owner_email=nobody@acme.test", ``, 400, "bad_request", ""},
		{"bad id", "PATCH", "/contacts/1e3", `{"first_name":"A"}`, 400, "bad_request", ""},
		{"bad restore id", "POST", "/contacts/x/restore", ``, 400, "bad_request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := c.do(tc.method, "/api/v1"+tc.path, body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			e := r.errorOf(t)
			if e.Error.Code != tc.code {
				t.Errorf("code %q, want %q", e.Error.Code, tc.code)
			}
			if tc.field != "" && e.Error.Fields[tc.field] == "" {
				t.Errorf("no message for field %q: %s", tc.field, r.body)
			}
		})
	}

	// Type errors say, in words, what the field must be.
	for body, want := range map[string]string{
		`{"first_name":1}`: "first_name must be a string.",
		`{"first_name":"A","employments":[{"company_name":"X"},{"company_name":"Y","primary":"yes"}]}`: "employments.1.primary must be true or false.",
		`{"first_name":"A","employments":[{"company_name":"X","company_id":"7"}]}`:                     "employments.0.company_id must be an integer.",
		`{"address":[]}`: "address must be an object.",
	} {
		if got := c.do("POST", "/api/v1/contacts", body).errorOf(t).Error.Message; got != want {
			t.Errorf("%s: message %q, want %q", body, got, want)
		}
	}

	// Messages say what to do, in the API's words.
	if got := c.do("POST", "/api/v1/contacts", `{"first_name":"A","employments":[{"company_id":0}]}`).errorOf(t).
		Error.Fields["employments.0.company_id"]; got != "Give company_id or company_name." {
		t.Errorf("employment with company 0: message %q", got)
	}
	if got := c.do("GET", "/api/v1/contacts?cursor=not-a-cursor", nil).errorOf(t).Error.Message; !strings.HasPrefix(got, "The cursor is not valid. Use the next_cursor") {
		t.Errorf("bad cursor: message %q", got)
	}

	// None of the refused patches changed the contact.
	var got contact
	c.must(http.StatusOK, "GET", path("/contacts/%d", existing.ID), nil, &got)
	if got.FirstName != "Ann" || len(got.Employments) != 0 || got.Address != (address{}) {
		t.Errorf("refused patches changed %+v", got)
	}
	if strings.Contains(a.log.String(), "internal error") {
		t.Errorf("bad input was logged as an internal error:\n%s", a.log)
	}
}

func TestBodyLimit(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	ct := c.mustContact(map[string]any{"first_name": "Ann"})
	huge := `{"first_name":"A","note":"` + strings.Repeat("x", 1<<20) + `"}`
	// The API on its own, and mounted in the product's server, which refuses
	// a body announced as too large before the API sees it: both answer the
	// API's JSON error, with and without a Content-Length.
	srv := httptest.NewServer(server.New(server.Config{Services: a.svc, DB: a.db,
		Logger: slog.New(slog.NewTextHandler(a.log, nil))}).Handler())
	t.Cleanup(srv.Close)
	viaServer := *c
	viaServer.base = srv.URL
	for name, cl := range map[string]*client{"api": c, "server": &viaServer} {
		for _, p := range []string{"POST /api/v1/contacts", "POST /api/v1/companies", fmt.Sprintf("PATCH /api/v1/contacts/%d", ct.ID)} {
			method, route, _ := strings.Cut(p, " ")
			for _, body := range []any{huge, io.MultiReader(strings.NewReader(huge))} {
				r := cl.do(method, route, body)
				if r.status != http.StatusRequestEntityTooLarge || r.errorOf(t).Error.Code != "too_large" {
					t.Errorf("%s: %s (%T): status %d: %.200s", name, p, body, r.status, r.body)
				}
			}
		}
	}
	// Just under the limit is read (and then refused by validation: too long a note).
	under := `{"first_name":"A","note":"` + strings.Repeat("x", 1<<20-40) + `"}`
	if r := viaServer.do("POST", "/api/v1/contacts", under); r.status != http.StatusUnprocessableEntity {
		t.Errorf("body under the limit: status %d: %.200s", r.status, r.body)
	}
}

// TestNULInText checks a character some engines cannot store (PostgreSQL
// refuses NUL in text) on every engine: refused or stored, never a 500.
func TestNULInText(t *testing.T) {
	forEachEngine(t, func(t *testing.T, a *testAPI) {
		_, c := a.mustUser(t, "Acme", "ann@acme.test")
		c.do("POST", "/api/v1/contacts", `{"first_name":"A\u0000B"}`)
		c.do("POST", "/api/v1/companies", `{"name":"A\u0000B"}`)
		c.do("GET", "/api/v1/contacts?q=a%00b", nil)
		c.do("GET", "/api/v1/companies?q=a%00b", nil)
		c.do("GET", "/api/v1/contacts?owner_email=a%00b", nil)
		c.do("GET", "/api/v1/contacts?cursor=a%00b", nil)
	})
}
