package googleemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/googleapis/gax-go/v2/apierror"
	people "google.golang.org/api/people/v1"
)

// listAll pages through connections.list and returns the people and the
// sync token of the last page; it checks that only the last page has one.
func listAll(t *testing.T, svc *people.Service, syncTok string, pageSize int64) ([]*people.Person, string, int) {
	t.Helper()
	var all []*people.Person
	var next string
	pages := 0
	call := svc.People.Connections.List("people/me").PersonFields("names,emailAddresses,metadata").
		RequestSyncToken(true).PageSize(pageSize)
	if syncTok != "" {
		call = call.SyncToken(syncTok)
	}
	err := call.Pages(context.Background(), func(r *people.ListConnectionsResponse) error {
		pages++
		if r.NextPageToken != "" && r.NextSyncToken != "" {
			t.Errorf("page %d has both nextPageToken and nextSyncToken", pages)
		}
		all = append(all, r.Connections...)
		next = r.NextSyncToken
		return nil
	})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if next == "" {
		t.Fatalf("no nextSyncToken on the last page")
	}
	return all, next, pages
}

func TestFullAndIncrementalSync(t *testing.T) {
	s, svc := mustService(t, Options{})
	var persons []*people.Person
	for i := 0; i < 250; i++ {
		persons = append(persons, &people.Person{Names: []*people.Name{{GivenName: fmt.Sprintf("P%03d", i)}}})
	}
	created, err := s.SeedGroup(alice, "SimpleCRM", persons...)
	if err != nil {
		t.Fatal(err)
	}
	all, tok, pages := listAll(t, svc, "", 100)
	if len(all) != 250 || pages != 3 {
		t.Fatalf("full sync: %d people in %d pages", len(all), pages)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p.ResourceName] {
			t.Fatalf("duplicate %s", p.ResourceName)
		}
		seen[p.ResourceName] = true
	}

	// Nothing changed: only nextSyncToken, no connections key.
	res, err := svc.People.Connections.List("people/me").PersonFields("names").RequestSyncToken(true).SyncToken(tok).Do()
	if err != nil {
		t.Fatal(err)
	}
	if res.Connections != nil || res.NextSyncToken == "" {
		t.Fatalf("empty delta = %+v", res)
	}
	if body := string(mustJSON(t, res)); strings.Contains(body, "connections") {
		t.Fatalf("empty delta has connections: %s", body)
	}

	// One update, one delete, one create.
	upd := created[3]
	if _, err := svc.People.UpdateContact(upd.ResourceName, &people.Person{Etag: upd.Etag,
		Names: []*people.Name{{GivenName: "Changed"}}}).UpdatePersonFields("names").Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.People.DeleteContact(created[7].ResourceName).Do(); err != nil {
		t.Fatal(err)
	}
	newP := mustCreate(t, svc, "New", "One", "")
	delta, tok2, _ := listAll(t, svc, tok, 2)
	if len(delta) != 3 {
		t.Fatalf("delta has %d people, want 3", len(delta))
	}
	byName := map[string]*people.Person{}
	for _, p := range delta {
		byName[p.ResourceName] = p
	}
	if p := byName[upd.ResourceName]; p == nil || p.Names[0].GivenName != "Changed" {
		t.Errorf("updated contact = %+v", p)
	}
	if p := byName[created[7].ResourceName]; p == nil || !p.Metadata.Deleted || p.Names != nil || p.Etag == "" {
		t.Errorf("tombstone = %+v", p)
	}
	if byName[newP.ResourceName] == nil {
		t.Errorf("created contact missing from delta")
	}
	// A full listing does not show tombstones.
	full, _, _ := listAll(t, svc, "", 1000)
	if len(full) != 250 {
		t.Errorf("full listing has %d people, want 250", len(full))
	}
	if res, err := svc.People.Connections.List("people/me").PersonFields("names").RequestSyncToken(true).SyncToken(tok2).Do(); err != nil || len(res.Connections) != 0 {
		t.Errorf("second delta = %+v, %v", res, err)
	}
}

func TestPageTokenBoundToParameters(t *testing.T) {
	_, svc := mustService(t, Options{})
	for i := 0; i < 3; i++ {
		mustCreate(t, svc, fmt.Sprint("n", i), "x", "")
	}
	res, err := svc.People.Connections.List("people/me").PersonFields("names").PageSize(1).Do()
	if err != nil || res.NextPageToken == "" || res.TotalItems != 3 {
		t.Fatalf("first page = %+v, %v", res, err)
	}
	_, err = svc.People.Connections.List("people/me").PersonFields("names,emailAddresses").PageToken(res.NextPageToken).Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
}

