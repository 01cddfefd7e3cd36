package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
)

func TestContactLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, a *testAPI) {
		_, c := a.mustUser(t, "Acme", "ann@acme.test")
		globex := c.mustCompany(map[string]any{"name": "Globex"})

		// Create, with one employment by id and one by the name of a company
		// that does not exist yet.
		var ct contact
		r := c.must(http.StatusCreated, "POST", "/api/v1/contacts", `{
			"first_name": "Bob", "last_name": "Smith", "home_phone": "+1 555 0101",
			"mobile_phone": "+1 555 0102", "personal_email": "bob@home.test",
			"address": {"street": "1 Elm St", "extended": "Apt 2", "postal_code": "12345",
				"city": "Springfield", "region": "IL", "country": "US"},
			"note": "met at the fair",
			"employments": [
				{"company_id": `+fmt.Sprint(globex.ID)+`, "function": "CTO", "work_email": "bob@globex.test"},
				{"company_name": "Initech", "function": "Advisor", "work_phone": "555 0199", "primary": true}
			]}`, &ct)
		if want := path("/contacts/%d", ct.ID); r.header.Get("Location") != want {
			t.Errorf("Location = %q, want %q", r.header.Get("Location"), want)
		}
		wantAddr := address{"1 Elm St", "Apt 2", "12345", "Springfield", "IL", "US"}
		if ct.ID == 0 || ct.FirstName != "Bob" || ct.LastName != "Smith" || ct.HomePhone != "+1 555 0101" ||
			ct.MobilePhone != "+1 555 0102" || ct.PersonalEmail != "bob@home.test" || ct.Address != wantAddr ||
			ct.Note != "met at the fair" || ct.OwnerEmail != "ann@acme.test" || ct.DeletedAt != nil ||
			ct.CreatedAt == "" || ct.UpdatedAt == "" {
			t.Errorf("created %+v", ct)
		}
		if len(ct.Employments) != 2 {
			t.Fatalf("employments %+v", ct.Employments)
		}
		byName := map[string]employment{}
		for _, e := range ct.Employments {
			byName[e.CompanyName] = e
		}
		if e := byName["Globex"]; e.CompanyID != globex.ID || e.Function != "CTO" || e.WorkEmail != "bob@globex.test" || e.Primary {
			t.Errorf("Globex employment %+v", e)
		}
		initech := byName["Initech"]
		if initech.CompanyID == 0 || initech.Function != "Advisor" || !initech.Primary {
			t.Errorf("Initech employment %+v", initech)
		}
		// The company named by the employment now exists.
		var co company
		c.must(http.StatusOK, "GET", path("/companies/%d", initech.CompanyID), nil, &co)
		if co.Name != "Initech" || co.Employees != 1 {
			t.Errorf("created company %+v", co)
		}
		// Naming an existing company by its exact name reuses it.
		other := c.mustContact(map[string]any{"last_name": "Jones", "employments": []any{map[string]any{"company_name": "Initech"}}})
		if len(other.Employments) != 1 || other.Employments[0].CompanyID != initech.CompanyID || !other.Employments[0].Primary {
			t.Errorf("employment by existing name %+v", other.Employments)
		}

		var got contact
		c.must(http.StatusOK, "GET", path("/contacts/%d", ct.ID), nil, &got)
		if fmt.Sprint(got) != fmt.Sprint(ct) {
			t.Errorf("GET = %+v, want %+v", got, ct)
		}

		// Merge patch: absent fields stay, null clears, address merges key by
		// key, employments (when present) replace the list.
		c.must(http.StatusOK, "PATCH", path("/contacts/%d", ct.ID), `{"first_name":"Robert","note":null,"address":{"city":"Shelbyville","extended":null}}`, &got)
		wantAddr.City, wantAddr.Extended = "Shelbyville", ""
		if got.FirstName != "Robert" || got.LastName != "Smith" || got.Note != "" || got.Address != wantAddr ||
			got.PersonalEmail != ct.PersonalEmail || len(got.Employments) != 2 || got.OwnerEmail != "ann@acme.test" {
			t.Errorf("patched %+v", got)
		}
		c.must(http.StatusOK, "PATCH", path("/contacts/%d", ct.ID), `{"employments":[{"company_name":"Hooli","function":"CEO"}]}`, &got)
		if len(got.Employments) != 1 || got.Employments[0].CompanyName != "Hooli" || got.Employments[0].Function != "CEO" || !got.Employments[0].Primary {
			t.Errorf("replaced employments %+v", got.Employments)
		}
		// Sending back what GET returned changes nothing.
		before := got
		c.must(http.StatusOK, "PATCH", path("/contacts/%d", ct.ID), before, &got)
		if got.FirstName != before.FirstName || got.Address != before.Address || fmt.Sprint(got.Employments) != fmt.Sprint(before.Employments) {
			t.Errorf("round trip changed %+v into %+v", before, got)
		}
		c.must(http.StatusOK, "PATCH", path("/contacts/%d", ct.ID), `{"employments":null,"address":null}`, &got)
		if len(got.Employments) != 0 || got.Address != (address{}) || got.Employments == nil {
			t.Errorf("cleared employments and address: %+v", got)
		}

		// Trash: gone from the list, still readable, listed in the trash, restorable.
		c.must(http.StatusNoContent, "DELETE", path("/contacts/%d", ct.ID), nil, nil)
		c.must(http.StatusOK, "GET", path("/contacts/%d", ct.ID), nil, &got)
		if got.DeletedAt == nil || *got.DeletedAt == "" {
			t.Errorf("trashed contact has no deleted_at: %+v", got)
		}
		if ids := listIDs(c, "/contacts"); ids[ct.ID] {
			t.Errorf("trashed contact in the list")
		}
		if ids := listIDs(c, "/contacts?trashed=true"); !ids[ct.ID] || ids[other.ID] {
			t.Errorf("trash lists %v", ids)
		}
		c.must(http.StatusOK, "POST", path("/contacts/%d/restore", ct.ID), nil, &got)
		if got.DeletedAt != nil || got.FirstName != "Robert" {
			t.Errorf("restored %+v", got)
		}
		if ids := listIDs(c, "/contacts"); !ids[ct.ID] {
			t.Errorf("restored contact not in the list")
		}
	})
}

