package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// The fuzz targets send arbitrary bodies to the create and patch routes of a
// real API on a real database. Whatever the body, the answer is a success or
// a 4xx JSON error: never a 500. The seeds run with every go test.

func FuzzContactBody(f *testing.F) {
	for _, s := range []string{
		`{"first_name":"Ann","last_name":"Lee","personal_email":"ann@x.test","address":{"city":"Paris"},"employments":[{"company_name":"Acme","primary":true}]}`,
		`{"first_name":"Ann","employments":[{"company_id":1},{"company_id":1}]}`,
		`{"first_name":"Ann","employments":[{"company_id":-9223372036854775808}]}`,
		`{"first_name":"Ann","employments":[{"company_id":9223372036854775807}]}`,
		`{"first_name":"Ann","employments":[{"company_id":1.5}]}`,
		`{"first_name":"Ann","employments":[null,{}]}`,
		`{"first_name":"Ann","owner_email":"nobody@x.test"}`,
		`{"first_name":"A\u0000B","note":"\ud800"}`,
		"{\"first_name\":\"\xff\xfe\"}",
		`{"address":null,"employments":null,"first_name":null}`,
		`{"created_at":"yesterday","deleted_at":"2024-01-01T00:00:00Z","id":"x"}`,
		`{"address":{"city":{"a":1}}}`,
		`{"employments":[{"company_name":"X"},{"primary":"yes"}]}`,
		`{"employments":[{"primary":"yes"}],"employments":[]}`,
		`{"address":{"city":1},"address":"x"}`,
		`{"first_name":"A","first_name":"B"}`,
		`{"employments":[{"company_name":"` + string(make([]byte, 300)) + `"}]}`,
		`[]`, `{}`, `null`, `"x"`, `1`, ``, `{`, `{"a":`, `{"first_name":"A"}garbage`,
	} {
		f.Add(s)
	}
	a := mustAPI(f, "sqlite")
	_, c := a.mustUser(f, "Acme", "ann@acme.test")
	existing := c.mustContact(map[string]any{"first_name": "Existing"})
	f.Fuzz(func(t *testing.T, body string) {
		fuzzRoutes(t, c, body, "POST /api/v1/contacts", fmt.Sprintf("PATCH /api/v1/contacts/%d", existing.ID))
	})
}

func FuzzCompanyBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Acme","phone":"+1 555 0100","website":"acme.test","address":"1 Main St","note":"n"}`,
		`{"name":"Existing"}`,
		`{"name":"Acme","employees":1e400}`,
		`{"name":"A\u0000B"}`,
		`{"name":null}`,
		`{"name":["a"]}`,
		`{"id":1,"created_at":"2024-01-01T00:00:00Z"}`,
		`{"website":"javascript:alert(1)","name":"x"}`,
		`[]`, `{}`, `null`, `true`, ``, `{"name":"a"`,
	} {
		f.Add(s)
	}
	a := mustAPI(f, "sqlite")
	_, c := a.mustUser(f, "Acme", "ann@acme.test")
	existing := c.mustCompany(map[string]any{"name": "Existing"})
	f.Fuzz(func(t *testing.T, body string) {
		fuzzRoutes(t, c, body, "POST /api/v1/companies", fmt.Sprintf("PATCH /api/v1/companies/%d", existing.ID))
	})
}

// fuzzRoutes sends body to each "METHOD PATH" route as c's user; do fails the
// test on a 5xx, and every refusal must be a JSON error.
func fuzzRoutes(t *testing.T, c *client, body string, routes ...string) {
	cl := *c
	cl.t = t
	for _, route := range routes {
		var method, p string
		fmt.Sscan(route, &method, &p)
		r := cl.do(method, p, body)
		if r.status >= 400 {
			r.errorOf(t)
		} else if r.status != http.StatusOK && r.status != http.StatusCreated {
			t.Errorf("%s: status %d", route, r.status)
		}
	}
}