func TestExpiredSyncToken(t *testing.T) {
	cases := []struct {
		name   string
		opts   Options
		expire func(*Server)
		code   int
		status string
	}{
		{"age", Options{}, func(s *Server) { s.Advance(7*24*time.Hour + time.Minute) }, 400, "FAILED_PRECONDITION"},
		{"now", Options{}, func(s *Server) { s.ExpireSyncTokens() }, 400, "FAILED_PRECONDITION"},
		{"invalid argument status", Options{ExpiredSyncTokenStatus: "INVALID_ARGUMENT"}, func(s *Server) { s.ExpireSyncTokens() }, 400, "INVALID_ARGUMENT"},
		{"410", Options{ExpiredSyncTokenHTTP410: true}, func(s *Server) { s.ExpireSyncTokens() }, 410, "FAILED_PRECONDITION"},
		{"custom age", Options{SyncTokenMaxAge: time.Hour}, func(s *Server) { s.Advance(61 * time.Minute) }, 400, "FAILED_PRECONDITION"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, svc := mustService(t, tc.opts)
			mustCreate(t, svc, "A", "B", "")
			_, tok, _ := listAll(t, svc, "", 100)
			tc.expire(s)
			// The access token may have expired with the clock: get a new one.
			svc2, err := s.PeopleService(context.Background(), alice)
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc2.People.Connections.List("people/me").PersonFields("names").RequestSyncToken(true).SyncToken(tok).Do()
			ge := apiErr(t, err, tc.code, tc.status)
			if reason(ge) != "EXPIRED_SYNC_TOKEN" || !strings.Contains(ge.Message, "Sync token is expired") {
				t.Errorf("error = %s", ge.Body)
			}
			// gax's strict parser reads the ErrorInfo too.
			var ae *apierror.APIError
			if !errors.As(err, &ae) || ae.Reason() != "EXPIRED_SYNC_TOKEN" || ae.Domain() != "people.googleapis.com" {
				t.Errorf("apierror = %v", ae)
			}
			// A full listing works again.
			listAll(t, svc2, "", 100)
		})
	}
}

func TestSyncTokenAgeFromFullSync(t *testing.T) {
	for _, fromFull := range []bool{false, true} {
		s, _ := mustService(t, Options{SyncTokenMaxAge: time.Hour, SyncTokenAgeFromFullSync: fromFull})
		svc := func() *people.Service {
			svc, err := s.PeopleService(context.Background(), alice)
			if err != nil {
				t.Fatal(err)
			}
			return svc
		}
		mustCreate(t, svc(), "A", "B", "")
		_, tok, _ := listAll(t, svc(), "", 100)
		s.Advance(40 * time.Minute)
		_, tok, _ = listAll(t, svc(), tok, 100) // incremental, renews the token
		s.Advance(40 * time.Minute)
		_, err := svc().People.Connections.List("people/me").PersonFields("names").RequestSyncToken(true).SyncToken(tok).Do()
		if (err != nil) != fromFull {
			t.Errorf("fromFull=%v: err = %v", fromFull, err)
		}
	}
}

func TestSyncPropagationDelay(t *testing.T) {
	s, svc := mustService(t, Options{SyncPropagationDelay: 10 * time.Second})
	_, tok, _ := listAll(t, svc, "", 100)
	p := mustCreate(t, svc, "Late", "Comer", "")
	// Visible to get at once, not to the incremental listing.
	if _, err := svc.People.Get(p.ResourceName).PersonFields("names").Do(); err != nil {
		t.Fatal(err)
	}
	delta, tok2, _ := listAll(t, svc, tok, 100)
	if len(delta) != 0 {
		t.Fatalf("delta before the delay = %d people", len(delta))
	}
	s.Advance(11 * time.Second)
	delta, _, _ = listAll(t, svc, tok2, 100)
	if len(delta) != 1 {
		t.Fatalf("delta after the delay = %d people", len(delta))
	}
}

func TestSortOrders(t *testing.T) {
	for _, reject := range []bool{false, true} {
		_, svc := mustService(t, Options{RejectDescendingWithSyncToken: reject})
		mustCreate(t, svc, "Zed", "Alpha", "")
		mustCreate(t, svc, "Amy", "Zulu", "")
		res, err := svc.People.Connections.List("people/me").PersonFields("names").SortOrder("FIRST_NAME_ASCENDING").Do()
		if err != nil || res.Connections[0].Names[0].GivenName != "Amy" {
			t.Fatalf("first name order: %v", err)
		}
		res, err = svc.People.Connections.List("people/me").PersonFields("names").SortOrder("LAST_NAME_ASCENDING").Do()
		if err != nil || res.Connections[0].Names[0].GivenName != "Zed" {
			t.Fatalf("last name order: %v", err)
		}
		_, err = svc.People.Connections.List("people/me").PersonFields("names").SortOrder("LAST_MODIFIED_DESCENDING").RequestSyncToken(true).Do()
		if (err != nil) != reject {
			t.Errorf("reject=%v: err = %v", reject, err)
		}
	}
}

func TestListCapsEmailsAndPhones(t *testing.T) {
	_, svc := mustService(t, Options{})
	p := &people.Person{}
	for i := 0; i < 120; i++ {
		p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: fmt.Sprintf("e%d@example.com", i)})
	}
	created, err := svc.People.CreateContact(p).PersonFields("emailAddresses").Do()
	if err != nil || len(created.EmailAddresses) != 120 {
		t.Fatalf("create: %v", err)
	}
	res, err := svc.People.Connections.List("people/me").PersonFields("emailAddresses").Do()
	if err != nil || len(res.Connections[0].EmailAddresses) != 100 {
		t.Fatalf("list: %d emails, %v", len(res.Connections[0].EmailAddresses), err)
	}
}

