package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestCompanyCRUD(t *testing.T) {
	forEachEngine(t, func(t *testing.T, a *testAPI) {
		_, c := a.mustUser(t, "Acme", "ann@acme.test")

		var co company
		r := c.must(http.StatusCreated, "POST", "/api/v1/companies",
			`{"name":"  Globex  ","phone":"+1 555 0100","website":"globex.test","address":"1 Main St","note":"big"}`, &co)
		if want := path("/companies/%d", co.ID); r.header.Get("Location") != want {
			t.Errorf("Location = %q, want %q", r.header.Get("Location"), want)
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
		}
		if co.ID == 0 || co.Name != "Globex" || co.Phone != "+1 555 0100" || co.Website != "globex.test" ||
			co.Address != "1 Main St" || co.Note != "big" || co.Employees != 0 || co.CreatedAt == "" || co.UpdatedAt == "" {
			t.Errorf("created %+v", co)
		}

		var got company
		c.must(http.StatusOK, "GET", path("/companies/%d", co.ID), nil, &got)
		if got != co {
			t.Errorf("GET = %+v, want %+v", got, co)
		}

		// Merge patch: absent fields stay, null clears, read-only fields are ignored.
		c.must(http.StatusOK, "PATCH", path("/companies/%d", co.ID), `{"name":"Globex Corp","note":null,"id":999,"employees":7}`, &got)
		if got.ID != co.ID || got.Name != "Globex Corp" || got.Note != "" || got.Phone != co.Phone || got.Website != co.Website || got.Employees != 0 {
			t.Errorf("patched %+v", got)
		}

		// Employees count follows the contacts employed there.
		c.mustContact(map[string]any{"first_name": "Ann", "employments": []any{map[string]any{"company_id": co.ID}}})
		c.must(http.StatusOK, "GET", path("/companies/%d", co.ID), nil, &got)
		if got.Employees != 1 {
			t.Errorf("employees = %d, want 1", got.Employees)
		}

		c.must(http.StatusNoContent, "DELETE", path("/companies/%d", co.ID), nil, nil)
		c.must(http.StatusNotFound, "GET", path("/companies/%d", co.ID), nil, nil)
		c.must(http.StatusNotFound, "DELETE", path("/companies/%d", co.ID), nil, nil)
		c.must(http.StatusNotFound, "PATCH", path("/companies/%d", co.ID), `{"name":"X"}`, nil)
	})
}

func TestCompanyListAndSearch(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	names := []string{"Alpha Labs", "Beta Works", "Gamma Labs", "Delta Foods", "Epsilon", "Zeta Labs", "Eta", "Theta"}
	for _, n := range names {
		c.mustCompany(map[string]any{"name": n})
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		var p companyPage
		c.must(http.StatusOK, "GET", "/api/v1/companies?limit=3&cursor="+cursor, nil, &p)
		pages++
		if len(p.Items) > 3 {
			t.Fatalf("page of %d items with limit=3", len(p.Items))
		}
		for _, it := range p.Items {
			if seen[it.Name] {
				t.Errorf("%s listed twice", it.Name)
			}
			seen[it.Name] = true
		}
		if p.NextCursor == "" {
			break
		}
		if pages > len(names) {
			t.Fatal("pagination does not end")
		}
		cursor = p.NextCursor
	}
	if len(seen) != len(names) || pages != 3 {
		t.Errorf("listed %d companies in %d pages, want %d in 3", len(seen), pages, len(names))
	}

	var p companyPage
	c.must(http.StatusOK, "GET", "/api/v1/companies?q=labs", nil, &p)
	if len(p.Items) != 3 {
		t.Errorf("q=labs: %d items, want 3: %+v", len(p.Items), p.Items)
	}
	c.must(http.StatusOK, "GET", "/api/v1/companies?q=nomatch", nil, &p)
	if p.Items == nil || len(p.Items) != 0 || p.NextCursor != "" {
		t.Errorf("q=nomatch: %+v", p)
	}
}

func TestCompanyErrors(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	existing := c.mustCompany(map[string]any{"name": "Initech"})
	other := c.mustCompany(map[string]any{"name": "Hooli"})
	long := strings.Repeat("x", 201)
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"missing name", "POST", "/companies", `{"phone":"123"}`, 422, "invalid", "name"},
		{"blank name", "POST", "/companies", `{"name":"   "}`, 422, "invalid", "name"},
		{"long name", "POST", "/companies", `{"name":"` + long + `"}`, 422, "invalid", "name"},
		{"bad phone", "POST", "/companies", `{"name":"A","phone":"call me"}`, 422, "invalid", "phone"},
		{"bad website", "POST", "/companies", `{"name":"A","website":"<script>"}`, 422, "invalid", "website"},
		{"duplicate name", "POST", "/companies", `{"name":"Initech"}`, 409, "conflict", ""},
		{"rename to a used name", "PATCH", fmt.Sprintf("/companies/%d", other.ID), `{"name":"Initech"}`, 409, "conflict", ""},
		{"patch clears name", "PATCH", fmt.Sprintf("/companies/%d", existing.ID), `{"name":null}`, 422, "invalid", "name"},
		{"malformed JSON", "POST", "/companies", `{"name":`, 400, "bad_request", ""},
		{"not JSON", "POST", "/companies", `name=Acme`, 400, "bad_request", ""},
		{"empty body", "POST", "/companies", ``, 400, "bad_request", ""},
		{"array body", "POST", "/companies", `[{"name":"A"}]`, 400, "bad_request", ""},
		{"null body", "POST", "/companies", `null`, 400, "bad_request", ""},
		{"two objects", "POST", "/companies", `{"name":"A"}{"name":"B"}`, 400, "bad_request", ""},
		{"wrong type", "POST", "/companies", `{"name":42}`, 400, "bad_request", "name"},
		{"wrong type in patch", "PATCH", fmt.Sprintf("/companies/%d", existing.ID), `{"phone":["1"]}`, 400, "bad_request", "phone"},
		{"unknown field", "POST", "/companies", `{"name":"A","nmae":"B"}`, 400, "bad_request", ""},
		{"unknown field in patch", "PATCH", fmt.Sprintf("/companies/%d", existing.ID), `{"nmae":"B"}`, 400, "bad_request", ""},
		{"bad limit", "GET", "/companies?limit=abc", ``, 400, "bad_request", ""},
		{"zero limit", "GET", "/companies?limit=0", ``, 400, "bad_request", ""},
		{"bad id", "PATCH", "/companies/x", `{"name":"A"}`, 400, "bad_request", ""},
		{"bad cursor", "GET", "/companies?cursor=%00garbage", ``, 400, "bad_request", ""},
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
	// Nothing of the refused requests was stored.
	var got company
	c.must(http.StatusOK, "GET", path("/companies/%d", existing.ID), nil, &got)
	if got.Name != "Initech" {
		t.Errorf("refused patch changed the company: %+v", got)
	}
}
