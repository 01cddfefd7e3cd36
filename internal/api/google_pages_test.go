package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

// GET /google-accounts pages and searches like every list (DESIGN.md §4).
func TestGoogleAccountsListPages(t *testing.T) {
	s := mustSyncAPI(t, "test")
	u, c := s.mustUser(t, "Acme", "ann@acme.example")
	for _, email := range []string{"ann@gmail.example", "ann.work@gmail.example", "ann.home@gmail.example"} {
		waitRun(t, c, s.mustConnect(t, u, c, email))
	}
	type accountPage struct {
		Items      []accountOut `json:"items"`
		NextCursor string       `json:"next_cursor"`
	}
	var p1, p2 accountPage
	c.must(http.StatusOK, "GET", path("/google-accounts?limit=2"), nil, &p1)
	if len(p1.Items) != 2 || p1.NextCursor == "" {
		t.Fatalf("first page %+v", p1)
	}
	c.must(http.StatusOK, "GET", path("/google-accounts?limit=2&cursor=")+url.QueryEscape(p1.NextCursor), nil, &p2)
	if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID <= p1.Items[1].ID {
		t.Fatalf("second page %+v after %+v", p2, p1)
	}
	var found accountPage
	c.must(http.StatusOK, "GET", path("/google-accounts?q=WORK"), nil, &found)
	if len(found.Items) != 1 || found.Items[0].Email != "ann.work@gmail.example" {
		t.Fatalf("q=WORK found %+v", found.Items)
	}
	c.must(http.StatusOK, "GET", path("/google-accounts?q=simplecrm"), nil, &found) // the group name
	if len(found.Items) != 3 {
		t.Fatalf("q=simplecrm found %d", len(found.Items))
	}
	for _, cur := range []string{"nonsense", "zz"} { // a bad cursor is a bad request, as for contacts
		r := c.do("GET", path("/google-accounts?cursor="+cur), nil)
		if e := r.errorOf(t); r.status != http.StatusBadRequest || e.Error.Code != "bad_request" ||
			!strings.HasPrefix(e.Error.Message, "The cursor is not valid. Use the next_cursor") {
			t.Errorf("cursor=%s: %d %+v", cur, r.status, e.Error)
		}
	}
	c.must(http.StatusBadRequest, "GET", path("/google-accounts?limit=0"), nil, nil)
}

// A run's events carry the kinds of DESIGN.md §4 (conflict, duplicate_email)
// and come a page at a time.
func TestRunEventKindsAndPages(t *testing.T) {
	s := mustSyncAPI(t, "test")
	u, c := s.mustUser(t, "Acme", "ann@acme.example")
	if _, err := s.emu.AddAccount("ann@gmail.example", "Ann"); err != nil {
		t.Fatal(err)
	}
	// Zoé is in both, with different names: a conflict when first linked.
	if _, err := s.emu.SeedGroup("ann@gmail.example", crm.DefaultGroupName, &people.Person{
		Names:          []*people.Name{{GivenName: "Zoe", FamilyName: "Durand-Martin"}},
		EmailAddresses: []*people.EmailAddress{{Value: "zoe@example.org", Type: "home"}},
	}); err != nil {
		t.Fatal(err)
	}
	c.mustContact(map[string]any{"first_name": "Zoé", "last_name": "Durand", "personal_email": "zoe@example.org"})
	for _, name := range []string{"First", "Second", "Third"} { // one email, three contacts: two duplicates
		c.mustContact(map[string]any{"first_name": name, "last_name": "Dup", "personal_email": "dup@example.org"})
	}
	run := waitRun(t, c, s.mustConnect(t, u, c, "ann@gmail.example"))
	kinds := map[string]int{}
	for _, e := range run.Events {
		kinds[e.Kind]++
	}
	if kinds[crm.EventConflict] == 0 || kinds[crm.EventDuplicateEmail] != 2 {
		t.Fatalf("event kinds %v, want conflict and 2 duplicate_email", kinds)
	}

	// One event a page, until next_events_cursor is empty: the same events.
	type eventsPage struct {
		Events []struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		} `json:"events"`
		Next string `json:"next_events_cursor"`
	}
	var all []string
	cursor := ""
	for range len(run.Events) + 1 {
		var p eventsPage
		c.must(http.StatusOK, "GET", path("/sync-runs/%d?events_limit=1&events_cursor=%s", run.ID, url.QueryEscape(cursor)), nil, &p)
		if len(p.Events) > 1 {
			t.Fatalf("%d events with events_limit=1", len(p.Events))
		}
		for _, e := range p.Events {
			all = append(all, e.Kind+": "+e.Message)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if len(all) != len(run.Events) || cursor != "" {
		t.Fatalf("paged %d events (cursor %q), want %d", len(all), cursor, len(run.Events))
	}
	for i, e := range run.Events {
		if all[i] != e.Kind+": "+e.Message {
			t.Errorf("event %d: %q, want %q", i, all[i], e.Kind+": "+e.Message)
		}
	}
	c.must(http.StatusBadRequest, "GET", path("/sync-runs/%d?events_limit=x", run.ID), nil, nil)
	r := c.do("GET", path("/sync-runs/%d?events_cursor=garbage", run.ID), nil)
	if e := r.errorOf(t); r.status != http.StatusBadRequest || e.Error.Code != "bad_request" ||
		!strings.HasPrefix(e.Error.Message, "The events_cursor is not valid. Use the next_events_cursor") {
		t.Errorf("events_cursor=garbage: %d %+v", r.status, e.Error)
	}
}