// listIDs returns the ids on the first page of a contact listing.
func listIDs(c *client, p string) map[int64]bool {
	c.t.Helper()
	var pg contactPage
	c.must(http.StatusOK, "GET", "/api/v1"+p, nil, &pg)
	ids := map[int64]bool{}
	for _, it := range pg.Items {
		ids[it.ID] = true
	}
	return ids
}

func TestContactOwner(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, ann := a.mustUser(t, "Acme", "ann@acme.test")
	a.mustUser(t, "Acme", "bea@acme.test")
	a.mustUser(t, "Evil Corp", "eve@evil.test")

	mine := ann.mustContact(map[string]any{"first_name": "Mine"})
	if mine.OwnerEmail != "ann@acme.test" {
		t.Errorf("default owner %q", mine.OwnerEmail)
	}
	hers := ann.mustContact(map[string]any{"first_name": "Hers", "owner_email": "BEA@acme.test"})
	if hers.OwnerEmail != "bea@acme.test" {
		t.Errorf("assigned owner %q", hers.OwnerEmail)
	}
	var got contact
	ann.must(http.StatusOK, "PATCH", path("/contacts/%d", mine.ID), `{"owner_email":"bea@acme.test"}`, &got)
	if got.OwnerEmail != "bea@acme.test" {
		t.Errorf("reassigned owner %q", got.OwnerEmail)
	}
	// null keeps the owner: a contact always has one.
	ann.must(http.StatusOK, "PATCH", path("/contacts/%d", mine.ID), `{"owner_email":null,"last_name":"X"}`, &got)
	if got.OwnerEmail != "bea@acme.test" {
		t.Errorf("owner after null %q", got.OwnerEmail)
	}
	for _, email := range []string{"nobody@acme.test", "eve@evil.test", "not an email"} {
		for _, r := range []*response{
			ann.do("POST", "/api/v1/contacts", map[string]any{"first_name": "X", "owner_email": email}),
			ann.do("PATCH", path("/contacts/%d", mine.ID), map[string]any{"owner_email": email}),
		} {
			if r.status != http.StatusUnprocessableEntity || r.errorOf(t).Error.Fields["owner_email"] == "" {
				t.Errorf("owner %q: status %d: %s", email, r.status, r.body)
			}
		}
	}
	// A bad owner is reported together with the other field errors.
	r := ann.do("POST", "/api/v1/contacts", map[string]any{"personal_email": "bad", "owner_email": "nobody@acme.test"})
	if f := r.errorOf(t).Error.Fields; f["owner_email"] == "" || f["personal_email"] == "" {
		t.Errorf("combined errors: %s", r.body)
	}

	if ids := listIDs(ann, "/contacts?owner_email=bea@acme.test"); len(ids) != 2 || !ids[mine.ID] || !ids[hers.ID] {
		t.Errorf("owner filter %v", ids)
	}
	if ids := listIDs(ann, "/contacts?owner_email=ann@acme.test"); len(ids) != 0 {
		t.Errorf("owner filter for ann %v", ids)
	}
	ann.must(http.StatusBadRequest, "GET", "/api/v1/contacts?owner_email=eve@evil.test", nil, nil)
}