func TestConcurrentClients(t *testing.T) {
	s, svc := mustService(t, Options{})
	errs := make(chan error, 40)
	for i := 0; i < 20; i++ {
		go func() {
			_, err := svc.People.CreateContact(&people.Person{Names: []*people.Name{{GivenName: fmt.Sprint("c", i)}}}).Do()
			errs <- err
		}()
		go func() {
			_, err := svc.People.Connections.List("people/me").PersonFields("names").RequestSyncToken(true).Do()
			errs <- err
		}()
	}
	for i := 0; i < 40; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got, _ := s.Contacts(alice); len(got) != 20 {
		t.Errorf("%d contacts", len(got))
	}
	if n := s.Calls("people.createContact"); n != 20 {
		t.Errorf("%d create calls logged", n)
	}
}

// TestPagingSurvivesChanges changes contacts between pages in every sort
// order: each unchanged contact is returned exactly once, in order, and the
// changed ones come back in the next incremental listing.
func TestPagingSurvivesChanges(t *testing.T) {
	orders := []string{"LAST_MODIFIED_ASCENDING", "LAST_MODIFIED_DESCENDING", "FIRST_NAME_ASCENDING", "LAST_NAME_ASCENDING"}
	for _, order := range orders {
		t.Run(order, func(t *testing.T) {
			_, svc := mustService(t, Options{})
			for _, n := range [][2]string{{"Amy", "Young"}, {"Bob", "Xu"}, {"Cid", "Wu"}, {"Dan", "Vo"}, {"Eve", "Tan"}} {
				mustCreate(t, svc, n[0], n[1], "")
			}
			list := func(pageToken, syncToken string, size int64) *people.ListConnectionsResponse {
				t.Helper()
				call := svc.People.Connections.List("people/me").PersonFields("names").SortOrder(order).
					RequestSyncToken(true).PageSize(size).PageToken(pageToken)
				if syncToken != "" {
					call = call.SyncToken(syncToken)
				}
				res, err := call.Do()
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			var want []string
			for _, p := range list("", "", 1000).Connections {
				want = append(want, p.ResourceName)
			}
			page := list("", "", 2)
			got := []string{page.Connections[0].ResourceName, page.Connections[1].ResourceName}
			// Delete one already returned, change one not returned yet.
			deleted, changed := want[0], want[3]
			if _, err := svc.People.DeleteContact(deleted).Do(); err != nil {
				t.Fatal(err)
			}
			cur, err := svc.People.Get(changed).PersonFields("names").Do()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.People.UpdateContact(changed, &people.Person{Etag: cur.Etag, Names: cur.Names,
				Nicknames: []*people.Nickname{{Value: "nick"}}}).UpdatePersonFields("nicknames").Do(); err != nil {
				t.Fatal(err)
			}
			for page.NextPageToken != "" {
				page = list(page.NextPageToken, "", 2)
				for _, p := range page.Connections {
					got = append(got, p.ResourceName)
				}
			}
			wantGot := []string{want[0], want[1], want[2], want[4]}
			if strings.Join(got, " ") != strings.Join(wantGot, " ") {
				t.Fatalf("paged %v, want %v (full order %v)", got, wantGot, want)
			}
			delta := list("", page.NextSyncToken, 100)
			var names []string
			for _, p := range delta.Connections {
				names = append(names, p.ResourceName)
			}
			if len(names) != 2 || !slices.Contains(names, deleted) || !slices.Contains(names, changed) {
				t.Fatalf("next delta = %v, want %s and %s", names, deleted, changed)
			}
		})
	}
}

// rawList calls connections.list over plain HTTP and returns the body as
// sent, so the test sees keys a Go struct would drop or add.
func rawList(t *testing.T, s *Server, token string, query url.Values) map[string]json.RawMessage {
	t.Helper()
	query.Set("personFields", "names")
	req, _ := http.NewRequest("GET", s.URL+"/v1/people/me/connections?"+query.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res := mustDo(t, req)
	b, _ := io.ReadAll(res.Body)
	var out map[string]json.RawMessage
	if res.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("list: %d %s", res.StatusCode, b)
	}
	return out
}

func TestEmptyDeltaBody(t *testing.T) {
	s, svc := mustService(t, Options{})
	tok, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, svc, "A", "B", "")
	full := rawList(t, s, tok.AccessToken, url.Values{"requestSyncToken": {"true"}})
	if string(full["totalItems"]) != "1" || string(full["totalPeople"]) != "1" || full["connections"] == nil {
		t.Fatalf("full listing = %v", full)
	}
	var syncTok string
	_ = json.Unmarshal(full["nextSyncToken"], &syncTok)
	empty := rawList(t, s, tok.AccessToken, url.Values{"requestSyncToken": {"true"}, "syncToken": {syncTok}})
	if len(empty) != 1 || empty["nextSyncToken"] == nil {
		t.Fatalf("empty delta has keys %v, want only nextSyncToken", slices.Sorted(maps.Keys(empty)))
	}
}