func TestContactListing(t *testing.T) {
	a := mustAPI(t, "sqlite")
	_, c := a.mustUser(t, "Acme", "ann@acme.test")
	globex := c.mustCompany(map[string]any{"name": "Globex"})
	const n = 23
	for i := range n {
		body := map[string]any{"first_name": fmt.Sprintf("Person%02d", i), "last_name": "Doe"}
		if i%5 == 0 {
			body["employments"] = []any{map[string]any{"company_id": globex.ID}}
		}
		c.mustContact(body)
	}
	special := c.mustContact(map[string]any{"first_name": "Zelda", "last_name": "Quartermaine",
		"personal_email": "zq@hyrule.test", "mobile_phone": "+33 6 12 34 56 78",
		"employments": []any{map[string]any{"company_name": "Nintendo"}}})

	// Every contact exactly once across pages, in order, with limit honoured.
	var all []contact
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("pagination does not end")
		}
		var p contactPage
		c.must(http.StatusOK, "GET", "/api/v1/contacts?limit=5&cursor="+cursor, nil, &p)
		if len(p.Items) > 5 || (p.NextCursor != "" && len(p.Items) == 0) {
			t.Fatalf("page of %d items, next %q", len(p.Items), p.NextCursor)
		}
		all = append(all, p.Items...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	seen := map[int64]bool{}
	for _, ct := range all {
		if seen[ct.ID] {
			t.Errorf("contact %d listed twice", ct.ID)
		}
		seen[ct.ID] = true
	}
	if len(seen) != n+1 {
		t.Errorf("listed %d contacts, want %d", len(seen), n+1)
	}
	// A limit above the maximum is capped, not refused.
	var p contactPage
	c.must(http.StatusOK, "GET", "/api/v1/contacts?limit=100000", nil, &p)
	if len(p.Items) != n+1 {
		t.Errorf("limit=100000: %d items", len(p.Items))
	}

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"zelda", 1}, {"Quarter", 1}, {"zq@hyrule.test", 1}, {"nintendo", 1},
		{"Doe", n}, {"person07", 1}, {"nomatch", 0},
	} {
		c.must(http.StatusOK, "GET", "/api/v1/contacts?limit=200&q="+url.QueryEscape(tc.query), nil, &p)
		if len(p.Items) != tc.want {
			t.Errorf("q=%s: %d items, want %d", tc.query, len(p.Items), tc.want)
		}
		if tc.want == 1 && tc.query != "person07" && p.Items[0].ID != special.ID {
			t.Errorf("q=%s found %+v", tc.query, p.Items[0])
		}
	}
	if ids := listIDs(c, fmt.Sprintf("/contacts?company_id=%d", globex.ID)); len(ids) != 5 {
		t.Errorf("company filter: %d contacts, want 5", len(ids))
	}
}

// TestConcurrentPatch sends overlapping PATCHes of one contact. Each must
// either apply or be refused with 409 (changed meanwhile): never a 500, and
// never a lost update reported as a success.
func TestConcurrentPatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, a *testAPI) {
		_, c := a.mustUser(t, "Acme", "ann@acme.test")
		ct := c.mustContact(map[string]any{"first_name": "Ann", "note": ""})
		const writers, each = 8, 5
		var wg sync.WaitGroup
		var mu sync.Mutex
		applied := map[string]bool{}
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					field := fmt.Sprintf("w%d-%d", w, i)
					r := c.send("PATCH", path("/contacts/%d", ct.ID), map[string]any{"last_name": field})
					switch r.status {
					case http.StatusOK:
						mu.Lock()
						applied[field] = true
						mu.Unlock()
					case http.StatusConflict:
					default:
						t.Errorf("concurrent PATCH: status %d: %s", r.status, r.body)
					}
				}
			})
		}
		wg.Wait()
		var got contact
		c.must(http.StatusOK, "GET", path("/contacts/%d", ct.ID), nil, &got)
		if !applied[got.LastName] {
			t.Errorf("final last_name %q was not reported as applied", got.LastName)
		}
		t.Logf("%d of %d patches applied", len(applied), writers*each)
	})
}
